/**
 * voc-mask-to-polygon: golden cases (test/fixtures/voc-mask-to-polygon/, UPDATE=1 rewrites them), one test
 * per bad input pinning code and message, determinism (twice, reverse creation order, 1 vs 2 jobs), the
 * real bin, and the real datasets of ../shared/realdata when present.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { summaryOf } from '../../src/convert.js';
import { ConversionError } from '../../src/errors.js';
import { decodeMask } from '../../src/mask/png.js';
import { rasterizeRings } from '../../src/polygon/index.js';
import type { ConvertOptions, PolygonLabel, Summary } from '../../src/types.js';
import { art, greyPng, officialPalette, palettePng, vocXml } from '../fixtures/voc-mask-to-polygon/datasets.js';
import { useTempDir, writeTree, writeTreeReversed, type Tree } from '../helpers/fs.js';
import { conversionFailure, runConversion, type Run } from '../helpers/convert.js';
import { jpeg } from '../helpers/images.js';
import { runCli } from '../helpers/cli.js';

const FIXTURES = new URL('../fixtures/voc-mask-to-polygon/', import.meta.url).pathname;
const REALDATA = new URL('../../../shared/realdata/', import.meta.url).pathname;
const tmp = useTempDir('voc-mask-');
const BIN = new URL('../../bin/automl-img.js', import.meta.url).pathname;

/** Runs the real `node bin/automl-img.js` (it imports dist/, built by test/global-setup.ts). */
function runBin(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...argv], { env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

const run = (root: string, options: ConvertOptions = {}): Promise<Run> => runConversion('voc-mask', root, options);

const failure = (root: string, options: ConvertOptions = {}): Promise<ConversionError> => conversionFailure('voc-mask', root, options);

async function dataset(tree: Tree, extra: Tree = {}, name = 'data'): Promise<string> {
  const root = join(tmp.path, name);
  await writeTree(root, { ...tree, ...extra });
  return root;
}

/** Replaces the temp folder in messages so goldens are stable. */
const stable = (text: string, root: string) => text.split(root).join('<root>');

function lines(jsonl: string): { image_url: string; label: PolygonLabel[] }[] {
  return jsonl
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { image_url: string; label: PolygonLabel[] });
}

describe('golden cases (compared by test/golden.test.ts): facts they hold', () => {
  test('official-palette: the facts the golden files hold', async () => {
    const root = await dataset(officialPalette);
    const { summary, train, validation } = await run(root, { validationRatio: 0 });
    expect(validation).toBe('');
    const [a, b, c] = lines(train);
    expect(a!.image_url).toBe('JPEGImages/a.jpg');
    expect(a!.label.map((o) => [o.label, o.isCrowd, o.polygon.length])).toEqual([
      ['dog', 0, 2], // outer ring + hole
      ['cat', 0, 2], // two parts
      ['person', 1, 1], // <difficult>1 → isCrowd 1
    ]);
    expect(b!.label.map((o) => o.label)).toEqual(['bus']); // car covered by bus, bird by the void band
    expect(c).toEqual({ image_url: 'JPEGImages/c.jpg', image_details: { format: 'jpg', width: 8, height: 6 }, label: [] });
    expect(summary.counts).toEqual({ annotationsWithoutMask: 1, classMismatches: 1 });
    expect(summary.warnings.map((w) => [w.code, w.path])).toEqual([
      ['MASK_NOT_FOUND', undefined],
      ['OBJECT_WITHOUT_PIXELS', 'object[1]'],
      ['OBJECT_WITHOUT_PIXELS', 'object[3]'],
      ['CLASS_MISMATCH', 'object[2]'],
    ]);
  });

  test("exact rings (tolerance 0) rasterise back to every object's pixels; 255 never in an object", async () => {
    const root = await dataset(officialPalette);
    const { train } = await run(root, { validationRatio: 0, tolerance: 0 });
    for (const line of lines(train)) {
      const stem = line.image_url.slice('JPEGImages/'.length, -4);
      const mask = decodeMask(readFileSync(join(root, 'SegmentationObject', `${stem}.png`)), stem);
      const names = [...readFileSync(join(root, 'Annotations', `${stem}.xml`), 'utf8').matchAll(/<name>([^<]*)</g)].map((m) => m[1]);
      for (const obj of line.label) {
        const k = names.indexOf(obj.label) + 1;
        const pixelRings = obj.polygon.map((ring) => ring.map((v, i) => v * (i % 2 === 0 ? mask.width : mask.height)));
        const drawn = rasterizeRings(pixelRings, mask.width, mask.height);
        expect([...drawn], `${stem} object ${k}`).toEqual([...mask.data].map((v) => (v === k ? 1 : 0)));
      }
    }
  });
});

describe('determinism', () => {
  test('two runs, the reverse creation order, and 1 vs 2 jobs give the same bytes', async () => {
    const root = await dataset(officialPalette);
    const reversedRoot = join(tmp.path, 'reversed');
    await writeTreeReversed(reversedRoot, officialPalette);
    const first = await run(root, { jobs: 1 });
    const second = await run(root, { jobs: 1 });
    const threads = await run(root, { jobs: 2 });
    const reversed = await run(reversedRoot, { jobs: 2 });
    for (const other of [second, threads, reversed]) {
      expect(other.train).toBe(first.train);
      expect(other.validation).toBe(first.validation);
    }
    expect(first.train.length).toBeGreaterThan(0);
  });

  test('many images through the worker threads keep XML order', async () => {
    const tree: Tree = {};
    for (let i = 0; i < 40; i++) {
      const stem = String(i).padStart(3, '0');
      const m = art('......', `.${'1'.repeat((i % 4) + 1)}${'.'.repeat(4 - (i % 4))}`, '..22..', '......');
      tree[`annotations/${stem}.xml`] = vocXml(`${stem}.jpg`, 6, 4, [{ name: `n${i % 3}` }, { name: 'two' }]);
      tree[`segmentation-masks/${stem}.png`] = greyPng(m);
    }
    const root = await dataset(tree);
    const one = await run(root, { jobs: 1, imageDetails: false, validationRatio: 0 });
    const two = await run(root, { jobs: 2, imageDetails: false, validationRatio: 0 });
    expect(two.train).toBe(one.train);
    expect(lines(one.train).map((l) => l.image_url)).toEqual(
      Object.keys(tree)
        .filter((k) => k.endsWith('.xml'))
        .map((k) => k.replace(/^annotations\/(.*)\.xml$/, 'images/$1.jpg'))
        .sort(),
    );
  });
});

describe('bad input', () => {
  const A = art('......', '.11...', '.11.2.', '......');
  const good: Tree = {
    'Annotations/a.xml': vocXml('a.jpg', 6, 4, [{ name: 'dog' }, { name: 'cat' }]),
    'JPEGImages/a.jpg': jpeg(6, 4),
    'SegmentationObject/a.png': palettePng(A),
  };

  test('a corrupt PNG is MASK_UNREADABLE naming the file', async () => {
    const png = palettePng(A);
    const root = await dataset(good, { 'SegmentationObject/a.png': png.subarray(0, png.length - 20) });
    const err = await failure(root);
    expect(err.code).toBe('MASK_UNREADABLE');
    expect(err.file).toBe(join(root, 'SegmentationObject/a.png'));
    expect(stable(err.message, root)).toMatch(/^<root>\/SegmentationObject\/a\.png: expected a PNG mask, got a corrupt PNG \(.+\)$/);
  });

  test('a file that is not a PNG is MASK_UNREADABLE', async () => {
    const root = await dataset(good, { 'SegmentationObject/a.png': 'GIF89a, not a PNG at all, sorry' });
    const err = await failure(root);
    expect([err.code, stable(err.message, root)]).toEqual(['MASK_UNREADABLE', '<root>/SegmentationObject/a.png: expected a PNG mask, got a file without the PNG signature']);
  });

  test('an RGB mask with a colour outside the VOC colour map is MASK_UNREADABLE naming the pixel', async () => {
    const { encode } = await import('fast-png');
    const data = Uint8Array.from([...A.data].flatMap((k, i) => (i === 9 ? [1, 2, 3] : k === 0 ? [0, 0, 0] : [128, 0, 0])));
    const root = await dataset(good, { 'SegmentationObject/a.png': encode({ width: 6, height: 4, data, channels: 3, depth: 8 }) });
    const err = await failure(root);
    expect([err.code, stable(err.message, root)]).toEqual(['MASK_UNREADABLE', '<root>/SegmentationObject/a.png: expected colours of the VOC colour map, got (1, 2, 3) at pixel (3, 1)']);
  });

  test('a mask whose size differs from the image is MASK_SIZE_MISMATCH', async () => {
    const root = await dataset(good, { 'Annotations/a.xml': vocXml('a.jpg', 6, 4, [{ name: 'dog' }], { size: false }), 'JPEGImages/a.jpg': jpeg(7, 4) });
    const err = await failure(root);
    expect([err.code, stable(err.message, root)]).toEqual(['MASK_SIZE_MISMATCH', '<root>/SegmentationObject/a.png: expected a mask of 7×4 (the size of <root>/JPEGImages/a.jpg), got 6×4']);
  });

  test('a mask whose size differs from <size> is MASK_SIZE_MISMATCH (--no-image-details)', async () => {
    const root = await dataset(good, { 'Annotations/a.xml': vocXml('a.jpg', 6, 5, [{ name: 'dog' }]) });
    const err = await failure(root, { imageDetails: false });
    expect([err.code, stable(err.message, root)]).toEqual(['MASK_SIZE_MISMATCH', '<root>/SegmentationObject/a.png: expected a mask of 6×5 (the <size> of <root>/Annotations/a.xml), got 6×4']);
  });

  test('<size> differing from the image is IMAGE_SIZE_MISMATCH', async () => {
    const root = await dataset(good, { 'Annotations/a.xml': vocXml('a.jpg', 6, 5, [{ name: 'dog' }]) });
    const err = await failure(root);
    expect([err.code, err.path, stable(err.message, root)]).toEqual(['IMAGE_SIZE_MISMATCH', 'size', '<root>/Annotations/a.xml: size: expected the size of <root>/JPEGImages/a.jpg, 6x4, got 6x5']);
  });

  test('<size> that is the image turned by its EXIF orientation: IMAGE_SIZE_MISMATCH says so', async () => {
    const root = await dataset(good, { 'Annotations/a.xml': vocXml('a.jpg', 4, 6, [{ name: 'dog' }]), 'JPEGImages/a.jpg': jpeg(6, 4, { orientation: 5 }) });
    const err = await failure(root);
    expect([err.code, stable(err.message, root)]).toEqual([
      'IMAGE_SIZE_MISMATCH',
      '<root>/Annotations/a.xml: size: expected the size of <root>/JPEGImages/a.jpg, 6x4, got 4x6 (its EXIF orientation 5 shows it turned a quarter, as 4x6: the annotation was likely made on the turned image, and its boxes do not fit the stored pixels)',
    ]);
  });

  test('a class mask whose size differs is MASK_SIZE_MISMATCH naming the class mask', async () => {
    const root = await dataset(good, { 'SegmentationClass/a.png': palettePng(art('.....', '.....', '.....', '.....')) });
    const err = await failure(root);
    expect([err.code, stable(err.message, root)]).toEqual([
      'MASK_SIZE_MISMATCH',
      '<root>/SegmentationClass/a.png: expected a class mask of 6×4 (the instance mask <root>/SegmentationObject/a.png), got 5×4',
    ]);
  });

  test('no mask folder is INPUT_LAYOUT', async () => {
    const root = await dataset({ 'Annotations/a.xml': good['Annotations/a.xml']!, 'JPEGImages/a.jpg': good['JPEGImages/a.jpg']! });
    const err = await failure(root);
    expect([err.code, stable(err.message, root)]).toEqual(['INPUT_LAYOUT', '<root>: expected a SegmentationObject/ or segmentation-masks/ folder of instance masks, got none']);
  });

  test('no XML with a mask is EMPTY_DATASET', async () => {
    const root = await dataset(good, { 'SegmentationObject/other.png': palettePng(A) });
    rmSync(join(root, 'SegmentationObject/a.png'));
    const err = await failure(root);
    expect([err.code, stable(err.message, root)]).toEqual([
      'EMPTY_DATASET',
      '<root>: expected XML files with an instance mask of the same name in <root>/SegmentationObject, got 1 XML file(s) and none matched',
    ]);
  });

  test('malformed XML is XML_PARSE naming the file', async () => {
    const root = await dataset(good, { 'Annotations/a.xml': '<annotation><object><name>dog</name></annotation>' });
    const err = await failure(root);
    expect(err.code).toBe('XML_PARSE');
    expect(err.file).toBe(join(root, 'Annotations/a.xml'));
  });

  test('an image that is not there is IMAGE_NOT_FOUND', async () => {
    const root = await dataset({ 'Annotations/a.xml': good['Annotations/a.xml']!, 'SegmentationObject/a.png': good['SegmentationObject/a.png']!, 'JPEGImages/x.jpg': jpeg(6, 4) });
    const err = await failure(root);
    expect([err.code, err.path]).toEqual(['IMAGE_NOT_FOUND', 'filename']);
  });

  test('an object without <name> is a bad object: with --on-error skip only it is left out', async () => {
    const xml = vocXml('a.jpg', 6, 4, [{ name: 'dog' }, { name: 'cat' }]).replace('<name>dog</name>', '');
    const root = await dataset(good, { 'Annotations/a.xml': xml });
    const err = await failure(root);
    expect([err.code, err.path]).toEqual(['XML_MISSING', 'object[1]/name']);
    const { summary, train } = await run(root, { onError: 'skip', validationRatio: 0 });
    expect(summary.skipped).toBe(1);
    expect(lines(train)[0]!.label.map((o) => o.label)).toEqual(['cat']); // cat keeps pixel value 2
  });

  test('--on-error skip leaves out an image with a corrupt mask and converts the rest', async () => {
    const root = await dataset(good, {
      'Annotations/b.xml': vocXml('b.jpg', 6, 4, [{ name: 'dog' }]),
      'JPEGImages/b.jpg': jpeg(6, 4),
      'SegmentationObject/b.png': 'not a png',
    });
    const { summary, train } = await run(root, { onError: 'skip', validationRatio: 0 });
    expect(summary.skipped).toBe(1);
    expect(summary.errors.map((e) => e.code)).toEqual(['MASK_UNREADABLE']);
    expect(lines(train).map((l) => l.image_url)).toEqual(['JPEGImages/a.jpg']);
  });

  test('--root moves image_url; an image outside it is PATH_OUTSIDE_ROOT', async () => {
    const root = await dataset(good);
    const { train } = await run(root, { root: tmp.path, validationRatio: 0, baseUrl: 'azureml://x/' });
    expect(lines(train).map((l) => l.image_url)).toEqual(['azureml://x/data/JPEGImages/a.jpg']);
    const err = await failure(root, { root: join(root, 'Annotations') });
    expect([err.code, err.path]).toEqual(['PATH_OUTSIDE_ROOT', 'filename']);
  });

  test('pixel values beyond the XML objects are reported and left out', async () => {
    const root = await dataset(good, { 'Annotations/a.xml': vocXml('a.jpg', 6, 4, [{ name: 'dog' }]) });
    const { summary, train } = await run(root, { validationRatio: 0 });
    expect(lines(train)[0]!.label.map((o) => o.label)).toEqual(['dog']);
    expect(summary.warnings.map((w) => [w.code, w.path, stable(w.message, root)])).toEqual([
      [
        'XML_MISSING',
        'object[2]',
        '<root>/Annotations/a.xml: object[2]: expected an <object> for every pixel value of <root>/SegmentationObject/a.png, got pixels of value 2 and 1 object: those pixels are left out',
      ],
    ]);
  });

  test('bad option values are usage errors (exit 2)', async () => {
    const root = await dataset(good);
    for (const flags of [
      ['--jobs', '0'],
      ['--max-points', '2'],
      ['--tolerance', '-1'],
      ['--holes', 'open'],
    ]) {
      const r = await runCli(['convert', 'voc-mask', root, '--dry-run', ...flags], { env: { NO_COLOR: '1' } });
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr, flags.join(' ')).toContain(flags[0]);
    }
    const err = await failure(root, { maxPoints: 2 });
    expect([err.code, err.message]).toEqual(['USAGE', "option '--max-points <n>' argument '2' is invalid. expected an integer of 3 or more"]);
  });
});

describe('class masks', () => {
  const M = art('.....', '.11..', '.11.2', '.....');
  const classes = (one: number, two: number) => palettePng({ ...M, data: M.data.map((v) => (v === 1 ? one : v === 2 ? two : v)) });
  const tree = (names: [string, string], one: number, two: number, stem = 'a'): Tree => ({
    [`annotations/${stem}.xml`]: vocXml(`${stem}.jpg`, 5, 4, [{ name: names[0] }, { name: names[1] }]),
    [`segmentation-masks/${stem}.png`]: greyPng(M),
    [`SegmentationClass/${stem}.png`]: classes(one, two),
  });
  const mismatches = async (root: string) => (await run(root, { imageDetails: false })).summary.warnings.filter((w) => w.code === 'CLASS_MISMATCH').map((w) => [w.path, stable(w.message, root)]);

  test('class values index the VOC classes by default', async () => {
    expect(await mismatches(await dataset(tree(['cat', 'dog'], 8, 12)))).toEqual([]);
    expect(await mismatches(await dataset(tree(['cat', 'dog'], 8, 13), {}, 'other'))).toEqual([
      ['object[2]', '<root>/annotations/a.xml: object[2]: class mask <root>/SegmentationClass/a.png gives class 13 ("horse"), the XML says "dog" (class 12 in the VOC classes)'],
    ]);
  });

  test('labelmap.txt (datumaro) or class_names.txt (labelme) at the root give the class list', async () => {
    const labelmap = '# label:color_rgb:parts:actions\nbackground:0,0,0::\nwidget:128,0,0::\ngadget:0,128,0::\n';
    expect(await mismatches(await dataset(tree(['widget', 'gadget'], 1, 2), { 'labelmap.txt': labelmap }))).toEqual([]);
    const root = await dataset(tree(['widget', 'gadget'], 2, 2), { 'class_names.txt': '_background_\nwidget\ngadget\n' }, 'labelme');
    expect(await mismatches(root)).toEqual([
      ['object[1]', '<root>/annotations/a.xml: object[1]: class mask <root>/SegmentationClass/a.png gives class 2 ("gadget"), the XML says "widget" (class 1 in <root>/class_names.txt)'],
    ]);
  });

  test('names outside the class list must keep one class value, and one value one name', async () => {
    const root = await dataset({ ...tree(['can', 'milk'], 3, 4, 'a'), ...tree(['can', 'milk'], 4, 4, 'b') });
    expect(await mismatches(root)).toEqual([
      ['object[1]', '<root>/annotations/b.xml: object[1]: class mask <root>/SegmentationClass/b.png gives class 4, which an earlier object named "milk"; the XML says "can"'],
    ]);
    const again = await dataset({ ...tree(['can', 'milk'], 3, 4, 'a'), ...tree(['can', 'milk'], 5, 4, 'b') }, {}, 'again');
    expect(await mismatches(again)).toEqual([['object[1]', '<root>/annotations/b.xml: object[1]: class mask <root>/SegmentationClass/b.png gives class 5, but earlier "can" objects have class 3']]);
  });
});

describe('the real bin', () => {
  test('writes the golden files of official-palette, with worker threads', async () => {
    const root = await dataset(officialPalette);
    const out = join(tmp.path, 'out');
    const r = await runBin(['convert', 'voc-mask', root, '-o', out, '--jobs', '2', '--json', '--quiet']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Summary;
    expect(summary.train + summary.validation).toBe(3);
    for (const file of ['train_annotations.jsonl', 'validation_annotations.jsonl']) {
      expect(readFileSync(join(out, file), 'utf8')).toBe(readFileSync(join(FIXTURES, 'official-palette/expected', file), 'utf8'));
    }
  });

  test('a corrupt mask exits 1, names the file and writes nothing', async () => {
    const root = await dataset(officialPalette, { 'SegmentationObject/b.png': 'broken' });
    const out = join(tmp.path, 'out');
    const r = await runBin(['convert', 'voc-mask', root, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${join(root, 'SegmentationObject/b.png')}: expected a PNG mask`);
    expect(r.stderr).toContain('[MASK_UNREADABLE]');
    expect(existsSync(join(out, 'train_annotations.jsonl'))).toBe(false);
  });
});

describe('real datasets (../shared/realdata, when present)', () => {
  const dir = (rel: string) => join(REALDATA, rel);

  test.skipIf(!existsSync(dir('icevision-samples/voc')))('icevision VOC2012: palette mask with the 255 band', async () => {
    const root = dir('icevision-samples/voc');
    const { summary, train } = await run(root, { validationRatio: 0 });
    const [line, ...rest] = lines(train);
    expect(rest).toEqual([]);
    expect(line!.image_url).toBe('JPEGImages/2007_000063.jpg');
    expect(line!.label.map((o) => o.label)).toEqual(['dog', 'chair']);
    // the void band (8,714 pixels of 255) is no object; 2011_003353.xml has no mask: counted
    expect(summary.counts).toEqual({ annotationsWithoutMask: 1 });
    expect(summary.warnings.map((w) => w.code)).toEqual(['MASK_NOT_FOUND']); // no CLASS_MISMATCH: dog 12, chair 9
    for (const obj of line!.label) for (const ring of obj.polygon) for (const v of ring) expect(v >= 0 && v <= 1).toBe(true);
  });

  test.skipIf(!existsSync(dir('fridge-official-reduced/odFridgeObjectsMask')))('Azure fridge masks: greyscale, Azure layout', async () => {
    const { summary, train, validation } = await run(dir('fridge-official-reduced/odFridgeObjectsMask'));
    const all = lines(train + validation);
    expect(all.map((l) => l.image_url).sort()).toEqual(['images/100.jpg', 'images/104.jpg', 'images/105.jpg']);
    expect([summary.train, summary.validation]).toEqual([2, 1]);
    expect(all.flatMap((l) => l.label.map((o) => o.label)).sort()).toEqual(['can', 'can', 'milk_bottle']);
    expect(summary.warnings).toEqual([]);
  });

  test.skipIf(!existsSync(dir('datumaro-edge-cases/voc_dataset/voc_dataset1')))('datumaro: RGB masks, more XML objects than the mask has', async () => {
    const root = dir('datumaro-edge-cases/voc_dataset/voc_dataset1');
    const { summary, train } = await run(root, { validationRatio: 0 });
    const [line] = lines(train);
    expect(line!.label.map((o) => o.label)).toEqual(['cat']); // object 2 "person" has no pixels
    expect(summary.warnings.map((w) => [w.code, w.path])).toEqual([
      ['OBJECT_WITHOUT_PIXELS', 'object[2]'],
      ['CLASS_MISMATCH', 'object[1]'], // the class mask paints it (0,128,0) = 2, bicycle; the XML says cat
    ]);
  });

  test.skipIf(!existsSync(dir('labelme-examples/instance_segmentation/data_dataset_voc')))('labelme instance masks without XML: INPUT_LAYOUT', async () => {
    const err = await failure(dir('labelme-examples/instance_segmentation/data_dataset_voc'));
    expect(err.code).toBe('INPUT_LAYOUT');
    expect(err.detail).toBe('expected an Annotations/ or annotations/ folder of VOC XML files, got none');
    expect(summaryOf(err)?.ok).toBe(false);
  });
});
