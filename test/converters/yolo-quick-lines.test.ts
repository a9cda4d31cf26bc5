/**
 * yolo-to-jsonl reads usual label lines (single spaces between plain decimals) without cutting them into
 * strings, and every other line the general way. Differential test: the same lines written with single
 * spaces and written with tabs (which always take the general way, and split into the same tokens) give
 * the same bytes (15 decimals: every bit of the values shows), counts and messages, over a drawn mix of
 * usual and unusual numbers, classes and lines.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { convert } from '../../src/convert.js';
import type { Summary } from '../../src/types.js';
import { useTempDir, writeTree, type Tree } from '../helpers/fs.js';
import { jpeg } from '../helpers/images.js';

const tmp = useTempDir('yolo-quick-');

/** A value in [0, 1] (fast-check's doubles lean to the extremes: tiny values are drawn too, not only). */
const unit = fc.oneof({ weight: 4, arbitrary: fc.nat(1_000_000_000).map((n) => n / 1e9) }, { weight: 1, arbitrary: fc.double({ min: 0, max: 1, noNaN: true }) });
/** A value as label files may write it: plain decimals of any length, and forms only the general way reads. */
const value = fc.oneof(
  { weight: 12, arbitrary: fc.tuple(unit, fc.integer({ min: 0, max: 8 })).map(([v, k]) => v.toFixed(k)) },
  { weight: 2, arbitrary: fc.tuple(unit, fc.integer({ min: 9, max: 18 })).map(([v, k]) => v.toFixed(k)) },
  { weight: 2, arbitrary: unit.map(String) },
  { weight: 1, arbitrary: unit.map((v) => v.toFixed(4).replace(/^0/, '')) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 1 }).map((v) => `${v}.`) },
  {
    weight: 2,
    arbitrary: fc.constantFrom('1.0000001', '1.0000000001', '1.5', '2', '-0.0000001', '-0.5', '+0.5', '5e-1', '0x1', 'abc', '.', '1.2.3', 'Infinity', '0.0000000000000000001', '0000000000000000.5'),
  },
);
const cls = fc.oneof({ weight: 6, arbitrary: fc.constantFrom('0', '1', '2') }, { weight: 2, arbitrary: fc.constantFrom('02', '00', '3', '1.0', '-1', '99999999999999999999') });
/** A line's tokens: a box, a polygon, or a wrong count. */
const tokens = fc.tuple(
  cls,
  fc.oneof(
    { weight: 4, arbitrary: fc.array(value, { minLength: 4, maxLength: 4 }) },
    { weight: 2, arbitrary: fc.array(value, { minLength: 6, maxLength: 14 }) },
    { weight: 1, arbitrary: fc.array(value, { minLength: 0, maxLength: 7 }) },
  ),
);
/** How the line ends: nothing, `\r`, a space. */
const ending = fc.constantFrom('', '', '', '\r', ' ');
const file = fc.array(fc.oneof({ weight: 8, arbitrary: fc.tuple(tokens, ending) }, { weight: 1, arbitrary: fc.constant(null) }), { maxLength: 6 });

type DrawnFile = typeof file extends fc.Arbitrary<infer T> ? T : never;

/** Two copies of one dataset: lines joined with single spaces, and with tabs. */
function trees(files: DrawnFile[], names: boolean): [Tree, Tree] {
  const spaced: Tree = {};
  const tabbed: Tree = {};
  if (names) spaced['classes.txt'] = tabbed['classes.txt'] = 'a\nb\nc\n';
  files.forEach((lines, i) => {
    const name = `img${String(i).padStart(4, '0')}`;
    spaced[`${name}.jpg`] = tabbed[`${name}.jpg`] = jpeg(8, 8);
    const write = (sep: string) => lines.map((l) => (l === null ? '' : [l[0][0], ...l[0][1]].join(sep) + l[1])).join('\n') + '\n';
    spaced[`${name}.txt`] = write(' ');
    tabbed[`${name}.txt`] = write('\t');
  });
  return [spaced, tabbed];
}

async function convertBoth(spaced: Tree, tabbed: Tree, task: string): Promise<[string, string, string, string]> {
  const results: string[] = [];
  for (const [which, tree] of [
    ['spaced', spaced],
    ['tabbed', tabbed],
  ] as const) {
    const root = join(tmp.path, `${task}-${which}`);
    await writeTree(root, tree);
    const out = join(root, 'out');
    const s: Summary = await convert('yolo', root, { out, validationRatio: 0, onError: 'skip', task, imageDetails: false, precision: 15 });
    results.push(readFileSync(join(out, 'train_annotations.jsonl'), 'utf8'));
    const { counts, errors, skipped, objects } = s;
    results.push(JSON.stringify({ counts, errors, skipped, objects }).split(root).join('<root>'));
  }
  return [results[0]!, results[2]!, results[1]!, results[3]!];
}

describe('usual lines read directly give what the general reading gives', () => {
  for (const names of [true, false]) {
    for (const task of ['object-detection', 'instance-segmentation']) {
      test(`${task}, ${names ? 'with' : 'without'} classes.txt`, { timeout: 30_000 }, async () => {
        const files = fc.sample(file, { numRuns: 50, seed: names ? 16 : 61 });
        const [spaced, tabbed] = trees(files, names);
        const [spacedLines, tabbedLines, spacedSummary, tabbedSummary] = await convertBoth(spaced, tabbed, task);
        expect(spacedLines.length).toBeGreaterThan(1000);
        expect(spacedLines).toBe(tabbedLines);
        expect(spacedSummary).toBe(tabbedSummary);
        expect(JSON.parse(spacedSummary).skipped, 'the drawn lines include bad ones').toBeGreaterThan(0);
      });
    }
  }
});
