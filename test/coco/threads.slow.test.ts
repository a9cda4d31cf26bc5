/**
 * coco-to-jsonl on threads, attacked: generated COCO documents (number and string ids, unicode and
 * escaped strings full of `{ } , " \`, random whitespace and number spellings, nested segmentations,
 * crowd RLE, bad annotations of every kind, permuted top-level keys, malformed bytes and truncation at
 * random places) must give the same output bytes, summary (counts, warnings, errors, in order) and
 * first error with `--jobs 1`, 2 and 3, whatever the range size and wherever pass 1's guess lands
 * (`cocoConverter(tuning)` in converters/coco-to-jsonl.ts). Then worker failures (a bug surfaces,
 * nothing hangs) and aborts (nothing left behind), through stand-in worker scripts
 * (test/helpers/coco-test-worker.mjs) and, for the real bin, a converter tuned by test/helpers/coco-tuned.mjs.
 * Slow (about 30 s): test/coco/threads.test.ts keeps a quick part of it in the default run.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { convert } from '../../src/convert.js';
import { Pass2Pool, RangeReader } from '../../src/coco/pass2.js';
import { ConversionError } from '../../src/errors.js';
import { cocoConverter } from '../../converters/coco-to-jsonl.js';
import type { ConvertOptions } from '../../src/types.js';
import { collect, runBin, spawnBin } from '../helpers/cli.js';
import { makeTempDir, removeDir, useTempDir } from '../helpers/fs.js';
import { prng } from '../../bench/prng.js';
import { fileArb, fileText, ONE_THREAD, outcome, plain, poolInput, spell, splits } from './generated.js';

const tmp = useTempDir('coco-threads-');

describe('generated documents: the same bytes, summary and first error for any threads, ranges and guess', () => {
  const threads = fc.record({
    jobs: fc.constantFrom(2, 3),
    rangeBytes: fc.integer({ min: 16, max: 1500 }),
    // Split pass 1 on every file (or never), the guess looked for anywhere in it.
    splitMinBytes: fc.constantFrom(0, 0, 0, Number.MAX_SAFE_INTEGER),
    guess: fc.integer({ min: 0, max: 1000 }).map((k) => k / 1000),
  });
  const options = fc.record({
    task: fc.constantFrom('object-detection', 'instance-segmentation'),
    onError: fc.constantFrom('skip' as const, 'skip' as const, 'skip' as const, 'fail' as const),
    // Options the worker threads get a copy of (polygons), and ones applied after pass 2.
    minArea: fc.constantFrom(undefined, 0, 2),
    holes: fc.constantFrom(undefined, 'fill' as const),
    dropEmpty: fc.boolean(),
  });

  test('jobs 1 against 2 or 3 threads', { timeout: 60_000 }, async () => {
    const json = join(tmp.path, 'annotations.json');
    splits.taken = splits.refused = 0;
    await fc.assert(
      fc.asyncProperty(fileArb, options, threads, async (file, opts, t) => {
        writeFileSync(json, fileText(file));
        const base: ConvertOptions = { imageDetails: false, validationRatio: 0.3, ...Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) };
        const one = await outcome(json, base, ONE_THREAD);
        const many = await outcome(json, base, { jobs: t.jobs, rangeBytes: t.rangeBytes, splitMinBytes: t.splitMinBytes, splitFrom: (size) => Math.floor(t.guess * size) });
        expect(many).toEqual(one);
      }),
      { numRuns: Number(process.env['COCO_FUZZ_RUNS'] ?? 60) }, // more: COCO_FUZZ_RUNS=2000 FC_SEED=random
    );
    expect(splits.taken).toBeGreaterThan(0); // the split was taken in some runs, refused in others
    expect(splits.refused).toBeGreaterThan(0);
  });
});

describe('a larger file: chunk boundaries of both passes, elements larger than a chunk, the guess anywhere', () => {
  test('the same bytes and summary with --jobs 1, 2 and 3', { timeout: 30_000 }, async () => {
    // ~1.6 MB: many reads of 256 KiB in pass 1, scanner buffers grown past 64 KiB by long segmentations.
    const r = prng(7);
    const images = Array.from({ length: 50 }, (_, i) => ({ id: i % 3 === 0 ? `im${i}` : i, file_name: `${i}.png`, width: 200, height: 100 }));
    const annotations = Array.from({ length: 4000 }, (_, i) => {
      const long = i % 997 === 5;
      const ring = Array.from({ length: long ? 12_000 : 6 }, (_, k) => (k % 2 === 0 ? 1 + ((k * 7 + i) % 150) : 1 + ((k * 3 + i) % 90)));
      const a: Record<string, unknown> = { id: 4000 - i, image_id: images[i % 50]!.id, category_id: i % 4, iscrowd: 0, segmentation: [ring], area: r() * 100 };
      if (i % 7 !== 0) a['bbox'] = [i % 150, i % 80, 1 + (i % 40), 1 + (i % 20)];
      if (i % 11 === 0) a['note'] = '}, {"id": 1}, {'.repeat(1 + (i % 5));
      if (i === 1234 || i === 3333) a['category_id'] = 77;
      return a;
    });
    const text = spell({ info: { v: '}, {' }, images, annotations, categories: [0, 1, 2, 3].map((id) => ({ id, name: `k${id}` })) }, 11);
    const json = join(tmp.path, 'big.json');
    writeFileSync(json, text);
    expect(text.length).toBeGreaterThan(1_000_000);
    const base: ConvertOptions = { imageDetails: false, onError: 'skip' };
    splits.taken = 0;
    const one = await outcome(json, base, ONE_THREAD);
    expect(one.summary?.errors?.map((e) => e.path)).toEqual(['annotations[1234].category_id', 'annotations[3333].category_id']);
    for (const [jobs, rangeBytes, at] of [
      [2, 64 << 10, 0.5],
      [2, 300 << 10, 0.31],
      [3, 100 << 10, 0.77],
      [2, 1 << 20, 0.05],
    ] as const) {
      const many = await outcome(json, base, { jobs, rangeBytes, splitMinBytes: 0, splitFrom: (size) => Math.floor(size * at) });
      expect(many).toEqual(one);
    }
    expect(splits.taken).toBe(4);
  });
});

// ---------------------------------------------------------------------------------------------
// Worker failures, slow workers, aborts.

const TEST_WORKER = pathToFileURL(fileURLToPath(new URL('../helpers/coco-test-worker.mjs', import.meta.url)));
const TUNED = fileURLToPath(new URL('../helpers/coco-tuned.mjs', import.meta.url));

describe('worker threads that fail, stall or stop', () => {
  afterEach(() => {
    delete process.env['COCO_TEST_WORKER'];
    vi.restoreAllMocks();
  });

  test('a worker the OS does not run for a while: this thread reads a few ranges ahead, not the whole file (results wait in memory)', async () => {
    const path = join(tmp.path, 'a.json');
    writeFileSync(path, plain(600));
    const { setup, ranges } = await poolInput(path, 256);
    expect(ranges.length).toBeGreaterThan(100);
    process.env['COCO_TEST_WORKER'] = 'slow';
    const pool = new Pass2Pool(2, TEST_WORKER);
    const local = vi.spyOn(RangeReader.prototype, 'read');
    try {
      pool.start(setup, ranges);
      const order: number[] = [];
      let aheadWhenFirst = -1;
      for await (const r of pool.results()) {
        if (order.length === 0) aheadWhenFirst = local.mock.calls.length;
        order.push(r.range);
      }
      expect(order).toEqual(ranges.map((_, k) => k));
      expect(aheadWhenFirst).toBeGreaterThan(0);
      expect(aheadWhenFirst).toBeLessThanOrEqual(8);
      await pool.finish();
    } finally {
      await pool.close();
    }
  });

  // The writer answers an abort at once and lets the converter finish on its own (src/writer.ts): the
  // converter must not then sit waiting for a thread, holding it and its temporary files.
  for (const [mode, when] of [
    ['mute-rest', "pass 1 waits for the worker's half"],
    ['stall', 'pass 2 waits for a range the worker holds (objects in temporary files)'],
  ] as const) {
    test(`an abort while ${when}: INTERRUPTED, then the worker stopped and nothing left, without waiting for it`, async () => {
      const path = join(tmp.path, 'a.json');
      writeFileSync(path, plain(300));
      process.env['COCO_TEST_WORKER'] = mode;
      const converter = cocoConverter({ workerScript: TEST_WORKER, rangeBytes: 512, splitMinBytes: mode === 'stall' ? Number.MAX_SAFE_INTEGER : 0, memoryBudget: 64 });
      const terminate = vi.spyOn(Worker.prototype, 'terminate');
      const out = makeTempDir('coco-threads-out-');
      try {
        const controller = new AbortController();
        const running = convert(converter, path, { out, imageDetails: false, jobs: 2, signal: controller.signal }).then(
          () => undefined,
          (err: unknown) => err,
        );
        if (mode === 'stall') {
          // Objects of the first range have gone to a temporary folder; the worker holds the second.
          const spilled = () => readdirSync(out).some((f) => f.startsWith('.automl-img-coco-'));
          await vi.waitFor(() => expect(spilled()).toBe(true), { timeout: 5000, interval: 10 });
        } else {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        expect(terminate).not.toHaveBeenCalled();
        controller.abort();
        const e = await running;
        expect([(e as ConversionError).code, (e as ConversionError).exitCode]).toEqual(['INTERRUPTED', 130]);
        await vi.waitFor(
          () => {
            expect(terminate).toHaveBeenCalled();
            expect(readdirSync(out)).toEqual([]);
          },
          { timeout: 5000, interval: 10 },
        );
      } finally {
        removeDir(out);
      }
    });
  }

  test('a bug in a later range does not hide the first bad annotation (--on-error fail): results and bugs in range order', async () => {
    const path = join(tmp.path, 'a.json');
    writeFileSync(path, plain(300, [0]));
    // The worker reads the first ranges; it answers its first (the bad annotation) and then bugs.
    process.env['COCO_TEST_WORKER'] = 'bug-later';
    const converter = cocoConverter({ workerScript: TEST_WORKER, rangeBytes: 256, splitMinBytes: Number.MAX_SAFE_INTEGER });
    const out = makeTempDir('coco-threads-out-');
    try {
      const e = await convert(converter, path, { out, imageDetails: false, jobs: 2 }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(ConversionError);
      expect([(e as ConversionError).code, (e as ConversionError).path]).toEqual(['UNKNOWN_CATEGORY_ID', 'annotations[0].category_id']);
      expect(readdirSync(out)).toEqual([]);
      // With --on-error skip the bug, in range 1, is met.
      const bug = await convert(converter, path, { out, imageDetails: false, jobs: 2, onError: 'skip' }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(bug).not.toBeInstanceOf(ConversionError);
      expect(String(bug)).toContain('simulated bug in a coco worker');
      expect(readdirSync(out)).toEqual([]);
    } finally {
      removeDir(out);
    }
  });

  test('an abort in the middle of pass 2, objects already in temporary files: INTERRUPTED, nothing left behind', async () => {
    const path = join(tmp.path, 'a.json');
    writeFileSync(path, plain(2000, [1500]));
    const converter = cocoConverter({ rangeBytes: 512, memoryBudget: 256 });
    const out = makeTempDir('coco-threads-out-');
    const controller = new AbortController();
    try {
      const options: ConvertOptions = { out, imageDetails: false, onError: 'skip', jobs: 2, signal: controller.signal, onDiagnostic: (d) => d.severity === 'error' && controller.abort() };
      const e = await convert(converter, path, options).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect([(e as ConversionError).code, (e as ConversionError).exitCode]).toEqual(['INTERRUPTED', 130]);
      expect(readdirSync(out)).toEqual([]);
      // The same file without the abort did spill (so the abort above had temporary files to remove).
      const summary = await convert(converter, path, { out, imageDetails: false, onError: 'skip', jobs: 2 });
      expect(summary.counts['spilledBytes']).toBeGreaterThan(0);
    } finally {
      removeDir(out);
    }
  });
});

describe('the real bin on threads', () => {
  test('a bug in a worker thread: exit 70 with its stack, promptly, nothing written', { timeout: 20_000 }, async () => {
    const path = join(tmp.path, 'a.json');
    writeFileSync(path, plain(400));
    const out = join(tmp.path, 'out');
    const r = await runBin(['convert', 'coco', path, '-o', out, '--no-image-details', '--jobs', '2', '-q'], { nodeArgs: ['--import', TUNED], env: { COCO_TEST_WORKER: 'throw' } });
    expect(r.code).toBe(70);
    expect(r.stderr).toContain('TypeError: simulated bug in a coco worker');
    expect(r.stderr).toMatch(/\n\s+at /);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });

  test('--jobs 2 and 1: the same exit code and messages for a bad annotation (fail) and the same output (skip); the process ends', { timeout: 20_000 }, async () => {
    const path = join(tmp.path, 'a.json');
    writeFileSync(path, plain(400, [250, 399]));
    const runs = [];
    for (const jobs of ['1', '2']) {
      for (const onError of ['fail', 'skip']) {
        const out = join(tmp.path, `out-${jobs}-${onError}`);
        const r = await runBin(['convert', 'coco', path, '-o', out, '--no-image-details', '--jobs', jobs, '--on-error', onError, '--json'], { nodeArgs: ['--import', TUNED] });
        const lines = existsSync(join(out, 'train_annotations.jsonl')) ? readFileSync(join(out, 'train_annotations.jsonl'), 'utf8') : '';
        runs.push({ code: r.code, stderr: r.stderr, lines, summary: r.stdout.split(out).join('<out>') });
      }
    }
    expect(runs.map((r) => r.code)).toEqual([1, 0, 1, 0]);
    expect(runs[2]).toEqual(runs[0]);
    expect(runs[3]).toEqual(runs[1]);
    expect(runs[0]!.stderr).toContain('annotations[250].category_id');
  });

  test('Ctrl-C while a worker is in a long range, objects in temporary files: exit 130 at once, nothing left behind', { timeout: 20_000 }, async () => {
    const path = join(tmp.path, 'a.json');
    writeFileSync(path, plain(400));
    const out = join(tmp.path, 'out');
    const child = spawnBin(['convert', 'coco', path, '-o', out, '--no-image-details', '--jobs', '2'], {
      nodeArgs: ['--import', TUNED],
      env: { COCO_TEST_WORKER: 'stall', COCO_MEMORY_BUDGET: '64' },
    });
    const ended = collect(child);
    // Wait until objects have gone to a temporary folder in the output folder (the worker is stalled by then).
    const spilled = () => existsSync(out) && readdirSync(out).some((f) => f.startsWith('.automl-img-coco-'));
    for (let i = 0; i < 400 && !spilled(); i++) await new Promise((resolve) => setTimeout(resolve, 25));
    expect(spilled()).toBe(true);
    child.kill('SIGINT');
    const r = await ended;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('interrupted');
    expect(existsSync(out)).toBe(false); // the run created it: gone with the temporary files in it
  });
});
