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
 * The file is read in bounded memory with src/json's scanner (it may exceed V8's string limit). For
 * detection with `images` before `annotations` (the usual order), in one pass: the annotations are
 * checked and normalised as they stream, each object keeping its category id's slot, and what depends
 * on `categories` (read last in COCO files) is settled at the end, reported exactly as two passes would
 * (src/coco.ts PendingLabels). Otherwise, and whenever that pass cannot read the file through, in two:
 * pass 1 keeps `images` and `categories`; pass 2 reads `annotations`. Either way the objects are grouped
 * by image through src/coco-spill.ts (in memory up to a budget, then temporary files).
 */
import { stat } from 'node:fs/promises';
import { closeSync, existsSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { AnnotationReader, CocoIndex, isCocoId, member, PendingLabels, type CocoTask } from '../src/coco.js';
import { bucketCountFor, ObjectBuckets, type DecodedObject } from '../src/coco-spill.js';
import { mapOrdered } from '../src/concurrency.js';
import { ConversionError } from '../src/errors.js';
import { readImageDetails } from '../src/images.js';
import { readJsonAtSync, readTopLevelArrays } from '../src/json/index.js';
import { interruptedError } from '../src/writer.js';
import { relativeKey } from '../src/paths.js';
import { POLYGON_CLI_OPTIONS, polygonOptionsFrom } from '../src/polygon/cli-options.js';
import type { PolygonOptions } from '../src/polygon/index.js';
import type { BoxLabel, Converter, ConverterContext, ImageDetails, ImageRecord, PolygonLabel } from '../src/types.js';

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
async function placeImages(ctx: ConverterContext, index: CocoIndex): Promise<ImagePlace> {
  const given = ctx.extra['images'];
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

/** Pass 1: `images` and `categories` (the annotations are stepped over). */
async function readIndex(ctx: ConverterContext, file: string): Promise<CocoIndex> {
  const index = new CocoIndex(file, (e) => ctx.bad(e), (code, message, loc) => ctx.warn(code, message, loc));
  const pass1 = readTopLevelArrays(ctx.input, { images: 'parse', categories: 'parse' }, { file, required: ['images', 'categories'] });
  for await (const batch of pass1.batches()) {
    for (const e of batch) {
      if (e.key === 'images') index.addImage(e.value, e.index);
      else index.addCategory(e.value, e.index);
    }
    if (ctx.signal?.aborted) throw interruptedError();
  }
  index.finish();
  return index;
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
  const headers = mapOrdered(todo, IO_CONCURRENCY, async (i) => {
    const abs = resolve(place.imagesDir, index.fileNames[i]!);
    try {
      return { i, details: await readImageDetails(abs, ctx.display(abs)) };
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
      const detail = `expected the size of ${keys[i]} (${d.width} × ${d.height} in its header), got width ${jw || '-'}, height ${jh || '-'}`;
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

/** What reading the annotations leaves for writing the lines. */
interface Annotated {
  index: CocoIndex;
  images: Images;
  buckets: ObjectBuckets;
  /** Per image index: 1 when some annotation points at it (even a bad one). */
  hasAnnotations: Uint8Array;
  /** The label name of an object; undefined for an object whose category turned out unknown or bad (left out). */
  labelOf: (o: DecodedObject) => string | undefined;
}

/** How the annotations are read, whichever the pass. */
interface ReadSetup {
  task: CocoTask;
  polygon: PolygonOptions;
  file: string;
  inputBytes: number;
  tempParent: string;
}

/** An image index from an annotation's `image_id` (for an annotation that gave no object). */
function annotatedImage(index: CocoIndex, annotation: unknown): number | undefined {
  const id = typeof annotation === 'object' && annotation !== null ? member(annotation, 'image_id') : undefined;
  const image = isCocoId(id) ? index.imageIndex(id) : undefined;
  return image !== undefined && image >= 0 ? image : undefined;
}

/** A reader of `annotations` elements (deferred segmentations read back through `fd`). */
function annotationReader(ctx: ConverterContext, index: CocoIndex, images: Images, setup: ReadSetup, fdRef: { fd: number | undefined }, pending?: PendingLabels): AnnotationReader {
  const { task, file, polygon } = setup;
  return new AnnotationReader(
    index,
    { width: images.width, height: images.height, ok: images.ok },
    {
      task,
      file,
      polygon,
      readDeferred: (span, path) => {
        fdRef.fd ??= openSync(ctx.input, 'r');
        return readJsonAtSync(fdRef.fd, span, { file, path });
      },
      count: (name, by) => ctx.count(name, by),
      warn: (code, message, loc) => ctx.warn(code, message, loc),
      pending,
    },
  );
}

/** The images' keys and sizes (what stands between reading `images` and reading the annotations). */
async function prepareImages(ctx: ConverterContext, index: CocoIndex, file: string): Promise<Images> {
  const place = await placeImages(ctx, index);
  const images = imageKeys(ctx, index, place, file);
  if (ctx.options.imageDetails) await sizesFromHeaders(ctx, index, place, images, file);
  else sizesFromJson(ctx, index, images, file);
  return images;
}

/** Two passes: `images` and `categories`, then `annotations` (any order of the arrays in the file). */
async function readTwoPasses(ctx: ConverterContext, setup: ReadSetup, fdRef: { fd: number | undefined }): Promise<Annotated> {
  const { task, file } = setup;
  const index = await readIndex(ctx, file);
  const n = index.imageCount;
  const images = await prepareImages(ctx, index, file);
  const buckets = new ObjectBuckets(n, bucketCountFor(setup.inputBytes * SPILL_RATIO[task]), setup.tempParent);
  const hasAnnotations = new Uint8Array(n);
  try {
    const reader = annotationReader(ctx, index, images, setup, fdRef);
    const pass2 = readTopLevelArrays(ctx.input, { annotations: task === 'object-detection' ? { defer: ['segmentation'] } : 'parse' }, { file });
    for await (const batch of pass2.batches()) {
      for (const e of batch) {
        let object;
        try {
          object = reader.read(e.value, e.index, e.deferred);
        } catch (err) {
          if (!(err instanceof ConversionError)) throw err;
          const image = annotatedImage(index, e.value);
          if (image !== undefined) hasAnnotations[image] = 1;
          ctx.bad(err);
          continue;
        }
        if (object === undefined) {
          const image = annotatedImage(index, e.value);
          if (image !== undefined) hasAnnotations[image] = 1;
          continue;
        }
        hasAnnotations[object.image] = 1;
        buckets.add(object);
      }
      if (ctx.signal?.aborted) throw interruptedError();
    }
    if (!pass2.arrays.has('annotations')) {
      ctx.warn('JSON_MISSING', 'no "annotations" array: every image is written as a background image', { file, path: 'annotations' });
    }
  } catch (e) {
    buckets.dispose();
    throw e;
  }
  const labels = index.labels;
  return { index, images, buckets, hasAnnotations, labelOf: (o) => labels[o.label] };
}

/**
 * One pass, for detection when `images` comes before `annotations` (the usual order; `categories`
 * usually comes last). Annotations are read as they stream, each object keeping its category id's slot
 * (see PendingLabels); once the file has been read, the slots become labels and everything a two-pass
 * read reports is reported in the same order: images and categories (file order), then the images'
 * keys and sizes, then the annotations' errors. Returns undefined when `annotations` comes first:
 * nothing has been reported then, and the caller reads in two passes.
 */
async function readOnePass(ctx: ConverterContext, setup: ReadSetup, fdRef: { fd: number | undefined }): Promise<Annotated | undefined> {
  const { file } = setup;
  type Report = () => void;
  // Nothing is reported while the file is read: if reading fails, the two passes start over.
  const early: Report[] = [];
  const index = new CocoIndex(
    file,
    (e) => void early.push(() => ctx.bad(e)),
    (code, message, loc) => void early.push(() => ctx.warn(code, message, loc)),
  );
  // What a two-pass read reports between its passes, kept until the categories have been reported.
  const between: Report[] = [];
  const betweenCtx: ConverterContext = {
    input: ctx.input,
    inputArg: ctx.inputArg,
    options: ctx.options,
    extra: ctx.extra,
    signal: ctx.signal,
    bad: (e) => void between.push(() => ctx.bad(e)),
    warn: (code, message, loc) => void between.push(() => ctx.warn(code, message, loc)),
    count: (name, by) => ctx.count(name, by),
    progress: (done, total) => ctx.progress(done, total),
    display: (p) => ctx.display(p),
  };
  const pending = new PendingLabels();
  let images: Images | undefined;
  let buckets: ObjectBuckets | undefined;
  let reader: AnnotationReader | undefined;
  let hasAnnotations = new Uint8Array(0);
  let prepareError: ConversionError | undefined;
  const prepare = async (): Promise<void> => {
    index.finish();
    try {
      images = await prepareImages(betweenCtx, index, file);
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      prepareError = e;
      return;
    }
    const n = index.imageCount;
    buckets = new ObjectBuckets(n, bucketCountFor(setup.inputBytes * SPILL_RATIO[setup.task]), setup.tempParent);
    hasAnnotations = new Uint8Array(n);
    reader = annotationReader(ctx, index, images, setup, fdRef, pending);
  };
  /** Errors of annotations in file order; `slot` -1 when the error does not depend on the categories. */
  const errors: { element: number; slot: number; error: ConversionError }[] = [];
  let started = false;
  const scan = readTopLevelArrays(ctx.input, { images: 'parse', annotations: { defer: ['segmentation'] }, categories: 'parse' }, { file, required: ['images', 'categories'] });
  try {
    for await (const batch of scan.batches()) {
      for (const e of batch) {
        if (e.key === 'images') {
          index.addImage(e.value, e.index);
        } else if (e.key === 'categories') {
          index.addCategory(e.value, e.index);
        } else {
          if (!started) {
            // The scanner has read the whole chunk: compare where the arrays start.
            const imagesAt = scan.arrays.get('images')?.offset;
            if (imagesAt === undefined || imagesAt > scan.arrays.get('annotations')!.offset) return undefined;
            started = true;
            await prepare();
          }
          if (reader === undefined) continue;
          let object;
          try {
            object = reader.read(e.value, e.index, e.deferred);
          } catch (err) {
            if (!(err instanceof ConversionError)) throw err;
            const image = annotatedImage(index, e.value);
            if (image !== undefined) hasAnnotations[image] = 1;
            errors.push({ element: e.index, slot: reader.lastSlot, error: err });
            continue;
          }
          if (object === undefined) {
            const image = annotatedImage(index, e.value);
            if (image !== undefined) hasAnnotations[image] = 1;
            continue;
          }
          hasAnnotations[object.image] = 1;
          buckets!.add(object);
        }
      }
      if (ctx.signal?.aborted) throw interruptedError();
    }
  } catch (e) {
    // A file that cannot be read through (cut short, malformed): the two passes report it as they always have.
    if (e instanceof ConversionError && !ctx.signal?.aborted) {
      buckets?.dispose();
      return undefined;
    }
    buckets?.dispose();
    throw e;
  }
  try {
    for (const r of early) r();
    if (!started) await prepare();
    if (prepareError !== undefined) throw prepareError;
    for (const r of between) r();
    // The categories are known: settle what depended on them, in annotation order.
    const { labels: slotLabels, counts } = pending.resolve(index.categoryIds);
    const unknown: number[] = [];
    const unknownSlot = new Map<number, number>();
    for (let s = 0; s < slotLabels.length; s++) {
      if (slotLabels[s] !== -2) continue;
      for (const element of pending.elements[s]!) {
        unknown.push(element);
        unknownSlot.set(element, s);
      }
    }
    unknown.sort((a, b) => a - b);
    let u = 0;
    const reportUnknown = (before: number): void => {
      for (; u < unknown.length && unknown[u]! < before; u++) ctx.bad(reader!.unknownCategory(pending.ids[unknownSlot.get(unknown[u]!)!]!, unknown[u]!));
    };
    for (const { element, slot, error } of errors) {
      reportUnknown(element);
      if (slot < 0 || slotLabels[slot]! >= 0) ctx.bad(error);
    }
    reportUnknown(Infinity);
    for (const { name, by } of counts) ctx.count(name, by);
    if (!scan.arrays.has('annotations')) {
      ctx.warn('JSON_MISSING', 'no "annotations" array: every image is written as a background image', { file, path: 'annotations' });
    }
    const labels = index.labels;
    const allKnown = slotLabels.every((l) => l >= 0);
    const labelOf = (o: DecodedObject): string | undefined => {
      const l = slotLabels[o.label]!;
      return l >= 0 ? labels[l] : undefined;
    };
    const result: Annotated = { index, images: images!, buckets: buckets!, hasAnnotations, labelOf };
    if (allKnown) result.labelOf = (o) => labels[slotLabels[o.label]!];
    buckets = undefined;
    return result;
  } finally {
    buckets?.dispose();
  }
}

async function* run(ctx: ConverterContext): AsyncGenerator<ImageRecord> {
  const task = (ctx.extra['task'] as CocoTask | undefined) ?? 'object-detection';
  if (task !== 'object-detection' && task !== 'instance-segmentation') {
    throw new ConversionError('USAGE', `--task must be object-detection or instance-segmentation, got ${JSON.stringify(task)}`, {}, { exitCode: 2 });
  }
  const polygon = polygonOptionsFrom(ctx.extra);
  const dropEmpty = ctx.extra['dropEmpty'] === true;
  const file = ctx.display(ctx.input);
  const input = await stat(ctx.input);
  if (!input.isFile()) throw new ConversionError('INPUT_LAYOUT', 'expected a COCO JSON file, got a folder', { file });
  const tempParent = ctx.options.out !== undefined && ctx.options.out !== '-' && !ctx.options.dryRun ? ctx.options.out : tmpdir();
  const setup: ReadSetup = { task, polygon, file, inputBytes: input.size, tempParent };

  const fdRef: { fd: number | undefined } = { fd: undefined };
  let annotated: Annotated | undefined;
  try {
    if (task === 'object-detection') annotated = await readOnePass(ctx, setup, fdRef);
    annotated ??= await readTwoPasses(ctx, setup, fdRef);
  } finally {
    if (fdRef.fd !== undefined) closeSync(fdRef.fd);
  }
  const { index, images, buckets, hasAnnotations, labelOf } = annotated;
  const n = index.imageCount;
  const { keys, ok, width, height, formats } = images;
  try {
    index.release();
    // Lines, one per image.
    let done = 0;
    for (const group of buckets.groups()) {
      const i = group.image;
      ctx.progress(++done, n);
      if (!ok[i]) continue;
      const named: { o: DecodedObject; name: string }[] = [];
      for (const o of group.objects) {
        const name = labelOf(o);
        if (name !== undefined) named.push({ o, name });
      }
      if (named.length === 0) {
        if (hasAnnotations[i]) {
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
        label = named.map(({ o, name }) => {
          const [topX, topY, bottomX, bottomY] = o.box!;
          return { label: name, topX, topY, bottomX, bottomY, isCrowd: o.isCrowd };
        });
      } else {
        label = named.map(({ o, name }) => ({ label: name, isCrowd: o.isCrowd, polygon: o.rings! }));
      }
      yield { path: keys[i]!, details, label };
    }
    if (buckets.spilledBytes > 0) ctx.count('spilledBytes', buckets.spilledBytes);
  } finally {
    buckets.dispose();
  }
}

const converter: Converter = {
  name: 'coco-to-jsonl',
  alias: 'coco',
  description: 'COCO JSON → object detection or instance segmentation',
  argument: '<json>',
  example: 'automl-img convert coco coco/annotations/instances_val2017.json --images coco/val2017 -o out/',
  task: (extra) => (extra['task'] === 'instance-segmentation' ? 'instance-segmentation' : 'object-detection'),
  options: [
    {
      flags: '--task <task>',
      key: 'task',
      description: 'object-detection: boxes from bbox; instance-segmentation: polygons from segmentation (RLE traced into rings)',
      defaultValue: 'object-detection',
      choices: ['object-detection', 'instance-segmentation'],
    },
    {
      flags: '--images <dir>',
      key: 'images',
      description: 'the folder file_name is relative to; image_url is relative to its parent (default: beside the JSON, then its parent, each also with images/)',
    },
    {
      flags: '--drop-empty',
      key: 'dropEmpty',
      description: 'leave out images without annotations (default: written as background images, label [])',
    },
    ...POLYGON_CLI_OPTIONS,
  ],
  run,
};

export default converter;
