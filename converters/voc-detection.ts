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
import { InvalidArgumentError } from 'commander';
import { existsSync } from 'node:fs';
import { basename, isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { mapOrdered } from '../src/concurrency.js';
import { ConversionError, type ErrorCode, type Location } from '../src/errors.js';
import { readImageDetails, readImageDetailsSync } from '../src/images.js';
import { relativeKey } from '../src/paths.js';
import type { BoxLabel, Converter, ConverterContext, ImageDetails, ImageRecord } from '../src/types.js';
import {
  findVocLayout,
  imageIndexOf,
  indexImageFolder,
  listAnnotationFiles,
  readVocAnnotationSync,
  resolveImage,
  type ImageFolderIndex,
  type VocAnnotation,
  type VocLayout,
  type VocObject,
} from '../src/voc.js';

/** What reading one XML gives, replayed in XML order so reports and the first failure are deterministic. */
interface ItemResult {
  xml: string;
  /** The image the XML names, once found (even when the item turns out bad: it is not "without XML"). */
  imageKey?: string;
  record?: ImageRecord;
  /** Bad items: the whole image (`record` undefined) or single objects (`record` kept). */
  problems: ConversionError[];
  warnings: { code: ErrorCode; message: string; loc: Location }[];
  clamped: number;
}

/** A box in pixels → normalised and clamped, or the reason it cannot be used. */
function toBox(obj: VocObject, width: number, height: number, oneBased: boolean, file: string): { box: BoxLabel; clamped: boolean } | ConversionError {
  const b = obj.bndbox!;
  const xmin = oneBased ? b.xmin - 1 : b.xmin;
  const ymin = oneBased ? b.ymin - 1 : b.ymin;
  const { xmax, ymax } = b;
  if (xmax <= xmin || ymax <= ymin) {
    const axis = xmax <= xmin ? `xmin ${b.xmin}, xmax ${b.xmax}` : `ymin ${b.ymin}, ymax ${b.ymax}`;
    const rule = oneBased ? 'max >= min (--one-based)' : 'min < max';
    return new ConversionError('EMPTY_BOX', `expected a box with area (${rule}), got ${axis}`, { file, path: `${obj.path}/bndbox` });
  }
  const cx0 = Math.min(Math.max(xmin, 0), width);
  const cy0 = Math.min(Math.max(ymin, 0), height);
  const cx1 = Math.min(Math.max(xmax, 0), width);
  const cy1 = Math.min(Math.max(ymax, 0), height);
  if (cx1 <= cx0 || cy1 <= cy0) {
    return new ConversionError(
      'EMPTY_BOX',
      `expected a box overlapping the ${width}x${height} image, got xmin ${b.xmin}, ymin ${b.ymin}, xmax ${b.xmax}, ymax ${b.ymax}`,
      { file, path: `${obj.path}/bndbox` },
    );
  }
  const box: BoxLabel = {
    label: obj.name,
    topX: cx0 / width,
    topY: cy0 / height,
    bottomX: cx1 / width,
    bottomY: cy1 / height,
    isCrowd: obj.difficult,
  };
  const clamped = cx0 !== xmin || cy0 !== ymin || cx1 !== xmax || cy1 !== ymax;
  return { clamped, box };
}

/** What the whole run shares. */
interface RunState {
  /** Formats paths for messages (`ctx.display`). */
  display: (abs: string) => string;
  /** Open images for their header (`--no-image-details` unsets it). */
  imageDetails: boolean;
  layout: VocLayout;
  index: ImageFolderIndex;
  root: string;
  oneBased: boolean;
  /** `ctx.display(layout.annotations) + '/'`: an XML's display path is this plus its name. */
  annotationsShown: string;
}

/**
 * Reads one XML and its image header. Synchronous (one read each, far cheaper per small file than the
 * promise API, see bench/voc/RESULTS.md) except when a header needs more than the quick read, where it
 * returns a promise.
 */
function readItem(st: RunState, xml: string): ItemResult | Promise<ItemResult> {
  const { display, layout, index, root } = st;
  const file = st.annotationsShown + basename(xml);
  const result: ItemResult = { xml, problems: [], warnings: [], clamped: 0 };
  const withImages = st.imageDetails;
  try {
    const ann = readVocAnnotationSync(xml, file);
    const image = resolveImage(layout, index, ann, xml, root, display, { mustExist: withImages });
    result.imageKey = image.key;
    if (image.via === 'stem' && ann.filename !== undefined) {
      result.warnings.push({
        code: 'IMAGE_NOT_FOUND',
        message: `no image ${JSON.stringify(ann.filename)} as <filename> says: using ${display(image.abs)}, found by the XML's name`,
        loc: { file, path: 'filename' },
      });
    }
    if (!withImages) {
      if (!ann.size) {
        throw new ConversionError('XML_MISSING', 'expected <size> with <width> and <height> (--no-image-details opens no image to read them from), got none', {
          file,
          path: 'size',
        });
      }
      return finishItem(st, result, ann, image.key, { width: ann.size.width, height: ann.size.height }, file);
    }
    const header = readImageDetailsSync(image.abs);
    if (header) return finishItem(st, result, ann, image.key, header, file, image.abs);
    return readImageDetails(image.abs, display(image.abs)).then(
      (h) => finishItem(st, result, ann, image.key, h, file, image.abs),
      (e: unknown) => failItem(result, e),
    );
  } catch (e) {
    return failItem(result, e);
  }
}

function failItem(result: ItemResult, e: unknown): ItemResult {
  if (!(e instanceof ConversionError)) throw e;
  result.problems.push(e);
  return result;
}

/** Checks the size and turns the objects into boxes. `imageAbs` is set when `details` come from the image. */
function finishItem(st: RunState, result: ItemResult, ann: VocAnnotation, key: string, details: ImageDetails & { width: number; height: number }, file: string, imageAbs?: string): ItemResult {
  const { width, height } = details;
  if (imageAbs !== undefined && ann.size && (ann.size.width !== width || ann.size.height !== height)) {
    result.problems.push(
      new ConversionError('IMAGE_SIZE_MISMATCH', `expected the size of ${st.display(imageAbs)}, ${width}x${height}, got ${ann.size.width}x${ann.size.height}`, {
        file,
        path: 'size',
      }),
    );
    return result;
  }
  const label: BoxLabel[] = [];
  for (const obj of ann.objects) {
    if (obj.error || obj.bndboxError || !obj.bndbox) {
      result.problems.push(obj.error ?? obj.bndboxError ?? new ConversionError('XML_MISSING', 'expected a <bndbox>, got none', { file, path: `${obj.path}/bndbox` }));
      continue;
    }
    const r = toBox(obj, width, height, st.oneBased, file);
    if (r instanceof ConversionError) {
      result.problems.push(r);
      continue;
    }
    if (r.clamped) result.clamped++;
    label.push(r.box);
  }
  result.record = { path: key, details, label };
  return result;
}

// ---------------------------------------------------------------------------------------------
// Worker threads: on large datasets, XML parsing and header reads run on `--jobs` threads in batches,
// while this thread checks, reports and writes. Batches come back in order, so the output, the reports
// and the first failure do not depend on the number of threads.

const WORKER_TAG = 'automl-img:voc-detection';
/** XML files per message to a worker. */
const BATCH = 256;
/** With `--jobs` above 1, threads are used from this many XML files on (fewer make one batch). */
const PARALLEL_MIN = 2 * BATCH;

/** A ConversionError as it crosses threads. */
interface WireError {
  code: ErrorCode;
  detail: string;
  file?: string | undefined;
  line?: number | undefined;
  path?: string | undefined;
}

type WireItem = Omit<ItemResult, 'problems'> & { problems: WireError[] };

/** What a worker needs to read items like this thread does. */
interface WorkerSetup {
  layout: VocLayout;
  /** The image folder's image names, joined by NUL (one string clones far faster than 20,000). */
  imageNames: string;
  /** The XML files (absolute), joined by NUL; batches are ranges of it. */
  xmls: string;
  root: string;
  oneBased: boolean;
  imageDetails: boolean;
  annotationsShown: string;
  cwd: string;
}

type ToWorker = { setup: WorkerSetup } | { batch: number; start: number; end: number };
type FromWorker = { batch: number; items: WireItem[] } | { batch: number; bug: { message: string; stack?: string | undefined } };

const toWire = (item: ItemResult): WireItem =>
  item.problems.length === 0
    ? (item as unknown as WireItem)
    : { ...item, problems: item.problems.map((e) => ({ code: e.code, detail: e.detail, file: e.file, line: e.line, path: e.path })) };

const fromWire = (item: WireItem): ItemResult =>
  item.problems.length === 0
    ? (item as unknown as ItemResult)
    : { ...item, problems: item.problems.map((e) => new ConversionError(e.code, e.detail, { file: e.file, line: e.line, path: e.path })) };

const NUL = '\0';

/** `displayPath` of src/convert.ts (not imported: convert.ts → registry → this module would be a cycle in a worker). */
function displayFrom(cwd: string): (abs: string) => string {
  return (abs) => {
    const rel = relative(cwd, abs);
    const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
    return sep === '/' ? shown : shown.split(sep).join('/');
  };
}

/** The worker side: set up once, then answer each batch with its items in order. */
function serveWorker(): void {
  let st: RunState | undefined;
  let xmls: string[] = [];
  parentPort!.on('message', (msg: ToWorker) => {
    if ('setup' in msg) {
      const { layout, imageNames, root, oneBased, imageDetails, annotationsShown, cwd } = msg.setup;
      const index = imageIndexOf(layout.images, imageNames === '' ? [] : imageNames.split(NUL));
      st = { display: displayFrom(cwd), imageDetails, layout, index, root, oneBased, annotationsShown };
      xmls = msg.setup.xmls.split(NUL);
      return;
    }
    void (async () => {
      try {
        const items: WireItem[] = [];
        for (let i = msg.start; i < msg.end; i++) {
          const r = readItem(st!, xmls[i]!);
          items.push(toWire(r instanceof Promise ? await r : r));
        }
        parentPort!.postMessage({ batch: msg.batch, items } satisfies FromWorker);
      } catch (e) {
        const err = e as Error;
        parentPort!.postMessage({ batch: msg.batch, bug: { message: String(err?.message ?? e), stack: err?.stack } } satisfies FromWorker);
      }
    })();
  });
}

if (!isMainThread && (workerData as { tag?: unknown } | null)?.tag === WORKER_TAG) serveWorker();

/**
 * The built module to start workers from: this file when it runs from `dist/`; from the TypeScript
 * sources (a test runner), `dist/converters/voc-detection.js` when built; else none (run in this thread).
 */
function workerScript(): URL | undefined {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.js')) return new URL(import.meta.url);
  const fromSource = /^(.*)[\\/]converters[\\/]voc-detection\.ts$/.exec(here);
  const built = fromSource ? join(fromSource[1]!, 'dist', 'converters', 'voc-detection.js') : undefined;
  return built !== undefined && existsSync(built) ? pathToFileURL(built) : undefined;
}

/** `size` worker threads reading batches of XML files. */
class ItemPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<number, { resolve: (items: ItemResult[]) => void; reject: (e: Error) => void }>();
  private failure: Error | undefined;
  private next = 0;

  constructor(size: number, script: URL) {
    for (let i = 0; i < size; i++) {
      const w = new Worker(script, { workerData: { tag: WORKER_TAG } });
      w.on('message', (m: FromWorker) => this.onReply(m));
      w.on('error', (e) => this.fail(e));
      w.on('exit', (code) => {
        if (code !== 0 && this.workers.length > 0) this.fail(new Error(`voc-detection worker stopped with exit code ${code}`));
      });
      this.workers.push(w);
    }
  }

  get size(): number {
    return this.workers.length;
  }

  setup(s: WorkerSetup): void {
    for (const w of this.workers) w.postMessage({ setup: s } satisfies ToWorker);
  }

  /** Reads XML files `start` to `end` (of the setup's list) on the next worker (round robin: batches are equal). */
  run(batch: number, start: number, end: number): Promise<ItemResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.set(batch, { resolve, reject });
      this.workers[this.next++ % this.workers.length]!.postMessage({ batch, start, end } satisfies ToWorker);
    });
  }

  async close(): Promise<void> {
    const ws = this.workers.splice(0);
    await Promise.all(ws.map((w) => w.terminate()));
  }

  private onReply(m: FromWorker): void {
    const p = this.pending.get(m.batch);
    if (!p) return;
    this.pending.delete(m.batch);
    if ('bug' in m) {
      const e = new Error(m.bug.message);
      if (m.bug.stack) e.stack = m.bug.stack;
      p.reject(e);
    } else p.resolve(m.items.map(fromWire));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
}

function parseJobs(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected an integer of 1 or more');
  return n;
}

/** Items in XML order: read in this thread, or by the pool in batches. */
async function* readItems(st: RunState, xmls: string[], pool: ItemPool | undefined): AsyncGenerator<ItemResult> {
  if (!pool) {
    for (const xml of xmls) {
      const r = readItem(st, xml);
      yield r instanceof Promise ? await r : r;
    }
    return;
  }
  const starts: number[] = [];
  for (let i = 0; i < xmls.length; i += BATCH) starts.push(i);
  // Two batches a thread in flight: enough to keep them busy, few results waiting in memory.
  for await (const items of mapOrdered(starts, 2 * pool.size, (start, i) => pool.run(i, start, Math.min(start + BATCH, xmls.length)))) {
    yield* items;
  }
}

async function* run(ctx: ConverterContext): AsyncGenerator<ImageRecord> {
  const layout = await findVocLayout(ctx.input, ctx.display);
  // One thread by default: measured on 20,000 XMLs, two threads took 1.66 s against 1.15 s for one
  // (bench/voc/RESULTS.md): this thread's checks and the writer are the bottleneck, not the reads.
  const jobs = (ctx.extra['jobs'] as number | undefined) ?? 1;
  if (!Number.isInteger(jobs) || jobs < 1) throw new ConversionError('USAGE', `--jobs must be an integer of 1 or more, got ${String(jobs)}`, {}, { exitCode: 2 });
  const script = jobs > 1 ? workerScript() : undefined;
  // Threads start while the folders are listed.
  let pool = script ? new ItemPool(jobs, script) : undefined;
  try {
    const [xmls, index] = await Promise.all([listAnnotationFiles(layout.annotations), indexImageFolder(layout.images)]);
    if (xmls.length === 0) {
      throw new ConversionError('EMPTY_DATASET', 'expected VOC XML files, got none', { file: ctx.display(layout.annotations) });
    }
    if (pool && xmls.length < PARALLEL_MIN) {
      await pool.close();
      pool = undefined;
    }
    const st: RunState = {
      display: ctx.display,
      imageDetails: ctx.options.imageDetails,
      layout,
      index,
      root: ctx.options.root ?? layout.root,
      oneBased: ctx.extra['oneBased'] === true,
      annotationsShown: ctx.display(layout.annotations) + '/',
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
    });
    /** Image key → the XML of its record (duplicates). */
    const used = new Map<string, string>();
    /** Images some XML names, good or bad (images without XML at the end). */
    const claimed = new Set<string>();
    let done = 0;
    for await (const item of readItems(st, xmls, pool)) {
      if (ctx.signal?.aborted) return;
      ctx.progress(++done, xmls.length);
      if (item.imageKey !== undefined) claimed.add(item.imageKey);
      for (const p of item.problems) ctx.bad(p);
      for (const w of item.warnings) ctx.warn(w.code, w.message, w.loc);
      if (item.clamped) ctx.count('clampedBoxes', item.clamped);
      const record = item.record;
      if (!record) continue;
      const previous = used.get(record.path);
      if (previous !== undefined) {
        ctx.bad(
          new ConversionError('DUPLICATE_IMAGE', `expected one XML per image, got ${record.path}, already named by ${ctx.display(previous)}`, {
            file: st.annotationsShown + basename(item.xml),
            path: 'filename',
          }),
        );
        continue;
      }
      used.set(record.path, item.xml);
      yield record;
    }
    for (const name of index.names) {
      const abs = join(index.dir, name);
      const key = relativeKey(st.root, abs);
      if (key !== undefined && claimed.has(key)) continue;
      ctx.warn('MISSING_ANNOTATION', 'image without an XML annotation: not converted', { file: ctx.display(abs) });
    }
  } finally {
    await pool?.close();
  }
}

const converter: Converter = {
  name: 'voc-detection',
  alias: 'voc',
  description: 'Pascal VOC XML → object detection',
  argument: '<dir>',
  example: 'automl-img convert voc ./odFridgeObjects -o out/',
  task: 'object-detection',
  options: [
    {
      flags: '--one-based',
      key: 'oneBased',
      description: 'read VOC pixel coordinates as 1-based inclusive indices: topX = (xmin - 1) / width, bottomX = xmax / width (off: xmin / width, as the Azure scripts)',
      defaultValue: false,
    },
    {
      flags: '--jobs <n>',
      key: 'jobs',
      description: 'threads reading XML files and image headers (from 512 XML files on); default 1 = this thread only, measured fastest on local disks',
      parse: parseJobs,
    },
  ],
  run,
};

export default converter;
