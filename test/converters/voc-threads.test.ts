/**
 * voc-detection with threads (`--jobs n`): adversarial cases. The promise: the output bytes, the summary
 * (counts, labels, errors and warnings in their order) and the first failure are the same for 1, 2 and 3
 * threads, whatever the names, labels and options; a worker that hits a bug ends the run as an unknown
 * error (no hang, nothing written).
 */
import fs, { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, type PathLike } from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { convert } from '../../src/convert.js';
import { ConversionError } from '../../src/errors.js';
import type { Diagnostic } from '../../src/errors.js';
import type { ConvertOptions } from '../../src/types.js';
import { vocObject, vocXml } from '../fixtures/voc-detection/datasets.js';
import { CaptureStream, runBin } from '../helpers/cli.js';
import { listTree, makeTempDir, removeDir, useTempDir, writeTree, type Tree } from '../helpers/fs.js';
import { jpeg, png } from '../helpers/images.js';

const tmp = useTempDir('voc-threads-');

/** Everything a run gives that must not depend on the threads. */
interface Outcome {
  files: Record<string, string>;
  stdout: string;
  summary?: string;
  diagnostics: string;
  failure?: string;
}

async function outcome(root: string, options: ConvertOptions): Promise<Outcome> {
  const out = options.out === '-' ? '-' : makeTempDir('voc-threads-out-');
  const stdout = new CaptureStream();
  const diagnostics: Diagnostic[] = [];
  try {
    const target = out === '-' ? '-' : join(out, 'o');
    const summary = await convert('voc', root, { out: target, stdout, onDiagnostic: (d) => diagnostics.push(d), ...options });
    const files: Record<string, string> = {};
    if (out !== '-') for (const f of await listTree(target)) files[f] = f.endsWith('/') ? '' : readFileSync(join(target, f), 'utf8');
    return { files, stdout: stdout.text, summary: JSON.stringify({ ...summary, outputs: summary.outputs.map((o) => o.split('/').pop()) }), diagnostics: JSON.stringify(diagnostics) };
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    return { files: {}, stdout: stdout.text, diagnostics: JSON.stringify(diagnostics), failure: `${e.code} ${e.exitCode} ${e.message}` };
  } finally {
    if (out !== '-') removeDir(out);
  }
}

/**
 * Images this thread opened during {@link slowly}. Worker threads (other isolates) are not patched.
 */
let mainImageOpens = 0;

/**
 * Runs `fn` with this thread sleeping 1 ms for each of the first 100 images it opens: the workers
 * (which take ~20-50 ms to start) then read batches too, and their packed replies are what is tested.
 */
async function slowly<T>(fn: () => Promise<T>): Promise<T> {
  const original = fs.openSync;
  mainImageOpens = 0;
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
  fs.openSync = ((p: PathLike, ...rest: unknown[]) => {
    if (/\.(jpe?g|png)$/i.test(String(p)) && mainImageOpens++ < 100) Atomics.wait(sleeper, 0, 0, 1);
    return (original as (...a: unknown[]) => number)(p, ...rest);
  }) as typeof fs.openSync;
  syncBuiltinESMExports();
  try {
    return await fn();
  } finally {
    fs.openSync = original;
    syncBuiltinESMExports();
  }
}

/** Runs with threads in which this thread opened fewer images than `fewerOpens` (the workers read some). */
let workersRead = 0;

/**
 * Runs with 1 thread and with each of `threads`, expects the same outcome; returns it. Counts the runs
 * with threads where this thread opened fewer images than `fewerOpens` in {@link workersRead} (on a
 * busy machine, a worker may start too late to read anything in a given run).
 */
async function sameForAnyJobs(root: string, options: ConvertOptions, fewerOpens?: number, threads = [2, 3]): Promise<Outcome> {
  const one = await outcome(root, { ...options, jobs: 1 });
  for (const jobs of threads) {
    const other = await slowly(() => outcome(root, { ...options, jobs }));
    expect({ jobs, ...other }).toEqual({ jobs, ...one });
    if (fewerOpens !== undefined && mainImageOpens < fewerOpens) workersRead++;
  }
  return one;
}

/** MessagePorts open once those of earlier tests' workers (terminated, not awaited) are gone: at most 10 s. */
async function settledPorts(): Promise<number> {
  const ports = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
  for (let i = 0; i < 1000 && ports() > 0; i++) await new Promise((r) => setTimeout(r, 10));
  return ports();
}

/** A UTF-16LE XML (with BOM): the only way a VOC file can carry a lone surrogate. */
const utf16 = (text: string): Buffer => Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);

const LONG = 'l'.repeat(200) + '\u00e9\u{1F600}';

/**
 * `n` XMLs whose names, labels and images try to break the packing: file names with a newline, `"`, `\`,
 * an emoji, 200+ characters; labels with NUL, a newline, `"`, `\`, lone surrogates (UTF-16 files), an
 * emoji, 5,000 characters; an XML over the 64 KiB quick read; an image whose header needs the async
 * read; bad items, duplicates and images without XML across batches.
 */
function weirdTree(n: number): Tree {
  const tree: Tree = {};
  const img = jpeg(40, 30);
  const names = ['plain', 'new\nline', 'q"uote', 'back\\slash', 'emoji\u{1F600}', LONG, 'sp ace'];
  const labels = ['nul\0in', 'line&#10;feed', '"q"', 'b\\s', '\u{1F600}', 'x'.repeat(5000), '__proto__', 'constructor', 'c&amp;d'];
  for (let i = 0; i < n; i++) {
    const stem = `${String(i).padStart(4, '0')}${names[i % names.length]}`;
    const objects = [vocObject(labels[i % labels.length]!, [i % 13, 1, 30, 25]), vocObject(labels[(i * 7) % labels.length]!, [-2, 0, 41.5, 30])];
    if (i % 50 === 3) objects.push(vocObject('bad', [1, 1, 'x', 2]));
    let filename = `${stem}.jpg`;
    if (i % 97 === 5) filename = '0000plain.jpg'; // a duplicate, often in another batch
    if (i % 61 === 8) filename = `missing${i}.jpg`; // found by the stem: a warning
    let xml = vocXml({ filename, size: i % 89 === 4 ? [41, 30] : [40, 30], objects });
    if (i % 40 === 11) xml = xml.replace('<segmented>', `<!--${'c'.repeat(70_000)}--><segmented>`);
    if (i === 255 || i === 256) xml = xml.replace('<segmented>', `<!--${'c'.repeat(65_536 - Buffer.byteLength(xml) - 7)}--><segmented>`);
    if (i % 9 === 6) {
      // lone surrogates, only possible in a UTF-16 file
      const lone = vocObject('lone\uD800', [1, 1, 5, 5]) + vocObject('\uDFFFrev', [1, 1, 5, 5]);
      tree[`annotations/${stem}.xml`] = utf16(xml.replace('<segmented>', `${lone}<segmented>`));
    } else {
      tree[`annotations/${stem}.xml`] = xml;
    }
    if (i % 45 === 2) {
      // a quarter-turned JPEG (EXIF orientation 6) annotated with the turned size, its header past the quick read
      tree[`annotations/${stem}.xml`] = vocXml({ filename, size: [30, 40], objects });
      tree[`images/${stem}.jpg`] = jpeg(40, 30, { orientation: 6, exifBytes: 70_000 });
      continue;
    }
    if (i % 71 !== 9) tree[`images/${stem}.jpg`] = i % 33 === 1 ? jpeg(40, 30, { exifBytes: 70_000 }) : img;
  }
  tree['images/zz\nnone.png'] = png(2, 2);
  return tree;
}

describe('1, 2 and 3 threads give the same outcome', () => {
  test('weird names and labels, 513 XMLs (batches of 256, 256, 1), every shared option', async () => {
    await writeTree(tmp.path, weirdTree(513));
    workersRead = 0;
    // not XML files: a folder, a symlink loop, a dangling link, a link to a folder (all left out alike)
    const ann = join(tmp.path, 'annotations');
    mkdirSync(join(ann, '0100dir.xml'));
    symlinkSync('0101loop.xml', join(ann, '0101loop.xml'));
    symlinkSync('nowhere.xml', join(ann, '0102dangling.xml'));
    symlinkSync('0100dir.xml', join(ann, '0103linkdir.xml'));
    symlinkSync('0101loop.jpg', join(tmp.path, 'images', '0101loop.jpg'));
    writeFileSync(join(ann, '0104named-loop.xml'), vocXml({ filename: '0101loop.jpg', size: [40, 30], objects: [vocObject('a', [1, 1, 2, 2])] }));
    const base: ConvertOptions = { onError: 'skip' };
    const first = await sameForAnyJobs(tmp.path, base, 300);
    // the cases are really there
    expect(first.failure).toBeUndefined();
    const summary = JSON.parse(first.summary!) as { labels: Record<string, number>; errors: Diagnostic[]; warnings: Diagnostic[]; counts: Record<string, number> };
    expect(Object.keys(summary.labels)).toEqual(expect.arrayContaining(['nul\0in', 'line\nfeed', 'lone\uD800', '\uDFFFrev', '__proto__', 'x'.repeat(5000)]));
    expect(new Set(summary.errors.map((e) => e.code))).toEqual(new Set(['XML_BAD_VALUE', 'DUPLICATE_IMAGE', 'IMAGE_SIZE_MISMATCH', 'IMAGE_NOT_FOUND']));
    expect(summary.errors.filter((e) => e.message.includes('EXIF orientation 6')).length).toBeGreaterThan(5);
    expect(summary.errors.find((e) => e.file?.endsWith('0104named-loop.xml'))?.code).toBe('IMAGE_NOT_FOUND');
    expect(first.diagnostics).not.toMatch(/0100dir|0101loop\.xml|0102dangling|0103linkdir/);
    expect(summary.warnings.map((w) => w.code)).toContain('MISSING_ANNOTATION');
    expect(summary.counts['clampedBoxes']).toBeGreaterThan(400);
    for (const [k, options] of [
      { baseUrl: 'azureml://x/"q\\/', precision: 0 },
      { precision: 15, oneBased: true },
      { imageDetails: false },
      { stratify: true, seed: 'b' },
      { validationRatio: 0 },
      { out: '-' },
      { dryRun: true },
      { mltable: true, baseUrl: 'https://h/p' },
      { root: join(tmp.path, 'images') },
      { root: join(tmp.path, 'annotations') }, // every image outside it
    ].entries() as IterableIterator<[number, ConvertOptions]>) {
      await sameForAnyJobs(tmp.path, { ...base, ...options }, options.imageDetails === false ? undefined : 300, [2 + (k % 2)]);
    }
    // workers read batches in (nearly) every run: their packed replies were compared
    expect(workersRead).toBeGreaterThan(0);
    // fail mode: the same first failure
    const fail = await sameForAnyJobs(tmp.path, {});
    expect(fail.failure).toMatch(/^IMAGE_SIZE_MISMATCH 1 .*0002q"uote\.xml: size: .*EXIF orientation 6/s);
  }, 60_000);

  for (const n of [511, 768]) {
    test(`${n} XMLs: the batch edges`, async () => {
      const tree: Tree = {};
      const img = jpeg(8, 8);
      for (let i = 0; i < n; i++) {
        const stem = String(i).padStart(4, '0');
        const edge = i % 256 === 255 || i % 256 === 0 || i === n - 1;
        tree[`annotations/${stem}.xml`] = vocXml({ filename: edge ? '0001.jpg' : `${stem}.jpg`, objects: [vocObject(edge ? 'edge' : 'a', [0, 0, 9, 8])] });
        tree[`images/${stem}.jpg`] = img;
      }
      await writeTree(tmp.path, tree);
      const r = await sameForAnyJobs(tmp.path, { onError: 'skip' });
      const summary = JSON.parse(r.summary!) as { counts: Record<string, number>; errors: Diagnostic[]; warnings: Diagnostic[] };
      expect(summary.counts['clampedBoxes']).toBe(n);
      let named = 1;
      for (let i = 0; i < n; i++) if (i % 256 === 255 || i % 256 === 0 || i === n - 1) named++;
      expect(summary.errors.length).toBe(named - 1);
      expect(summary.errors.every((e) => e.code === 'DUPLICATE_IMAGE')).toBe(true);
    }, 30_000);
  }
});

/**
 * A preload for the real bin (`node --import`, which worker threads load too) that simulates bugs:
 * VOC_FAULT_IMAGES (comma-separated image names): closing one of them throws a TypeError, in any thread
 * (an unknown error inside readItem, as a bug would be); VOC_FAULT_WORKER=exit|exit0|throw: a worker
 * thread's first image open ends it (process.exit(3) or (0), or an exception thrown outside any handler);
 * VOC_FAULT_SLOW_MAIN=1: this thread sleeps 1 ms per image it opens (so that workers get batches).
 */
const FAULT_SOURCE = `
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { isMainThread } from 'node:worker_threads';
const images = (process.env.VOC_FAULT_IMAGES ?? '').split(',').filter(Boolean);
const worker = process.env.VOC_FAULT_WORKER;
const slow = isMainThread && process.env.VOC_FAULT_SLOW_MAIN === '1';
const isImage = (p) => /\\.(png|jpe?g)$/i.test(String(p));
const fds = new Map();
const openSync = fs.openSync;
fs.openSync = (p, ...rest) => {
  if (isImage(p)) {
    if (slow) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1);
    if (!isMainThread && worker === 'exit') process.exit(3);
    if (!isMainThread && worker === 'exit0') process.exit(0);
    if (!isMainThread && worker === 'throw') setImmediate(() => { throw new RangeError('simulated crash in a worker'); });
  }
  const fd = openSync(p, ...rest);
  const name = images.find((n) => String(p).endsWith('/' + n));
  if (name) fds.set(fd, name);
  return fd;
};
const closeSync = fs.closeSync;
fs.closeSync = (fd) => {
  closeSync(fd);
  const name = fds.get(fd);
  if (name) { fds.delete(fd); throw new TypeError('simulated bug after reading ' + name); }
};
syncBuiltinESMExports();
`;

describe('a bug in any thread', () => {
  /** 700 XMLs (three batches); XML 0300 has a bad number. */
  async function dataset(root: string): Promise<string> {
    const tree: Tree = {};
    const img = png(8, 8);
    for (let i = 0; i < 700; i++) {
      const n = String(i).padStart(4, '0');
      tree[`annotations/${n}.xml`] = vocXml({ filename: `${n}.png`, size: [8, 8], objects: [vocObject('a', [1, 1, i === 300 ? 'x' : 5, 5])] });
      tree[`images/${n}.png`] = img;
    }
    tree['fault.mjs'] = FAULT_SOURCE;
    await writeTree(root, tree);
    return join(root, 'fault.mjs');
  }
  const bin = (root: string, fault: string, jobs: number, env: NodeJS.ProcessEnv, extra: string[] = []) =>
    runBin(['convert', 'voc', root, '-o', join(root, 'out'), '--jobs', String(jobs), ...extra], { nodeArgs: ['--import', fault], env });

  test('comes after the bad items before it, as with one thread: the same first failure, the same reports before the stack (exit 70)', async () => {
    const fault = await dataset(tmp.path);
    // bugs in the item right after the bad one (same batch) and in a later batch
    // (this thread slowed down when there are workers, so that they read batches)
    const env = (jobs: number) => ({ VOC_FAULT_IMAGES: '0301.png,0600.png', VOC_FAULT_SLOW_MAIN: jobs > 1 ? '1' : '' });
    for (const jobs of [1, 2, 3]) {
      const r = await bin(tmp.path, fault, jobs, env(jobs));
      expect([jobs, r.code, r.stderr.split('\n')[0]]).toEqual([jobs, 1, expect.stringMatching(/annotations\/0300\.xml: object\[1\]\/bndbox\/xmax: expected a number, got "x" \[XML_BAD_VALUE\]$/)]);
      expect(existsSync(join(tmp.path, 'out'))).toBe(false);
    }
    const skipped = [];
    for (const jobs of [1, 3]) {
      const r = await bin(tmp.path, fault, jobs, env(jobs), ['--on-error', 'skip']);
      expect([jobs, r.code]).toEqual([jobs, 70]);
      skipped.push(r.stderr.slice(0, r.stderr.indexOf('    at ')));
      expect(existsSync(join(tmp.path, 'out'))).toBe(false);
    }
    expect(skipped[0]).toMatch(/0300\.xml.*XML_BAD_VALUE.*\nTypeError: simulated bug after reading 0301\.png\n$/s);
    expect(skipped[1]).toBe(skipped[0]);
  }, 30_000);

  test('a worker that exits or crashes ends the run as an unknown error (exit 70, a stack), nothing written, no hang', async () => {
    const fault = await dataset(tmp.path);
    for (const [mode, message] of [
      ['exit', 'voc-detection worker stopped with exit code 3'],
      // exit code 0 with a batch claimed and never sent: this thread used to wait for it with nothing
      // left to run, so node ended with exit 0, having printed and written nothing
      ['exit0', 'voc-detection worker stopped with exit code 0 before its batches were sent'],
      ['throw', 'simulated crash in a worker'],
    ] as const) {
      const r = await bin(tmp.path, fault, 2, { VOC_FAULT_WORKER: mode, VOC_FAULT_SLOW_MAIN: '1' }, ['--on-error', 'skip']);
      expect([mode, r.code, r.signal]).toEqual([mode, 70, null]);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toMatch(/\n    at /);
      expect(existsSync(join(tmp.path, 'out'))).toBe(false);
    }
  }, 30_000);
});

describe('messages name an XML file one way', () => {
  test('run from inside the annotation folder: every message names the XML as ctx.display does (it was the absolute path in some)', async () => {
    const box = [vocObject('x', [1, 1, 2, 2])];
    await writeTree(tmp.path, {
      'annotations/a.xml': vocXml({ filename: 'a.png', objects: box }),
      'annotations/b.xml': vocXml({ filename: '../../a.png', objects: box }),
      'annotations/c.xml': vocXml({ filename: 'a.png', objects: box }),
      'annotations/d.xml': vocXml({ filename: 'a.png', objects: box }).replace('</annotation>', ''),
      'images/a.png': png(4, 4),
    });
    const r = await runBin(['convert', 'voc', '..', '--dry-run', '--on-error', 'skip'], { cwd: join(tmp.path, 'annotations') });
    expect(r.code).toBe(0);
    const errors = r.stderr.split('\n').filter((l) => l.startsWith('error: '));
    expect(errors.map((l) => l.slice(7, l.indexOf(':', 7)))).toEqual(['b.xml', 'c.xml', 'd.xml']);
    expect(errors[1]).toContain('already named by a.xml');
  }, 20_000);
});

describe('no thread outlives the run', () => {
  const ports = () => process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length;
  /** Waits until the worker threads' ports are gone (at most 10 s); returns how many are left. */
  async function settle(baseline: number): Promise<number> {
    for (let i = 0; i < 1000 && ports() > baseline; i++) await new Promise((r) => setTimeout(r, 10));
    return ports() - baseline;
  }

  test('after an abort (INTERRUPTED, nothing written), a first failure and a success with 3 threads', async () => {
    const tree: Tree = {};
    const img = png(8, 8);
    for (let i = 0; i < 1100; i++) {
      const n = String(i).padStart(4, '0');
      tree[`annotations/${n}.xml`] = vocXml({ filename: `${n}.png`, size: [8, 8], objects: [vocObject('a', [1, 1, i === 1000 ? 'x' : 5, 5])] });
      tree[`images/${n}.png`] = img;
    }
    await writeTree(tmp.path, tree);
    const baseline = await settledPorts();
    const out = join(tmp.path, 'out');
    for (const mode of ['abort', 'fail', 'skip'] as const) {
      const controller = new AbortController();
      let during = 0;
      const result = await slowly(() =>
        convert('voc', tmp.path, {
          out,
          force: true,
          jobs: 3,
          onError: mode === 'skip' ? 'skip' : 'fail',
          signal: controller.signal,
          onProgress: (done) => {
            during = Math.max(during, ports() - baseline);
            if (mode === 'abort' && done === 400) controller.abort();
          },
        }).then(
          (s) => `ok ${s.train + s.validation}`,
          (e: ConversionError) => `${e.code} ${e.exitCode}`,
        ),
      );
      expect([mode, result]).toEqual([mode, { abort: 'INTERRUPTED 130', fail: 'XML_BAD_VALUE 1', skip: 'ok 1100' }[mode]]);
      if (mode !== 'skip') expect(existsSync(out)).toBe(false);
      expect(during).toBe(2);
      expect(await settle(baseline)).toBe(0);
    }
  }, 30_000);
});

describe('--jobs above the batches', () => {
  test('starts no more workers than there are batches besides the first (it started n - 1 whatever the size: --jobs 64 took 630 MB on 1,300 XMLs)', async () => {
    const tree: Tree = {};
    const img = png(8, 8);
    for (let i = 0; i < 769; i++) {
      const n = String(i).padStart(4, '0');
      tree[`annotations/${n}.xml`] = vocXml({ filename: `${n}.png`, size: [8, 8], objects: [vocObject(`c${i % 3}`, [1, 1, 5, 9])] });
      tree[`images/${n}.png`] = img;
    }
    await writeTree(tmp.path, tree);
    const baseline = await settledPorts();
    let most = 0;
    const onProgress = () => (most = Math.max(most, process.getActiveResourcesInfo().filter((r) => r === 'MessagePort').length - baseline));
    await sameForAnyJobs(tmp.path, { onProgress }, undefined, [16]);
    // 769 XMLs: four batches, this thread and at most three workers
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(3);
  }, 20_000);
});
