/**
 * coco-to-jsonl (alias `coco`): a COCO instances JSON → object detection or instance segmentation.
 *
 * @example
 *   coco/annotations/instances_val2017.json + coco/val2017/000000000139.jpg   (--images coco/val2017)
 *     → {"image_url":"val2017/000000000139.jpg","image_details":{"format":"jpg","width":640,"height":426},
 *        "label":[{"label":"tv","topX":0.00872,"topY":0.392864,"bottomX":0.186609,"bottomY":0.577465,"isCrowd":0}, ...]}
 *
 * One line per entry of `images` (images without annotations are background lines unless
 * `--drop-empty`); one object per annotation, labelled with its category's name. Detection: `bbox`
 * `[x, y, w, h]` in pixels → corners divided by the image's width and height and clamped to it (a
 * missing bbox is taken from the segmentation). Segmentation: polygons normalised and clamped, RLE
 * (either form, decided per annotation) traced into rings by src/polygon. Objects of one image are
 * ordered by annotation id. Image details come from each image's header (its size must agree with
 * the JSON's `width`/`height` when both are given), or from the JSON with `--no-image-details`.
 *
 * The file is read twice in bounded memory with src/coco/json's scanner (it may exceed V8's string limit):
 * pass 1 keeps `images` and `categories` and notes where elements of `annotations` start every 4 MiB;
 * pass 2 reads those ranges on `--jobs` threads (src/coco/pass2.ts), checks and normalises each
 * annotation, and groups the objects by image through src/coco/spill.ts (in memory up to a budget, then
 * temporary files). Results are applied in range order: the output and reports do not depend on `--jobs`.
 */
import { defaultJobs } from '../src/jobs.js';
import { stat } from 'node:fs/promises';
import { closeSync, existsSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { CocoIndex, type CocoTask } from '../src/coco/index.js';
import { fromErrorData, Pass2Pool, pass1Arrays, type Pass2Setup } from '../src/coco/pass2.js';
import { bucketCountFor, ObjectBuckets } from '../src/coco/spill.js';
import { mapOrdered } from '../src/concurrency.js';
import { ConversionError } from '../src/errors.js';
import { turnedSizeHint } from '../src/images.js';
import { HeaderReader } from '../src/kit/headers.js';
import { elementRanges, guessElementStart, readTopLevelArrays, type ArrayInfo, type RestOfFile } from '../src/coco/json/index.js';
import { interruptedError } from '../src/writer.js';
import { relativeKey } from '../src/paths.js';
import { polygonOptionsFrom } from '../src/polygon/cli-options.js';
import { defineConverter } from '../src/kit/define.js';
import COCO, { OPTIONS } from './declarations/coco-to-jsonl.js';
import type { OptionValues } from '../src/options.js';
import type { BoxLabel, ConverterContext, ImageDetails, ImageRecord, PolygonLabel } from '../src/types.js';

/** How many image headers are read at once. */
export const IO_CONCURRENCY = 64;

/** Spilled bytes per input byte, to size the buckets (a box record is ~50 B for a ~150–600 B annotation; a polygon ~1.3× its text). */
const SPILL_RATIO: Record<CocoTask, number> = { 'object-detection': 0.3, 'instance-segmentation': 1.5 };

/** Where file names are looked up, and what `image_url` is relative to. */
interface ImagePlace {
  /** The folder `file_name` is relative to. */
  imagesDir: string;
  /** The folder `image_url` is relative to. */
  root: string;
}

/** Up to this many file names (the first in sorted order) are probed to find the images folder. */
const PROBES = 16;

/**
 * The images folder and the root. With `--images`: that folder, and its parent as root. Without: the
 * first of the JSON's folder, its `images/`, the JSON's parent, its `images/` under which some of the
 * file names exist; the root is then the JSON's folder or its parent, so that `image_url` keeps
 * `images/` (Azure samples) or the folders of `file_name`. `--root` overrides the root in both cases.
 */
async function placeImages(ctx: ConverterContext<CocoOptions>, index: CocoIndex): Promise<ImagePlace> {
  const given = ctx.own.images;
  if (typeof given === 'string' && given !== '') {
    const imagesDir = resolve(given);
    const s = await stat(imagesDir).catch(() => undefined);
    if (!s?.isDirectory()) {
      throw new ConversionError('INPUT_NOT_FOUND', `--images: expected a folder of images, got ${s ? 'a file' : 'nothing'} at ${ctx.display(imagesDir)}`, {
        file: ctx.display(imagesDir),
      });
    }
    return { imagesDir, root: ctx.options.root ?? dirname(imagesDir) };
  }
  const jsonDir = dirname(ctx.input);
  const parent = dirname(jsonDir);
  const candidates: ImagePlace[] = [
    { imagesDir: jsonDir, root: jsonDir },
    { imagesDir: join(jsonDir, 'images'), root: jsonDir },
    { imagesDir: parent, root: parent },
    { imagesDir: join(parent, 'images'), root: parent },
  ];
  const probes = [...index.fileNames].sort().slice(0, PROBES);
  const found = candidates.find((c) => probes.some((name) => existsSync(resolve(c.imagesDir, name))));
  if (found) return { imagesDir: found.imagesDir, root: ctx.options.root ?? found.root };
  if (probes.length > 0) {
    const shown = (dir: string) => (dir === process.cwd() ? '.' : ctx.display(dir));
    const looked = [...new Set(candidates.map((c) => shown(c.imagesDir)))].join(', ');
    const message = `images not found: looked for ${JSON.stringify(probes[0])} in ${looked}; use --images <dir>`;
    if (ctx.options.imageDetails) throw new ConversionError('IMAGE_NOT_FOUND', message, { file: ctx.display(ctx.input) });
    ctx.warn('IMAGE_NOT_FOUND', `${message} (image_url is file_name as written)`, { file: ctx.display(ctx.input) });
  }
  return { imagesDir: jsonDir, root: ctx.options.root ?? jsonDir };
}

/** A relative path that `resolve` would only append (no `.`, `..`, empty or leading segments): the fast path for keys. */
function isPlainRelative(name: string): boolean {
  return sep === '/' && !name.startsWith('/') && !name.endsWith('/') && !name.includes('//') && !/(^|\/)\.\.?(\/|$)/.test(name);
}

/** Pass 2 reads `annotations` in ranges of about this many bytes (found by pass 1). */
export const RANGE_BYTES = 4 << 20;

/**
 * Internals a test chooses through {@link cocoConverter} (the registered converter uses
 * {@link DEFAULT_TUNING}).
 */
export interface CocoTuning {
  /** Pass 2 reads `annotations` in ranges of about this many bytes (small: a small file in many ranges). */
  rangeBytes: number;
  /** The smallest file whose pass 1 is split between two threads (undefined: 4 ranges, 16 MiB). */
  splitMinBytes: number | undefined;
  /** Where the guessed element start is looked for (the middle of the file; anywhere, to test the guess). */
  splitFrom: (size: number) => number;
  /** The objects held in memory before they go to temporary files (undefined: src/coco/spill.ts's 16 MiB). */
  memoryBudget: number | undefined;
  /** The worker threads' script (undefined: the built src/coco/worker.js; stand-ins fail or stall). */
  workerScript: URL | undefined;
}

export const DEFAULT_TUNING: Readonly<CocoTuning> = Object.freeze({
  rangeBytes: RANGE_BYTES,
  splitMinBytes: undefined,
  splitFrom: (size: number): number => Math.floor(size / 2),
  memoryBudget: undefined,
  workerScript: undefined,
});

/**
 * Pass 1: `images` and `categories`; the annotations are only counted, and where elements start
 * every {@link RANGE_BYTES} is noted for pass 2. With a worker thread, the second half of the file is
 * scanned there at the same time, from what looks like an element of `annotations` near the middle:
 * this thread stops there if an element does start there (else the guess was wrong and it reads on),
 * and takes the worker's counts, checkpoints and `categories`, which are what it would have found.
 */
async function readIndex(ctx: ConverterContext, file: string, tuning: CocoTuning, pool: Pass2Pool, size: number): Promise<{ index: CocoIndex; annotations: ArrayInfo | undefined }> {
  const rangeBytes = tuning.rangeBytes;
  const index = new CocoIndex(
    file,
    (e) => ctx.bad(e),
    (code, message, loc) => ctx.warn(code, message, loc),
  );
  const required = ['images', 'categories'];
  const pass1 = readTopLevelArrays(ctx.input, pass1Arrays(rangeBytes), { file, required });
  let rest: RestOfFile | undefined;
  if (pool.threads > 0 && size >= (tuning.splitMinBytes ?? 4 * rangeBytes)) {
    const fd = openSync(ctx.input, 'r');
    let guess: number | undefined;
    try {
      guess = guessElementStart(fd, tuning.splitFrom(size));
    } finally {
      closeSync(fd);
    }
    if (guess !== undefined) {
      const answer = pool.scanRest({ input: ctx.input, file, offset: guess, checkpointBytes: rangeBytes });
      answer.catch(() => undefined); // awaited only if this thread gets there
      pass1.stopBefore(guess, async () => {
        // An abort is not kept waiting for the worker's half.
        const r = await unlessAborted(answer, ctx.signal);
        if (ctx.signal?.aborted) throw interruptedError();
        if (!r || !restFits(r, pass1.arrays)) return false;
        rest = r;
        return true;
      });
    }
  }
  for await (const batch of pass1.batches()) {
    for (const e of batch) {
      if (e.key === 'images') index.addImage(e.value, e.index);
      else index.addCategory(e.value, e.index);
    }
    if (ctx.signal?.aborted) throw interruptedError();
  }
  let annotations = pass1.arrays.get('annotations');
  if (pass1.endedAtStop && rest && annotations) {
    for (const e of rest.elements) index.addCategory(e.value, e.index);
    const theirs = rest.arrays[0]![1];
    const mine = annotations.checkpoints!;
    annotations = {
      offset: annotations.offset,
      count: annotations.count + theirs.count,
      complete: true,
      end: theirs.end,
      checkpoints: { index: [...mine.index, ...theirs.checkpoints!.index.map((i) => i + annotations!.count)], offset: [...mine.offset, ...theirs.checkpoints!.offset] },
    };
    const seen = new Set([...pass1.arrays.keys(), ...rest.arrays.map(([key]) => key)]);
    const absent = required.filter((k) => !seen.has(k));
    if (absent.length > 0) {
      const names = absent.map((k) => JSON.stringify(k)).join(', ');
      throw new ConversionError('JSON_MISSING', `expected ${names} at the top level, found nothing`, { file, path: absent[0] });
    }
  }
  index.finish();
  return { index, annotations };
}

/** `p`, or undefined as soon as `signal` aborts. */
async function unlessAborted<T>(p: Promise<T>, signal: AbortSignal | undefined): Promise<T | undefined> {
  if (!signal) return p;
  if (signal.aborted) return undefined;
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<undefined>((resolve) => {
    onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([p, aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort!);
  }
}

/** Whether the worker's half of pass 1 holds only what this thread can take as its own: the end of `annotations`, then at most `categories` (seen nowhere before). */
function restFits(rest: RestOfFile, mine: ReadonlyMap<string, ArrayInfo>): boolean {
  const [first, ...others] = rest.arrays;
  if (!first || first[0] !== 'annotations' || !first[1].complete || first[1].end === undefined || !first[1].checkpoints) return false;
  if (others.some(([key]) => key !== 'categories' || mine.has(key))) return false;
  return rest.elements.every((e) => e.key === 'categories');
}

/** What is known of each image (by image index); `ok` is 0 for an image reported bad. */
interface Images {
  keys: string[];
  ok: Uint8Array;
  width: Uint32Array;
  height: Uint32Array;
  formats: (string | undefined)[];
}

/** Each image's key (its `image_url` path): under the root, and once only. */
function imageKeys(ctx: ConverterContext, index: CocoIndex, place: ImagePlace, file: string): Images {
  const n = index.imageCount;
  const images: Images = { keys: new Array<string>(n), ok: new Uint8Array(n), width: new Uint32Array(n), height: new Uint32Array(n), formats: new Array<string | undefined>(n) };
  const byKey = new Map<string, number>();
  const prefix = relativeKey(place.root, place.imagesDir);
  const keyOf = (name: string): string | undefined => {
    if (isPlainRelative(name)) {
      if (prefix !== undefined) return `${prefix}/${name}`;
      if (place.root === place.imagesDir) return name;
    }
    return relativeKey(place.root, resolve(place.imagesDir, name));
  };
  for (let i = 0; i < n; i++) {
    const key = keyOf(index.fileNames[i]!);
    const at = { file, path: `images[${index.elementIndex[i]}].file_name` };
    if (key === undefined) {
      ctx.bad(new ConversionError('PATH_OUTSIDE_ROOT', `expected a file under ${ctx.display(place.root) || '.'}, got ${JSON.stringify(index.fileNames[i])}`, at));
      continue;
    }
    const twin = byKey.get(key);
    if (twin !== undefined) {
      ctx.bad(new ConversionError('DUPLICATE_IMAGE', `expected each image once, got ${JSON.stringify(key)} again (images[${index.elementIndex[twin]}] has it)`, at));
      continue;
    }
    byKey.set(key, i);
    images.keys[i] = key;
    images.ok[i] = 1;
  }
  return images;
}

/** Sizes (and formats) from the image headers, read concurrently, checked against the JSON's. */
async function sizesFromHeaders(ctx: ConverterContext, index: CocoIndex, place: ImagePlace, images: Images, file: string): Promise<void> {
  const { ok, keys } = images;
  const todo = Array.from({ length: index.imageCount }, (_, i) => i).filter((i) => ok[i]);
  // Synchronous reads while the disk answers fast, as the other converters (src/kit/headers.ts).
  const reader = await HeaderReader.for(place.imagesDir, { verify: ctx.options.verifyImages });
  const headers = mapOrdered(todo, IO_CONCURRENCY, async (i) => {
    const abs = resolve(place.imagesDir, index.fileNames[i]!);
    try {
      return { i, details: await reader.read(abs, ctx.display) };
    } catch (e) {
      if (e instanceof ConversionError) return { i, error: e };
      throw e;
    }
  });
  let done = 0;
  for await (const r of headers) {
    ctx.progress(++done, todo.length);
    const i = r.i;
    if (r.error) {
      ok[i] = 0;
      ctx.bad(r.error);
      continue;
    }
    const d = r.details!;
    const jw = index.jsonWidth[i]!;
    const jh = index.jsonHeight[i]!;
    if ((jw && jw !== d.width) || (jh && jh !== d.height)) {
      ok[i] = 0;
      const hint = turnedSizeHint(resolve(place.imagesDir, index.fileNames[i]!), d, { width: jw, height: jh });
      const detail = `expected the size of ${keys[i]} (${d.width} × ${d.height} in its header), got width ${jw || '-'}, height ${jh || '-'}${hint}`;
      ctx.bad(new ConversionError('IMAGE_SIZE_MISMATCH', detail, { file, path: `images[${index.elementIndex[i]}]` }));
      continue;
    }
    images.width[i] = d.width;
    images.height[i] = d.height;
    images.formats[i] = d.format;
  }
}

/** Sizes from the JSON (`--no-image-details`): both are required. */
function sizesFromJson(ctx: ConverterContext, index: CocoIndex, images: Images, file: string): void {
  for (let i = 0; i < index.imageCount; i++) {
    if (!images.ok[i]) continue;
    const missing = !index.jsonWidth[i] ? 'width' : !index.jsonHeight[i] ? 'height' : undefined;
    if (missing) {
      images.ok[i] = 0;
      const detail = `expected the image's ${missing} (needed to normalise with --no-image-details), got nothing`;
      ctx.bad(new ConversionError('JSON_MISSING', detail, { file, path: `images[${index.elementIndex[i]}].${missing}` }));
      continue;
    }
    images.width[i] = index.jsonWidth[i]!;
    images.height[i] = index.jsonHeight[i]!;
  }
}

type CocoOptions = OptionValues<typeof OPTIONS>;

async function* run(ctx: ConverterContext<CocoOptions>, tuning: CocoTuning): AsyncGenerator<ImageRecord> {
  const task: CocoTask = ctx.own.task;
  const polygon = polygonOptionsFrom(ctx.own);
  const dropEmpty = ctx.own.dropEmpty;
  const file = ctx.display(ctx.input);
  const jobs = ctx.own.jobs ?? defaultJobs();
  const input = await stat(ctx.input);
  if (!input.isFile()) throw new ConversionError('INPUT_LAYOUT', 'expected a COCO JSON file, got a folder', { file });

  // The threads load their code while pass 1 runs; no more of them than ranges to read.
  const rangeBytes = tuning.rangeBytes;
  const pool = new Pass2Pool(Math.min(jobs, Math.ceil(input.size / rangeBytes)), tuning.workerScript);
  try {
    yield* convert(ctx, pool, tuning, { task, polygon, dropEmpty, file, size: input.size });
  } finally {
    await pool.close();
  }
}

async function* convert(
  ctx: ConverterContext<CocoOptions>,
  pool: Pass2Pool,
  tuning: CocoTuning,
  { task, polygon, dropEmpty, file, size }: { task: CocoTask; polygon: ReturnType<typeof polygonOptionsFrom>; dropEmpty: boolean; file: string; size: number },
): AsyncGenerator<ImageRecord> {
  const { index, annotations } = await readIndex(ctx, file, tuning, pool, size);
  const n = index.imageCount;
  const place = await placeImages(ctx, index);
  const images = imageKeys(ctx, index, place, file);
  if (ctx.options.imageDetails) await sizesFromHeaders(ctx, index, place, images, file);
  else sizesFromJson(ctx, index, images, file);
  const { keys, ok, width, height, formats } = images;

  // Pass 2: annotations → objects, grouped by image.
  const tempParent = ctx.options.out !== undefined && ctx.options.out !== '-' && !ctx.options.dryRun ? ctx.options.out : tmpdir();
  const buckets = new ObjectBuckets(n, bucketCountFor(size * SPILL_RATIO[task]), tempParent, tuning.memoryBudget);
  try {
    const setup: Pass2Setup = {
      input: ctx.input,
      file,
      task,
      polygon,
      failFast: ctx.options.onError === 'fail',
      ids: index.idTablesData(),
      width,
      height,
      ok,
      imageCount: n,
      imagesPerBucket: buckets.imagesPerBucket,
      bucketCount: buckets.bucketCount,
    };
    pool.start(setup, annotations ? elementRanges(annotations) : []);
    for await (const result of pool.results(ctx.signal)) {
      buckets.addEncoded(result.records);
      for (const [name, by] of result.counts) ctx.count(name, by);
      for (const event of result.events) {
        if ('bad' in event) ctx.badObject(fromErrorData(event.bad));
        else ctx.warn(event.warn.code, event.warn.detail, event.warn.loc);
      }
      if (result.fatal) throw fromErrorData(result.fatal);
      if (ctx.signal?.aborted) throw interruptedError();
    }
    if (ctx.signal?.aborted) throw interruptedError(); // results() ended early
    const { hasAnnotations, hasObjects } = await pool.finish();
    await pool.close();
    if (!annotations) {
      ctx.warn('JSON_MISSING', 'no "annotations" array: every image is written as a background image', { file, path: 'annotations' });
    }
    index.release();
    // Lines, one per image.
    const labels = index.labels;
    let done = 0;
    for (const group of buckets.groups()) {
      const i = group.image;
      ctx.progress(++done, n);
      if (!ok[i]) continue;
      if (group.objects.length === 0) {
        if (hasAnnotations[i] && !hasObjects[i]) {
          ctx.count('imagesWhoseObjectsWereAllBad');
          continue;
        }
        if (dropEmpty) {
          ctx.count('droppedEmptyImages');
          continue;
        }
      }
      const details: ImageDetails = formats[i] !== undefined ? { format: formats[i], width: width[i]!, height: height[i]! } : { width: width[i]!, height: height[i]! };
      let label: BoxLabel[] | PolygonLabel[];
      if (task === 'object-detection') {
        label = group.objects.map((o) => {
          const [topX, topY, bottomX, bottomY] = o.box!;
          return { label: labels[o.label]!, topX, topY, bottomX, bottomY, isCrowd: o.isCrowd };
        });
      } else {
        label = group.objects.map((o) => ({ label: labels[o.label]!, isCrowd: o.isCrowd, polygon: o.rings! }));
      }
      yield { path: keys[i]!, details, label };
    }
    if (buckets.spilledBytes > 0) ctx.count('spilledBytes', buckets.spilledBytes);
  } finally {
    buckets.dispose();
  }
}

/**
 * The converter with some internals other than the defaults (tests: small ranges, a stand-in worker
 * script, a small memory budget); the registered converter is `cocoConverter()`.
 *
 * @example
 *   await convert(cocoConverter({ rangeBytes: 160 }), 'annotations.json', { out: 'out/', jobs: 2 });
 */
export function cocoConverter(tuning: Partial<CocoTuning> = {}) {
  const tuned: CocoTuning = { ...DEFAULT_TUNING, ...tuning };
  return defineConverter({ ...COCO, run: (ctx) => run(ctx, tuned) });
}

export default cocoConverter();
