/**
 * Quick fuzzing (a few dozen hostile inputs per reader; the long run: readers.slow.test.ts): every
 * reader of test/fuzz/readers.ts resolves or throws a ConversionError, never leaves partial output.
 * Seeded by test/setup-fast-check.ts (FC_SEED=random explores, FC_SEED=<n> replays).
 */
import { describe, expect, test } from 'vitest';
import { fuzzReader } from './fuzz.js';
import { READERS } from './readers.js';

describe('fuzzing, quick: only ConversionError, no partial output', () => {
  for (const reader of READERS) {
    test(reader.name, { timeout: 60_000 }, async () => {
      const runs = reader.name.includes('through convert') ? 25 : 60;
      const tally = await fuzzReader(reader, runs);
      expect(tally.ok + tally.refused).toBe(runs);
      expect(tally.refused).toBeGreaterThan(0); // the mutations do reach the checks
    });
  }
});
