/**
 * The preview page in a real browser: headless Chromium (Debian's `chromium`; see
 * bench/preview/chromium.ts) opens pages the library wrote and checks what a user would see.
 * Skips, saying why, when no Chromium is installed.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { chromiumMissing, launchChromium, type LaunchedChromium } from '../../bench/preview/chromium.js';
import { preview } from '../../src/preview/index.js';
import { png } from '../helpers/images.js';
import { makeTempDir, removeDir, writeTree } from '../helpers/fs.js';
import { jsonl, MULTI_CLASS, MULTI_CLASS_PREDICTIONS, SEGMENTATION, writeDetection } from './fixtures.js';

const missing = chromiumMissing();
if (missing) process.stderr.write(`browser.slow.test.ts: skipped: ${missing}\n`);

const LONG = { timeout: 60_000 };

/**
 * In the browser: an SVG shape's geometry (its getBBox, no stroke) in page pixels, through its
 * svg's viewBox and on-screen box. (A string: the tests are type-checked without the DOM library.)
 */
const ON_SCREEN = new Function(
  'el',
  `const svg = el.ownerSVGElement, s = svg.getBoundingClientRect(), vb = svg.viewBox.baseVal, b = el.getBBox();
   const kx = s.width / vb.width, ky = s.height / vb.height;
   return { x: s.x + b.x * kx, y: s.y + b.y * ky, width: b.width * kx, height: b.height * ky };`,
) as (el: unknown) => { x: number; y: number; width: number; height: number };

describe.skipIf(missing !== undefined)(`the preview page in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let dir = '';
  let browser: LaunchedChromium | undefined;
  /** Console errors and uncaught exceptions of every page opened. */
  const problems: string[] = [];

  beforeAll(async () => {
    dir = makeTempDir('automl-img-browser-');
    browser = await launchChromium({ width: 1280, height: 800 });
  }, LONG.timeout);

  afterAll(async () => {
    await browser?.close();
    if (dir) removeDir(dir);
  }, LONG.timeout);

  async function open(file: string): Promise<Page> {
    const page = await browser!.context.newPage();
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${file}: console: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`${file}: ${e.message}`));
    page.on('request', (r) => {
      if (!r.url().startsWith('file:') && !r.url().startsWith('data:')) problems.push(`${file}: a request to ${r.url()}`);
    });
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-ready="1"]');
    // every <img> on screen loaded or failed
    await page.waitForFunction('[...document.images].every((i) => i.complete)');
    return page;
  }

  const cardOf = (page: Page, url: string) => page.locator(`.card:has(img[alt="${url}"]), .card:has(.name[title="${url}"])`).first();
  const cardCount = (page: Page) => page.locator('#grid .card').count();

  it('detection with predictions: photos, shapes where the coordinates say, legend, filters, slider, large view', LONG, async () => {
    await writeDetection(dir);
    const out = join(dir, 'site', 'preview.html');
    await preview([join(dir, 'out/train_annotations.jsonl'), join(dir, 'out/validation_annotations.jsonl')], { out, imagesRoot: join(dir, 'data'), predictions: join(dir, 'preds.jsonl') });
    const page = await open(out);

    // the photos load; the missing one is a placeholder naming its path
    const loaded = await page.evaluate<[string, number, number][]>('[...document.images].map((i) => [i.alt, i.naturalWidth, i.naturalHeight])');
    expect(loaded.sort()).toEqual([
      ['images/1.png', 400, 300],
      ['images/2.png', 200, 200],
      ['images/5.png', 50, 50],
      ['images/sub dir/4.png', 300, 400],
    ]);
    await expect(cardOf(page, 'images/missing.png').locator('.missing').textContent()).resolves.toContain('../data/images/missing.png');

    // shapes sit where their normalised coordinates put them on the photo (geometry, without the stroke)
    const card = cardOf(page, 'images/1.png');
    const img = (await card.locator('img').boundingBox())!;
    const svg = (await card.locator('svg').boundingBox())!;
    expect(svg).toEqual(img);
    expect(img.width / img.height).toBeCloseTo(400 / 300, 1);
    const can = await card.locator('rect[data-kind="gt"][data-label="can"]').evaluate(ON_SCREEN);
    expect(can.x).toBeCloseTo(img.x + 0.1 * img.width, 1);
    expect(can.y).toBeCloseTo(img.y + 0.2 * img.height, 1);
    expect(can.width).toBeCloseTo(0.3 * img.width, 1);
    expect(can.height).toBeCloseTo(0.4 * img.height, 1);
    // crowd objects are dashed, predictions dotted, each with their label
    const dash = (sel: string) =>
      card
        .locator(sel)
        .first()
        .evaluate(new Function('e', 'return getComputedStyle(e).strokeDasharray') as (e: unknown) => string);
    expect(await dash('rect[data-kind="gt"][data-label="carton"]')).toMatch(/^6(px)?,? 4(px)?$/);
    expect(await dash('rect[data-kind="gt"][data-label="can"]')).toBe('none');
    expect(await dash('rect[data-kind="pred"]')).toMatch(/^2(px)?,? 2(px)?$/);
    expect(await card.locator('svg text').allTextContents()).toEqual(['can', 'carton (crowd)', 'can 0.95', 'can 0.60']);

    // the legend counts images and objects per label and file
    const count = (label: string, file: number, what: string) => page.locator(`tr[data-label="${label}"] td[data-file="${file}"][data-count="${what}"]`).textContent();
    expect(await count('can', 0, 'images')).toBe('2');
    expect(await count('can', 0, 'objects')).toBe('2');
    expect(await count('carton', 0, 'objects')).toBe('1');
    expect(await count('milk_bottle', 0, 'images')).toBe('0');
    expect(await count('milk_bottle', 1, 'objects')).toBe('1');
    expect(await count('can', 1, 'images')).toBe('1');

    // filters
    expect(await cardCount(page)).toBe(5);
    await page.selectOption('#filter-file', { label: 'validation' });
    expect(await cardCount(page)).toBe(1);
    await page.selectOption('#filter-file', '-1');
    await page.selectOption('#filter-label', { label: 'milk_bottle' });
    expect(await cardCount(page)).toBe(1);
    await page.click('tr[data-label="carton"]');
    expect(await page.locator('#filter-label').inputValue()).toBe('1');
    expect(await cardCount(page)).toBe(1);
    await page.selectOption('#filter-label', '-1');
    await page.check('#filter-empty');
    expect(await page.locator('#grid .card .name').allTextContents()).toEqual(['2.png', '5.png']);
    await page.uncheck('#filter-empty');

    // only mistakes, and the slider: at 0.5 the can at 0.6 on nothing is a false positive; at 0.65 it is hidden
    await page.check('#filter-mistakes');
    expect(await page.locator('#grid .card .name').allTextContents()).toEqual(['1.png', '4.png', '5.png']);
    // (the slider redraws on the next animation frame: poll)
    await page.locator('#threshold').fill('0.65');
    expect(await page.locator('#threshold-value').textContent()).toBe('0.65');
    await expect.poll(() => page.locator('#grid .card .name').allTextContents()).toEqual(['4.png', '5.png']);
    await page.uncheck('#filter-mistakes');
    expect(await cardOf(page, 'images/1.png').locator('[data-kind="pred"]').count()).toBe(1);
    await page.locator('#threshold').fill('0.1');
    await expect.poll(() => cardOf(page, 'images/1.png').locator('[data-kind="pred"]').count()).toBe(3);
    expect(await cardOf(page, 'images/sub dir/4.png').locator('[data-kind="pred"]').getAttribute('data-status')).toBe('wrong-class');

    // click for a large view; Escape closes it
    await cardOf(page, 'images/sub dir/4.png').click();
    await expect(page.locator('#modal').isVisible()).resolves.toBe(true);
    const big = (await page.locator('#modal img').boundingBox())!;
    expect(big.height).toBeGreaterThan(400);
    await page.waitForFunction("document.querySelector('#modal img')?.complete === true");
    await page.keyboard.press('Escape');
    await expect(page.locator('#modal').isVisible()).resolves.toBe(false);
    await page.close();
  });

  it('segmentation: a hole stays a hole (even-odd fill)', LONG, async () => {
    await writeTree(dir, { 'seg/seg.jsonl': jsonl(SEGMENTATION), 'seg/a.png': png(200, 100) });
    const out = join(dir, 'seg', 'p.html');
    await preview([join(dir, 'seg/seg.jsonl')], { out });
    const page = await open(out);
    const inFill = await page.locator('path[data-label="ring"]').evaluate(
      new Function(
        'p',
        `const vb = p.ownerSVGElement.viewBox.baseVal;
         const at = (x, y) => p.isPointInFill(new DOMPoint(x * vb.width, y * vb.height));
         return { ring: at(0.15, 0.5), hole: at(0.3, 0.5), outside: at(0.7, 0.5) };`,
      ) as (p: unknown) => Record<string, boolean>,
    );
    expect(inFill).toEqual({ ring: true, hole: false, outside: false });
    expect(await page.locator('path[data-label="parts"]').getAttribute('d')).toMatch(/^M[^M]+ZM[^M]+Z$/);
    await page.close();
  });

  it('--embed: the page shows its photos with the image files gone', LONG, async () => {
    await writeTree(dir, { 'emb/seg.jsonl': jsonl(SEGMENTATION), 'emb/a.png': png(200, 100) });
    const out = join(dir, 'emb-page', 'p.html');
    await preview([join(dir, 'emb/seg.jsonl')], { out, embed: true });
    removeDir(join(dir, 'emb'));
    const page = await open(out);
    expect(await page.evaluate<[string, number][]>('[...document.images].map((i) => [i.src.slice(0, 22), i.naturalWidth])')).toEqual([['data:image/png;base64,', 200]]);
    await page.close();
  });

  it('classification: labels as captions, the top predictions with their probabilities and whether they match', LONG, async () => {
    // c3.png has no image_details: the page learns its size from the photo
    await writeTree(dir, {
      'mc/mc.jsonl': jsonl([...MULTI_CLASS, { image_url: 'c3.png', label: 'milk' }]),
      'mc/p.jsonl': jsonl(MULTI_CLASS_PREDICTIONS),
      'mc/c1.png': png(60, 40),
      'mc/c2.png': png(60, 40),
      'mc/c3.png': png(90, 30),
    });
    const out = join(dir, 'mc', 'p.html');
    await preview([join(dir, 'mc/mc.jsonl')], { out, predictions: join(dir, 'mc/p.jsonl') });
    const page = await open(out);
    expect(await cardOf(page, 'c1.png').locator('.chip').allTextContents()).toEqual(['can', 'can 0.85 ✓', 'carton 0.10', 'milk 0.05']);
    expect(await cardOf(page, 'c2.png').locator('.chip').allTextContents()).toEqual(['carton', 'can 0.70 ✗', 'carton 0.20', 'milk 0.10']);
    const c3 = (await cardOf(page, 'c3.png').locator('.frame').boundingBox())!;
    expect(c3.width / c3.height).toBeCloseTo(3, 1);
    await page.check('#filter-mistakes');
    expect(await page.locator('#grid .card .name').allTextContents()).toEqual(['c2.png']);
    await page.close();
  });

  it('10,000 images: only a screenful of <img> elements, also after scrolling to the end', LONG, async () => {
    const tree: Record<string, Uint8Array> = {};
    for (let k = 0; k < 20; k++) tree[`big/img/${k}.png`] = png(64 + k, 48);
    await writeTree(dir, tree);
    const lines = Array.from({ length: 10_000 }, (_, i) => ({
      image_url: `img/${i % 20}.png`,
      image_details: { format: 'png', width: 64 + (i % 20), height: 48 },
      label: [{ label: `l${i % 9}`, topX: 0.1, topY: 0.1, bottomX: 0.6, bottomY: 0.7, isCrowd: 0 }],
    }));
    await writeFile(join(dir, 'big/a.jsonl'), jsonl(lines));
    const out = join(dir, 'big', 'p.html');
    await preview([join(dir, 'big/a.jsonl')], { out });
    const page = await open(out);
    expect(await page.locator('#status').textContent()).toBe('showing 10000 of 10000 images');
    const imgs = () => page.evaluate<number>('document.images.length');
    // 5 columns in 1280 px; the rows in an 800 px window plus one overscan row
    const first = await imgs();
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(30);
    await page.evaluate('window.scrollTo(0, document.documentElement.scrollHeight)');
    await page.waitForFunction(`document.querySelector('.card[data-index="9999"]') !== null`);
    expect(await imgs()).toBeLessThanOrEqual(30);
    expect(await page.locator('tr[data-label="l0"] td[data-count="objects"]').first().textContent()).toBe('1112');
    await page.close();
  });

  it('logged no console errors, threw nothing and fetched nothing from the network', () => {
    expect(problems).toEqual([]);
  });
});
