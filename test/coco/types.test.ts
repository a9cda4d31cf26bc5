/**
 * coco-to-jsonl: every COCO field is checked for its documented type (issue 12.6). One test per field
 * pins code, JSON path and message; annotations (read in pass 2) are checked the same on one thread
 * and on worker threads (the same error, compared field by field).
 */
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { CocoDoc } from '../fixtures/coco-to-jsonl/datasets.js';
import { useTempDir } from '../helpers/fs.js';
import { failure, stable, writeCase } from './cases.js';
import { ONE_THREAD, outcome } from './generated.js';
import { annotation, CASES, category, good, images, sameErrorOnThreads } from './type-cases.js';

const tmp = useTempDir('coco-types-');

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
  // Three cases here; every annotation case in types-threads.slow.test.ts.
  test('an id, a bbox and a segmentation error: --jobs 1 against 2, small ranges', { timeout: 60_000 }, async () => {
    const picked = ['annotations: id an object', 'annotations: bbox with a negative height', 'annotations: segmentation a string (segmentation)'];
    const cases = CASES.filter(([name]) => picked.includes(name));
    expect(cases.length).toBe(picked.length);
    await sameErrorOnThreads(join(tmp.path, 'threads'), cases);
  });
});
