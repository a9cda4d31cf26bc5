import { readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../src/errors.js';
import { PAGE_MARKER, preview, scriptSafeJson } from '../../src/preview/index.js';
import { PAGE_SCRIPT, PAGE_STYLE } from '../../src/preview/page-bundle.js';
import { liveTempFileCount } from '../../src/writer.js';
import { png } from '../helpers/images.js';
import { useTempDir, writeTree } from '../helpers/fs.js';
import { DETECTION_PREDICTIONS, jsonl, MULTI_CLASS, MULTI_CLASS_PREDICTIONS, MULTI_LABEL, pageData, pageEmbedded, srcOf, SEGMENTATION, writeDetection } from './fixtures.js';

const tmp = useTempDir('automl-img-preview-');

async function detectionPage(extra: Parameters<typeof preview>[1] = {}) {
  await writeDetection(tmp.path);
  const out = join(tmp.path, 'site', 'preview.html');
  const files = [join(tmp.path, 'out/train_annotations.jsonl'), join(tmp.path, 'out/validation_annotations.jsonl')];
  const summary = await preview(files, { out, imagesRoot: join(tmp.path, 'data'), ...extra });
  const html = await readFile(out, 'utf8');
  return { summary, html, data: pageData(html), out, files };
}

async function expectError(p: Promise<unknown>, code: string, message: RegExp): Promise<ConversionError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConversionError);
  expect((e as ConversionError).code).toBe(code);
  expect((e as ConversionError).message).toMatch(message);
  return e as ConversionError;
}

describe('preview: the page', () => {
  it('is one self-contained HTML file: inline script and styles, nothing fetched but the images', async () => {
    const { html } = await detectionPage();
    expect(html.startsWith(PAGE_MARKER)).toBe(true);
    expect(html).toContain(`<style>${PAGE_STYLE}</style>`);
    expect(html).toContain(`<script>${PAGE_SCRIPT}</script>`);
    const found = /<script[^>]+src=|<link[^>]+stylesheet|https?:\/\/|@import|url\(/i.exec(html.replaceAll('http://www.w3.org/2000/svg', ''));
    expect(found?.[0]).toBeUndefined();
  });

  it('carries each line as compact data: image paths relative to the page, sizes, objects, crowd, files and tasks', async () => {
    const { data, summary } = await detectionPage();
    expect(data.files).toEqual([
      { name: expect.stringMatching(/train_annotations\.jsonl$/), task: 'object-detection' },
      { name: expect.stringMatching(/validation_annotations\.jsonl$/), task: 'object-detection' },
    ]);
    expect(data.labels).toEqual(['can', 'carton', 'milk_bottle']);
    // image paths are the images root relative to the page, then image_url: not repeated per image
    expect(data.root).toBe('../data/');
    expect(data.images).toEqual([
      {
        f: 0,
        u: 'images/1.png',
        w: 400,
        h: 300,
        o: [
          [0, 0, 0.1, 0.2, 0.4, 0.6],
          [1, 1, 0.5, 0.5, 0.9, 0.9],
        ],
      },
      { f: 0, u: 'images/2.png', w: 200, h: 200, o: [] },
      { f: 0, u: 'images/missing.png', w: 100, h: 100, m: 1, o: [[0, 0, 0, 0, 1, 1]] },
      {
        f: 1,
        u: 'images/sub dir/4.png',
        w: 300,
        h: 400,
        o: [
          [2, 0, 0.25, 0.25, 0.75, 0.5],
          [0, 0, 0.1, 0.6, 0.3, 0.9],
        ],
      },
    ]);
    expect(data.images.map((i) => srcOf(data, i))).toEqual(['../data/images/1.png', '../data/images/2.png', '../data/images/missing.png', '../data/images/sub%20dir/4.png']);
    expect(summary).toMatchObject({ images: 4, objects: 5, labels: 3, missingImages: 1, predictions: 0, unmatchedPredictions: 0 });
    expect(summary.bytes).toBeGreaterThan(PAGE_SCRIPT.length);
  });

  it('joins predictions by image_url, and lists predicted images that no file has', async () => {
    const { data, summary } = await detectionPage({ predictions: join(tmp.path, 'preds.jsonl') });
    expect(data.predictions).toMatch(/preds\.jsonl$/);
    expect(data.images[0]!.p).toEqual([
      [0, 0.95, 0.1, 0.2, 0.4, 0.6],
      [0, 0.6, 0, 0.7, 0.2, 0.95],
      [1, 0.2, 0.6, 0, 0.7, 0.1],
    ]);
    expect(data.images[0]!.r).toBe(1);
    expect(data.images[1]).toMatchObject({ p: [], r: 1 });
    expect(data.images[2]!.r).toBeUndefined();
    expect(data.images[3]!.p).toEqual([[0, 0.8, 0.25, 0.25, 0.75, 0.5]]);
    expect(data.files[2]).toEqual({ name: expect.stringMatching(/preds\.jsonl \(images in no JSONL file\)$/), task: null });
    expect(data.images[4]).toEqual({ f: 2, u: 'images/5.png', o: [], p: [[0, 0.7, 0.1, 0.1, 0.2, 0.2]], r: 1 });
    expect(srcOf(data, data.images[4]!)).toBe('../data/images/5.png');
    expect(summary).toMatchObject({ images: 5, predictions: DETECTION_PREDICTIONS.length, unmatchedPredictions: 1 });
  });

  it('keeps polygons ring by ring (holes as rings), with the box around them', async () => {
    await writeTree(tmp.path, { 'seg.jsonl': jsonl(SEGMENTATION), 'a.png': png(200, 100) });
    await preview([join(tmp.path, 'seg.jsonl')], { out: join(tmp.path, 'p.html') });
    const data = pageData(await readFile(join(tmp.path, 'p.html'), 'utf8'));
    expect(data.files[0]!.task).toBe('instance-segmentation');
    expect(srcOf(data, data.images[0]!)).toBe('a.png');
    expect(data.images[0]!.o).toEqual([
      [0, 0, 0.1, 0.1, 0.5, 0.9, SEGMENTATION[0]!.label[0]!.polygon],
      [1, 0, 0.6, 0.1, 0.9, 0.9, SEGMENTATION[0]!.label[1]!.polygon],
    ]);
  });

  it('reads classification labels and keeps the top predicted classes, most probable first', async () => {
    await writeTree(tmp.path, { 'mc.jsonl': jsonl(MULTI_CLASS), 'ml.jsonl': jsonl(MULTI_LABEL), 'p.jsonl': jsonl(MULTI_CLASS_PREDICTIONS) });
    await preview([join(tmp.path, 'mc.jsonl'), join(tmp.path, 'ml.jsonl')], { out: join(tmp.path, 'p.html'), predictions: join(tmp.path, 'p.jsonl') });
    const data = pageData(await readFile(join(tmp.path, 'p.html'), 'utf8'));
    expect(data.files.map((f) => f.task)).toEqual(['multi-class', 'multi-label']);
    expect(data.labels).toEqual(['can', 'carton', 'milk']);
    expect(data.images.map((i) => i.c)).toEqual([[0], [1], [0, 1], []]);
    expect(data.images[0]!.q).toEqual([
      [0, 0.85],
      [1, 0.1],
      [2, 0.05],
    ]);
    expect(data.images[1]!.q).toEqual([
      [0, 0.7],
      [1, 0.2],
      [2, 0.1],
    ]);
    expect(data.images[0]!.m).toBe(1);
  });

  it('escapes the data so that no label can end the script element', async () => {
    const evil = 'a</script><script>alert(1)</script>\u2028\u2029<!--';
    await writeTree(tmp.path, { 'x.jsonl': jsonl([{ image_url: 'x.png', label: evil }]) });
    await preview([join(tmp.path, 'x.jsonl')], { out: join(tmp.path, 'p.html') });
    const html = await readFile(join(tmp.path, 'p.html'), 'utf8');
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).not.toContain('\u2028');
    expect(pageData(html).labels).toEqual([evil]);
    expect(scriptSafeJson('"<\u2028\u2029"')).toBe('"\\u003c\\u2028\\u2029"');
  });

  it('writes the same bytes on every run', async () => {
    const first = await detectionPage({ predictions: join(tmp.path, 'preds.jsonl') });
    await preview(first.files, { out: first.out, imagesRoot: join(tmp.path, 'data'), predictions: join(tmp.path, 'preds.jsonl') });
    expect(await readFile(first.out, 'utf8')).toBe(first.html);
  });

  it('has no per-image markup: the page around the data is the same for 10 or 1000 images', async () => {
    const lines = (n: number) => jsonl(Array.from({ length: n }, (_, i) => ({ image_url: `i/${i}.png`, label: [{ label: `l${i % 7}`, topX: 0.1, topY: 0.1, bottomX: 0.5, bottomY: 0.5 }] })));
    const around = async (n: number) => {
      await writeTree(tmp.path, { [`n${n}/a.jsonl`]: lines(n) });
      const out = join(tmp.path, `n${n}/p.html`);
      await preview([join(tmp.path, `n${n}/a.jsonl`)], { out });
      return (await readFile(out, 'utf8')).replace(/<title>.*<\/title>/, '').replace(/(id="automl-img-data">)[\s\S]*?(<\/script>)/, '$1$2');
    };
    expect(await around(1000)).toBe(await around(10));
  });

  it('embeds the images as data URLs with --embed', async () => {
    const { data, html } = await detectionPage({ embed: true });
    const embedded = pageEmbedded(html);
    expect(data.embedded).toBe(true);
    expect(data.images.map((i) => srcOf(data, i))).toEqual([0, 1, '../data/images/missing.png', 2]);
    expect(embedded).toHaveLength(3);
    expect(embedded[2]!.startsWith('data:image/png;base64,')).toBe(true);
    const bytes = Buffer.from(embedded[2]!.slice('data:image/png;base64,'.length), 'base64');
    expect(bytes.equals(await readFile(join(tmp.path, 'data/images/sub dir/4.png')))).toBe(true);
  });

  it('embeds a file larger than one read chunk byte for byte', async () => {
    const big = Buffer.alloc(3 * 65536 * 2 + 7);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) & 0xff;
    await writeTree(tmp.path, { 'x.jsonl': jsonl([{ image_url: 'big.jpg', label: 'x' }]), 'big.jpg': big });
    await preview([join(tmp.path, 'x.jsonl')], { out: join(tmp.path, 'p.html'), embed: true });
    const [url] = pageEmbedded(await readFile(join(tmp.path, 'p.html'), 'utf8'));
    expect(url!.startsWith('data:image/jpeg;base64,')).toBe(true);
    expect(Buffer.from(url!.split(',')[1]!, 'base64').equals(big)).toBe(true);
  });

  it('removes --base-url from image_url before looking the image up', async () => {
    await writeTree(tmp.path, { 'x.jsonl': jsonl([{ image_url: 'azureml://datastores/ws/paths/fridge/img/1.png', label: 'can' }]), 'ds/img/1.png': png(4, 4) });
    await preview([join(tmp.path, 'x.jsonl')], { out: join(tmp.path, 'p.html'), imagesRoot: join(tmp.path, 'ds'), baseUrl: 'azureml://datastores/ws/paths/fridge/' });
    const data = pageData(await readFile(join(tmp.path, 'p.html'), 'utf8'));
    expect(data.strip).toBe('azureml://datastores/ws/paths/fridge/');
    expect(srcOf(data, data.images[0]!)).toBe('ds/img/1.png');
    expect(data.images[0]!.m).toBeUndefined();
  });

  it('gives an image its own path when root and image_url do not make it', async () => {
    await writeTree(tmp.path, {
      'x.jsonl': jsonl([
        { image_url: 'a/../b/1.png', label: 'can' },
        { image_url: 'https://example.org/2.png', label: 'can' },
      ]),
      'b/1.png': png(4, 4),
    });
    await preview([join(tmp.path, 'x.jsonl')], { out: join(tmp.path, 'p.html') });
    const data = pageData(await readFile(join(tmp.path, 'p.html'), 'utf8'));
    expect(data.images.map((i) => i.s)).toEqual(['b/1.png', 'https://example.org/2.png']);
  });

  it('shows an image it cannot reach (another scheme) as missing, with its URL', async () => {
    await writeTree(tmp.path, { 'x.jsonl': jsonl([{ image_url: 'azureml://datastores/ws/paths/1.png', label: 'can' }]) });
    const s = await preview([join(tmp.path, 'x.jsonl')], { out: join(tmp.path, 'p.html') });
    expect(pageData(await readFile(join(tmp.path, 'p.html'), 'utf8')).images[0]).toMatchObject({ s: 'azureml://datastores/ws/paths/1.png', m: 1 });
    expect(s.missingImages).toBe(1);
  });
});

describe('preview: outputs', () => {
  it('refuses to replace a file that is not a preview page, replaces an earlier page, and replaces anything with force', async () => {
    await writeTree(tmp.path, { 'x.jsonl': jsonl(MULTI_CLASS), 'notes.html': 'my notes' });
    const files = [join(tmp.path, 'x.jsonl')];
    await expectError(preview(files, { out: join(tmp.path, 'notes.html') }), 'OUTPUT_EXISTS', /notes\.html: the file exists and is not an earlier preview page: add --force/);
    expect(await readFile(join(tmp.path, 'notes.html'), 'utf8')).toBe('my notes');
    await preview(files, { out: join(tmp.path, 'notes.html'), force: true });
    expect((await readFile(join(tmp.path, 'notes.html'), 'utf8')).startsWith(PAGE_MARKER)).toBe(true);
    await preview(files, { out: join(tmp.path, 'notes.html') });
    expect((await readFile(join(tmp.path, 'notes.html'), 'utf8')).startsWith(PAGE_MARKER)).toBe(true);
  });

  it('leaves nothing behind when a line is bad, and keeps an earlier page', async () => {
    await writeTree(tmp.path, { 'x.jsonl': jsonl([...MULTI_CLASS, { image_url: 'b.png', label: [{ label: 'can', topX: 'a' }] }]) });
    await writeFile(join(tmp.path, 'p.html'), PAGE_MARKER + 'old');
    await expectError(preview([join(tmp.path, 'x.jsonl')], { out: join(tmp.path, 'p.html') }), 'JSON_BAD_VALUE', /x\.jsonl:3: label\[0\]\.topX: expected a number, got "a"/);
    expect(await readdir(tmp.path)).toEqual(['p.html', 'x.jsonl']);
    expect(await readFile(join(tmp.path, 'p.html'), 'utf8')).toBe(PAGE_MARKER + 'old');
    expect(liveTempFileCount()).toBe(0);
  });

  it('stops on an aborted signal with INTERRUPTED and writes nothing', async () => {
    await writeTree(tmp.path, { 'x.jsonl': jsonl(MULTI_CLASS) });
    const controller = new AbortController();
    controller.abort();
    const e = await expectError(preview([join(tmp.path, 'x.jsonl')], { out: join(tmp.path, 'p.html'), signal: controller.signal }), 'INTERRUPTED', /interrupted/);
    expect(e.exitCode).toBe(130);
    expect(await readdir(tmp.path)).toEqual(['x.jsonl']);
  });
});

describe('preview: bad input and bad options', () => {
  it.each([
    ['not JSON', '{"image_url": "a.png", "label": \n', 'JSON_PARSE', /x\.jsonl:1: expected a JSON object, got malformed JSON/],
    ['not an object', '[1, 2]\n', 'JSON_BAD_VALUE', /x\.jsonl:1: expected a JSON object, got an array of 2/],
    ['no image_url', '{"label": "a"}\n', 'JSON_MISSING', /x\.jsonl:1: image_url: expected an image_url, got nothing/],
    ['no label', '\n{"image_url": "a.png"}\n', 'JSON_MISSING', /x\.jsonl:2: label: expected a label, got nothing/],
    ['a number label', '{"image_url": "a.png", "label": 3}\n', 'JSON_BAD_VALUE', /x\.jsonl:1: label: expected a label name or a list, got 3/],
    ['a mixed list', '{"image_url": "a.png", "label": ["a", 2]}\n', 'JSON_BAD_VALUE', /x\.jsonl:1: label\[1\]: expected a label name \(as label\[0\]\), got 2/],
    ['an odd ring', '{"image_url": "a.png", "label": [{"label": "a", "polygon": [[0, 0, 1]]}]}\n', 'JSON_BAD_VALUE', /x\.jsonl:1: label\[0\]\.polygon\[0\]: expected an even count/],
  ])('%s: a clear error with file, line and path', async (_name, text, code, message) => {
    await writeTree(tmp.path, { 'x.jsonl': text });
    await expectError(preview([join(tmp.path, 'x.jsonl')], { out: join(tmp.path, 'p.html') }), code, message);
    expect(await readdir(tmp.path)).toEqual(['x.jsonl']);
  });

  it('names the predictions line and path of a bad prediction', async () => {
    await writeTree(tmp.path, {
      'x.jsonl': jsonl(MULTI_CLASS),
      'p.jsonl': jsonl([{ image_url: 'c1.png', boxes: [{ box: { topX: 0, topY: 0, bottomX: 1, bottomY: 1 }, label: 'a', score: 'high' }] }]),
    });
    await expectError(
      preview([join(tmp.path, 'x.jsonl')], { out: join(tmp.path, 'o.html'), predictions: join(tmp.path, 'p.jsonl') }),
      'PREDICTION_BAD',
      /p\.jsonl:1: boxes\[0\]\.score: expected a finite number, got "high"/,
    );
  });

  it('names a missing input file', async () => {
    await expectError(preview([join(tmp.path, 'nope.jsonl')], { out: join(tmp.path, 'o.html') }), 'INPUT_NOT_FOUND', /nope\.jsonl: expected a JSONL file, got nothing/);
    await writeTree(tmp.path, { 'x.jsonl': jsonl(MULTI_CLASS) });
    await expectError(preview([join(tmp.path, 'x.jsonl')], { out: join(tmp.path, 'o.html'), predictions: join(tmp.path, 'nope.jsonl') }), 'INPUT_NOT_FOUND', /nope\.jsonl/);
  });

  it.each([
    [{ embed: 'yes' }, /^--embed: expected true or false, got "yes"$/],
    [{ force: 1 }, /^--force: expected true or false, got 1$/],
    [{ out: '' }, /^-o, --out: expected a non-empty string, got an empty string$/],
    [{ out: '-' }, /^-o, --out: expected a file for the page, got "-"/],
    [{ imagesRoot: 'no/such/folder' }, /^--images-root: expected a folder, got "no\/such\/folder" \(no such folder\)$/],
    [{ predictions: 5 }, /^--predictions: expected a non-empty string, got 5$/],
    [{ colour: true }, /^unknown option "colour"/],
  ])('option %j: USAGE naming the flag', async (options, message) => {
    await writeTree(tmp.path, { 'x.jsonl': jsonl(MULTI_CLASS) });
    const e = await expectError(preview([join(tmp.path, 'x.jsonl')], options as never), 'USAGE', message);
    expect(e.exitCode).toBe(2);
  });

  it('needs at least one file', async () => {
    await expectError(preview([]), 'USAGE', /expected at least one JSONL file/);
  });
});
