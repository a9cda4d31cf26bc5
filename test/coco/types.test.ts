/**
 * coco-to-jsonl: every COCO field is checked for its documented type (issue 12.6). One test per field
 * pins code, JSON path and message; annotations (read in pass 2) are checked the same on one thread
 * and on worker threads (the same error, compared field by field).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { ConvertOptions } from '../../src/types.js';
import type { CocoDoc } from '../fixtures/coco-to-jsonl/datasets.js';
import { useTempDir } from '../helpers/fs.js';
import { failure, stable, writeCase } from './cases.js';
import { ONE_THREAD, outcome } from './generated.js';

const tmp = useTempDir('coco-types-');

const good = (): CocoDoc => ({
  images: [
    { id: 1, file_name: 'a.png', width: 10, height: 10 },
    { id: 2, file_name: 'b.png', width: 10, height: 10 },
  ],
  annotations: [
    { id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 4, 4], segmentation: [[1, 1, 5, 1, 5, 5]], area: 8, iscrowd: 0 },
    { id: 2, image_id: 2, category_id: 1, bbox: [2, 2, 4, 4], segmentation: [[2, 2, 6, 2, 6, 6]], area: 8, iscrowd: 0 },
  ],
  categories: [{ id: 1, name: 'thing', supercategory: 'things' }],
});
const images = { 'a.png': [10, 10], 'b.png': [10, 10] } as Record<string, [number, number]>;

type Edit = (d: CocoDoc) => void;
const image = (d: CocoDoc, i = 0) => (d.images as Record<string, unknown>[])[i]!;
const annotation = (d: CocoDoc, i = 0) => (d.annotations as Record<string, unknown>[])[i]!;
const category = (d: CocoDoc, i = 0) => (d.categories as Record<string, unknown>[])[i]!;
const SEG: ConvertOptions = { task: 'instance-segmentation' };

/** [name, edit, JSON path, message, options]: every one JSON_BAD_VALUE. */
const CASES: [string, Edit, string, string, ConvertOptions?][] = [
  ['images: id an array', (d) => (image(d).id = [1]), 'images[0].id', 'expected an id (a number or a non-empty string), got an array of 1'],
  ['images: id an object', (d) => (image(d).id = { a: 1 }), 'images[0].id', 'expected an id (a number or a non-empty string), got an object'],
  ['images: file_name a number', (d) => (image(d).file_name = 7), 'images[0].file_name', 'expected a file name, got 7'],
  ['images: width negative', (d) => (image(d).width = -10), 'images[0].width', 'expected the width in pixels as a positive integer, got -10'],
  ['images: height a fraction', (d) => (image(d, 1).height = 2.5), 'images[1].height', 'expected the height in pixels as a positive integer, got 2.5'],
  ['annotations: id an object', (d) => (annotation(d).id = { n: 1 }), 'annotations[0].id', 'expected an annotation id (a number or a non-empty string), got an object'],
  ['annotations: id an array', (d) => (annotation(d, 1).id = [2]), 'annotations[1].id', 'expected an annotation id (a number or a non-empty string), got an array of 1'],
  ['annotations: id an empty string', (d) => (annotation(d).id = ''), 'annotations[0].id', 'expected an annotation id (a number or a non-empty string), got an empty string'],
  ['annotations: id true', (d) => (annotation(d).id = true), 'annotations[0].id', 'expected an annotation id (a number or a non-empty string), got true'],
  ['annotations: image_id an object', (d) => (annotation(d).image_id = {}), 'annotations[0].image_id', 'expected an image id (a number or a non-empty string), got an object'],
  ['annotations: category_id an array', (d) => (annotation(d).category_id = [1]), 'annotations[0].category_id', 'expected a category id (a number or a non-empty string), got an array of 1'],
  ['annotations: bbox a string', (d) => (annotation(d).bbox = '1,1,4,4'), 'annotations[0].bbox', 'expected [x, y, width, height] as 4 numbers, got "1,1,4,4"'],
  ['annotations: bbox with null', (d) => (annotation(d).bbox = [1, 1, null, 4]), 'annotations[0].bbox', 'expected [x, y, width, height] as 4 numbers, got [1, 1, null, 4]'],
  ['annotations: bbox of 5 numbers', (d) => (annotation(d).bbox = [1, 1, 4, 4, 4]), 'annotations[0].bbox', 'expected [x, y, width, height] as 4 numbers, got [1, 1, 4, 4, 4]'],
  ['annotations: bbox with a negative width', (d) => (annotation(d).bbox = [5, 1, -4, 4]), 'annotations[0].bbox', 'expected a width and height >= 0, got [5, 1, -4, 4]'],
  ['annotations: bbox with a negative height', (d) => (annotation(d, 1).bbox = [5, 5, 4, -1]), 'annotations[1].bbox', 'expected a width and height >= 0, got [5, 5, 4, -1]'],
  [
    'annotations: segmentation a string (detection, bbox given)',
    (d) => (annotation(d).segmentation = 'poly'),
    'annotations[0].segmentation',
    'expected a segmentation as a list of polygons or an RLE object, got "poly"',
  ],
  [
    'annotations: segmentation a number (detection, bbox given)',
    (d) => (annotation(d, 1).segmentation = 3),
    'annotations[1].segmentation',
    'expected a segmentation as a list of polygons or an RLE object, got 3',
  ],
  [
    'annotations: segmentation a string (segmentation)',
    (d) => (annotation(d).segmentation = 'poly'),
    'annotations[0].segmentation',
    'expected a segmentation as a list of polygons or an RLE object, got "poly"',
    SEG,
  ],
  [
    'annotations: segmentation true (detection, no bbox)',
    (d) => {
      delete annotation(d).bbox;
      annotation(d).segmentation = true;
    },
    'annotations[0].segmentation',
    'expected a segmentation as a list of polygons or an RLE object, got true',
  ],
  ['annotations: area a string', (d) => (annotation(d).area = '8'), 'annotations[0].area', 'expected the area as a number >= 0, got "8"'],
  ['annotations: area negative', (d) => (annotation(d, 1).area = -1), 'annotations[1].area', 'expected the area as a number >= 0, got -1'],
  ['annotations: area an array (segmentation)', (d) => (annotation(d).area = [8]), 'annotations[0].area', 'expected the area as a number >= 0, got an array of 1', SEG],
  ['annotations: iscrowd a string', (d) => (annotation(d).iscrowd = '0'), 'annotations[0].iscrowd', 'expected iscrowd to be 0 or 1, got "0"'],
  ['annotations: iscrowd 0.5', (d) => (annotation(d).iscrowd = 0.5), 'annotations[0].iscrowd', 'expected iscrowd to be 0 or 1, got 0.5'],
  ['categories: id an object', (d) => (category(d).id = { id: 1 }), 'categories[0].id', 'expected an id (a number or a non-empty string), got an object'],
  ['categories: name a number', (d) => (category(d).name = 1), 'categories[0].name', 'expected a category name, got 1'],
  ['categories: supercategory a number', (d) => (category(d).supercategory = 3), 'categories[0].supercategory', 'expected a supercategory name (a string), got 3'],
  ['categories: supercategory an object', (d) => (category(d).supercategory = {}), 'categories[0].supercategory', 'expected a supercategory name (a string), got an object'],
];

describe('every COCO field has its documented type: JSON_BAD_VALUE, path, message', () => {
  for (const [name, edit, path, detail, options] of CASES) {
    test(name, async () => {
      const doc = good();
      edit(doc);
      const json = writeCase(tmp.path, { doc, images });
      const e = await failure(json, { imageDetails: false, ...options });
      expect({ code: e.code, path: e.path, detail: stable(e.detail, tmp.path), exitCode: e.exitCode }).toEqual({ code: 'JSON_BAD_VALUE', path, detail, exitCode: 1 });
      expect(e.message).toBe(`${e.file}: ${path}: ${e.detail}`);
    });
  }

  test('present but null (area, supercategory, id, segmentation with a bbox) and booleans for iscrowd are accepted', async () => {
    const doc = good();
    Object.assign(annotation(doc), { area: null, id: null, segmentation: null, iscrowd: true });
    Object.assign(category(doc), { supercategory: null });
    const json = writeCase(tmp.path, { doc, images });
    const r = await outcome(json, { imageDetails: false, validationRatio: 0 }, ONE_THREAD);
    expect(r.error).toBeUndefined();
    expect(r.train).toContain('"isCrowd":1');
  });
});

describe('an RLE larger than the mask limit (found by the hostile suite: it crashed with a RangeError)', () => {
  test('100000 × 100000: MASK_TOO_LARGE, not a crash', async () => {
    const doc: CocoDoc = {
      images: [{ id: 1, file_name: 'a.png', width: 100000, height: 100000 }],
      annotations: [{ id: 1, image_id: 1, category_id: 1, segmentation: { size: [100000, 100000], counts: [1e10] } }],
      categories: [{ id: 1, name: 'x' }],
    };
    const json = writeCase(tmp.path, { doc, images: { 'a.png': [4, 4] } });
    const e = await failure(json, { imageDetails: false, task: 'instance-segmentation' });
    expect([e.code, e.path, e.detail]).toEqual(['MASK_TOO_LARGE', 'annotations[0].segmentation.size', 'expected an RLE mask of at most 67,108,864 pixels to trace, got 100000 × 100000']);
  });
});

describe('annotations: the same errors on worker threads as on one', () => {
  const annotationCases = CASES.filter(([name]) => name.startsWith('annotations:'));
  test('each annotation type error: --jobs 1 against 2, small ranges', { timeout: 60_000 }, async () => {
    const json = join(tmp.path, 'threads', 'annotations.json');
    for (const [, edit, path, detail, options] of annotationCases) {
      const doc = good();
      // Enough annotations for several ranges; the bad one in the middle.
      const many: Record<string, unknown>[] = Array.from({ length: 40 }, (_, i) => ({ ...annotation(doc, i % 2), id: 100 + i }));
      doc.annotations = many;
      const probe: CocoDoc = { annotations: [{ ...many[20]! }, { ...many[21]! }] };
      edit(probe);
      many[20] = annotation(probe, 0);
      many[21] = annotation(probe, 1);
      writeCase(join(tmp.path, 'threads'), { doc, images });
      writeFileSync(json, JSON.stringify(doc));
      const base: ConvertOptions = { imageDetails: false, ...options };
      const one = await outcome(json, base, ONE_THREAD);
      const two = await outcome(json, base, { jobs: 2, rangeBytes: 300, splitMinBytes: 0 });
      expect(one.error).toMatchObject({ code: 'JSON_BAD_VALUE', detail });
      expect(one.error!.path).toBe(path.replace(/^annotations\[(\d)\]/, (_, k: string) => `annotations[${20 + Number(k)}]`));
      expect(two).toEqual(one);
    }
  });
});
