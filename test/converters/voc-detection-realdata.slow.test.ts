/**
 * voc-detection on the real datasets of ../shared/realdata (each skipped when absent), with the
 * reference converter of ../shared/reference where it is right (when Python and numpy are there).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { failure, lines, run } from './voc-helpers.js';
import { describe, expect, test } from 'vitest';
import type { BoxLabel } from '../../src/types.js';
import { makeTempDir, removeDir } from '../helpers/fs.js';
import { readImageDetails, readImageDetailsSync } from '../../src/images.js';

const REALDATA = new URL('../../../shared/realdata/', import.meta.url).pathname;
const REFERENCE = new URL('../../../shared/reference/ref_convert.py', import.meta.url).pathname;

// ---------------------------------------------------------------------------------------------
// Real datasets (../shared/realdata), when present

const real = (rel: string) => join(REALDATA, rel);
/** The reference runs when its script and its Python packages are there (it imports numpy); else those checks skip. */
const hasPython = existsSync('/usr/bin/python3') && existsSync(REFERENCE) && spawnSync('/usr/bin/python3', ['-c', 'import numpy']).status === 0;

/** The reference converter's lines, by image_url. */
function reference(dir: string): Map<string, { image_url: string; image_details: { width: number; height: number }; label: BoxLabel[] }> {
  const out = makeTempDir('voc-det-ref-');
  try {
    execFileSync('/usr/bin/python3', [REFERENCE, 'voc', dir, out], { stdio: 'pipe' });
    const text = readFileSync(join(out, 'train_annotations.jsonl'), 'utf8') + readFileSync(join(out, 'validation_annotations.jsonl'), 'utf8');
    const rows = text
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { image_url: string; image_details: { width: number; height: number }; label: BoxLabel[] });
    return new Map(rows.map((r) => [r.image_url, r]));
  } finally {
    removeDir(out);
  }
}

/** Our boxes equal the reference's to 6 decimals (the reference neither rounds nor clamps). */
function expectSameBoxes(ours: BoxLabel[], ref: BoxLabel[]): void {
  expect(ours.map((b) => b.label)).toEqual(ref.map((b) => b.label));
  ours.forEach((b, i) => {
    const r = ref[i]!;
    for (const k of ['topX', 'topY', 'bottomX', 'bottomY'] as const) expect(b[k]).toBeCloseTo(Math.min(Math.max(r[k], 0), 1), 6);
    expect(b.isCrowd).toBe(r.isCrowd);
  });
}

describe.skipIf(!existsSync(real('fridge-official-reduced/odFridgeObjects')))('real: fridge-official-reduced/odFridgeObjects', () => {
  const dir = real('fridge-official-reduced/odFridgeObjects');
  test('3 lines, the known box of 100.jpg, same as the reference', async () => {
    const r = await run(dir, { validationRatio: 0 });
    const got = lines(r);
    expect(got.map((l) => l.image_url)).toEqual(['images/100.jpg', 'images/104.jpg', 'images/105.jpg']);
    expect(got[0]).toEqual({
      image_url: 'images/100.jpg',
      image_details: { format: 'jpg', width: 499, height: 666 },
      label: [{ label: 'can', topX: 0.260521, topY: 0.406907, bottomX: 0.735471, bottomY: 0.701201, isCrowd: 0 }],
    });
    if (hasPython) {
      const ref = reference(dir);
      for (const l of got) expectSameBoxes(l.label, ref.get(l.image_url)!.label);
    }
  });
});

describe.skipIf(!existsSync(real('icevision-samples/fridge/odFridgeObjects')))('real: icevision-samples/fridge', () => {
  const dir = real('icevision-samples/fridge/odFridgeObjects');
  test('6 lines, 4 labels, same boxes as the reference', async () => {
    const r = await run(dir, { validationRatio: 0 });
    const got = lines(r);
    expect(got).toHaveLength(6);
    expect(Object.keys(r.summary.labels).sort()).toEqual(['can', 'carton', 'milk_bottle', 'water_bottle']);
    expect(got[0]!.label[0]).toEqual({ label: 'carton', topX: 0.172345, topY: 0.153153, bottomX: 0.432866, bottomY: 0.659159, isCrowd: 0 });
    if (hasPython) {
      const ref = reference(dir);
      for (const l of got) expectSameBoxes(l.label, ref.get(l.image_url)!.label);
    }
  });
});

describe.skipIf(!existsSync(real('icevision-samples/voc')))('real: icevision-samples/voc', () => {
  test('float coordinate, <segmented> after <object>; the chair box clamps nothing', async () => {
    const r = await run(real('icevision-samples/voc'), { validationRatio: 0 });
    const got = lines(r);
    expect(got.map((l) => l.image_url)).toEqual(['JPEGImages/2007_000063.jpg', 'JPEGImages/2011_003353.jpg']);
    expect(got[1]!.label).toEqual([{ label: 'person', topX: 0.346667, topY: 0.0914, bottomX: 1, bottomY: 0.94, isCrowd: 0 }]);
    expect(r.summary.objects).toBe(3);
    expect(r.summary.counts).toEqual({});
    if (hasPython) {
      // the reference writes images/<filename>; the boxes are what matter
      const ref = new Map([...reference(real('icevision-samples/voc'))].map(([url, l]) => [url.replace('images/', 'JPEGImages/'), l]));
      for (const l of got) expectSameBoxes(l.label, ref.get(l.image_url)!.label);
    }
  });
});

describe.skipIf(!existsSync(real('labelme-examples/bbox_detection/data_dataset_voc')))('real: labelme-examples/bbox_detection', () => {
  test('empty tags, long floats, <height> before <width>', async () => {
    const r = await run(real('labelme-examples/bbox_detection/data_dataset_voc'), { validationRatio: 0 });
    const got = lines(r);
    expect(got).toHaveLength(3);
    expect(r.summary.objects).toBe(9);
    expect(got[0]).toMatchObject({ image_url: 'JPEGImages/2011_000003.jpg', image_details: { format: 'jpg', width: 500, height: 338 } });
    expect(got[0]!.label[0]).toEqual({ label: 'person', topX: 0.382, topY: 0.31766, bottomX: 0.626, bottomY: 0.974465, isCrowd: 0 });
    if (hasPython) {
      const ref = new Map([...reference(real('labelme-examples/bbox_detection/data_dataset_voc'))].map(([url, l]) => [url.replace('images/', 'JPEGImages/'), l]));
      for (const l of got) expectSameBoxes(l.label, ref.get(l.image_url)!.label);
    }
  });
});

describe.skipIf(!existsSync(real('datumaro-edge-cases/voc_dataset')))('real: datumaro-edge-cases/voc_dataset*', () => {
  const base = real('datumaro-edge-cases/voc_dataset');
  test('voc_dataset1: an image without XML is reported, the other converted', async () => {
    const r = await run(join(base, 'voc_dataset1'), { validationRatio: 0 });
    expect(lines(r).map((l) => l.image_url)).toEqual(['JPEGImages/2007_000001.jpg']);
    expect(r.summary.warnings.map((w) => [w.code, w.file?.endsWith('JPEGImages/2007_000002.jpg')])).toEqual([['MISSING_ANNOTATION', true]]);
  });

  test('voc_dataset2: no images and no <size>: every XML is a bad item, even with --no-image-details', async () => {
    const e = await failure(join(base, 'voc_dataset2'));
    expect(e.code).toBe('IMAGE_NOT_FOUND');
    expect(e.message).toContain('voc_dataset2/Annotations/@.xml: filename: expected an image "@.jpg" or @.<image extension>');
    const e2 = await failure(join(base, 'voc_dataset2'), { imageDetails: false });
    expect([e2.code, e2.path]).toEqual(['XML_MISSING', 'size']);
  });

  test('voc_dataset3: one XML, one line', async () => {
    const r = await run(join(base, 'voc_dataset3'), { validationRatio: 0 });
    expect(r.train).toBe(
      '{"image_url":"JPEGImages/2007_000001.jpg","image_details":{"format":"jpg","width":20,"height":10},"label":[{"label":"cat","topX":0.05,"topY":0.2,"bottomX":0.15,"bottomY":0.4,"isCrowd":0}]}\n',
    );
  });
});

describe('image headers: the synchronous reader voc-detection uses agrees with readImageDetails', () => {
  test.skipIf(!existsSync(REALDATA))('every real JPEG and PNG of ../shared/realdata', async () => {
    const found: string[] = [];
    const walk = (dir: string) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) walk(join(dir, e.name));
        else if (/\.(jpe?g|png)$/i.test(e.name)) found.push(join(dir, e.name));
      }
    };
    walk(REALDATA);
    expect(found.length).toBeGreaterThan(20);
    for (const f of found) {
      const quick = readImageDetailsSync(f);
      if (quick === undefined) continue;
      expect(quick, f).toEqual(await readImageDetails(f, f));
    }
  });
});
