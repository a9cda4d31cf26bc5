/**
 * Long fuzzing (the slow project): the property of readers.test.ts with many more inputs.
 *
 *   npx vitest run --project slow test/fuzz                    # seed 20261123 (test/setup-fast-check.ts)
 *   FC_SEED=random npx vitest run --project slow test/fuzz     # explore; a failure prints its seed
 *   FUZZ_RUNS=20000 npx vitest run --project slow test/fuzz    # longer
 */
import { describe, expect, test } from 'vitest';
import { fuzzReader } from './fuzz.js';
import { READERS } from './readers.js';

const RUNS = Number(process.env['FUZZ_RUNS'] ?? 2000);

describe('fuzzing, long: only ConversionError, no partial output', () => {
  for (const reader of READERS) {
    test(reader.name, { timeout: 1_800_000 }, async () => {
      const runs = reader.name.includes('through convert') ? Math.ceil(RUNS / 10) : RUNS;
      const tally = await fuzzReader(reader, runs);
      expect(tally.ok + tally.refused).toBe(runs);
    });
  }
});
