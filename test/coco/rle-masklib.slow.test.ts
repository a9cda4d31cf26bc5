/**
 * COCO RLE against the reference masklib.py of ../shared/reference (when Python, numpy and PIL are
 * there): known vectors and random masks, both ways.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { maskArbitrary, maskOfRows, type Mask } from './masks.js';
import { describe, expect, test } from 'vitest';
import { countsToString, decodeRle, encodeRle, maskToCounts } from '../../src/coco/rle.js';

function rowsOf({ width, height, data }: Mask): string[] {
  return Array.from({ length: height }, (_, y) => Array.from(data.subarray(y * width, (y + 1) * width)).join(''));
}

const MASKLIB_VECTORS: { name: string; rows: string[]; string: string }[] = [
  { name: '2x3', rows: ['100', '110'], string: '021O1' },
  { name: '3x1 full', rows: ['1', '1', '1'], string: '03' },
  { name: '1x4 alternating', rows: ['0101'], string: '1110' },
  { name: '4x5 ring', rows: ['00000', '01110', '01010', '01110'], string: '531N00023' },
  {
    name: '3x300 long runs',
    rows: ['0'.repeat(300), '0'.repeat(17) + '1'.repeat(273) + '0'.repeat(10), '0'.repeat(300)],
    string: 'd112' + '0'.repeat(543) + 'm0',
  },
];

describe('agrees with the reference masklib.py', () => {
  test.each(MASKLIB_VECTORS)('$name', ({ rows, string }) => {
    const mask = maskOfRows(rows);
    expect(encodeRle(mask.data, mask.width, mask.height)).toEqual({ size: [mask.height, mask.width], counts: string });
    expect(decodeRle({ size: [mask.height, mask.width], counts: string }).mask).toEqual(mask.data);
  });

  const python = '/usr/bin/python3';
  const reference = join(import.meta.dirname, '../../../shared/reference');
  const available = existsSync(python) && existsSync(join(reference, 'masklib.py')) && spawnSync(python, ['-c', 'import numpy, PIL'], { encoding: 'utf8' }).status === 0;

  test.skipIf(!available)('on random masks, both ways (runs masklib.py when it is installed)', () => {
    const masks = fc.sample(
      maskArbitrary.filter((m) => m.width > 0 && m.height > 0),
      { numRuns: 300, seed: 42 },
    );
    const input = JSON.stringify(masks.map((m) => ({ rows: rowsOf(m), string: countsToString(maskToCounts(m.data, m.width, m.height)) })));
    const run = spawnSync(python, ['-c', MASKLIB_SCRIPT, reference], { input, encoding: 'utf8', maxBuffer: 1 << 26 });
    expect(run.stderr).toBe('');
    const answers = JSON.parse(run.stdout) as { encoded: string; decodedRows: string[] }[];
    expect(answers).toHaveLength(masks.length);
    answers.forEach((a, i) => {
      const m = masks[i]!;
      expect(a.encoded).toBe(countsToString(maskToCounts(m.data, m.width, m.height)));
      expect(a.decodedRows).toEqual(rowsOf(m));
    });
  });
});

/** Encodes each mask with masklib and decodes our string with it (argv[1]: the folder of masklib.py). */
const MASKLIB_SCRIPT = `
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np, masklib
out = []
for case in json.load(sys.stdin):
    mask = np.array([[int(c) for c in row] for row in case["rows"]], dtype=np.uint8)
    encoded = masklib.rle_encode(mask)
    decoded = masklib.rle_decode({"size": encoded["size"], "counts": case["string"]})
    out.append({"encoded": encoded["counts"], "decodedRows": ["".join(str(int(v)) for v in row) for row in decoded]})
print(json.dumps(out))
`;
