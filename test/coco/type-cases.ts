/**
 * The COCO type cases of issue 12.6, shared by types.test.ts (one thread, and a few on worker threads)
 * and types-threads.slow.test.ts (every annotation case on worker threads): a good document, and for
 * each documented field an edit that breaks its type, with the JSON path and message expected.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { ConvertOptions } from '../../src/types.js';
import type { CocoDoc } from '../fixtures/coco-to-jsonl/datasets.js';
import { writeCase } from './cases.js';
import { ONE_THREAD, outcome } from './generated.js';

export const good = (): CocoDoc => ({
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
export const images = { 'a.png': [10, 10], 'b.png': [10, 10] } as Record<string, [number, number]>;

export type Edit = (d: CocoDoc) => void;
export const image = (d: CocoDoc, i = 0) => (d.images as Record<string, unknown>[])[i]!;
export const annotation = (d: CocoDoc, i = 0) => (d.annotations as Record<string, unknown>[])[i]!;
export const category = (d: CocoDoc, i = 0) => (d.categories as Record<string, unknown>[])[i]!;
const SEG: ConvertOptions = { task: 'instance-segmentation' };

/** [name, edit, JSON path, message, options]: every one JSON_BAD_VALUE. */
export const CASES: [string, Edit, string, string, ConvertOptions?][] = [
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

/**
 * Each annotation case of `cases` in a document of 40 annotations (the bad one in the middle): the
 * same error with `--jobs 2` reading small ranges as on one thread.
 */
export async function sameErrorOnThreads(dir: string, cases: typeof CASES): Promise<void> {
  const json = join(dir, 'annotations.json');
  for (const [, edit, path, detail, options] of cases) {
    const doc = good();
    const many: Record<string, unknown>[] = Array.from({ length: 40 }, (_, i) => ({ ...annotation(doc, i % 2), id: 100 + i }));
    doc.annotations = many;
    const probe: CocoDoc = { annotations: [{ ...many[20]! }, { ...many[21]! }] };
    edit(probe);
    many[20] = annotation(probe, 0);
    many[21] = annotation(probe, 1);
    writeCase(dir, { doc, images });
    writeFileSync(json, JSON.stringify(doc));
    const base: ConvertOptions = { imageDetails: false, ...(options ?? {}) };
    const one = await outcome(json, base, ONE_THREAD);
    const two = await outcome(json, base, { jobs: 2, rangeBytes: 300, splitMinBytes: 0 });
    expect(one.error).toMatchObject({ code: 'JSON_BAD_VALUE', detail });
    expect(one.error!.path).toBe(path.replace(/^annotations\[(\d)\]/, (_, k: string) => `annotations[${20 + Number(k)}]`));
    expect(two).toEqual(one);
  }
}
