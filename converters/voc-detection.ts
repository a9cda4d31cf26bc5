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
import { closeSync, openSync, readSync } from 'node:fs';
import { basename, join } from 'node:path';
import { imageSize } from 'image-size';
import { ConversionError, type ErrorCode, type Location } from '../src/errors.js';
import { readImageDetails } from '../src/images.js';
import { relativeKey } from '../src/paths.js';
import type { BoxLabel, Converter, ConverterContext, ImageDetails, ImageRecord } from '../src/types.js';
import {
  findVocLayout,
  indexImageFolder,
  listAnnotationFiles,
  readVocAnnotationSync,
  resolveImageSync,
  type ImageFolderIndex,
  type VocAnnotation,
  type VocLayout,
  type VocObject,
} from '../src/voc.js';

/** Bytes read for an image header: most headers fit the first; a JPEG with a large EXIF block needs the second. */
const HEADER_READS = [4096, 65536] as const;
const headerBuffer = Buffer.allocUnsafe(HEADER_READS[HEADER_READS.length - 1]);

/**
 * Format and size from the first bytes of an image, read synchronously into one shared buffer; undefined
 * whenever that is not enough or anything fails, and the caller then uses readImageDetails, which gives
 * the same answer or the error message. For many small files on a local disk this costs a fraction of the
 * promise API (bench/voc/RESULTS.md).
 */
function quickImageDetails(abs: string): Required<ImageDetails> | undefined {
  let fd: number;
  try {
    fd = openSync(abs, 'r');
  } catch {
    return undefined;
  }
  try {
    for (const size of HEADER_READS) {
      const n = readSync(fd, headerBuffer, 0, size, 0);
      try {
        const r = imageSize(headerBuffer.subarray(0, n));
        if (r.type === undefined || !(r.width > 0) || !(r.height > 0)) return undefined;
        const t = r.type.toLowerCase();
        return { format: t === 'jpeg' ? 'jpg' : t === 'tif' ? 'tiff' : t, width: r.width, height: r.height };
      } catch {
        if (n < size) return undefined; // the whole file was there: let readImageDetails report it
      }
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

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
  const path = `${obj.path}/bndbox`;
  const xmin = oneBased ? b.xmin - 1 : b.xmin;
  const ymin = oneBased ? b.ymin - 1 : b.ymin;
  const { xmax, ymax } = b;
  if (xmax <= xmin || ymax <= ymin) {
    const axis = xmax <= xmin ? `xmin ${b.xmin}, xmax ${b.xmax}` : `ymin ${b.ymin}, ymax ${b.ymax}`;
    const rule = oneBased ? 'max >= min (--one-based)' : 'min < max';
    return new ConversionError('EMPTY_BOX', `expected a box with area (${rule}), got ${axis}`, { file, path });
  }
  const cx0 = Math.min(Math.max(xmin, 0), width);
  const cy0 = Math.min(Math.max(ymin, 0), height);
  const cx1 = Math.min(Math.max(xmax, 0), width);
  const cy1 = Math.min(Math.max(ymax, 0), height);
  if (cx1 <= cx0 || cy1 <= cy0) {
    return new ConversionError(
      'EMPTY_BOX',
      `expected a box overlapping the ${width}x${height} image, got xmin ${b.xmin}, ymin ${b.ymin}, xmax ${b.xmax}, ymax ${b.ymax}`,
      { file, path },
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
  ctx: ConverterContext;
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
  const { ctx, layout, index, root } = st;
  const file = st.annotationsShown + basename(xml);
  const result: ItemResult = { xml, problems: [], warnings: [], clamped: 0 };
  const withImages = ctx.options.imageDetails;
  try {
    const ann = readVocAnnotationSync(xml, file);
    const image = resolveImageSync(layout, index, ann, xml, root, ctx.display, { mustExist: withImages });
    result.imageKey = image.key;
    if (image.via === 'stem' && ann.filename !== undefined) {
      result.warnings.push({
        code: 'IMAGE_NOT_FOUND',
        message: `no image ${JSON.stringify(ann.filename)} as <filename> says: using ${ctx.display(image.abs)}, found by the XML's name`,
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
    const header = quickImageDetails(image.abs);
    if (header) return finishItem(st, result, ann, image.key, header, file, image.abs);
    return readImageDetails(image.abs, ctx.display(image.abs)).then(
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
      new ConversionError('IMAGE_SIZE_MISMATCH', `expected the size of ${st.ctx.display(imageAbs)}, ${width}x${height}, got ${ann.size.width}x${ann.size.height}`, {
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

async function* run(ctx: ConverterContext): AsyncGenerator<ImageRecord> {
  const layout = await findVocLayout(ctx.input, ctx.display);
  const [xmls, index] = await Promise.all([listAnnotationFiles(layout.annotations), indexImageFolder(layout.images)]);
  if (xmls.length === 0) {
    throw new ConversionError('EMPTY_DATASET', 'expected VOC XML files, got none', { file: ctx.display(layout.annotations) });
  }
  const st: RunState = {
    ctx,
    layout,
    index,
    root: ctx.options.root ?? layout.root,
    oneBased: ctx.extra['oneBased'] === true,
    annotationsShown: ctx.display(layout.annotations) + '/',
  };
  /** Image key → the XML of its record (duplicates). */
  const used = new Map<string, string>();
  /** Images some XML names, good or bad (images without XML at the end). */
  const claimed = new Set<string>();
  for (let i = 0; i < xmls.length; i++) {
    if (ctx.signal?.aborted) return;
    const pending = readItem(st, xmls[i]!);
    const item = pending instanceof Promise ? await pending : pending;
    ctx.progress(i + 1, xmls.length);
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
      description: 'VOC pixel coordinates are 1-based inclusive indices: topX = (xmin - 1) / width, bottomX = xmax / width (default: xmin / width, as the Azure scripts)',
      defaultValue: false,
    },
  ],
  run,
};

export default converter;
