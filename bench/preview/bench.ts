/**
 * How large and how fast a preview page of many images is: writes a detection dataset of N images
 * (small distinct PNGs, 1–4 boxes each) with predictions (one jittered box per object plus a
 * false positive), builds the page with the library, and opens it in headless Chromium.
 * Reports the page's bytes (and per image), the time `preview()` takes, and in Chromium the time
 * from navigation start to the page file read (`responseEnd`), to the page's first render
 * (`performance.mark('automl-img-first-render')`), to the `load` event, and to the first screenful of
 * photos decoded (an upper bound: when the check ran); medians of `runs`, after one warm-up page.
 *
 * @example
 *   npx tsc -p tsconfig.json && node dist/bench/preview/bench.js 10000 5
 */
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { encode } from 'fast-png';
import { preview } from '../../src/preview/index.js';
import { prng } from '../prng.js';
import { launchChromium } from './chromium.js';

const LABELS = ['can', 'carton', 'milk_bottle', 'water_bottle', 'juice', 'yogurt', 'egg_box', 'butter'];

/** A small solid PNG (its colour from `k`). */
function tinyPng(width: number, height: number, k: number): Uint8Array {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    data[i * 3] = (k * 37) & 0xff;
    data[i * 3 + 1] = (k * 91) & 0xff;
    data[i * 3 + 2] = 160;
  }
  return encode({ width, height, data, channels: 3, depth: 8 });
}

const r6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** Writes `images/*.png`, `train_annotations.jsonl` and `predictions.jsonl` for `n` images under `dir`. */
export function writeBenchDataset(dir: string, n: number, seed = 1): { jsonl: string; predictions: string } {
  const rand = prng(seed);
  mkdirSync(join(dir, 'images'), { recursive: true });
  const lines: string[] = [];
  const preds: string[] = [];
  for (let i = 0; i < n; i++) {
    const url = `images/${String(i).padStart(5, '0')}.png`;
    writeFileSync(join(dir, url), tinyPng(64, 48, i));
    const objects = [];
    const boxes = [];
    const count = 1 + Math.floor(rand() * 4);
    for (let k = 0; k < count; k++) {
      const x = rand() * 0.6;
      const y = rand() * 0.6;
      const w = 0.1 + rand() * 0.3;
      const h = 0.1 + rand() * 0.3;
      const label = LABELS[Math.floor(rand() * LABELS.length)]!;
      objects.push({ label, topX: r6(x), topY: r6(y), bottomX: r6(x + w), bottomY: r6(y + h), isCrowd: 0 });
      const j = () => (rand() - 0.5) * 0.04;
      boxes.push({ box: { topX: r6(x + j()), topY: r6(y + j()), bottomX: r6(x + w + j()), bottomY: r6(y + h + j()) }, label, score: r6(0.3 + rand() * 0.7) });
    }
    boxes.push({ box: { topX: 0.7, topY: 0.7, bottomX: 0.9, bottomY: 0.95 }, label: LABELS[i % LABELS.length]!, score: r6(rand() * 0.6) });
    lines.push(JSON.stringify({ image_url: url, image_details: { format: 'png', width: 64, height: 48 }, label: objects }));
    preds.push(JSON.stringify({ image_url: url, boxes }));
  }
  const jsonl = join(dir, 'train_annotations.jsonl');
  const predictions = join(dir, 'predictions.jsonl');
  writeFileSync(jsonl, lines.join('\n') + '\n');
  writeFileSync(predictions, preds.join('\n') + '\n');
  return { jsonl, predictions };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function main(): Promise<void> {
  const n = Number(process.argv[2] ?? 10_000);
  const runs = Number(process.argv[3] ?? 5);
  const dir = mkdtempSync(join(tmpdir(), 'automl-img-bench-preview-'));
  try {
    const { jsonl, predictions } = writeBenchDataset(dir, n);
    const results: Record<string, unknown>[] = [];
    for (const withPredictions of [false, true]) {
      const out = join(dir, withPredictions ? 'with-predictions.html' : 'preview.html');
      const writeTimes: number[] = [];
      for (let r = 0; r < runs; r++) {
        const t0 = performance.now();
        await preview([jsonl], { out, predictions: withPredictions ? predictions : undefined });
        writeTimes.push(performance.now() - t0);
      }
      const bytes = statSync(out).size;
      const browser = await launchChromium({ width: 1280, height: 800 });
      const fileRead: number[] = [];
      const firstRender: number[] = [];
      const loadEvent: number[] = [];
      const photos: number[] = [];
      let imgElements = 0;
      if (browser) {
        try {
          for (let r = 0; r < runs + 1; r++) {
            const page = await browser.context.newPage();
            await page.goto(pathToFileURL(out).href, { waitUntil: 'load' });
            await page.waitForSelector('html[data-ready="1"]');
            await page.waitForFunction('[...document.images].every((i) => i.complete)');
            const t = await page.evaluate<{ read: number; first: number; load: number; now: number; imgs: number }>(
              `({ read: performance.getEntriesByType('navigation')[0].responseEnd,
                  first: performance.getEntriesByName('automl-img-first-render')[0].startTime,
                  load: performance.getEntriesByType('navigation')[0].loadEventEnd,
                  now: performance.now(), imgs: document.images.length })`,
            );
            await page.close();
            if (r === 0) continue; // warm-up: the first page pays for starting the renderer
            fileRead.push(t.read);
            firstRender.push(t.first);
            loadEvent.push(t.load);
            photos.push(t.now);
            imgElements = t.imgs;
          }
        } finally {
          await browser.close();
        }
      }
      results.push({
        images: n,
        predictions: withPredictions,
        bytes,
        bytesPerImage: Math.round(bytes / n),
        previewMs: Math.round(median(writeTimes)),
        fileReadMs: browser ? Math.round(median(fileRead)) : null,
        firstRenderMs: browser ? Math.round(median(firstRender)) : null,
        loadEventMs: browser ? Math.round(median(loadEvent)) : null,
        photosDecodedByMs: browser ? Math.round(median(photos)) : null,
        imgElements,
        runs: { previewMs: writeTimes.map(Math.round), firstRenderMs: firstRender.map(Math.round) },
      });
    }
    for (const r of results) process.stdout.write(JSON.stringify(r) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
