/**
 * coco-to-jsonl on threads, the quick part (the rest, generated documents by the dozen, a larger file,
 * worker failures and the real bin, is in threads.slow.test.ts): generated COCO documents give the
 * same output bytes, summary and first error with `--jobs 1` and 2, read in small ranges, pass 1
 * split at a guessed element (taken); a worker that stops is an error, not a wait; and a range's
 * unexpected exception is its bug.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { Pass2Pool, RangeReader } from '../../src/coco/pass2.js';
import type { ConvertOptions } from '../../src/types.js';
import { useTempDir } from '../helpers/fs.js';
import { fileArb, fileText, ONE_THREAD, outcome, plain, poolInput, spell, splits } from './generated.js';

const tmp = useTempDir('coco-threads-quick-');
const TEST_WORKER = pathToFileURL(fileURLToPath(new URL('../helpers/coco-test-worker.mjs', import.meta.url)));

describe('threads: the same bytes, summary and first error as one thread', () => {
  test('a generated document without faults, and a few with: --jobs 1 against 2', { timeout: 30_000 }, async () => {
    const json = join(tmp.path, 'annotations.json');
    const base: ConvertOptions = { imageDetails: false, validationRatio: 0.3, onError: 'skip' };
    // One document with every kind of annotation, split in the middle of `annotations`.
    const images = Array.from({ length: 6 }, (_, i) => ({ id: i % 2 ? `i${i}` : i, file_name: `d/${i}.png`, width: 9, height: 7 }));
    const annotations = Array.from({ length: 300 }, (_, i) => ({
      id: i % 5 === 0 ? `a${i}` : 1000 - i,
      image_id: images[i % 6]!.id,
      category_id: i % 97 === 3 ? 42 : i % 3,
      iscrowd: 0,
      bbox: i % 89 === 7 ? [1, 1, 0, 2] : [i % 4, i % 3, 1 + (i % 5), 1 + (i % 4)],
      segmentation: [[1, 1, 5, 1, 5, 5]],
    }));
    const doc = { images, annotations, categories: [0, 1, 2].map((id) => ({ id, name: `c${id}` })) };
    for (const task of ['object-detection', 'instance-segmentation']) {
      writeFileSync(json, spell(doc, 3));
      splits.taken = 0;
      const one = await outcome(json, { ...base, task }, ONE_THREAD);
      const two = await outcome(json, { ...base, task }, { jobs: 2, rangeBytes: 700, splitMinBytes: 0 });
      expect(two).toEqual(one);
      expect(splits.taken).toBe(1);
      expect(one.summary?.errors?.length).toBeGreaterThan(0);
    }
    // A few generated files (faults included), as the slow test does by the dozen.
    await fc.assert(
      fc.asyncProperty(fileArb, fc.integer({ min: 16, max: 1500 }), async (file, rangeBytes) => {
        writeFileSync(json, fileText(file));
        const one = await outcome(json, base, ONE_THREAD);
        const two = await outcome(json, base, { jobs: 2, rangeBytes, splitMinBytes: 0 });
        expect(two).toEqual(one);
      }),
      { numRuns: 4 },
    );
  });
});

describe('a worker that stops', () => {
  afterEach(() => {
    delete process.env['COCO_TEST_WORKER'];
  });

  test('exit code 0 before it was closed: an error naming it, not a wait forever', async () => {
    process.env['COCO_TEST_WORKER'] = 'exit0';
    const path = join(tmp.path, 'a.json');
    writeFileSync(path, plain(100));
    const { setup, ranges } = await poolInput(path, 256);
    const pool = new Pass2Pool(2, TEST_WORKER);
    try {
      pool.start(setup, ranges);
      const seen: number[] = [];
      await expect(
        (async () => {
          for await (const r of pool.results()) seen.push(r.range);
        })(),
      ).rejects.toThrow('coco worker stopped with exit code 0');
    } finally {
      await pool.close();
    }
  });
});

describe('RangeReader', () => {
  test("an unexpected exception in a range (not bad input) comes back as the range's bug, with its stack, not thrown", async () => {
    const path = join(tmp.path, 'a.json');
    writeFileSync(path, plain(50));
    const { setup, ranges } = await poolInput(path, 256);
    // A folder where the file was: reading it fails with EISDIR, an error no COCO check makes.
    const reader = new RangeReader({ ...setup, input: tmp.path });
    const result = reader.read(0, ranges[0]!);
    reader.close();
    expect(result.bug?.message).toContain('EISDIR');
    expect(result.bug?.stack).toMatch(/\n\s+at /);
    expect([result.range, result.records.records.length, result.events, result.fatal]).toEqual([0, 0, [], undefined]);
  });
});
