/**
 * voc-detection (alias `voc`): Pascal VOC XML → object detection.
 *
 * @example
 *   odFridgeObjects/annotations/1.xml + images/1.jpg  →
 *   {"image_url":"images/1.jpg","image_details":{"format":"jpg","width":499,"height":666},
 *    "label":[{"label":"can","topX":0.26,"topY":0.406,"bottomX":0.735,"bottomY":0.701,"isCrowd":0}]}
 *
 * Layouts: `Annotations/` + `JPEGImages/` (official VOC; `ImageSets/` is ignored: every XML is converted)
 * and `annotations/` + `images/` (Azure samples). One line per XML, found by `<filename>`, else by the
 * XML's stem with any image extension (`<path>` is ignored). Size from the image header, checked against
 * `<size>` (a disagreement is a bad item); with `--no-image-details` no image is opened and `<size>` is
 * required. Coordinates are `xmin / width` etc. (`--one-based`: `(xmin - 1) / width`, `xmax / width`, for
 * 1-based inclusive pixel indices), clamped to the image (counted as `clampedBoxes`). `<difficult>` → `isCrowd`.
 * A bad object (no `<name>` or `<bndbox>`, a coordinate that is not a finite number, no area) is the
 * smallest bad unit: with `--on-error skip` only that object is left out. An XML with no objects gives
 * `label: []`; an image without an XML is reported (MISSING_ANNOTATION) and not converted.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ConversionError } from '../src/errors.js';
import { relativeKey } from '../src/paths.js';
import { defineConverter } from '../src/kit/define.js';
import { flag, integer, type OptionValues } from '../src/options.js';
import type { ConverterContext, ImageRecord } from '../src/types.js';
import { findVocLayout, indexImageFolder, listAnnotationFiles } from '../src/voc.js';
import {
  AHEAD,
  BATCH,
  fromWire,
  fromWireBug,
  FINISHED,
  HANDED,
  NEXT,
  NUL,
  readBatch,
  readItem,
  WORKER_TAG,
  type BatchRead,
  type FromWorker,
  type ItemResult,
  type RunState,
  type WorkerSetup,
} from './voc-detection-items.js';

/** With `--jobs` above 1, threads are used from this many XML files on (fewer make one batch). */
const PARALLEL_MIN = 2 * BATCH;
/**
 * `--jobs` when not given: this thread only. Measured on the 2-vCPU VM (bench/voc/RESULTS.md, 20,000 XMLs):
 * a second thread saved 0-5% of the wall time when the machine was otherwise idle, for ~30% more CPU
 * (its own start-up, JIT and GC), and cost 30-35% more wall time when the other core was busy; 3 threads
 * were slower still. More cores than this VM's may favour threads: `--jobs` asks for them.
 */
export const DEFAULT_JOBS = 1;

/**
 * The built module workers start from (voc-detection-items.js beside this file): this file's sibling
 * when it runs from `dist/`; from the TypeScript sources (a test runner), the one in `dist/` when built;
 * else none (everything runs in this thread).
 */
function workerScript(): URL | undefined {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL('./voc-detection-items.js', import.meta.url);
  const fromSource = /^(.*)[\\/]converters[\\/]voc-detection\.ts$/.exec(here);
  const built = fromSource ? join(fromSource[1]!, 'dist', 'converters', 'voc-detection-items.js') : undefined;
  return built !== undefined && existsSync(built) ? pathToFileURL(built) : undefined;
}

/**
 * True when a folder's size says it holds more than a few hundred entries: ext4, XFS, btrfs and tmpfs
 * report a size that grows with the entries (ext4: a 4 KiB block per ~150-250 names). Only decides when
 * threads start (see run); where the size means nothing, they start after the listing.
 */
async function looksLarge(dir: string): Promise<boolean> {
  try {
    return (await stat(dir)).size > 8192;
  } catch {
    return false;
  }
}

/** A batch as this thread hands it on: read here (items), or by a worker (packed); either may end in a bug. */
type Batch = BatchRead | FromWorker;

/** `size` worker threads claiming batches beside this thread. */
class ItemPool {
  private readonly workers: Worker[] = [];
  private readonly done = new Map<number, Batch>();
  private failure: Error | undefined;
  private waiting: { batch: number; wake: () => void } | undefined;
  private closed = false;
  readonly control = new Int32Array(new SharedArrayBuffer(8));

  constructor(
    size: number,
    private readonly script: URL,
  ) {
    this.resize(size);
  }

  /** Starts or stops workers so that there are `n` (before setup: none has claimed anything). */
  resize(n: number): void {
    for (const w of this.workers.splice(n)) {
      w.removeAllListeners('message');
      w.terminate().catch(() => undefined);
    }
    while (this.workers.length < n) {
      const w = new Worker(this.script, { workerData: { tag: WORKER_TAG } });
      let finished = false;
      w.on('message', (m: FromWorker | typeof FINISHED) => {
        if (m === FINISHED) finished = true;
        else this.onReply(m);
      });
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (this.closed || !this.workers.includes(w)) return;
        // A worker that ends before saying it has finished may hold a claimed batch that never comes
        // (with exit code 0, this thread would wait for it with nothing left to run: node would end
        // the process silently, with exit code 0 and nothing written).
        if (code !== 0) this.fail(new Error(`voc-detection worker stopped with exit code ${code}`));
        else if (!finished) this.fail(new Error('voc-detection worker stopped with exit code 0 before its batches were sent'));
      });
      this.workers.push(w);
    }
  }

  setup(s: Omit<WorkerSetup, 'control'>): void {
    for (const w of this.workers) w.postMessage({ ...s, control: this.control.buffer as SharedArrayBuffer } satisfies WorkerSetup);
  }

  /**
   * Batch `b`, all before it being handed on: read by a worker, or claimed and read here while
   * it is not ready (this thread reads rather than waits).
   */
  async take(b: number, batches: number, st: RunState, xmls: readonly string[]): Promise<Batch> {
    for (;;) {
      if (this.failure) throw this.failure;
      const ready = this.done.get(b);
      if (ready) {
        this.done.delete(b);
        return ready;
      }
      const next = Atomics.load(this.control, NEXT);
      if (next < batches && next < b + AHEAD) {
        const mine = Atomics.add(this.control, NEXT, 1);
        if (mine < batches) {
          this.done.set(mine, await readBatch(st, xmls, mine));
          // Let the workers' replies in before deciding again.
          if (mine !== b) await new Promise<void>((resolve) => setImmediate(resolve));
          continue;
        }
      }
      await new Promise<void>((wake) => (this.waiting = { batch: b, wake }));
    }
  }

  /** Batch `b` has been handed on: workers may read further ahead. */
  handed(b: number): void {
    Atomics.store(this.control, HANDED, b + 1);
    Atomics.notify(this.control, HANDED);
  }

  /**
   * Stops the workers without waiting for them to be gone (15-30 ms of a thread's teardown, measured,
   * that would delay the writer): nothing they still do reaches this thread.
   */
  close(): void {
    this.closed = true;
    // Workers waiting for room ahead must not wait for a thread that no longer reads.
    Atomics.store(this.control, NEXT, 1 << 30);
    Atomics.store(this.control, HANDED, 1 << 30);
    Atomics.notify(this.control, HANDED);
    for (const w of this.workers.splice(0)) {
      w.removeAllListeners('message');
      w.terminate().catch(() => undefined);
    }
  }

  private onReply(m: FromWorker): void {
    this.done.set(m.batch, m);
    if (this.waiting?.batch === m.batch) this.wakeUp();
  }

  private wakeUp(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.wake();
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.wakeUp();
  }
}


async function* run(ctx: ConverterContext<OptionValues<typeof OPTIONS>>): AsyncGenerator<ImageRecord> {
  const layout = await findVocLayout(ctx.input, ctx.display);
  // See bench/voc/RESULTS.md for the measurements behind the default.
  const jobs = ctx.own.jobs ?? DEFAULT_JOBS;
  const script = jobs > 1 ? workerScript() : undefined;
  // Threads start while the folders are listed when the annotation folder looks large, else once the
  // listing shows enough XML files (a thread that is started for nothing costs ~20 ms of CPU).
  // Before the listing, no more than a thread per core (the listing says how many batches there are).
  let pool = script && (await looksLarge(layout.annotations)) ? new ItemPool(Math.min(jobs, availableParallelism()) - 1, script) : undefined;
  try {
    const [xmls, index] = await Promise.all([listAnnotationFiles(layout.annotations), indexImageFolder(layout.images)]);
    if (xmls.length === 0) {
      throw new ConversionError('EMPTY_DATASET', 'expected VOC XML files, got none', { file: ctx.display(layout.annotations) });
    }
    // No more workers than batches besides this thread's first: more would only cost memory (~35 MB
    // each) and start-up time (--jobs 64 on 1,300 XMLs: 630 MB and 1 s instead of 70 MB and 0.2 s).
    const workers = Math.min(jobs, Math.ceil(xmls.length / BATCH)) - 1;
    if (pool && xmls.length < PARALLEL_MIN) {
      pool.close();
      pool = undefined;
    } else if (pool) {
      pool.resize(workers);
    } else if (script && xmls.length >= PARALLEL_MIN) {
      pool = new ItemPool(workers, script);
    }
    const st: RunState = {
      display: ctx.display,
      imageDetails: ctx.options.imageDetails,
      layout,
      index,
      root: ctx.options.root ?? layout.root,
      oneBased: ctx.own.oneBased,
      // What ctx.display gives for a file in the folder, less the name: `''` when the folder is the current
      // one (ctx.display of the folder itself is then its absolute path, not the prefix of its files).
      annotationsShown: ctx.display(join(layout.annotations, 'x')).slice(0, -1),
      baseUrl: ctx.options.baseUrl,
      precision: ctx.options.precision,
    };
    pool?.setup({
      layout,
      imageNames: index.names.join(NUL),
      xmls: xmls.join(NUL),
      root: st.root,
      oneBased: st.oneBased,
      imageDetails: st.imageDetails,
      annotationsShown: st.annotationsShown,
      cwd: process.cwd(),
      baseUrl: st.baseUrl,
      precision: st.precision,
    });
    /** Image key → the XML of its record (duplicates). */
    const used = new Map<string, string>();
    /** Images named by XMLs that gave no record (bad items): with `used`, the images some XML names. */
    const claimed = new Set<string>();
    let done = 0;
    /** Reports an item; its record when it is to be written. */
    const accept = (item: ItemResult): ImageRecord | undefined => {
      ctx.progress(++done, xmls.length);
      if (item.imageKey !== undefined && !item.record) claimed.add(item.imageKey);
      // With a record the image is kept: its problems are objects left out.
      for (const p of item.problems) (item.record ? ctx.badObject(p) : ctx.bad(p));
      for (const w of item.warnings) ctx.warn(w.code, w.message, w.loc);
      if (item.clamped) ctx.count('clampedBoxes', item.clamped);
      const record = item.record;
      return record && unique(record.path, item.xml) ? record : undefined;
    };
    const unique = (key: string, xml: string): boolean => {
      const previous = used.get(key);
      if (previous !== undefined) {
        ctx.bad(
          new ConversionError('DUPLICATE_IMAGE', `expected one XML per image, got ${key}, already named by ${ctx.display(previous)}`, {
            file: st.annotationsShown + basename(xml),
            path: 'filename',
          }),
        );
        return false;
      }
      used.set(key, xml);
      return true;
    };
    if (!pool) {
      for (const xml of xmls) {
        if (ctx.signal?.aborted) return;
        const r = readItem(st, xml);
        const record = accept(r instanceof Promise ? await r : r);
        if (record) yield record;
      }
    } else {
      const batches = Math.ceil(xmls.length / BATCH);
      for (let b = 0; b < batches; b++) {
        if (ctx.signal?.aborted) return;
        const batch = await pool.take(b, batches, st, xmls);
        if ('items' in batch) {
          for (const item of batch.items) {
            const record = accept(item);
            if (record) yield record;
          }
        } else {
          const fields = batch.packed === '' ? [] : batch.packed.split(NUL);
          const { other } = batch;
          let f = 0;
          let o = 0;
          for (let i = 0; i < batch.count; i++) {
            if (o < other.length && other[o]![0] === i) {
              const record = accept(fromWire(other[o++]![1]));
              if (record) yield record;
              continue;
            }
            const key = fields[f]!;
            const line = fields[f + 1]!;
            const clamped = Number(fields[f + 2]);
            const objects = Number(fields[f + 3]);
            const n = Number(fields[f + 4]);
            const labels = fields.slice(f + 5, f + 5 + n);
            f += 5 + n;
            ctx.progress(++done, xmls.length);
            if (clamped) ctx.count('clampedBoxes', clamped);
            if (unique(key, xmls[b * BATCH + i]!)) yield { path: key, label: [], formatted: { line, labels, objects } };
          }
        }
        // An unknown error in the batch's next item, now that the items before it are handed on.
        if (batch.bug !== undefined) throw 'items' in batch ? batch.bug : fromWireBug(batch.bug);
        pool.handed(b);
      }
    }
    // Images no XML named. Keys by prefix when the image folder lies under the root (the usual case).
    const prefix = relativeKey(st.root, index.dir);
    for (const name of index.names) {
      const key = prefix !== undefined ? `${prefix}/${name}` : relativeKey(st.root, join(index.dir, name));
      if (key !== undefined && (used.has(key) || claimed.has(key))) continue;
      ctx.warn('MISSING_ANNOTATION', 'image without an XML annotation: not converted', { file: ctx.display(join(index.dir, name)) });
    }
  } finally {
    pool?.close();
  }
}

const OPTIONS = {
  oneBased: flag(
    '--one-based',
    'read VOC pixel coordinates as 1-based inclusive indices: topX = (xmin - 1) / width, bottomX = xmax / width (off: xmin / width, as the Azure scripts)',
  ),
  jobs: integer(
    '--jobs <n>',
    `threads reading XML files and image headers, this one included (used from ${PARALLEL_MIN} XML files on, one per ${BATCH} at most); the output is the same for any n; default ${DEFAULT_JOBS}: on 2 cores a second thread gained at most a few percent when idle and lost ~35% when busy`,
    { min: 1 },
  ),
};

export default defineConverter({
  name: 'voc-detection',
  alias: 'voc',
  description: 'Pascal VOC XML → object detection',
  argument: '<dir>',
  example: 'automl-img convert voc ./odFridgeObjects -o out/',
  samples: [{ input: 'samples/voc', options: { oneBased: true } }],
  task: 'object-detection',
  options: OPTIONS,
  run,
});
