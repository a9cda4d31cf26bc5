/**
 * coco-to-jsonl on the real datasets of ../shared/realdata (each skipped when absent), and against
 * the reference converter of ../shared/reference (when Python, numpy and scikit-image are there).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { BoxLabel, ConvertOptions, PolygonLabel } from '../../src/types.js';
import { makeTempDir, removeDir } from '../helpers/fs.js';
import { byUrl, failure, parse, run } from '../coco/cases.js';

const REALDATA = new URL('../../../shared/realdata/', import.meta.url).pathname;
const REFERENCE = new URL('../../../shared/reference/ref_convert.py', import.meta.url).pathname;

const hasReference = existsSync(REFERENCE) && spawnSync('/usr/bin/python3', ['-c', 'import numpy, skimage'], { stdio: 'ignore' }).status === 0;

/**
 * Runs `ref_convert.py coco` on a real file and checks that every image has the same objects (label,
 * isCrowd, corners clamped to [0, 1] and rounded to 6 places: the reference clamps and rounds nothing)
 * and the same width and height. Our image_url is `prefix` + the reference's (which is `file_name`).
 */
async function agreesWithReference(json: string, prefix: string, options: ConvertOptions): Promise<void> {
  const refOut = makeTempDir('coco-ref-');
  try {
    execFileSync('/usr/bin/python3', [REFERENCE, 'coco', json, refOut]);
    const ref = ['train_annotations.jsonl', 'validation_annotations.jsonl'].flatMap((f) => parse(readFileSync(join(refOut, f), 'utf8')));
    const ours = byUrl(await run(json, { ...options, validationRatio: 0 }));
    const key = (o: BoxLabel) => [o.label, o.isCrowd, ...[o.topX, o.topY, o.bottomX, o.bottomY].map((v) => Math.min(1, Math.max(0, v)).toFixed(6))].join(' ');
    expect(ref.length).toBe(ours.size);
    for (const line of ref) {
      const mine = ours.get(prefix + line.image_url)!;
      expect((mine.label as BoxLabel[]).map(key).sort()).toEqual((line.label as BoxLabel[]).map(key).sort());
      expect([mine.image_details!.width, mine.image_details!.height]).toEqual([line.image_details!.width, line.image_details!.height]);
    }
  } finally {
    removeDir(refOut);
  }
}

describe.skipIf(!existsSync(join(REALDATA, 'icevision-samples/annotations.json')))('real data: icevision-samples (COCO val2017 subset)', () => {
  const json = join(REALDATA, 'icevision-samples/annotations.json');

  test('detection: 6 images, one without annotations, the crowd RLE, stray TIFFs ignored', async () => {
    const r = await run(json, { validationRatio: 0 });
    const lines = byUrl(r);
    expect([...lines.keys()].sort()).toEqual(['000000000089', '000000128372', '000000194216', '000000343934', '000000404249', '000000464689'].map((n) => `images/${n}.jpg`));
    expect(lines.get('images/000000000089.jpg')!.label).toEqual([]);
    expect(lines.get('images/000000128372.jpg')!.image_details).toEqual({ format: 'jpg', width: 640, height: 427 });
    expect(r.summary.objects).toBe(36);
    const crowd = (lines.get('images/000000464689.jpg')!.label as BoxLabel[]).filter((o) => o.isCrowd === 1);
    expect(crowd).toEqual([{ label: 'bottle', topX: 0.223549, topY: 0.459375, bottomX: 0.419795, bottomY: 0.65625, isCrowd: 1 }]);
    expect([...lines.keys()].some((k) => k.endsWith('.tif'))).toBe(false);
  });

  test('segmentation: the crowd RLE becomes rings, the two-part polygon two rings', async () => {
    const lines = byUrl(await run(json, { validationRatio: 0, task: 'instance-segmentation' }));
    const crowd = (lines.get('images/000000464689.jpg')!.label as PolygonLabel[]).filter((o) => o.isCrowd === 1);
    expect(crowd).toHaveLength(1);
    expect(crowd[0]!.label).toBe('bottle');
    expect(crowd[0]!.polygon.length).toBeGreaterThanOrEqual(1);
    for (const ring of crowd[0]!.polygon) expect(ring.every((v) => v >= 0 && v <= 1)).toBe(true);
    const people = lines.get('images/000000128372.jpg')!.label as PolygonLabel[];
    expect(people.filter((o) => o.polygon.length === 2)).toHaveLength(1); // annotation 257712
  });

  test.skipIf(!hasReference)('detection agrees with ref_convert.py coco (after clamping and rounding)', async () => {
    await agreesWithReference(json, 'images/', {});
  });
});

describe.skipIf(!existsSync(join(REALDATA, 'labelme-examples/instance_segmentation/data_dataset_coco')))('real data: labelme data_dataset_coco', () => {
  const json = join(REALDATA, 'labelme-examples/instance_segmentation/data_dataset_coco/annotations.json');

  test('category id 0 and folders in file_name', async () => {
    const r = await run(json, { validationRatio: 0, task: 'instance-segmentation' });
    const lines = byUrl(r);
    expect([...lines.keys()].sort()).toEqual(['JPEGImages/2011_000003.jpg', 'JPEGImages/2011_000006.jpg', 'JPEGImages/2011_000025.jpg']);
    expect(r.summary.objects).toBe(12);
    expect(Object.keys(r.summary.labels).sort()).toEqual(['bottle', 'bus', 'car', 'chair', 'person', 'sofa']);
    const sofa = (lines.get('JPEGImages/2011_000006.jpg')!.label as PolygonLabel[]).find((o) => o.label === 'sofa')!;
    expect(sofa.polygon).toHaveLength(4); // four polygons of one annotation, four rings
    const det = byUrl(await run(json, { validationRatio: 0 }));
    expect((det.get('JPEGImages/2011_000003.jpg')!.label as BoxLabel[])[0]).toEqual({ label: 'person', topX: 0.382, topY: 0.316568, bottomX: 0.628, bottomY: 0.970414, isCrowd: 0 });
  });

  test.skipIf(!hasReference)('detection agrees with ref_convert.py coco', async () => {
    await agreesWithReference(json, '', {});
  });
});

describe.skipIf(!existsSync(join(REALDATA, 'datumaro-edge-cases/coco_dataset')))('real data: datumaro coco_instances', () => {
  const base = join(REALDATA, 'datumaro-edge-cases/coco_dataset/coco_instances');

  test('train: category gaps, a box, and segmentation [] (a bad object for segmentation)', async () => {
    const json = join(base, 'annotations/instances_train.json');
    const images = join(base, 'images/train');
    const lines = byUrl(await run(json, { images, validationRatio: 0 }));
    expect([...lines.entries()]).toEqual([
      ['train/a.jpg', { image_url: 'train/a.jpg', image_details: { format: 'jpg', width: 10, height: 5 }, label: [{ label: 'b', topX: 0.2, topY: 0.4, bottomX: 0.5, bottomY: 0.6, isCrowd: 0 }] }],
    ]);
    const e = await failure(json, { images, task: 'instance-segmentation' });
    expect([e.code, e.path, e.detail]).toEqual(['BAD_POLYGON', 'annotations[0].segmentation', 'expected at least one polygon, got an empty list']);
  });

  test('val: a polygon and a crowd RLE with counts as a list', async () => {
    const json = join(base, 'annotations/instances_val.json');
    const lines = byUrl(await run(json, { images: join(base, 'images/val'), validationRatio: 0, task: 'instance-segmentation', tolerance: 0 }));
    const label = lines.get('val/b.jpg')!.label as PolygonLabel[];
    expect(label.map((o) => [o.label, o.isCrowd])).toEqual([
      ['a', 0],
      ['b', 1],
    ]);
    expect(label[0]!.polygon).toEqual([[0, 0, 0.2, 0, 0.2, 0.2, 0, 0.2]]);
    // Columns 0–1 of the 5 × 10 image, traced at edge midpoints: corners cut by half a pixel.
    expect(label[1]!.polygon).toEqual([[0.4, 0.05, 0.4, 0.95, 0.3, 1, 0.1, 1, 0, 0.95, 0, 0.05, 0.1, 0, 0.3, 0]]);
  });

  test.skipIf(!hasReference)('detection agrees with ref_convert.py coco (train and val)', async () => {
    await agreesWithReference(join(base, 'annotations/instances_train.json'), 'train/', { images: join(base, 'images/train') });
    await agreesWithReference(join(base, 'annotations/instances_val.json'), 'val/', { images: join(base, 'images/val') });
  });
});
