/**
 * cvat-to-jsonl: facts behind the golden files, CVAT's mask RLE, one test per bad input (code, message,
 * exit code), and the real CVAT exports of shared/realdata (datumaro's edge cases) when present.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { decodeCvatRle, parsePoints } from '../../converters/cvat-to-jsonl.js';

import type { ConvertOptions } from '../../src/types.js';
import { box, cvatImage, cvatRle, cvatXml, mask, polygon, projectTree, RING_MASK, tag, taskTree } from '../fixtures/cvat-to-jsonl/datasets.js';
import { runCli } from '../helpers/cli.js';
import { conversionFailure, runConversion, type Run } from '../helpers/convert.js';
import { useTempDir, writeTree, type Tree } from '../helpers/fs.js';
import { jpeg } from '../helpers/images.js';

const tmp = useTempDir('cvat-');

/** shared/realdata beside the repository (or one folder up, for worktrees); undefined when absent. */
const REALDATA = [join(import.meta.dirname, '../../../shared/realdata'), join(import.meta.dirname, '../../../../shared/realdata')].find((p) => existsSync(p));
const CVAT_REAL = REALDATA && join(REALDATA, 'datumaro-edge-cases/cvat_dataset/for_images');

interface Line {
  image_url: string;
  label: { label: string; polygon?: number[][]; topX?: number; topY?: number; bottomX?: number; bottomY?: number; isCrowd: number }[] | string[];
}
const lines = (r: Run) =>
  (r.train + r.validation)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line);

const one = (body: string, size: [number, number] = [10, 10], extra = ''): Tree => ({
  'annotations.xml': cvatXml([cvatImage(0, 'a.jpg', size[0], size[1], body, extra)]),
  'images/a.jpg': jpeg(size[0], size[1]),
});

describe('CVAT mask RLE and points', () => {
  test('counts alternate 0 and 1 runs from 0, row by row over the mask box', () => {
    expect(decodeCvatRle('1, 2, 3, 3', 3, 3)).toEqual(Uint8Array.from([0, 1, 1, 0, 0, 0, 1, 1, 1]));
    expect(decodeCvatRle('0,4', 2, 2)).toEqual(Uint8Array.from([1, 1, 1, 1]));
    expect(decodeCvatRle(cvatRle(RING_MASK), 5, 5)).toEqual(Uint8Array.from(RING_MASK));
    expect(decodeCvatRle('1, 2', 2, 2)).toBe('run lengths add up to 3, expected width × height = 2 × 2 = 4');
    expect(decodeCvatRle('1, x', 2, 2)).toBe('expected run lengths as non-negative integers separated by commas, got "x" at run 1');
  });

  test('points: "x,y;x,y" with floats', () => {
    expect(parsePoints('1.5,2;3,4.25;0,0')).toEqual([1.5, 2, 3, 4.25, 0, 0]);
    expect(parsePoints('1,2;3')).toBe('expected points as "x1,y1;x2,y2;...", got "3"');
  });
});

describe('facts behind the golden files', () => {
  test('detection: shapes → boxes (a mask by its pixels), a group → one union box, occluded stays isCrowd 0', async () => {
    await writeTree(tmp.path, taskTree());
    const r = await runConversion('cvat', join(tmp.path, 'annotations.xml'), { validationRatio: 0 });
    const byUrl = new Map(lines(r).map((l) => [l.image_url, l]));
    expect([...byUrl.keys()]).toEqual(['images/a.jpg', 'images/b.png', 'images/d.jpg', 'images/sub/c.jpg']);
    expect(byUrl.get('images/b.png')!.label).toEqual([{ label: 'cat', topX: 0.2, topY: 0.3, bottomX: 0.7, bottomY: 0.8, isCrowd: 0 }]);
    expect(byUrl.get('images/sub/c.jpg')!.label[0]).toEqual({ label: 'dog', topX: 1 / 16, topY: 1 / 8, bottomX: 14 / 16, bottomY: 7 / 8, isCrowd: 0 });
    expect(r.summary.counts).toMatchObject({ occludedObjects: 1, groupedObjects: 1, shapesLeftOut: 1, clampedBoxes: 1 });
    expect(byUrl.get('images/a.jpg')!.label[0]).toMatchObject({ isCrowd: 0 });
  });

  test('--occluded-as-crowd writes occluded objects with isCrowd 1', async () => {
    await writeTree(tmp.path, taskTree());
    const r = await runConversion('cvat', join(tmp.path, 'annotations.xml'), { validationRatio: 0, occludedAsCrowd: true });
    const a = lines(r).find((l) => l.image_url === 'images/a.jpg')!;
    expect((a.label as { isCrowd: number }[]).map((o) => o.isCrowd)).toEqual([1, 0]);
  });

  test('segmentation: the ring mask gives an outer ring and a hole ring', async () => {
    await writeTree(tmp.path, taskTree());
    const r = await runConversion('cvat', join(tmp.path, 'annotations.xml'), { validationRatio: 0, task: 'instance-segmentation', tolerance: 0 });
    const b = lines(r).find((l) => l.image_url === 'images/b.png')!;
    expect((b.label as { polygon: number[][] }[])[0]!.polygon.length).toBe(2);
  });

  test('a group whose shapes overlap is traced from the union of their pixels (no exclusive-or hole)', async () => {
    const body = polygon('cat', '0,0;6,0;6,6;0,6', ' group_id="4"') + polygon('cat', '2,2;4,2;4,4;2,4', ' group_id="4"');
    await writeTree(tmp.path, one(body));
    const r = await runConversion('cvat', join(tmp.path, 'annotations.xml'), { validationRatio: 0, task: 'instance-segmentation', tolerance: 0 });
    const rings = (lines(r)[0]!.label as { polygon: number[][] }[])[0]!.polygon;
    expect(rings.length).toBe(1);
  });

  test('--keep-splits: Train → train, Validation → validation; without it the split decides', async () => {
    await writeTree(tmp.path, projectTree());
    const kept = await runConversion('cvat', tmp.path, { keepSplits: true, validationRatio: 0.5 });
    expect(
      kept.validation
        .trim()
        .split('\n')
        .map((l) => (JSON.parse(l) as Line).image_url),
    ).toEqual(['images/Validation/img0.jpg']);
    const hashed = await runConversion('cvat', tmp.path, { validationRatio: 0 });
    expect(lines(hashed).length).toBe(3);
  });

  test('a subset that is neither train nor validation goes to validation, warned once', async () => {
    const tree: Tree = {
      'annotations.xml': cvatXml([cvatImage(0, 'a.jpg', 4, 4, '', ' subset="Test"'), cvatImage(1, 'b.jpg', 4, 4, '', ' subset="Test"'), cvatImage(2, 'c.jpg', 4, 4, '', ' subset="train"')]),
      'images/Test/a.jpg': jpeg(4, 4),
      'images/Test/b.jpg': jpeg(4, 4),
      'images/c.jpg': jpeg(4, 4),
    };
    await writeTree(tmp.path, tree);
    const r = await runConversion('cvat', join(tmp.path, 'annotations.xml'), { keepSplits: true });
    expect([r.summary.train, r.summary.validation]).toEqual([1, 2]);
    expect(r.summary.warnings.map((w) => w.message)).toEqual([
      `${join(tmp.path, 'annotations.xml')}: image[0]/@subset: subset "Test" is neither train nor validation: its images go to the validation file (--keep-splits)`,
    ]);
  });

  test('an image whose every object is bad is left out (--on-error skip), not written as background', async () => {
    await writeTree(tmp.path, {
      ...one(box('', 0, 0, 5, 5)),
      'annotations.xml': cvatXml([cvatImage(0, 'a.jpg', 10, 10, box('', 0, 0, 5, 5)), cvatImage(1, 'b.jpg', 10, 10, '')]),
      'images/b.jpg': jpeg(10, 10),
    });
    const r = await runConversion('cvat', join(tmp.path, 'annotations.xml'), { onError: 'skip', validationRatio: 0 });
    expect(lines(r).map((l) => l.image_url)).toEqual(['images/b.jpg']);
    expect(r.summary.counts).toMatchObject({ imagesWhoseObjectsWereAllBad: 1 });
  });

  test('--no-image-details takes the size from the XML and opens no image', async () => {
    await writeTree(tmp.path, { 'annotations.xml': cvatXml([cvatImage(0, 'gone.jpg', 10, 20, box('cat', 0, 0, 5, 5))]) });
    const r = await runConversion('cvat', join(tmp.path, 'annotations.xml'), { imageDetails: false, validationRatio: 0 });
    expect(r.train.trim()).toBe('{"image_url":"images/gone.jpg","image_details":{"width":10,"height":20},"label":[{"label":"cat","topX":0,"topY":0,"bottomX":0.5,"bottomY":0.25,"isCrowd":0}]}');
  });

  test('multi-label: tags in XML order, once each; a tag without a label is a bad object', async () => {
    await writeTree(tmp.path, one(tag('b') + tag('a') + tag('b') + '    <tag source="manual"/>\n'));
    const r = await runConversion('cvat', join(tmp.path, 'annotations.xml'), { task: 'multi-label', onError: 'skip', validationRatio: 0 });
    expect(lines(r)[0]!.label).toEqual(['b', 'a']);
    expect(r.summary.errors.map((e) => [e.code, e.path])).toEqual([['XML_MISSING', 'image[0]/tag[3]/@label']]);
  });
});

describe('bad input: code, message, exit code', () => {
  const xml = (t: string) => `annotations.xml: ${t}`;
  const cases: [string, Tree, ConvertOptions, string, string][] = [
    ['a box without a label', one(box('cat', 0, 0, 5, 5).replace('label="cat" ', '')), {}, 'XML_MISSING', xml('image[0]/box[0]: expected a label attribute, got none')],
    ['an empty label', one(box('', 0, 0, 5, 5)), {}, 'XML_BAD_VALUE', xml('image[0]/box[0]/@label: expected a label name, got an empty string')],
    ['a box coordinate that is not a number', one(box('cat', 'x', 0, 5, 5)), {}, 'XML_BAD_VALUE', xml('image[0]/box[0]/@xtl: expected xtl as a number, got "x"')],
    ['a box without area', one(box('cat', 5, 0, 5, 5)), {}, 'EMPTY_BOX', xml('image[0]/box[0]: expected a box with area (xtl < xbr, ytl < ybr), got xtl 5, ytl 0, xbr 5, ybr 5')],
    ['a box outside the image', one(box('cat', 20, 20, 30, 30)), {}, 'EMPTY_BOX', xml('image[0]/box[0]: expected a shape overlapping the 10x10 image, got corners 20,20 to 30,30')],
    ['a polygon of two points', one(polygon('cat', '1,1;2,2')), {}, 'BAD_POLYGON', xml('image[0]/polygon[0]/@points: expected at least 3 points, got 2')],
    ['a polygon with bad points', one(polygon('cat', '1,1;2;3,3')), {}, 'BAD_POLYGON', xml('image[0]/polygon[0]/@points: expected points as "x1,y1;x2,y2;...", got "2"')],
    [
      'a flat polygon (segmentation)',
      one(polygon('cat', '1,1;2,2;3,3')),
      { task: 'instance-segmentation' },
      'BAD_POLYGON',
      xml('image[0]/polygon[0]: expected a shape with an area inside the image, got none (after clamping)'),
    ],
    ['a mask whose counts do not fit', one(mask('cat', '1, 2', 0, 0, 2, 2)), {}, 'BAD_RLE', xml('image[0]/mask[0]/@rle: run lengths add up to 3, expected width × height = 2 × 2 = 4')],
    ['a mask without pixels', one(mask('cat', '4', 0, 0, 2, 2)), {}, 'BAD_RLE', xml('image[0]/mask[0]/@rle: expected a mask with pixels, got an empty one')],
    ['a mask without width', one(mask('cat', '4', 0, 0, 2, 2).replace(' width="2"', '')), {}, 'XML_MISSING', xml('image[0]/mask[0]/@width: expected width as a positive integer, got nothing')],
    [
      'a group with two labels',
      one(polygon('cat', '0,0;2,0;2,2', ' group_id="1"') + polygon('dog', '5,5;7,5;7,7', ' group_id="1"')),
      {},
      'XML_BAD_VALUE',
      xml('image[0]/polygon[1]: expected the shapes of group_id 1 to share one label, got "cat" (image[0]/polygon[0]) and "dog"'),
    ],
    [
      'an image without a name',
      { 'annotations.xml': cvatXml(['  <image id="0" width="4" height="4">\n  </image>\n']) },
      {},
      'XML_MISSING',
      xml("image[0]/@name: expected the image's name, got nothing"),
    ],
    ['an image that is not there', { 'annotations.xml': cvatXml([cvatImage(0, 'gone.jpg', 4, 4, '')]) }, {}, 'IMAGE_NOT_FOUND', xml('image[0]/@name: image not found: looked for images/gone.jpg')],
    ['a size that differs from the image', one('', [10, 12]), {}, 'IMAGE_SIZE_MISMATCH', xml('image[0]: expected the size of images/a.jpg, 10x12, got 10x13')],
    [
      'no width with --no-image-details',
      { 'annotations.xml': cvatXml(['  <image id="0" name="a.jpg" height="4">\n  </image>\n']) },
      { imageDetails: false },
      'XML_MISSING',
      xml("image[0]/@width: expected the image's width as a positive integer (--no-image-details opens no image), got nothing"),
    ],
    [
      'the same image twice',
      { ...one(''), 'annotations.xml': cvatXml([cvatImage(0, 'a.jpg', 10, 10, ''), cvatImage(1, 'a.jpg', 10, 10, '')]) },
      {},
      'DUPLICATE_IMAGE',
      xml('image[1]/@name: expected each image once, got images/a.jpg again (image[0] has it)'),
    ],
    [
      'an image outside the root',
      { 'annotations.xml': cvatXml([cvatImage(0, '../../a.jpg', 4, 4, '')]) },
      { imageDetails: false },
      'PATH_OUTSIDE_ROOT',
      xml('image[0]/@name: expected an image under <tmp>, got "../../a.jpg"'),
    ],
    [
      'not a CVAT XML',
      { 'annotations.xml': '<annotation><filename>a.jpg</filename></annotation>\n' },
      {},
      'XML_BAD_VALUE',
      xml('annotation: expected <annotations> (CVAT for images 1.1), got <annotation>'),
    ],
    ['no images', { 'annotations.xml': cvatXml([]) }, {}, 'EMPTY_DATASET', xml('expected <image> elements, got none')],
    ['malformed XML', { 'annotations.xml': '<annotations><image name="a.jpg">\n</annotations>\n' }, {}, 'XML_PARSE', xml('line 2: expected </image>, got </annotations>')],
    ['a DTD', { 'annotations.xml': '<!DOCTYPE x [<!ENTITY e "x">]><annotations/>' }, {}, 'XML_PARSE', ''],
  ];
  test.each(cases)('%s', { timeout: 20_000 }, async (_name, tree, options, code, message) => {
    const sized = _name === 'a size that differs from the image' ? { ...tree, 'annotations.xml': (tree['annotations.xml'] as string).replace('height="12"', 'height="13"') } : tree;
    await writeTree(tmp.path, sized);
    const before = process.cwd();
    process.chdir(tmp.path);
    try {
      const e = await conversionFailure('cvat', 'annotations.xml', options);
      expect([e.code, e.exitCode]).toEqual([code, 1]);
      if (message) expect(e.message).toBe(message.replace('<tmp>', tmp.path));
      const flags = Object.entries(options).flatMap(([k, v]) => (k === 'imageDetails' ? ['--no-image-details'] : [`--${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(v)]));
      const r = await runCli(['convert', 'cvat', 'annotations.xml', '-o', 'out', ...flags]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`[${code}]`);
      expect(existsSync(join(tmp.path, 'out', 'train_annotations.jsonl'))).toBe(false);
    } finally {
      process.chdir(before);
    }
  });

  test('a folder without annotations.xml and with two .xml files → INPUT_LAYOUT', async () => {
    await writeTree(tmp.path, { 'a.xml': cvatXml([]), 'b.xml': cvatXml([]) });
    const e = await conversionFailure('cvat', tmp.path);
    expect([e.code, e.detail]).toEqual(['INPUT_LAYOUT', 'expected a CVAT XML file, or a folder with annotations.xml or one .xml file, got a folder with 2 .xml files']);
  });

  test('--task with another value → USAGE, exit 2', async () => {
    await writeTree(tmp.path, taskTree());
    const r = await runCli(['convert', 'cvat', join(tmp.path, 'annotations.xml'), '-o', join(tmp.path, 'out'), '--task', 'multi-class']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--task <task>' argument 'multi-class' is invalid/);
  });
});

describe.skipIf(CVAT_REAL === undefined || !existsSync(CVAT_REAL))('real CVAT exports (datumaro edge cases)', () => {
  const real = CVAT_REAL!;
  test('task export: a box (occluded), a polyline and points warned, a polygon with an empty label is a bad object', async () => {
    const failed = await conversionFailure('cvat', join(real, 'export_task/train.xml'));
    expect([failed.code, failed.path]).toEqual(['XML_BAD_VALUE', 'image[1]/polygon[0]/@label']);
    const r = await runConversion('cvat', join(real, 'export_task/train.xml'), { onError: 'skip', validationRatio: 0 });
    // img1's only object is bad: the image is left out.
    expect(lines(r)).toEqual([
      { image_url: 'images/img0.jpg', image_details: { format: 'jpg', width: 8, height: 8 }, label: [{ label: 'label1', topX: 0, topY: 0.25, bottomX: 0.5, bottomY: 0.5, isCrowd: 0 }] },
    ]);
    expect(r.summary.warnings.map((w) => [w.code, w.path])).toEqual([
      ['UNSUPPORTED_SHAPE', 'image[0]/polyline[0]'],
      ['UNSUPPORTED_SHAPE', 'image[1]/points[0]'],
    ]);
    expect(r.summary.counts).toMatchObject({ occludedObjects: 1, imagesWhoseObjectsWereAllBad: 1 });
  });

  test.each(['object-detection', 'instance-segmentation', 'multi-label'])('project export (%s): images/<subset>/<name>, six images, subsets kept', async (task) => {
    const r = await runConversion('cvat', join(real, 'export_project'), { task, keepSplits: true, validationRatio: 0.2 });
    const all = lines(r);
    expect(all.map((l) => l.image_url).sort()).toEqual([
      'images/Test/img0.jpg',
      'images/Test/img1.jpg',
      'images/Train/img0.jpg',
      'images/Train/img1.jpg',
      'images/Validation/img0.jpg',
      'images/Validation/img1.jpg',
    ]);
    expect([r.summary.train, r.summary.validation]).toEqual([2, 4]);
    if (task === 'object-detection')
      expect(all.find((l) => l.image_url === 'images/Train/img1.jpg')!.label).toEqual([{ label: 'label1', topX: 0.1, topY: 0.2, bottomX: 0.6, bottomY: 0.5, isCrowd: 0 }]);
    if (task === 'instance-segmentation') expect(all.find((l) => l.image_url === 'images/Train/img1.jpg')!.label).toEqual([{ label: 'label1', isCrowd: 0, polygon: [[0.1, 0.2, 0.3, 0.4, 0.6, 0.5]] }]);
    if (task === 'multi-label') expect(all.every((l) => Array.isArray(l.label) && l.label.length === 0)).toBe(true);
  });
});
