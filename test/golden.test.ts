/**
 * One golden runner for every converter: each case of `test/fixtures/<converter>/cases.ts` is
 * converted twice (the second time into a copy whose files were created in reverse order), the two
 * runs must give the same bytes, and the output must be `test/fixtures/<converter>/<case>/expected/`:
 * `train_annotations.jsonl`, `validation_annotations.jsonl` and `summary.json` (the run's summary with
 * the dataset folder written `<root>`). `UPDATE=1 npx vitest run test/golden.test.ts` rewrites them.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { convert } from '../src/convert.js';
import { CONVERTERS } from '../src/registry.js';
import type { Summary } from '../src/types.js';
import type { GoldenCase } from './fixtures/golden.js';
import { makeTempDir, removeDir, writeTree, writeTreeReversed } from './helpers/fs.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');
const OUTPUTS = ['train_annotations.jsonl', 'validation_annotations.jsonl'] as const;

/** Converters with golden cases: a folder of test/fixtures/ named as the converter, with a cases.ts. */
const withCases = readdirSync(FIXTURES).filter((name) => existsSync(join(FIXTURES, name, 'cases.ts')));

/** The part of a summary a golden file holds, with the dataset folder written `<root>`. */
function summaryText(s: Summary, root: string): string {
  const { train, validation, skipped, skippedImages, skippedObjects, objects, labels, counts, errors, warnings } = s;
  const text = JSON.stringify({ train, validation, skipped, skippedImages, skippedObjects, objects, labels, counts, errors, warnings }, null, 2) + '\n';
  return text.split(root).join('<root>');
}

/** Converts one case in a fresh folder; returns the three files' texts. */
async function run(converter: string, c: GoldenCase, reversed: boolean): Promise<Record<string, string>> {
  const dir = makeTempDir('automl-img-golden-');
  try {
    const root = join(dir, 'data');
    await (reversed ? writeTreeReversed : writeTree)(root, c.tree());
    const out = join(dir, 'out');
    const options = typeof c.options === 'function' ? c.options(root) : (c.options ?? {});
    const summary = await convert(converter, join(root, c.input ?? '.'), { ...options, out });
    const files: Record<string, string> = { 'summary.json': summaryText(summary, root) };
    for (const f of OUTPUTS) files[f] = existsSync(join(out, f)) ? readFileSync(join(out, f), 'utf8') : '';
    expect(
      readdirSync(out).filter((f) => f.startsWith('.')),
      'no temporary file left',
    ).toEqual([]);
    return files;
  } finally {
    removeDir(dir);
  }
}

test('every converter has golden cases', () => {
  expect(Object.keys(CONVERTERS).filter((name) => !withCases.includes(name))).toEqual([]);
});

describe.each(withCases)('%s', async (converter) => {
  const { GOLDEN } = (await import(join(FIXTURES, converter, 'cases.ts'))) as { GOLDEN: Record<string, GoldenCase> };
  test.each(Object.entries(GOLDEN))('%s', async (name, c) => {
    const first = await run(converter, c, false);
    const second = await run(converter, c, true);
    expect(second, 'a second run, files created in reverse order, gives the same bytes').toEqual(first);
    const expectedDir = join(FIXTURES, converter, name, 'expected');
    if (process.env['UPDATE']) {
      mkdirSync(expectedDir, { recursive: true });
      for (const [f, text] of Object.entries(first)) writeFileSync(join(expectedDir, f), text);
    }
    for (const [f, text] of Object.entries(first)) expect(text, `${converter}/${name}/expected/${f}`).toBe(readFileSync(join(expectedDir, f), 'utf8'));
  });
});
