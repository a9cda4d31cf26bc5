import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { ConversionError } from '../src/errors.js';
import type { ImageRecord, ResolvedOptions } from '../src/types.js';
import { liveTempFileCount, mltableText, plannedOutputs, removeTempFilesSync, replaceHooks, writeDataset, type WriterHooks } from '../src/writer.js';
import { CaptureStream } from './helpers/cli.js';
import { listTree, useTempDir } from './helpers/fs.js';

const tmp = useTempDir('automl-img-writer-');

function opts(over: Partial<ResolvedOptions> = {}): ResolvedOptions {
  return {
    out: join(tmp.path, 'out'),
    validationRatio: 0.2,
    seed: '0',
    stratify: false,
    baseUrl: '',
    root: undefined,
    imageDetails: true,
    verifyImages: true,
    mltable: false,
    onError: 'fail',
    dryRun: false,
    force: false,
    precision: 6,
    ...over,
  };
}

const failHooks: WriterHooks = {
  bad(e) {
    throw e;
  },
  display: (p) => p,
};

function recs(n: number, prefix = 'c'): ImageRecord[] {
  return Array.from({ length: n }, (_, i) => ({ path: `${prefix}${i % 3}/img${String(i).padStart(3, '0')}.jpg`, details: { format: 'jpg', width: 4, height: 3 }, label: `${prefix}${i % 3}` }));
}

async function* gen(records: readonly ImageRecord[], opts: { failAfter?: number; error?: unknown } = {}): AsyncGenerator<ImageRecord> {
  let i = 0;
  for (const r of records) {
    if (opts.failAfter !== undefined && i === opts.failAfter) throw opts.error ?? new ConversionError('IMAGE_UNREADABLE', 'boom', { file: 'x.jpg' });
    await new Promise((r) => setImmediate(r));
    yield r;
    i++;
  }
  if (opts.failAfter !== undefined && i === opts.failAfter) throw opts.error ?? new ConversionError('IMAGE_UNREADABLE', 'boom', { file: 'x.jpg' });
}

const lines = async (f: string) => (await readFile(f, 'utf8')).split('\n').filter(Boolean);
const spillsOfThisProcess = async () => (await readdir(tmpdir())).filter((n) => n.startsWith(`.automl-img-spill.${process.pid}.`));

describe('writeDataset: outputs', () => {
  it('writes train and validation files, sorted by path, with the exact split, into a new folder', async () => {
    const out = join(tmp.path, 'a', 'b', 'out');
    const records = recs(20).reverse();
    const r = await writeDataset(gen(records), opts({ out }), failHooks);
    expect(r).toMatchObject({ train: 16, validation: 4, labels: { c0: 7, c1: 7, c2: 6 }, objects: 0 });
    expect(r.outputs).toEqual([join(out, 'train_annotations.jsonl'), join(out, 'validation_annotations.jsonl')]);
    expect(await listTree(out)).toEqual(['train_annotations.jsonl', 'validation_annotations.jsonl']);
    const train = await lines(join(out, 'train_annotations.jsonl'));
    const val = await lines(join(out, 'validation_annotations.jsonl'));
    expect(train).toHaveLength(16);
    expect(val).toHaveLength(4);
    for (const side of [train, val]) {
      const urls = side.map((l) => (JSON.parse(l) as { image_url: string }).image_url);
      expect(urls).toEqual([...urls].sort());
    }
    expect(train[0]).toBe('{"image_url":"c0/img000.jpg","image_details":{"format":"jpg","width":4,"height":3},"label":"c0"}');
    expect(liveTempFileCount()).toBe(0);
  });

  it('reads back lines that arrived in any order, across many batches (large dataset)', async () => {
    const out = join(tmp.path, 'big');
    const records = Array.from({ length: 30_000 }, (_, i) => ({ path: `p/${String((i * 7919) % 30_000).padStart(5, '0')}.jpg`, label: `l${i % 7}`.repeat(40) }));
    const r = await writeDataset(gen(records), opts({ out, validationRatio: 0 }), failHooks);
    expect(r.train).toBe(30_000);
    const got = await lines(join(out, 'train_annotations.jsonl'));
    expect(got).toHaveLength(30_000);
    got.forEach((l, i) => {
      const o = JSON.parse(l) as { image_url: string; label: string };
      expect(o.image_url).toBe(`p/${String(i).padStart(5, '0')}.jpg`);
    });
    expect(got[12345]).toBe(JSON.stringify({ image_url: 'p/12345.jpg', label: records.find((x) => x.path === 'p/12345.jpg')!.label }));
  });

  it('gives byte-identical files for any order of the records', async () => {
    const a = join(tmp.path, 'a');
    const b = join(tmp.path, 'b');
    const records = recs(30);
    await writeDataset(gen(records), opts({ out: a }), failHooks);
    await writeDataset(gen([...records].sort(() => 0.5 - Math.random())), opts({ out: b }), failHooks);
    for (const f of ['train_annotations.jsonl', 'validation_annotations.jsonl']) {
      expect(await readFile(join(b, f))).toEqual(await readFile(join(a, f)));
    }
  });

  it('gives the same bytes whether several MiB of lines arrive sorted (read back in small batches) or shuffled (large ones)', async () => {
    // Long lines, few records: 2,400 lines, ~3 MiB.
    const sorted = Array.from({ length: 2_400 }, (_, i) => ({ path: `p/${String(i).padStart(5, '0')}.jpg`, label: `l${i % 5}`.repeat(300 + ((i * 37) % 700)) }));
    // A few lines out of place (one in 40) still count as sorted; a shuffle does not.
    const nearlySorted = sorted.map((r, i) => (i % 40 === 39 ? sorted[i - 20]! : i % 40 === 19 ? sorted[i + 20]! : r));
    const shuffled = sorted.map((_, i) => sorted[(i * 7919) % sorted.length]!);
    const outs = ['sorted', 'nearly', 'shuffled'].map((n) => join(tmp.path, n));
    async function* quick(records: ImageRecord[]): AsyncGenerator<ImageRecord> {
      yield* records;
    }
    for (const [k, records] of [sorted, nearlySorted, shuffled].entries()) await writeDataset(quick(records), opts({ out: outs[k] }), failHooks);
    const [train, validation] = await Promise.all(['train_annotations.jsonl', 'validation_annotations.jsonl'].map((f) => readFile(join(outs[0]!, f))));
    expect(train!.length + validation!.length).toBeGreaterThan(3 << 20);
    const urls = async (f: string) => (await lines(join(outs[0]!, f))).map((l) => (JSON.parse(l) as { image_url: string }).image_url);
    const inValidation = new Set(await urls('validation_annotations.jsonl'));
    expect(inValidation.size).toBe(480);
    expect(await urls('train_annotations.jsonl')).toEqual(sorted.map((r) => r.path).filter((p) => !inValidation.has(p)));
    // Buffer.equals: toEqual compares megabytes a byte at a time, slowly.
    for (const out of outs.slice(1)) {
      expect((await readFile(join(out, 'train_annotations.jsonl'))).equals(train!)).toBe(true);
      expect((await readFile(join(out, 'validation_annotations.jsonl'))).equals(validation!)).toBe(true);
    }
  });

  it('counts labels named like Object.prototype members as plain labels', async () => {
    const records: ImageRecord[] = ['__proto__', 'constructor', 'toString', '__proto__'].map((label, i) => ({ path: `${i}.jpg`, label }));
    const r = await writeDataset(gen(records), opts({ validationRatio: 0 }), failHooks);
    expect(JSON.parse(JSON.stringify(r.labels))).toEqual(JSON.parse('{"__proto__":2,"constructor":1,"toString":1}'));
    expect(Object.keys(r.labels)).toEqual(['__proto__', 'constructor', 'toString']);
  });

  it('--validation-ratio 0 writes train only', async () => {
    const out = join(tmp.path, 'out');
    const r = await writeDataset(gen(recs(5)), opts({ validationRatio: 0 }), failHooks);
    expect(r).toMatchObject({ train: 5, validation: 0 });
    expect(await listTree(out)).toEqual(['train_annotations.jsonl']);
  });

  it('--validation-ratio 0 refuses a validation file left by an earlier run, and removes it with --force', async () => {
    const out = join(tmp.path, 'out');
    await writeDataset(gen(recs(5)), opts(), failHooks);
    expect(await listTree(out)).toEqual(['train_annotations.jsonl', 'validation_annotations.jsonl']);
    await expect(writeDataset(gen(recs(5)), opts({ validationRatio: 0, force: false }), failHooks)).rejects.toMatchObject({ code: 'OUTPUT_EXISTS' });
    expect(await listTree(out)).toEqual(['train_annotations.jsonl', 'validation_annotations.jsonl']);
    const r = await writeDataset(gen(recs(5)), opts({ validationRatio: 0, force: true }), failHooks);
    expect(r).toMatchObject({ train: 5, validation: 0 });
    expect(await listTree(out)).toEqual(['train_annotations.jsonl']);
    expect((await readFile(join(out, 'train_annotations.jsonl'), 'utf8')).trim().split('\n')).toHaveLength(5);
  });

  it('--mltable puts each JSONL in its own folder beside an MLTable that names it', async () => {
    const out = join(tmp.path, 'out');
    const r = await writeDataset(gen(recs(10)), opts({ mltable: true }), failHooks);
    expect(await listTree(out)).toEqual([
      'training-mltable-folder/MLTable',
      'training-mltable-folder/train_annotations.jsonl',
      'validation-mltable-folder/MLTable',
      'validation-mltable-folder/validation_annotations.jsonl',
    ]);
    expect(r.outputs).toHaveLength(4);
    const ml = await readFile(join(out, 'training-mltable-folder/MLTable'), 'utf8');
    // The layout of Azure ML's AutoML image samples (how-to-prepare-datasets-for-automl-images).
    expect(ml).toContain('paths:\n  - file: ./train_annotations.jsonl\n');
    expect(ml).toContain('transformations:\n  - read_json_lines:\n      encoding: utf8\n      invalid_lines: error\n      include_path_column: false\n');
    expect(ml).toContain('  - convert_column_types:\n      - columns: image_url\n        column_type: stream_info\n');
    expect(await readFile(join(out, 'validation-mltable-folder/MLTable'), 'utf8')).toBe(mltableText('validation_annotations.jsonl'));
  });

  it('--mltable with ratio 0 writes the training folder only', async () => {
    await writeDataset(gen(recs(3)), opts({ mltable: true, validationRatio: 0 }), failHooks);
    expect(await listTree(join(tmp.path, 'out'))).toEqual(['training-mltable-folder/MLTable', 'training-mltable-folder/train_annotations.jsonl']);
    expect(plannedOutputs('/o', { mltable: true, validationRatio: 0 })).toEqual(['/o/training-mltable-folder/train_annotations.jsonl', '/o/training-mltable-folder/MLTable']);
  });

  it('-o - streams every line, sorted and unsplit, to stdout; its spill file lives in the OS temp folder and is removed', async () => {
    const stdout = new CaptureStream();
    const before = await spillsOfThisProcess();
    let sawSpill = false;
    async function* watching(): AsyncGenerator<ImageRecord> {
      for await (const r of gen(recs(7))) {
        sawSpill ||= (await spillsOfThisProcess()).length > before.length;
        yield r;
      }
    }
    const r = await writeDataset(watching(), opts({ out: '-' }), failHooks, stdout);
    expect(sawSpill).toBe(true);
    expect(r).toMatchObject({ train: 7, validation: 0, outputs: [] });
    const got = stdout.text
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as { image_url: string }).image_url);
    expect(got).toEqual(
      recs(7)
        .map((x) => x.path)
        .sort(),
    );
    expect(await spillsOfThisProcess()).toEqual(before);
    expect(await listTree(join(tmp.path, 'out'))).toEqual([]);
  });

  it('--dry-run counts but writes nothing, not even the folder', async () => {
    const r = await writeDataset(gen(recs(10)), opts({ dryRun: true }), failHooks);
    expect(r).toMatchObject({ train: 8, validation: 2, outputs: [] });
    expect(await listTree(tmp.path)).toEqual([]);
  });
});

describe("writeDataset: a record's own split (ImageRecord.split)", () => {
  const urls = async (f: string) => (await lines(f)).map((l) => (JSON.parse(l) as { image_url: string }).image_url);

  it('puts records that name their file there, and splits the others among themselves by the hash', async () => {
    const out = join(tmp.path, 'fixed');
    const fixed: ImageRecord[] = [
      ...Array.from({ length: 6 }, (_, i): ImageRecord => ({ path: `t/${i}.jpg`, label: 'a', split: 'train' })),
      ...Array.from({ length: 3 }, (_, i): ImageRecord => ({ path: `v/${i}.jpg`, label: 'a', split: 'validation' })),
    ];
    const free = recs(10, 'f');
    const r = await writeDataset(gen([...free, ...fixed].reverse()), opts({ out }), failHooks);
    const train = await urls(join(out, 'train_annotations.jsonl'));
    const val = await urls(join(out, 'validation_annotations.jsonl'));
    expect(train.filter((u) => u.startsWith('t/'))).toHaveLength(6);
    expect(val.filter((u) => u.startsWith('v/'))).toEqual(['v/0.jpg', 'v/1.jpg', 'v/2.jpg']);
    expect(val.filter((u) => u.startsWith('t/'))).toEqual([]);
    // The 10 others: the same split as a run of them alone (2 of 10 to validation).
    const alone = join(tmp.path, 'alone');
    await writeDataset(gen(free), opts({ out: alone }), failHooks);
    expect(val.filter((u) => u.startsWith('f'))).toEqual(await urls(join(alone, 'validation_annotations.jsonl')));
    expect(r).toMatchObject({ train: 14, validation: 5 });
    // Each file stays sorted.
    expect(train).toEqual([...train].sort());
    expect(val).toEqual([...val].sort());
  });

  it('--validation-ratio 0 and -o - put everything in one file, split or not', async () => {
    const records: ImageRecord[] = [
      { path: 'a.jpg', label: 'a', split: 'validation' },
      { path: 'b.jpg', label: 'a', split: 'train' },
      { path: 'c.jpg', label: 'a' },
    ];
    const out = join(tmp.path, 'zero');
    const r = await writeDataset(gen(records), opts({ out, validationRatio: 0 }), failHooks);
    expect(r).toMatchObject({ train: 3, validation: 0 });
    expect(await urls(join(out, 'train_annotations.jsonl'))).toEqual(['a.jpg', 'b.jpg', 'c.jpg']);
    const stdout = new CaptureStream();
    const s = await writeDataset(gen(records), opts({ out: '-' }), failHooks, stdout);
    expect(s).toMatchObject({ train: 3, validation: 0 });
    expect(stdout.text.split('\n').filter(Boolean)).toHaveLength(3);
  });
});

describe('writeDataset: backpressure', () => {
  it('never lets a slow stdout buffer much more than one 64 KiB piece', async () => {
    let maxBuffered = 0;
    class Slow extends Writable {
      constructor() {
        super({ highWaterMark: 64 });
      }
      override _write(_c: Buffer, _e: BufferEncoding, cb: () => void): void {
        maxBuffered = Math.max(maxBuffered, this.writableLength);
        setTimeout(cb, 0);
      }
    }
    const slow = new Slow();
    let total = 0;
    const origWrite = slow.write.bind(slow);
    slow.write = ((chunk: Buffer, ...rest: never[]) => {
      total += chunk.length;
      return origWrite(chunk, ...rest);
    }) as typeof slow.write;
    await writeDataset(gen(recs(10_000)), opts({ out: '-' }), failHooks, slow);
    // ~1 MB in all; without waiting for 'drain' it would all queue up at once
    expect(total).toBeGreaterThan(900_000);
    expect(maxBuffered).toBeLessThanOrEqual(2 * 64 * 1024);
  });

  it('pulls records from the converter one at a time (it never runs ahead of the writer)', async () => {
    let produced = 0;
    let maxAhead = 0;
    let consumedByWriter = 0;
    async function* counting(): AsyncGenerator<ImageRecord> {
      for (const r of recs(50)) {
        produced++;
        maxAhead = Math.max(maxAhead, produced - consumedByWriter);
        yield r;
        consumedByWriter++;
      }
    }
    await writeDataset(counting(), opts(), failHooks);
    expect(maxAhead).toBe(1);
  });
});

describe('writeDataset: failures leave the disk as it was', () => {
  it('a converter error in the middle: no output, no temp, no created folder', async () => {
    const out = join(tmp.path, 'x', 'y', 'out');
    const err = await writeDataset(gen(recs(30), { failAfter: 10 }), opts({ out }), failHooks).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConversionError);
    expect((err as ConversionError).code).toBe('IMAGE_UNREADABLE');
    expect(await listTree(tmp.path)).toEqual([]);
    expect(liveTempFileCount()).toBe(0);
  });

  it('an error before the first record (spill not yet open) leaves nothing either', async () => {
    for (let i = 0; i < 20; i++) {
      await expect(writeDataset(gen(recs(3), { failAfter: 0 }), opts(), failHooks)).rejects.toThrow('boom');
      expect(await listTree(tmp.path)).toEqual([]);
    }
  });

  it('an existing output folder keeps its other files and gets no temp files', async () => {
    const out = join(tmp.path, 'out');
    await mkdir(out);
    await writeFile(join(out, 'notes.txt'), 'mine');
    await expect(writeDataset(gen(recs(10), { failAfter: 5 }), opts(), failHooks)).rejects.toThrow('boom');
    expect(await listTree(tmp.path)).toEqual(['out/notes.txt']);
    // an existing empty folder stays too
    const empty = join(tmp.path, 'empty');
    await mkdir(empty);
    await expect(writeDataset(gen(recs(10), { failAfter: 5 }), opts({ out: empty }), failHooks)).rejects.toThrow('boom');
    expect(await listTree(tmp.path)).toEqual(['empty/', 'out/notes.txt']);
  });

  it('refuses existing outputs without --force (OUTPUT_EXISTS), leaves them untouched, and does not start the converter', async () => {
    const out = join(tmp.path, 'out');
    await mkdir(out);
    await writeFile(join(out, 'validation_annotations.jsonl'), 'old\n');
    let started = false;
    async function* lazy(): AsyncGenerator<ImageRecord> {
      started = true;
      yield* gen(recs(3));
    }
    const err = (await writeDataset(lazy(), opts(), { ...failHooks, display: (p) => `shown:${p.slice(out.length + 1)}` }).catch((e: unknown) => e)) as ConversionError;
    expect(err.code).toBe('OUTPUT_EXISTS');
    expect(err.message).toBe('shown:validation_annotations.jsonl: the output exists; use --force to overwrite it');
    expect(err.file).toBe('shown:validation_annotations.jsonl');
    expect(started).toBe(false);
    expect(await readFile(join(out, 'validation_annotations.jsonl'), 'utf8')).toBe('old\n');
    expect(await listTree(out)).toEqual(['validation_annotations.jsonl']);
  });

  it('--force overwrites', async () => {
    const out = join(tmp.path, 'out');
    await mkdir(out);
    await writeFile(join(out, 'train_annotations.jsonl'), 'old\n');
    await writeDataset(gen(recs(5)), opts({ force: true }), failHooks);
    expect(await lines(join(out, 'train_annotations.jsonl'))).toHaveLength(4);
  });

  it('a folder in the way of an output fails before any output is replaced (OUTPUT_WRITE)', async () => {
    const out = join(tmp.path, 'out');
    await mkdir(join(out, 'validation_annotations.jsonl'), { recursive: true });
    await writeFile(join(out, 'train_annotations.jsonl'), 'old\n');
    const err = (await writeDataset(gen(recs(5)), opts({ force: true }), failHooks).catch((e: unknown) => e)) as ConversionError;
    expect(err.code).toBe('OUTPUT_WRITE');
    expect(await readFile(join(out, 'train_annotations.jsonl'), 'utf8')).toBe('old\n');
    expect(await listTree(out)).toEqual(['train_annotations.jsonl', 'validation_annotations.jsonl/']);
  });

  it('an output folder that is a file: OUTPUT_WRITE, nothing created', async () => {
    await writeFile(join(tmp.path, 'out'), 'a file');
    const err = (await writeDataset(gen(recs(5)), opts(), failHooks).catch((e: unknown) => e)) as ConversionError;
    expect(err.code).toBe('OUTPUT_WRITE');
    expect(await listTree(tmp.path)).toEqual(['out']);
  });

  it('no records: EMPTY_DATASET and nothing left', async () => {
    const err = (await writeDataset(gen([]), opts(), { ...failHooks, input: 'ds' }).catch((e: unknown) => e)) as ConversionError;
    expect(err.code).toBe('EMPTY_DATASET');
    expect(err.message).toBe('ds: nothing to convert: no image was read (or every one was left out)');
    expect(await listTree(tmp.path)).toEqual([]);
  });

  it('fs errors from the converter are not mistaken for output errors', async () => {
    const eacces = Object.assign(new Error("EACCES: permission denied, open 'in/x.jpg'"), { code: 'EACCES', path: 'in/x.jpg' });
    const err = await writeDataset(gen(recs(5), { failAfter: 2, error: eacces }), opts(), failHooks).catch((e: unknown) => e);
    expect(err).toBe(eacces);
  });

  it('an abort while the converter is busy ends the write at once: INTERRUPTED (exit 130), nothing left', async () => {
    const controller = new AbortController();
    async function* stuck(): AsyncGenerator<ImageRecord> {
      yield* gen(recs(3));
      setTimeout(() => controller.abort(), 5);
      await new Promise(() => undefined); // never resolves
    }
    const err = (await writeDataset(stuck(), opts(), { ...failHooks, signal: controller.signal }).catch((e: unknown) => e)) as ConversionError;
    expect(err.code).toBe('INTERRUPTED');
    expect(err.exitCode).toBe(130);
    expect(await listTree(tmp.path)).toEqual([]);
    expect(liveTempFileCount()).toBe(0);
  });

  it('removeTempFilesSync (the signal handler) removes live temp files and the folders the write created', async () => {
    const out = join(tmp.path, 'n', 'out');
    let seenTemp = false;
    async function* gate(): AsyncGenerator<ImageRecord> {
      yield* gen(recs(2));
      seenTemp = (await listTree(out)).some((f) => f.endsWith('.tmp'));
      removeTempFilesSync();
      throw new Error('the process would exit here');
    }
    await expect(writeDataset(gate(), opts({ out }), failHooks)).rejects.toThrow('exit here');
    expect(seenTemp).toBe(true);
    expect(await listTree(tmp.path)).toEqual([]);
  });
});

describe('writeDataset: a label with a control character (LABEL_BAD)', () => {
  it('fail: the error, after the converter was closed (its cleanup done); skip: the record is left out', async () => {
    let cleanedUp = false;
    async function* converter(): AsyncGenerator<ImageRecord> {
      try {
        yield* gen([...recs(3), { path: 'bad.jpg', label: 'a\tb' }, ...recs(3, 'd')]);
      } finally {
        await new Promise((r) => setTimeout(r, 5));
        cleanedUp = true;
      }
    }
    const failed = await writeDataset(converter(), opts(), failHooks).catch((e: unknown) => ({ error: e, cleanedUp }));
    expect(failed).toMatchObject({ error: { code: 'LABEL_BAD' }, cleanedUp: true });
    expect(await listTree(tmp.path)).toEqual([]);
    const skipped: string[] = [];
    const r = await writeDataset(converter(), opts(), { ...failHooks, bad: (e) => void skipped.push(e.code) });
    expect(skipped).toEqual(['LABEL_BAD']);
    expect(r.train + r.validation).toBe(6);
  });
});

describe('writeDataset: duplicates', () => {
  const dup = [recs(3)[0]!, ...recs(3)];
  it('fail: DUPLICATE_IMAGE names the image', async () => {
    const err = (await writeDataset(gen(dup), opts(), failHooks).catch((e: unknown) => e)) as ConversionError;
    expect(err.code).toBe('DUPLICATE_IMAGE');
    expect(err.message).toContain('"c0/img000.jpg" appears more than once');
    expect(await listTree(tmp.path)).toEqual([]);
  });
  it('skip: the later one is left out and reported', async () => {
    const reported: ConversionError[] = [];
    const r = await writeDataset(gen(dup), opts({ validationRatio: 0 }), { bad: (e) => void reported.push(e), display: (p) => p });
    expect(r.train).toBe(3);
    expect(reported.map((e) => e.code)).toEqual(['DUPLICATE_IMAGE']);
  });
});

describe('writeDataset: outputs replaced all together or not at all', () => {
  const failing = (match: (path: string) => boolean, code = 'EIO') => {
    const real = { ...replaceHooks };
    replaceHooks.rename = (from, to) => {
      if (match(to)) throw Object.assign(new Error(`${code}: simulated failure, rename '${from}' -> '${to}'`), { code, path: to });
      real.rename(from, to);
    };
    replaceHooks.unlink = (p) => {
      if (match(p)) throw Object.assign(new Error(`${code}: simulated failure, unlink '${p}'`), { code, path: p });
      real.unlink(p);
    };
    return () => Object.assign(replaceHooks, real);
  };
  const snapshot = async (dir: string) => {
    const files = await listTree(dir);
    return Object.fromEntries(await Promise.all(files.filter((f) => !f.endsWith('/')).map(async (f) => [f, await readFile(join(dir, f), 'utf8')])));
  };

  it('a failing second rename puts the first output back: old train beside old validation, nothing else left', async () => {
    const out = opts().out!;
    await writeDataset(gen(recs(10, 'old')), opts(), failHooks);
    const before = await snapshot(out);
    const restore = failing((p) => p.endsWith('validation_annotations.jsonl'));
    try {
      const err = (await writeDataset(gen(recs(10, 'new')), opts({ force: true }), failHooks).catch((e: unknown) => e)) as ConversionError;
      expect(err).toBeInstanceOf(ConversionError);
      expect(err.code).toBe('OUTPUT_WRITE');
      expect(err.message).toContain('simulated failure');
    } finally {
      restore();
    }
    expect(await snapshot(out)).toEqual(before);
    expect(Object.keys(before)).toEqual(['train_annotations.jsonl', 'validation_annotations.jsonl']);
    expect(liveTempFileCount()).toBe(0);
  });

  it("records' files (ImageRecord.files) are put in place with the outputs: a failing rename of one leaves none, and the outputs as they were", async () => {
    const out = opts().out!;
    const images = join(tmp.path, 'images');
    const withFiles = (tag: string) => recs(4, 'f').map((r) => ({ ...r, files: [{ target: join(images, ...r.path.split('/')), data: Buffer.from(`${tag} ${r.path}`) }] }));
    await writeDataset(gen(recs(10, 'old')), opts(), failHooks);
    const before = await snapshot(out);
    const restore = failing((p) => p.endsWith('img002.jpg'));
    try {
      await expect(writeDataset(gen(withFiles('a')), opts({ force: true }), failHooks)).rejects.toMatchObject({ code: 'OUTPUT_WRITE' });
    } finally {
      restore();
    }
    expect(await snapshot(out)).toEqual(before);
    expect(await listTree(images)).toEqual([]);
    expect(liveTempFileCount()).toBe(0);
    // the same run without the failure: every file in place, with its bytes
    await writeDataset(gen(withFiles('a')), opts({ force: true }), failHooks);
    expect(await snapshot(images)).toEqual(Object.fromEntries(recs(4, 'f').map((r) => [r.path, `a ${r.path}`])));
  });

  it('a failing second rename into an empty folder leaves no output at all', async () => {
    const out = opts().out!;
    await mkdir(out, { recursive: true });
    const restore = failing((p) => p.endsWith('validation_annotations.jsonl'));
    try {
      await expect(writeDataset(gen(recs(10)), opts(), failHooks)).rejects.toMatchObject({ code: 'OUTPUT_WRITE' });
    } finally {
      restore();
    }
    expect(await listTree(out)).toEqual([]);
  });

  it('with --mltable, a failing last step restores all four files', async () => {
    const out = opts().out!;
    await writeDataset(gen(recs(10, 'old')), opts({ mltable: true }), failHooks);
    const before = await snapshot(out);
    expect(Object.keys(before)).toHaveLength(4);
    const restore = failing((p) => p.endsWith(join('validation-mltable-folder', 'MLTable')));
    try {
      await expect(writeDataset(gen(recs(12, 'new')), opts({ mltable: true, force: true }), failHooks)).rejects.toMatchObject({ code: 'OUTPUT_WRITE' });
    } finally {
      restore();
    }
    expect(await snapshot(out)).toEqual(before);
  });

  it('--validation-ratio 0: when the old validation file cannot be removed, the old train file is put back', async () => {
    const out = opts().out!;
    await writeDataset(gen(recs(10, 'old')), opts(), failHooks);
    const before = await snapshot(out);
    const restore = failing((p) => p.endsWith('validation_annotations.jsonl'), 'EACCES');
    try {
      await expect(writeDataset(gen(recs(10, 'new')), opts({ validationRatio: 0, force: true }), failHooks)).rejects.toMatchObject({ code: 'OUTPUT_WRITE' });
    } finally {
      restore();
    }
    expect(await snapshot(out)).toEqual(before);
  });

  it('a successful overwrite leaves only the new outputs (no kept copies)', async () => {
    const out = opts().out!;
    await writeDataset(gen(recs(10, 'old')), opts(), failHooks);
    await writeDataset(gen(recs(10, 'new')), opts({ force: true }), failHooks);
    const after = await snapshot(out);
    expect(Object.keys(after)).toEqual(['train_annotations.jsonl', 'validation_annotations.jsonl']);
    expect(after['train_annotations.jsonl']).toContain('new0/');
    expect(after['train_annotations.jsonl']).not.toContain('old0/');
  });
});
