/**
 * yolo-to-jsonl: facts behind the golden cases (test/fixtures/yolo-to-jsonl), one test per bad input pinning
 * code, message (file and line) and exit code, --keep-splits, and the real datasets of ../shared/realdata
 * when present.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ConversionError } from '../../src/errors.js';
import type { BoxLabel, ConvertOptions, PolygonLabel } from '../../src/types.js';
import { darknetTree, folderTree, roboflowTree, ultralyticsTree } from '../fixtures/yolo-to-jsonl/datasets.js';
import { runBin, runCli } from '../helpers/cli.js';
import { conversionFailure, runConversion, type Run } from '../helpers/convert.js';
import { useTempDir, writeTree, type Tree, scrubRoot } from '../helpers/fs.js';
import { jpeg } from '../helpers/images.js';

const REALDATA = new URL('../../../shared/realdata/datumaro-edge-cases/', import.meta.url).pathname;
const tmp = useTempDir('yolo-');

/** Replaces the temp folder in messages so they can be pinned. */
const scrub = (s: string) => scrubRoot(s, tmp.path);

type Line = { image_url: string; image_details?: Record<string, unknown>; label: (BoxLabel & PolygonLabel)[] };
const parse = (text: string): Line[] =>
  text
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);
const lines = (r: Run) => parse(r.train + r.validation);

const run = (input: string, options: ConvertOptions = {}) => runConversion('yolo', input, options);

/** The failure of a dry run of a bare folder made of `tree`. */
async function failure(tree: Tree, options: ConvertOptions = {}, input = '.'): Promise<[string, string]> {
  await writeTree(tmp.path, tree);
  const e: ConversionError = await conversionFailure('yolo', join(tmp.path, input), options);
  return [e.code, scrub(e.message)];
}

/** A one-image bare folder with classes a, b and the given label file. */
const oneImage = (labels: string): Tree => ({ 'classes.txt': 'a\nb\n', 'x.jpg': jpeg(10, 10), 'x.txt': labels });

describe('layouts (facts behind the golden cases)', () => {
  test('Ultralytics: names list, images/<split> beside labels/<split>, polygons give their box, background images, clamping counted', async () => {
    await writeTree(tmp.path, ultralyticsTree());
    const r = await run(tmp.path, { validationRatio: 0 });
    const byUrl = new Map(lines(r).map((l) => [l.image_url, l]));
    expect([...byUrl.keys()].sort()).toEqual(['images/test/e.jpg', 'images/train/a.jpg', 'images/train/b.png', 'images/train/c.jpg', 'images/train/empty.jpg', 'images/val/d.jpg']);
    expect(byUrl.get('images/train/a.jpg')!.label).toEqual([
      { label: 'cat', topX: 0.25, topY: 0.3, bottomX: 0.75, bottomY: 0.7, isCrowd: 0 },
      { label: 'traffic light', topX: 0.1, topY: 0.1, bottomX: 0.4, bottomY: 0.6, isCrowd: 0 },
      { label: 'dog', topX: 0.85, topY: 0.4, bottomX: 1, bottomY: 0.6, isCrowd: 0 },
    ]);
    expect(byUrl.get('images/train/empty.jpg')!.label).toEqual([]);
    expect(byUrl.get('images/train/a.jpg')!.image_details).toEqual({ format: 'jpg', width: 40, height: 30 });
    expect(r.summary.counts).toEqual({ clampedBoxes: 1, clampedValues: 1 });
  });

  test('segmentation: a box line becomes a rectangle ring, a polygon line is kept as written', async () => {
    await writeTree(tmp.path, ultralyticsTree());
    const r = await run(join(tmp.path, 'data.yaml'), { validationRatio: 0, task: 'instance-segmentation' });
    expect(r.summary.task).toBe('instance-segmentation');
    const d = lines(r).find((l) => l.image_url === 'images/val/d.jpg')!;
    expect(d.label).toEqual([{ label: 'cat', isCrowd: 0, polygon: [[0.2, 0.3, 0.2, 0.2, 0.4, 0.2, 0.3, 0.5]] }]);
    const c = lines(r).find((l) => l.image_url === 'images/train/c.jpg')!;
    expect(c.label).toEqual([{ label: 'traffic light', isCrowd: 0, polygon: [[0, 0, 1, 0, 1, 1, 0, 1]] }]);
  });

  test('--keep-splits: train → train, val → validation, test left out with one warning', async () => {
    await writeTree(tmp.path, ultralyticsTree());
    const r = await run(tmp.path, { keepSplits: true });
    expect(parse(r.validation).map((l) => l.image_url)).toEqual(['images/val/d.jpg']);
    expect(parse(r.train).map((l) => l.image_url)).toEqual(['images/train/a.jpg', 'images/train/b.png', 'images/train/c.jpg', 'images/train/empty.jpg']);
    expect(r.summary.counts['testImagesLeftOut']).toBe(1);
    expect(r.summary.warnings.map((w) => [w.code, scrub(w.message)])).toEqual([['YOLO_CONFIG', '<root>: 1 image of the test split left out (--keep-splits writes train and validation only)']]);
    // Without it: the usual split over all six (test included), round(0.2 × 6) = 1 in validation.
    const pooled = await run(tmp.path);
    expect([pooled.summary.train, pooled.summary.validation]).toEqual([5, 1]);
  });

  test('Roboflow: ../train/images read as train/images, names as a mapping, a missing split is a warning', async () => {
    await writeTree(tmp.path, roboflowTree());
    const r = await run(tmp.path, { keepSplits: true });
    expect(parse(r.train).map((l) => l.label.map((o) => o.label))).toEqual([['person', 'bicycle'], ['bicycle']]);
    expect(parse(r.validation).map((l) => l.image_url)).toEqual(['valid/images/3_jpg.rf.ghi.jpg']);
    expect(r.summary.warnings.map((w) => [w.code, w.line, w.path])).toEqual([['YOLO_CONFIG', 3, 'test']]);
  });

  test('Darknet: obj.data with data/ paths, obj.names, train.txt; image_url relative to obj.data', async () => {
    await writeTree(tmp.path, darknetTree());
    const r = await run(join(tmp.path, 'obj.data'), { validationRatio: 0 });
    expect(lines(r).map((l) => [l.image_url, l.label.map((o) => o.label)])).toEqual([
      ['obj_train_data/frame_000000.jpg', ['car', 'person']],
      ['obj_train_data/frame_000001.jpg', []],
      ['obj_train_data/frame_000002.png', ['person']],
    ]);
  });

  test('bare folder: classes.txt and a .txt beside each image, any depth; --no-image-details opens no image', async () => {
    await writeTree(tmp.path, folderTree());
    const r = await run(tmp.path, { validationRatio: 0, imageDetails: false });
    expect(lines(r)).toEqual([
      { image_url: 'batch1/1.jpg', label: [{ label: 'apple', topX: 0.3, topY: 0.3, bottomX: 0.7, bottomY: 0.7, isCrowd: 0 }] },
      { image_url: 'batch1/2.jpg', label: [] },
      {
        image_url: 'batch2/3.png',
        label: [
          { label: 'banana', topX: 0.2, topY: 0.4, bottomX: 0.4, bottomY: 0.8, isCrowd: 0 },
          { label: 'apple', topX: 0.6, topY: 0.1, bottomX: 0.8, bottomY: 0.3, isCrowd: 0 },
        ],
      },
    ]);
  });

  test('a value past [0, 1] by at most 1e-6 is clamped and counted; a line of the right shape with spaces and tabs reads', async () => {
    await writeTree(tmp.path, oneImage('1\t0.5  0.5 1.000001 0.5 0.5 -0.0000005\n'));
    const r = await run(tmp.path, { validationRatio: 0 });
    expect(r.summary.counts['clampedValues']).toBe(2);
  });
});

describe('bad input: one test each (code, file:line, message; a bad line is a bad object)', () => {
  test('a class index outside names', async () => {
    expect(await failure(oneImage('0 0.5 0.5 0.2 0.2\n2 0.5 0.5 0.2 0.2\n'))).toEqual(['UNKNOWN_CATEGORY_ID', '<root>/x.txt:2: expected a class index of names 0-1 (classes.txt), got 2']);
  });

  test('a class that is not an integer', async () => {
    expect(await failure(oneImage('1.5 0.5 0.5 0.2 0.2\n'))).toEqual(['YOLO_BAD_LINE', '<root>/x.txt:1: class: expected a class index (an integer >= 0), got "1.5"']);
  });

  test('a wrong count of numbers (4, 6)', async () => {
    expect(await failure(oneImage('0 0.5 0.5 0.2\n'))).toEqual([
      'YOLO_BAD_LINE',
      '<root>/x.txt:1: expected 5 values (class cx cy w h) or an odd count of 7 or more (class x1 y1 x2 y2 x3 y3 ...), got 4',
    ]);
    expect((await failure(oneImage('\n\n0 0.1 0.1 0.2 0.2 0.3\n')))[1]).toMatch(/^<root>\/x\.txt:3: expected 5 values .*, got 6$/);
  });

  test('a non-numeric value', async () => {
    expect(await failure(oneImage('0 0.5 0.5 0.2 nan\n'))).toEqual(['YOLO_BAD_LINE', '<root>/x.txt:1: h: expected a number, got "nan"']);
  });

  test('a non-finite value', async () => {
    expect(await failure(oneImage('0 0.1 0.1 0.2 0.2 1e400 0.3\n'))).toEqual(['YOLO_BAD_LINE', '<root>/x.txt:1: x3: expected a finite number, got 1e400']);
  });

  test('a value outside [0, 1] beyond rounding', async () => {
    expect(await failure(oneImage('0 0.5 0.5 0.2 1.00001\n'))).toEqual(['YOLO_BAD_LINE', '<root>/x.txt:1: h: expected a normalised value in [0, 1], got 1.00001']);
    // pixel coordinates, the usual mistake
    expect((await failure(oneImage('0 320 240 50 60\n')))[1]).toBe('<root>/x.txt:1: cx: expected a normalised value in [0, 1], got 320');
  });

  test('a box with no area', async () => {
    expect(await failure(oneImage('0 0.5 0.5 0.2 0\n'))).toEqual(['EMPTY_BOX', '<root>/x.txt:1: expected a box with area, got w 0.2, h 0']);
  });

  test('a polygon with no area', async () => {
    expect(await failure(oneImage('0 0.1 0.5 0.2 0.5 0.3 0.5\n'), { task: 'instance-segmentation' })).toEqual(['BAD_POLYGON', '<root>/x.txt:1: expected a polygon with area, got 3 points on a line']);
  });

  test('a label file with no image', async () => {
    expect(await failure({ ...oneImage(''), 'y.txt': '0 0.5 0.5 0.2 0.2\n' })).toEqual([
      'ANNOTATION_WITHOUT_IMAGE',
      '<root>/y.txt: expected an image named y.<jpg|png|...> for this label file, got none',
    ]);
    // in labels/<split>, beside images/<split>
    const e = await failure({ 'data.yaml': 'train: images/train\nnames: [a]\n', 'images/train/1.jpg': jpeg(4, 4), 'labels/train/1.txt': '', 'labels/train/2.txt': '' });
    expect(e).toEqual(['ANNOTATION_WITHOUT_IMAGE', '<root>/labels/train/2.txt: expected an image named 2.<jpg|png|...> for this label file, got none']);
  });

  test('a list file naming an image that is not there', async () => {
    const tree = { ...darknetTree(), 'train.txt': 'data/obj_train_data/frame_000000.jpg\ndata/obj_train_data/missing.jpg\n' };
    expect(await failure(tree, {}, 'obj.data')).toEqual(['IMAGE_NOT_FOUND', '<root>/train.txt:2: no image <root>/obj_train_data/missing.jpg']);
  });

  test('data.yaml that is not YAML, with its line', async () => {
    expect(await failure({ 'data.yaml': 'train: images\nnames: [a, b\n', 'images/1.jpg': jpeg(4, 4) })).toEqual([
      'YOLO_CONFIG',
      expect.stringMatching(/^<root>\/data\.yaml:3: expected YAML, got an error: .+/) as unknown as string,
    ]);
  });

  test('data.yaml without names, or with nc disagreeing', async () => {
    expect(await failure({ 'data.yaml': 'train: images\n', 'images/1.jpg': jpeg(4, 4) })).toEqual([
      'YOLO_CONFIG',
      '<root>/data.yaml: names: expected names: a list of class names or a mapping of index to name, got none',
    ]);
    expect(await failure({ 'data.yaml': 'train: images\nnc: 3\nnames: [a, b]\n', 'images/1.jpg': jpeg(4, 4) })).toEqual([
      'YOLO_CONFIG',
      '<root>/data.yaml:2: nc: expected nc to be the number of names, 2, got 3',
    ]);
  });

  test('data.yaml without train', async () => {
    expect(await failure({ 'data.yaml': 'val: images\nnames: [a]\n', 'images/1.jpg': jpeg(4, 4) })).toEqual([
      'YOLO_CONFIG',
      '<root>/data.yaml: train: expected train: (a folder, a list file, or a list of those), got none',
    ]);
  });

  test('the CLI: exit 1, the message on stderr, nothing written; --on-error skip writes the rest', { timeout: 30_000 }, async () => {
    await writeTree(tmp.path, { ...oneImage('0 0.5 0.5 0.2 0.2\n'), 'y.jpg': jpeg(10, 10), 'y.txt': '7 0.5 0.5 0.2 0.2\n' });
    const out = join(tmp.path, 'out');
    const r = await runBin(['convert', 'yolo', tmp.path, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('y.txt:1: expected a class index of names 0-1 (classes.txt), got 7');
    expect(existsSync(out)).toBe(false);
    const s = await runCli(['convert', 'yolo', tmp.path, '-o', out, '--on-error', 'skip', '--validation-ratio', '0', '--json']);
    expect(s.code).toBe(0);
    const summary = JSON.parse(s.stdout) as { train: number; skippedObjects: number };
    expect([summary.train, summary.skippedObjects]).toEqual([2, 1]);
  });
});

describe('real datasets (../shared/realdata/datumaro-edge-cases, skipped when absent)', () => {
  const real = (rel: string) => join(REALDATA, rel);
  const has = existsSync(REALDATA);

  test.skipIf(!has)('yolo_dataset/labels: obj.names, images/<split> beside labels/<split>, README.txt ignored', async () => {
    const r = await run(real('yolo_dataset/labels'), { keepSplits: true });
    expect(parse(r.train).map((l) => l.image_url)).toEqual(['images/train/1.jpg']);
    expect(parse(r.validation).map((l) => l.image_url)).toEqual(['images/val/1.jpg']);
    // 2 lines each: class 2 and 4 of obj.names' label_0..label_9
    expect(lines(r).map((l) => l.label.map((o) => o.label))).toEqual([
      ['label_2', 'label_4'],
      ['label_2', 'label_4'],
    ]);
    expect(lines(r)[0]!.image_details).toEqual({ format: 'jpg', width: 15, height: 10 });
    expect(r.summary.errors).toEqual([]);
  });

  test.skipIf(!has)('yolo_dataset/annotations: Images/ beside Annotations/', async () => {
    const r = await run(real('yolo_dataset/annotations'), { validationRatio: 0 });
    expect(lines(r).map((l) => [l.image_url, l.label.length])).toEqual([['Images/1.jpg', 2]]);
  });

  test.skipIf(!has)('yolo_dataset/strict: obj.data naming data/train.txt and data/obj.names', async () => {
    const r = await run(real('yolo_dataset/strict'), { validationRatio: 0 });
    expect(lines(r).map((l) => [l.image_url, l.label.map((o) => o.label)])).toEqual([['obj_train_data/1.jpg', ['label_2', 'label_4']]]);
    expect(lines(r)[0]!.label[0]).toEqual({ label: 'label_2', topX: 0, topY: 0.2, bottomX: 0.266667, bottomY: 0.4, isCrowd: 0 });
  });

  test.skipIf(!has)('roboflow_dataset/yolo: data.yaml says ../valid/images but the folder is val/: a warning, train converted', async () => {
    const r = await run(real('roboflow_dataset/yolo'), { keepSplits: true });
    expect(parse(r.train).map((l) => [l.image_url, l.label.map((o) => o.label)])).toEqual([
      ['train/images/train_001.jpg', ['label_0']],
      ['train/images/train_002.jpg', ['label_1']],
    ]);
    expect(r.summary.warnings.map((w) => [w.code, w.line, w.path])).toEqual([['YOLO_CONFIG', 2, 'val']]);
  });

  test.skipIf(!has)('kaggle_dataset/relaxed_yolo: no names file: the class numbers are the labels, with a warning', async () => {
    const r = await run(real('kaggle_dataset/relaxed_yolo'), { validationRatio: 0 });
    expect(lines(r).map((l) => l.label.map((o) => o.label))).toEqual([
      ['2', '4'],
      ['1', '3'],
    ]);
    expect(r.summary.warnings.map((w) => w.code)).toEqual(['YOLO_CONFIG']);
  });
});
