/**
 * The fuzz property shared by the quick and the long runs: a reader given hostile bytes resolves or
 * throws a ConversionError, and after a failure its output folder holds nothing.
 *
 * @example
 *   await fuzzReader(READERS[0]!, 40);
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { ConversionError } from '../../src/errors.js';
import { makeTempDir, removeDir } from '../helpers/fs.js';
import { hostile, type FuzzReader } from './readers.js';

/** Runs `numRuns` hostile inputs through `reader`; fails (with the shrunk input) on any other error. */
export async function fuzzReader(reader: FuzzReader, numRuns: number): Promise<{ ok: number; refused: number }> {
  const tally = { ok: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(hostile(reader), async (bytes) => {
      const dir = makeTempDir('fuzz-');
      try {
        try {
          await reader.read(bytes, dir);
          tally.ok++;
        } catch (e) {
          if (!(e instanceof ConversionError)) throw e;
          tally.refused++;
          const out = join(dir, 'out');
          if (existsSync(out) && readdirSync(out).length > 0) throw new Error(`partial output after ${e.code}: ${readdirSync(out).join(', ')}`);
        }
      } finally {
        removeDir(dir);
      }
    }),
    { numRuns },
  );
  return tally;
}
