/**
 * folder-to-jsonl on the real datasets of ../shared/realdata (each skipped when absent), and against
 * the reference converter of ../shared/reference.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { ConversionError } from '../../src/errors.js';
import type { ConvertOptions } from '../../src/types.js';
import { useTempDir } from '../helpers/fs.js';
import { conversionFailure, runConversion, type Run } from '../helpers/convert.js';

const REALDATA = new URL('../../../shared/realdata/', import.meta.url).pathname;
const REF = new URL('../../../shared/reference/ref_convert.py', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';
const tmp = useTempDir('folder-');

const run = (root: string, options: ConvertOptions = {}): Promise<Run> => runConversion('folder', root, options);

const failure = (root: string, options: ConvertOptions = {}): Promise<ConversionError> => conversionFailure('folder', root, options);

function parse(jsonl: string): { image_url: string; image_details?: unknown; label: string }[] {
  return jsonl
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { image_url: string; image_details?: unknown; label: string });
}

const FRIDGE_REAL = join(REALDATA, 'fridge-official-reduced', 'fridgeObjects');
const IMAGENET = join(REALDATA, 'datumaro-edge-cases', 'imagenet_dataset');
const haveRef = existsSync(REF) && existsSync(PYTHON);

describe.skipIf(!existsSync(FRIDGE_REAL))('real data: fridge-official-reduced/fridgeObjects', () => {
  test('four photos, one per class, sizes from their headers; annotations.jsonl reported', async () => {
    const { summary, train, validation } = await run(FRIDGE_REAL);
    const all = parse(train + validation).sort((x, y) => (x.image_url < y.image_url ? -1 : 1));
    expect(all).toEqual([
      { image_url: 'can/11.jpg', image_details: { format: 'jpg', width: 499, height: 665 }, label: 'can' },
      { image_url: 'carton/51.jpg', image_details: { format: 'jpg', width: 499, height: 665 }, label: 'carton' },
      { image_url: 'milk_bottle/84.jpg', image_details: { format: 'jpg', width: 499, height: 665 }, label: 'milk_bottle' },
      { image_url: 'water_bottle/111.jpg', image_details: { format: 'jpg', width: 499, height: 665 }, label: 'water_bottle' },
    ]);
    expect(summary.validation).toBe(1);
    expect(summary.warnings.map((w) => [w.code, w.file?.endsWith('fridgeObjects/annotations.jsonl')])).toEqual([['NOT_AN_IMAGE', true]]);
  });

  test.skipIf(!haveRef)('the same images and labels as ref_convert.py folder (which adds no image_details)', async () => {
    const refOut = join(tmp.path, 'ref');
    execFileSync(PYTHON, [REF, 'folder', FRIDGE_REAL, refOut]);
    const ref = parse(readFileSync(join(refOut, 'train_annotations.jsonl'), 'utf8') + readFileSync(join(refOut, 'validation_annotations.jsonl'), 'utf8'));
    const ours = await run(FRIDGE_REAL);
    const pairs = (ls: { image_url: string; label: string }[]) => ls.map((l) => `${l.image_url} ${l.label}`).sort();
    expect(pairs(parse(ours.train + ours.validation))).toEqual(pairs(ref));
  });
});

describe.skipIf(!existsSync(IMAGENET))('real data: datumaro-edge-cases/imagenet_dataset (nested folder, image at the root)', () => {
  test('stops at label_1/label_1_1 by default, reporting the root image', async () => {
    const e = await failure(IMAGENET);
    expect(e.code).toBe('NESTED_FOLDER');
    expect(e.file).toBe(join(IMAGENET, 'label_1', 'label_1_1'));
  });

  test('--depth 2: three lines, the nested image under its top class; label_0_2.jpg left out', async () => {
    const { summary, train, validation } = await run(IMAGENET, { depth: 2 });
    expect(
      parse(train + validation)
        .map((l) => [l.image_url, l.label, l.image_details])
        .sort(),
    ).toEqual([
      ['label_0/label_0_1.jpg', 'label_0', { format: 'jpg', width: 8, height: 8 }],
      ['label_1/label_1_1.jpg', 'label_1', { format: 'jpg', width: 8, height: 8 }],
      ['label_1/label_1_1/label_1_1.jpg', 'label_1', { format: 'jpg', width: 8, height: 8 }],
    ]);
    expect(summary.warnings.map((w) => [w.code, w.file === join(IMAGENET, 'label_0_2.jpg')])).toEqual([['IMAGE_OUTSIDE_CLASS', true]]);
  });
});
