/**
 * coco-to-jsonl on threads, attacked: generated COCO documents (number and string ids, unicode and
 * escaped strings full of `{ } , " \`, random whitespace and number spellings, nested segmentations,
 * crowd RLE, bad annotations of every kind, permuted top-level keys, malformed bytes and truncation at
 * random places) must give the same output bytes, summary (counts, warnings, errors, in order) and
 * first error with `--jobs 1`, 2 and 3, whatever the range size and wherever pass 1's guess lands
 * (`tuning` in converters/coco-to-jsonl.ts). Then worker failures (a bug surfaces, nothing hangs) and
 * aborts (nothing left behind).
 */
import fs, { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { afterEach, describe, expect, test, vi } from 'vitest';
import { convert } from '../../src/convert.js';
import { CocoIndex } from '../../src/coco/index.js';
import { Pass2Pool, pass1Arrays, RangeReader, type Pass2Setup, type RangeResult } from '../../src/coco/pass2.js';
import { ConversionError } from '../../src/errors.js';
import { elementRanges, readTopLevelArrays, TopLevelArrays, type ElementRange } from '../../src/coco/json/index.js';
import { encodeRle } from '../../src/coco/rle.js';
import { RANGE_BYTES, tuning } from '../../converters/coco-to-jsonl.js';
import type { ConvertOptions, Summary } from '../../src/types.js';
import { collect, runBin, spawnBin } from '../helpers/cli.js';
import { makeTempDir, removeDir, useTempDir } from '../helpers/fs.js';
import { prng } from '../../bench/prng.js';

const tmp = useTempDir('coco-threads-');
const DEFAULT_SPLIT_FROM = tuning.splitFrom;
afterEach(() => {
  tuning.rangeBytes = RANGE_BYTES;
  tuning.splitMinBytes = undefined;
  tuning.splitFrom = DEFAULT_SPLIT_FROM;
  tuning.memoryBudget = undefined;
  tuning.workerScript = undefined;
});

// ---------------------------------------------------------------------------------------------
// A JSON writer with every spelling JSON allows: whitespace between tokens, escapes, number forms.

const SPACES = ['', '', '', ' ', '\n', '\t', '\r\n  ', ' \n\n '];

function spell(value: unknown, seed: number): string {
  const r = prng(seed);
  const ws = () => SPACES[Math.floor(r() * SPACES.length)]!;
  const str = (s: string): string => {
    let out = '"';
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      const code = s.charCodeAt(i);
      if (c === '"') out += '\\"';
      else if (c === '\\') out += '\\\\';
      else if (code < 0x20) out += r() < 0.5 ? `\\u${code.toString(16).padStart(4, '0')}` : JSON.stringify(c).slice(1, -1);
      else if (c === '/' && r() < 0.5) out += '\\/';
      else if (r() < 0.08) out += `\\u${r() < 0.5 ? code.toString(16).padStart(4, '0') : code.toString(16).padStart(4, '0').toUpperCase()}`;
      else out += c;
    }
    return out + '"';
  };
  const num = (n: number): string => {
    const text = JSON.stringify(n);
    if (Number.isInteger(n) && Math.abs(n) < 1e6 && r() < 0.2) return r() < 0.5 ? `${text}.0` : `${text}E0`;
    return text;
  };
  const go = (v: unknown): string => {
    if (v === null || typeof v === 'boolean') return String(v);
    if (typeof v === 'number') return num(v);
    if (typeof v === 'string') return str(v);
    if (Array.isArray(v)) return `[${ws()}${v.map((x) => go(x)).join(`${ws()},${ws()}`)}${ws()}]`;
    const entries = Object.entries(v as object);
    return `{${ws()}${entries.map(([k, x]) => `${str(k)}${ws()}:${ws()}${go(x)}`).join(`${ws()},${ws()}`)}${ws()}}`;
  };
  return `${ws()}${go(value)}${ws()}`;
}

// ---------------------------------------------------------------------------------------------
// Generated COCO documents.

/** Characters that matter to the scanner and the guess, and some that matter to UTF-8. */
const nasty = fc.string({ unit: fc.constantFrom('{', '}', ',', '"', '\\', '[', ']', ':', ' ', '\n', 'a', 'é', '日', '😀', '\u2028', '\u0001', '/', '}, {', '},{'), maxLength: 12 });

const idOf = (k: number, asString: boolean): number | string => (asString ? `i${k}` : k * 7 + 1);

interface Shape {
  images: { stringId: boolean; width: number; height: number; name: string; bad: number }[];
  categories: { stringId: boolean; name: string; bad: number }[];
  annotations: { kind: number; image: number; category: number; id: number; note: string | undefined; x: number; y: number; w: number; h: number; seed: number }[];
  order: number;
  extras: boolean;
  /** 1: a BOM; 2, 3: `categories` or `annotations` a second time at the end; 4: annotations null; 5: []; 6, 7: no annotations, no categories. */
  variant: number;
}

const shape: fc.Arbitrary<Shape> = fc.record({
  images: fc.array(
    fc.record({ stringId: fc.boolean(), width: fc.integer({ min: 1, max: 9 }), height: fc.integer({ min: 1, max: 9 }), name: nasty, bad: fc.integer({ min: 0, max: 60 }) }),
    { minLength: 1, maxLength: 6 },
  ),
  categories: fc.array(fc.record({ stringId: fc.boolean(), name: nasty, bad: fc.integer({ min: 0, max: 30 }) }), { minLength: 1, maxLength: 4 }),
  annotations: fc.array(
    fc.record({
      kind: fc.integer({ min: 0, max: 70 }),
      image: fc.nat(),
      category: fc.nat(),
      id: fc.integer({ min: -3, max: 60 }),
      note: fc.option(nasty, { nil: undefined }),
      x: fc.integer({ min: -1, max: 4 }),
      y: fc.integer({ min: -1, max: 4 }),
      w: fc.integer({ min: 1, max: 6 }),
      h: fc.integer({ min: 1, max: 6 }),
      seed: fc.nat(),
    }),
    { minLength: 0, maxLength: 80, size: 'large' },
  ),
  order: fc.integer({ min: 0, max: 5 }),
  extras: fc.boolean(),
  variant: fc.integer({ min: 0, max: 16 }),
});

const ORDERS = [
  ['images', 'annotations', 'categories'],
  ['images', 'categories', 'annotations'],
  ['categories', 'images', 'annotations'],
  ['categories', 'annotations', 'images'],
  ['annotations', 'images', 'categories'],
  ['annotations', 'categories', 'images'],
];

/** A COCO document from a shape: mostly good annotations, some bad of every kind. */
function documentOf(s: Shape): Record<string, unknown> {
  const images = s.images.map((im, k) => {
    const id = idOf(k, im.stringId);
    const e: Record<string, unknown> = { id, file_name: `d/${k}${im.name}.png`, width: im.width, height: im.height };
    if (im.bad === 1) delete e['width'];
    if (im.bad === 2) e['id'] = idOf(0, s.images[0]!.stringId); // a duplicate id (or the first itself)
    if (im.bad === 3) e['height'] = -4;
    if (im.bad === 4) return 'not an image';
    return e;
  });
  const categories = s.categories.map((c, k) => {
    const e: Record<string, unknown> = { id: idOf(k, c.stringId), name: `c${k % 3}${c.name}` };
    if (c.bad === 1) e['name'] = 7;
    if (c.bad === 2) e['id'] = idOf(0, s.categories[0]!.stringId);
    if (c.bad === 3) e['name'] = `c0${s.categories[0]!.name}`; // a second id for the same name
    return e;
  });
  const annotations = s.annotations.map((a) => {
    const k = a.image % s.images.length;
    const im = s.images[k]!;
    const image_id = idOf(k, im.stringId);
    const category_id = idOf(a.category % s.categories.length, s.categories[a.category % s.categories.length]!.stringId);
    const e: Record<string, unknown> = { id: a.id % 5 === 0 ? `a${a.id}` : a.id, image_id, category_id, iscrowd: 0 };
    if (a.note !== undefined) e['note'] = a.note;
    const poly = [a.x, a.y, a.x + a.w, a.y, a.x + a.w, a.y + a.h];
    e['bbox'] = [a.x, a.y, a.w, a.h];
    e['segmentation'] = [poly, [0.5, 0.5, 1.5, 0.5, 1, 1.5 + (a.seed % 3)]];
    switch (a.kind) {
      case 0:
        return 42; // not an object
      case 1:
        return `}, {${a.note ?? ''}`;
      case 2:
        e['image_id'] = 99999; // unknown
        break;
      case 3:
        e['image_id'] = typeof image_id === 'number' ? String(image_id) : image_id; // a number written as a string
        break;
      case 4:
        delete e['category_id'];
        break;
      case 5:
        e['bbox'] = [1, 1, 0, 3]; // empty box
        break;
      case 6:
        e['bbox'] = 'x';
        break;
      case 7:
        e['iscrowd'] = 2;
        break;
      case 8:
        delete e['bbox']; // detection: box from the polygons
        break;
      case 9: {
        // crowd RLE, counts as a list or compressed, bbox missing or given
        const mask = new Uint8Array(im.width * im.height).map((_, p) => ((p * 7 + a.seed) % 5 < 2 ? 1 : 0));
        e['iscrowd'] = 1;
        e['segmentation'] = encodeRle(mask, im.width, im.height, a.seed % 2 === 0 ? 'compressed' : 'uncompressed');
        if (a.seed % 3 === 0) delete e['bbox'];
        break;
      }
      case 10:
        e['segmentation'] = [[1, 2, 3]]; // odd number of coordinates
        delete e['bbox'];
        break;
      case 11:
        e['segmentation'] = { size: [im.height + 1, im.width], counts: [1, 2] }; // RLE of the wrong size
        break;
      case 12:
        e['attributes'] = [{ a: [{ b: '}, {' }] }, { c: {} }, []]; // nested objects after "},"
        break;
      case 13:
        e['segmentation'] = [];
        break;
      case 14:
        delete e['id'];
        break;
      default:
        break;
    }
    return e;
  });
  const doc: Record<string, unknown> = {};
  const parts: Record<string, unknown> = { images, annotations: s.variant === 4 ? null : s.variant === 5 ? [] : annotations, categories };
  if (s.variant === 6) delete parts['annotations'];
  if (s.variant === 7) delete parts['categories'];
  if (s.extras) doc['info'] = { description: '{"annotations": [{}, {}]}', list: [{}, { x: ['}, {'] }] };
  for (const key of ORDERS[s.order]!) if (key in parts) doc[key] = parts[key];
  if (s.extras) doc['licenses'] = [{ id: 1, name: '}, {' }];
  return doc;
}

/** What a file is made of: the document, its spelling, and maybe one fault. */
const fileArb = fc.record({
  shape,
  spelling: fc.nat(),
  fault: fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.integer({ min: 0, max: 10000 }).map((k) => k / 10000), bytes: fc.constant('') }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('insert' as const), at: fc.integer({ min: 0, max: 10000 }).map((k) => k / 10000), bytes: fc.constantFrom(',', ']', '}', '"', '{', '[', 'x', '\\', ':') }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.integer({ min: 0, max: 10000 }).map((k) => k / 10000), bytes: fc.constant('') }) },
  ),
});

type FileSpec = { shape: Shape; spelling: number; fault: { kind: 'truncate' | 'insert' | 'delete'; at: number; bytes: string } | undefined };

function fileText(f: FileSpec): Buffer {
  let text = spell(documentOf(f.shape), f.spelling);
  // A key a second time (JSON_BAD_VALUE): written by hand, an object cannot hold it twice.
  if (f.shape.variant === 2) text = text.replace(/\}\s*$/, ',"categories":[]}');
  if (f.shape.variant === 3) text = text.replace(/\}\s*$/, ',"annotations":[{"id":1}]}');
  if (f.shape.variant === 1) text = '\ufeff' + text;
  const bytes = Buffer.from(text, 'utf8');
  const fault = f.fault;
  if (!fault) return bytes;
  const at = Math.min(bytes.length - 1, Math.floor(fault.at * bytes.length));
  if (fault.kind === 'truncate') return bytes.subarray(0, at);
  if (fault.kind === 'delete') return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(fault.bytes), bytes.subarray(at)]);
}

// ---------------------------------------------------------------------------------------------
// Running and comparing.

/** What a run gives that must not depend on the threads: the output bytes and the summary, or the error. */
interface Outcome {
  train?: string;
  validation?: string;
  summary?: Partial<Summary>;
  error?: { code: string; path: string | undefined; detail: string; exitCode: number; errors: unknown; warnings: unknown; counts: unknown };
}

const comparable = (s: Summary): Partial<Summary> => ({ ...s, outputs: s.outputs.map((p) => p.slice(p.lastIndexOf('/') + 1)) });

async function outcome(json: string, options: ConvertOptions, knobs: { jobs: number; rangeBytes: number; splitMinBytes?: number | undefined; splitFrom?: ((size: number) => number) | undefined }): Promise<Outcome> {
  tuning.rangeBytes = knobs.rangeBytes;
  tuning.splitMinBytes = knobs.splitMinBytes;
  tuning.splitFrom = knobs.splitFrom ?? DEFAULT_SPLIT_FROM;
  const out = makeTempDir('coco-threads-out-');
  try {
    const summary = await convert('coco', json, { out, ...options, jobs: knobs.jobs });
    const read = (name: string) => (existsSync(join(out, name)) ? readFileSync(join(out, name), 'utf8') : '');
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]); // no temporary file left
    return { train: read('train_annotations.jsonl'), validation: read('validation_annotations.jsonl'), summary: comparable(summary) };
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    expect(readdirSync(out)).toEqual([]); // nothing written, nothing left
    const s = (e as unknown as { summary?: Summary }).summary;
    return { error: { code: e.code, path: e.path, detail: e.detail, exitCode: e.exitCode, errors: s?.errors, warnings: s?.warnings, counts: s?.counts } };
  } finally {
    tuning.rangeBytes = RANGE_BYTES;
    tuning.splitMinBytes = undefined;
    tuning.splitFrom = DEFAULT_SPLIT_FROM;
    removeDir(out);
  }
}

const ONE_THREAD = { jobs: 1, rangeBytes: RANGE_BYTES };

/** Pass 1 stops at the guess and asks whether to end there: how many times it did end there (the split taken). */
const splits = { taken: 0, refused: 0 };
const stopBefore = TopLevelArrays.prototype.stopBefore;
TopLevelArrays.prototype.stopBefore = function (this: TopLevelArrays, offset: number, atStop: (at: number) => Promise<boolean>): void {
  stopBefore.call(this, offset, async (at) => {
    const taken = await atStop(at);
    splits[taken ? 'taken' : 'refused']++;
    return taken;
  });
};

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

/** A plain dataset: 20 images (sizes in the JSON), `n` annotations with boxes; unknown categories at `badAt`. */
function plain(n: number, badAt: number[] = []): string {
  return JSON.stringify({
    images: Array.from({ length: 20 }, (_, i) => ({ id: i, file_name: `${i}.png`, width: 40, height: 30 })),
    annotations: Array.from({ length: n }, (_, i) => ({ id: i, image_id: i % 20, category_id: badAt.includes(i) ? 9 : i % 3, bbox: [i % 20, i % 10, 5, 6], segmentation: [[1, 1, 9, 1, 9, 9]] })),
    categories: [0, 1, 2].map((id) => ({ id, name: `c${id}` })),
  });
}

/** What the converter gives a pass-2 pool for `path`, read in ranges of about `rangeBytes`. */
async function poolInput(path: string, rangeBytes: number): Promise<{ setup: Pass2Setup; ranges: ElementRange[] }> {
  const index = new CocoIndex('a.json', (e) => {
    throw e;
  }, () => undefined);
  const pass1 = readTopLevelArrays(path, pass1Arrays(rangeBytes));
  for await (const batch of pass1.batches()) for (const e of batch) (e.key === 'images' ? index.addImage(e.value, e.index) : index.addCategory(e.value, e.index));
  index.finish();
  const n = index.imageCount;
  const setup: Pass2Setup = {
    input: path,
    file: 'a.json',
    task: 'object-detection',
    polygon: {},
    failFast: false,
    ids: index.idTablesData(),
    width: Uint32Array.from(index.jsonWidth),
    height: Uint32Array.from(index.jsonHeight),
    ok: new Uint8Array(n).fill(1),
    imageCount: n,
    imagesPerBucket: n,
    bucketCount: 1,
  };
  return { setup, ranges: elementRanges(pass1.arrays.get('annotations')!) };
}

const TEST_WORKER = pathToFileURL(fileURLToPath(new URL('../helpers/coco-test-worker.mjs', import.meta.url)));
const FAULT = fileURLToPath(new URL('../helpers/coco-fault.mjs', import.meta.url));

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

  test('a worker that ends (exit code 0) in the middle: an error, not a wait forever', async () => {
    const path = join(tmp.path, 'a.json');
    writeFileSync(path, plain(100));
    const { setup, ranges } = await poolInput(path, 256);
    process.env['COCO_TEST_WORKER'] = 'exit0';
    const pool = new Pass2Pool(2, TEST_WORKER);
    try {
      pool.start(setup, ranges);
      const seen: RangeResult[] = [];
      await expect(
        (async () => {
          for await (const r of pool.results()) seen.push(r);
        })(),
      ).rejects.toThrow(/coco worker stopped/);
    } finally {
      await pool.close();
    }
  });

  // The writer answers an abort at once and lets the converter finish on its own (src/writer.ts): the
  // converter must not then sit waiting for a thread, holding it and its temporary files.
  for (const [mode, when] of [
    ['mute-rest', 'pass 1 waits for the worker\'s half'],
    ['stall', 'pass 2 waits for a range the worker holds (objects in temporary files)'],
  ] as const) {
    test(`an abort while ${when}: INTERRUPTED, then the worker stopped and nothing left, without waiting for it`, async () => {
      const path = join(tmp.path, 'a.json');
      writeFileSync(path, plain(300));
      process.env['COCO_TEST_WORKER'] = mode;
      tuning.workerScript = TEST_WORKER;
      tuning.rangeBytes = 512;
      tuning.splitMinBytes = mode === 'stall' ? Number.MAX_SAFE_INTEGER : 0;
      tuning.memoryBudget = 64;
      const terminate = vi.spyOn(Worker.prototype, 'terminate');
      const out = makeTempDir('coco-threads-out-');
      try {
        const controller = new AbortController();
        const running = convert('coco', path, { out, imageDetails: false, jobs: 2, signal: controller.signal }).then(
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
    const text = plain(300, [0]);
    writeFileSync(path, text);
    // This thread's reads past the first tenth of the file throw, as a bug would; the worker's do not.
    const from = text.indexOf('{"id":30,');
    const readSync = fs.readSync;
    fs.readSync = ((fd: number, buffer: NodeJS.ArrayBufferView, ...rest: unknown[]) => {
      const position = typeof rest[0] === 'object' && rest[0] !== null ? (rest[0] as { position?: number }).position : (rest[2] as number | undefined);
      if (typeof position === 'number' && position >= from) throw new TypeError('simulated bug on this thread');
      return (readSync as (...a: unknown[]) => number)(fd, buffer, ...rest);
    }) as typeof fs.readSync;
    syncBuiltinESMExports();
    try {
      tuning.rangeBytes = 256;
      tuning.splitMinBytes = Number.MAX_SAFE_INTEGER;
      const out = makeTempDir('coco-threads-out-');
      try {
        const e = await convert('coco', path, { out, imageDetails: false, jobs: 2 }).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(ConversionError);
        expect([(e as ConversionError).code, (e as ConversionError).path]).toEqual(['UNKNOWN_CATEGORY_ID', 'annotations[0].category_id']);
        expect(readdirSync(out)).toEqual([]);
      } finally {
        removeDir(out);
      }
    } finally {
      fs.readSync = readSync;
      syncBuiltinESMExports();
    }
  });

  test('an abort in the middle of pass 2, objects already in temporary files: INTERRUPTED, nothing left behind', async () => {
    const path = join(tmp.path, 'a.json');
    writeFileSync(path, plain(2000, [1500]));
    tuning.rangeBytes = 512;
    tuning.memoryBudget = 256;
    const out = makeTempDir('coco-threads-out-');
    const controller = new AbortController();
    try {
      const options: ConvertOptions = { out, imageDetails: false, onError: 'skip', jobs: 2, signal: controller.signal, onDiagnostic: (d) => d.severity === 'error' && controller.abort() };
      const e = await convert('coco', path, options).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect([(e as ConversionError).code, (e as ConversionError).exitCode]).toEqual(['INTERRUPTED', 130]);
      expect(readdirSync(out)).toEqual([]);
      // The same file without the abort did spill (so the abort above had temporary files to remove).
      const summary = await convert('coco', path, { out, imageDetails: false, onError: 'skip', jobs: 2 });
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
    const r = await runBin(['convert', 'coco', path, '-o', out, '--no-image-details', '--jobs', '2', '-q'], { nodeArgs: ['--import', FAULT], env: { COCO_WORKER_FAULT: 'throw' } });
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
        const r = await runBin(['convert', 'coco', path, '-o', out, '--no-image-details', '--jobs', jobs, '--on-error', onError, '--json'], { nodeArgs: ['--import', FAULT] });
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
      nodeArgs: ['--import', FAULT],
      env: { COCO_WORKER_FAULT: 'stall', COCO_MEMORY_BUDGET: '64' },
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
    expect(readdirSync(out)).toEqual([]);
  });
});
