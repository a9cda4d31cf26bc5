/**
 * voc-detection's items: reading one XML and its image header into a record (or the reasons it is bad),
 * in this thread or in a worker thread. converters/voc-detection.ts runs them; this module is also the
 * workers' script, kept apart so that a worker loads only what reading needs (not commander, the CLI's
 * parser, nor the converter registry).
 */
import { isAbsolute, relative, sep } from 'node:path';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ConversionError, type ErrorCode, type Location } from '../src/errors.js';
import { formatNumber, imageUrl } from '../src/format.js';
import { readImageDetails, readImageDetailsSync, turnedSizeHint } from '../src/images.js';
import type { BoxLabel, FormattedRecord, ImageDetails, ImageRecord } from '../src/types.js';
import { imageIndexOf, readVocAnnotationSync, resolveImage, type ImageFolderIndex, type VocAnnotation, type VocLayout, type VocObject } from '../src/voc.js';

/** What reading one XML gives, replayed in XML order so reports and the first failure are deterministic. */
export interface ItemResult {
  xml: string;
  /** The image the XML names, once found (even when the item turns out bad: it is not "without XML"). */
  imageKey?: string;
  record?: ImageRecord;
  /** Bad items: the whole image (`record` undefined) or single objects (`record` kept). */
  problems: ConversionError[];
  warnings: { code: ErrorCode; message: string; loc: Location }[];
  clamped: number;
}

/**
 * `formatRecord(record, baseUrl, precision)` of src/format.ts for a detection record (the line the writer
 * would write, the label names without repeats, the objects), built here so that worker threads hand the
 * writer finished lines. test/converters/voc-detection-format.test.ts checks it against formatRecord.
 */
export function formatBoxRecord(record: { path: string; details?: ImageDetails | undefined; label: readonly BoxLabel[] }, baseUrl: string, precision: number): FormattedRecord {
  const d = record.details;
  let details = '';
  if (d && Object.keys(d).length > 0) {
    const parts: string[] = [];
    if (d.format !== undefined) parts.push(`"format":${JSON.stringify(d.format)}`);
    if (d.width !== undefined) parts.push(`"width":${d.width}`);
    if (d.height !== undefined) parts.push(`"height":${d.height}`);
    details = `,"image_details":{${parts.join(',')}}`;
  }
  const boxes = record.label;
  const objects: string[] = new Array<string>(boxes.length);
  const labels: string[] = [];
  for (let i = 0; i < boxes.length; i++) {
    const b = boxes[i]!;
    objects[i] =
      `{"label":${JSON.stringify(b.label)},"topX":${formatNumber(b.topX, precision)},"topY":${formatNumber(b.topY, precision)},` +
      `"bottomX":${formatNumber(b.bottomX, precision)},"bottomY":${formatNumber(b.bottomY, precision)},"isCrowd":${b.isCrowd}}`;
    if (!labels.includes(b.label)) labels.push(b.label);
  }
  const line = `{"image_url":${JSON.stringify(imageUrl(baseUrl, record.path))}${details},"label":[${objects.join(',')}]}`;
  return { line, labels, objects: boxes.length };
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
export interface RunState {
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
  /** The run's `--base-url` and `--precision`: records are formatted as they are read (ImageRecord.formatted). */
  baseUrl: string;
  precision: number;
}

/**
 * Reads one XML and its image header. Synchronous (one read each, far cheaper per small file than the
 * promise API, see bench/voc/RESULTS.md) except when a header needs more than the quick read, where it
 * returns a promise.
 */
export function readItem(st: RunState, xml: string): ItemResult | Promise<ItemResult> {
  const { display, layout, index, root } = st;
  const file = st.annotationsShown + xml.slice(xml.lastIndexOf(sep) + 1); // xml: the folder, sep, the name
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
      new ConversionError('IMAGE_SIZE_MISMATCH', `expected the size of ${st.display(imageAbs)}, ${width}x${height}, got ${ann.size.width}x${ann.size.height}${turnedSizeHint(imageAbs, details, ann.size)}`, {
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
  result.record = { path: key, details, label, formatted: formatBoxRecord({ path: key, details, label }, st.baseUrl, st.precision) };
  return result;
}

// ---------------------------------------------------------------------------------------------
// Threads: with `--jobs n` (n > 1) and enough XML files, this thread and n - 1 worker threads read
// the XML files in batches of consecutive files. Each thread claims the next unread batch from a
// shared counter (this thread only when the batch it must hand on next is not ready, so it is never
// idle and never the one everybody waits for). A worker formats its records itself (the writer's
// exact line, see ImageRecord.formatted) and sends a batch back as one string: this thread only
// unpacks it and hands it on. Batches are handed on in XML order, so the output, the reports and the
// first failure are the same for any number of threads.

export const WORKER_TAG = 'automl-img:voc-detection';
/** XML files per batch. */
export const BATCH = 256;
/** Batches a thread may read ahead of the one handed on (bounds the results waiting in memory). */
export const AHEAD = 8;
/** Control words shared with the workers: the next batch to claim, and the batches handed on. */
export const NEXT = 0;
export const HANDED = 1;

/** A ConversionError as it crosses threads. */
interface WireError {
  code: ErrorCode;
  detail: string;
  file?: string | undefined;
  line?: number | undefined;
  path?: string | undefined;
}

export type WireItem = Omit<ItemResult, 'problems'> & { problems: WireError[] };

/** What a worker needs to read items like this thread does. */
export interface WorkerSetup {
  layout: VocLayout;
  /** The image folder's image names, joined by NUL (one string clones far faster than 20,000). */
  imageNames: string;
  /** The XML files (absolute), joined by NUL; batch `b` is files `b * BATCH` to `(b + 1) * BATCH`. */
  xmls: string;
  root: string;
  oneBased: boolean;
  imageDetails: boolean;
  annotationsShown: string;
  cwd: string;
  baseUrl: string;
  precision: number;
  /** The {@link NEXT} and {@link HANDED} words. */
  control: SharedArrayBuffer;
}

/**
 * A batch from a worker. `packed` holds its plain items (a record, no problem, no warning) as NUL-separated
 * fields, per item: key, JSON line, clamped boxes, objects, number of label names, the label names. NUL
 * cannot occur in a JSON line (JSON escapes it) nor in a file name; an item with a NUL in a label name is
 * sent in `other` instead, with every item that has problems or warnings, as `[index in batch, item]`.
 */
export interface FromWorker {
  batch: number;
  /** Items in `packed` and `other`: the whole batch, or those before the one that hit `bug`. */
  count: number;
  packed: string;
  other: [number, WireItem][];
  /** An unknown error (a bug) reading item `count`: thrown once the items before it are handed on. */
  bug?: WireBug | undefined;
}

/** An unknown error as it crosses threads (its stack names the worker's frames). */
export interface WireBug {
  message: string;
  stack?: string | undefined;
}

export const toWireBug = (e: unknown): WireBug => {
  const err = e as Error | undefined;
  return { message: String(err?.message ?? e), stack: err?.stack };
};

export const fromWireBug = (bug: WireBug): Error => {
  const e = new Error(bug.message);
  if (bug.stack) e.stack = bug.stack;
  return e;
};

const toWire = (item: ItemResult): WireItem =>
  item.problems.length === 0
    ? (item as unknown as WireItem)
    : { ...item, problems: item.problems.map((e) => ({ code: e.code, detail: e.detail, file: e.file, line: e.line, path: e.path })) };

export const fromWire = (item: WireItem): ItemResult =>
  item.problems.length === 0
    ? (item as unknown as ItemResult)
    : { ...item, problems: item.problems.map((e) => new ConversionError(e.code, e.detail, { file: e.file, line: e.line, path: e.path })) };

export const NUL = '\0';

/** A worker's last message: it has sent every batch it claimed (a worker that ends without it failed). */
export const FINISHED = 'finished';

/** `displayPath` of src/convert.ts (not imported: convert.ts → registry → this module would be a cycle in a worker). */
function displayFrom(cwd: string): (abs: string) => string {
  return (abs) => {
    const rel = relative(cwd, abs);
    const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : abs;
    return sep === '/' ? shown : shown.split(sep).join('/');
  };
}

/**
 * A batch as read: all its items, or those before an item whose reading threw an unknown error (`bug`).
 * The bug is thrown only once those items are handed on, as one thread reading item by item would: the
 * reports before it and the first failure do not depend on which thread read which batch.
 */
export interface BatchRead {
  items: ItemResult[];
  bug?: unknown;
}

/** Reads batch `b` of `xmls` in this thread. */
export async function readBatch(st: RunState, xmls: readonly string[], b: number): Promise<BatchRead> {
  const items: ItemResult[] = [];
  try {
    for (let i = b * BATCH, end = Math.min(i + BATCH, xmls.length); i < end; i++) {
      const r = readItem(st, xmls[i]!);
      items.push(r instanceof Promise ? await r : r);
    }
  } catch (e) {
    return { items, bug: e };
  }
  return { items };
}

/** A batch read by a worker, packed (see {@link FromWorker}). */
export function packBatch(items: readonly ItemResult[]): { packed: string; other: [number, WireItem][] } {
  const parts: string[] = [];
  const other: [number, WireItem][] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const record = item.record;
    if (record && item.problems.length === 0 && item.warnings.length === 0) {
      const f = record.formatted!;
      if (!f.labels.some((l) => l.includes(NUL))) {
        parts.push(record.path, f.line, String(item.clamped), String(f.objects), String(f.labels.length));
        for (const l of f.labels) parts.push(l);
        continue;
      }
    }
    other.push([i, toWire(item)]);
  }
  return { packed: parts.join(NUL), other };
}

/** The worker side: claims batches until none is left, answers each with its items packed. */
function serveWorker(): void {
  parentPort!.once('message', (setup: WorkerSetup) => {
    const { layout, imageNames, root, oneBased, imageDetails, annotationsShown, cwd, baseUrl, precision } = setup;
    const index = imageIndexOf(layout.images, imageNames === '' ? [] : imageNames.split(NUL));
    const st: RunState = { display: displayFrom(cwd), imageDetails, layout, index, root, oneBased, annotationsShown, baseUrl, precision };
    const xmls = setup.xmls.split(NUL);
    const batches = Math.ceil(xmls.length / BATCH);
    const control = new Int32Array(setup.control);
    void (async () => {
      for (;;) {
        const b = Atomics.add(control, NEXT, 1);
        if (b >= batches) break;
        for (let handed = Atomics.load(control, HANDED); b >= handed + AHEAD; handed = Atomics.load(control, HANDED)) {
          Atomics.wait(control, HANDED, handed);
        }
        let failed = false;
        try {
          const { items, bug } = await readBatch(st, xmls, b);
          const { packed, other } = packBatch(items);
          failed = bug !== undefined;
          parentPort!.postMessage({ batch: b, count: items.length, packed, other, bug: failed ? toWireBug(bug) : undefined } satisfies FromWorker);
        } catch (e) {
          failed = true;
          parentPort!.postMessage({ batch: b, count: 0, packed: '', other: [], bug: toWireBug(e) } satisfies FromWorker);
        }
        // The run ends at this batch: reading on would be wasted.
        if (failed) break;
      }
      parentPort!.postMessage(FINISHED);
    })();
  });
}

if (!isMainThread && (workerData as { tag?: unknown } | null)?.tag === WORKER_TAG) serveWorker();
