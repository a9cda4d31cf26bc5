/**
 * csv-multilabel on the real datasets of ../shared/realdata (each skipped when absent), and against
 * the reference converter of ../shared/reference.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, writeCsvSet } from './csv-helpers.js';
import { describe, expect, test } from 'vitest';
import { summaryOf } from '../../src/convert.js';
import type { ConvertOptions } from '../../src/types.js';
import { useTempDir, type Tree } from '../helpers/fs.js';
import { runConversion, type Run } from '../helpers/convert.js';
import { jpeg } from '../helpers/images.js';

const REALDATA = new URL('../../../shared/realdata/', import.meta.url).pathname;
const REF = new URL('../../../shared/reference/ref_convert.py', import.meta.url).pathname;
const PYTHON = '/usr/bin/python3';
const tmp = useTempDir('csv-');

const run = (input: string, options: ConvertOptions = {}): Promise<Run> => runConversion('csv', input, options);

/** Everything in one file, for tests that do not care about the split. */
async function lines(input: string, options: ConvertOptions = {}): Promise<{ image_url: string; image_details?: unknown; label: string[] }[]> {
  const { train } = await run(input, { validationRatio: 0, ...options });
  return parse(train);
}

/** Writes `<tmp>/data/labels.csv` (exact bytes) and the images; returns the CSV's path. */
const csvSet = (csv: string | Buffer, images: Tree = {}): Promise<string> => writeCsvSet(join(tmp.path, 'data'), csv, images);

/** Images 1.jpg … n.jpg, each a distinct size. */
function numbered(n: number): Tree {
  const t: Tree = {};
  for (let i = 1; i <= n; i++) t[`${i}.jpg`] = jpeg(10 + i, 5 + i);
  return t;
}

// ---------------------------------------------------------------------------------------------

const MULTILABEL = join(REALDATA, 'fridge-official-reduced', 'multilabelFridgeObjects');
const KAGGLE = join(REALDATA, 'datumaro-edge-cases', 'kaggle_dataset');
const haveRef = existsSync(REF) && existsSync(PYTHON);

describe.skipIf(!existsSync(MULTILABEL))('real data: fridge-official-reduced/multilabelFridgeObjects (CRLF labels.csv)', () => {
  test('three photos with their labels and sizes', async () => {
    const got = await lines(join(MULTILABEL, 'labels.csv'));
    expect(got).toEqual([
      { image_url: 'images/100.jpg', image_details: { format: 'jpg', width: 499, height: 666 }, label: ['can'] },
      { image_url: 'images/104.jpg', image_details: { format: 'jpg', width: 499, height: 666 }, label: ['can'] },
      { image_url: 'images/105.jpg', image_details: { format: 'jpg', width: 499, height: 666 }, label: ['milk_bottle'] },
    ]);
  });

  test('the folder itself works as the input', async () => {
    expect(await lines(MULTILABEL)).toHaveLength(3);
  });

  test.skipIf(!haveRef)('the same images and labels as ref_convert.py csv', async () => {
    const refOut = join(tmp.path, 'ref');
    execFileSync(PYTHON, [REF, 'csv', join(MULTILABEL, 'labels.csv'), refOut]);
    const ref = parse(readFileSync(join(refOut, 'train_annotations.jsonl'), 'utf8') + readFileSync(join(refOut, 'validation_annotations.jsonl'), 'utf8'));
    const ours = await lines(join(MULTILABEL, 'labels.csv'));
    const pairs = (ls: { image_url: string; label: string[] }[]) => ls.map((l) => `${l.image_url} ${l.label.join('|')}`).sort();
    expect(pairs(ours)).toEqual(pairs(ref));
  });

  test.skipIf(!haveRef)('where the reference is wrong: a double space makes it write an empty label; we do not', async () => {
    const path = await csvSet('filename,labels\n1.jpg,can  milk_bottle\n', numbered(1));
    const refOut = join(tmp.path, 'ref2');
    execFileSync(PYTHON, [REF, 'csv', path, refOut]);
    const ref = parse(readFileSync(join(refOut, 'train_annotations.jsonl'), 'utf8') + readFileSync(join(refOut, 'validation_annotations.jsonl'), 'utf8'));
    expect(ref[0]!.label).toEqual(['can', '', 'milk_bottle']);
    expect((await lines(path))[0]!.label).toEqual(['can', 'milk_bottle']);
  });
});

describe.skipIf(!existsSync(KAGGLE))('real data: datumaro-edge-cases/kaggle_dataset', () => {
  test('image_csv_multi_label/ann.csv is one-hot (image_name,dog,cat,person)', async () => {
    const got = await lines(join(KAGGLE, 'image_csv_multi_label', 'ann.csv'));
    expect(got.map((l) => [l.image_url, l.label])).toEqual([
      ['images/1.jpg', ['dog']],
      ['images/2.jpg', ['cat']],
      ['images/3.jpg', ['person']],
      ['images/4.jpg', ['dog', 'cat']],
      ['images/5.jpg', ['dog', 'person']],
      ['images/6.jpg', ['cat', 'person']],
    ]);
    expect(got[0]!.image_details).toEqual({ format: 'jpg', width: 15, height: 10 });
  });

  test('image_csv/ann.csv (image_name,label_name) is the list form', async () => {
    const got = await lines(join(KAGGLE, 'image_csv', 'ann.csv'));
    expect(got.map((l) => l.label)).toEqual([['dog'], ['cat'], ['dog'], ['cat'], ['cat']]);
  });

  test('ann_wo_ext.csv names files without their extension: each found by its stem, counted', async () => {
    const { summary, train, validation } = await run(join(KAGGLE, 'image_csv_multi_label', 'ann_wo_ext.csv'));
    expect(
      parse(train + validation)
        .map((l) => l.image_url)
        .sort(),
    ).toEqual(['images/1.jpg', 'images/2.jpg', 'images/3.jpg', 'images/4.jpg', 'images/5.jpg', 'images/6.jpg']);
    expect(summary.counts).toEqual({ extensionsAdded: 6 });
    expect(summary.warnings).toEqual([]);
    expect(summaryOf(new Error('x'))).toBeUndefined();
  });
});
