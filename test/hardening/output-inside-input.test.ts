/**
 * Output inside the input (issue 12.2): a run never reads its own outputs, nor a previous run's, as
 * input; never replaces a file of its input; a second run with --force writes the same bytes.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { convert } from '../../src/convert.js';
import { ConversionError } from '../../src/errors.js';
import { isOwnOutputName } from '../../src/kit/own-outputs.js';
import { useTempDir, writeTree } from '../helpers/fs.js';
import { jpeg } from '../helpers/images.js';

const tmp = useTempDir('own-out-');

async function fridge(root: string): Promise<void> {
  await writeTree(root, { 'can/1.jpg': jpeg(4, 3), 'can/2.jpg': jpeg(4, 3), 'milk/3.jpg': jpeg(5, 3), 'milk/4.jpg': jpeg(5, 3), 'milk/5.jpg': jpeg(5, 3) });
}

const read = (dir: string, ...names: string[]) => names.map((n) => readFileSync(join(dir, n), 'utf8'));

describe('output folder inside the dataset', () => {
  test('folder: -o inside a class folder works, twice with --force, same bytes', async () => {
    const root = join(tmp.path, 'in');
    await fridge(root);
    const out = join(root, 'can', 'out');
    const first = await convert('folder', root, { out });
    expect(first.train + first.validation).toBe(5);
    expect(first.errors).toEqual([]);
    const bytes = read(out, 'train_annotations.jsonl', 'validation_annotations.jsonl');
    const second = await convert('folder', root, { out, force: true, validationRatio: 0.2 });
    expect(second.train + second.validation).toBe(5);
    expect(read(out, 'train_annotations.jsonl', 'validation_annotations.jsonl')).toEqual(bytes);
  });

  test('folder: -o the dataset itself with --mltable: the MLTable folders are not classes', async () => {
    const root = join(tmp.path, 'in');
    await fridge(root);
    const first = await convert('folder', root, { out: root, mltable: true });
    const mk = join(root, 'training-mltable-folder');
    const bytes = read(mk, 'train_annotations.jsonl');
    const second = await convert('folder', root, { out: root, mltable: true, force: true });
    expect(second.labels).toEqual(first.labels);
    expect(Object.keys(second.labels)).toEqual(['can', 'milk']);
    expect(second.warnings).toEqual(first.warnings);
    expect(read(mk, 'train_annotations.jsonl')).toEqual(bytes);
  });

  test("a previous run's output files elsewhere in the tree are not read (no warning either)", async () => {
    const root = join(tmp.path, 'in');
    await fridge(root);
    writeFileSync(join(root, 'train_annotations.jsonl'), '{}\n');
    writeFileSync(join(root, 'can', 'validation_annotations.jsonl'), '{}\n');
    writeFileSync(join(root, 'milk', '.automl-img-spill.123.abcd0123.tmp'), 'x');
    const s = await convert('folder', root, { out: join(tmp.path, 'o') });
    expect(s.warnings).toEqual([]);
    expect(s.train + s.validation).toBe(5);
  });

  test('csv: the output folder inside the images folder is not reported as unlisted', async () => {
    const root = join(tmp.path, 'in');
    await writeTree(root, { 'images/a.jpg': jpeg(4, 3), 'images/b.jpg': jpeg(4, 3), 'labels.csv': 'filename,labels\na.jpg,x\nb.jpg,y\n' });
    const out = join(root, 'images', 'out');
    await convert('csv', join(root, 'labels.csv'), { out, validationRatio: 0 });
    const bytes = read(out, 'train_annotations.jsonl');
    const s = await convert('csv', join(root, 'labels.csv'), { out, validationRatio: 0, force: true });
    expect(s.warnings).toEqual([]);
    expect(read(out, 'train_annotations.jsonl')).toEqual(bytes);
  });

  test('an output that would replace an input file is refused, even with --force', async () => {
    const root = join(tmp.path, 'in');
    await writeTree(root, { 'images/a.jpg': jpeg(4, 3), 'train_annotations.jsonl': 'filename,labels\na.jpg,x\n' });
    const input = join(root, 'train_annotations.jsonl');
    const before = readFileSync(input, 'utf8');
    const e = await convert('csv', input, { out: root, validationRatio: 0, force: true, images: join(root, 'images') }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConversionError);
    expect((e as ConversionError).code).toBe('OUTPUT_IS_INPUT');
    expect((e as ConversionError).message).toContain('train_annotations.jsonl');
    expect(readFileSync(input, 'utf8')).toBe(before);
    expect(readdirSync(root).sort()).toEqual(['images', 'train_annotations.jsonl']);
  });

  test('the names the writer owns', () => {
    for (const n of [
      'train_annotations.jsonl',
      'validation_annotations.jsonl',
      'training-mltable-folder',
      'validation-mltable-folder',
      '.automl-img-spill.1.ab12cd34.tmp',
      '.train_annotations.jsonl.77.0a0b0c0d.tmp',
    ]) {
      expect(isOwnOutputName(n), n).toBe(true);
    }
    for (const n of ['train.jsonl', 'a.tmp', 'MLTable', 'can', '.hidden']) expect(isOwnOutputName(n), n).toBe(false);
  });
});
