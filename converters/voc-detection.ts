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
 *
 * The XMLs are read one after the other in name order, in this thread (worker threads gained nothing on
 * this converter: bench/voc/RESULTS.md), so reports and the first failure come in name order.
 */
import { basename, join, sep } from 'node:path';
import { ConversionError, type ErrorCode, type Location } from '../src/errors.js';
import { readImageDetails, readImageDetailsSync, turnedSizeHint } from '../src/images.js';
import { boxLabel, type NormalisedBox } from '../src/kit/boxes.js';
import { defineConverter } from '../src/kit/define.js';
import VOC, { OPTIONS } from './declarations/voc-detection.js';
import type { OptionValues } from '../src/options.js';
import { relativeKey } from '../src/paths.js';
import type { BoxLabel, ConverterContext, ImageDetails, ImageRecord } from '../src/types.js';
import { readVocAnnotationSync, type VocAnnotation, type VocObject } from '../src/voc/annotation.js';
import { findVocLayout, indexImageFolder, listAnnotationFiles, resolveImage, type ImageFolderIndex, type VocLayout } from '../src/voc/layout.js';

/** What reading one XML gives, reported once it is read (problems, then warnings, then clamped boxes). */
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

/**
 * An object's `<bndbox>` → its normalised box, clamped to the image (src/kit/boxes.ts), or the reason it
 * cannot be used. With `--one-based`, `xmin` and `ymin` are 1-based inclusive pixel indices.
 */
function toBox(obj: VocObject, width: number, height: number, oneBased: boolean, file: string): NormalisedBox | ConversionError {
  const b = obj.bndbox!;
  const corners = { xmin: oneBased ? b.xmin - 1 : b.xmin, ymin: oneBased ? b.ymin - 1 : b.ymin, xmax: b.xmax, ymax: b.ymax };
  return boxLabel(
    { label: obj.name, isCrowd: obj.difficult },
    corners,
    { width, height },
    {
      loc: { file, path: `${obj.path}/bndbox` },
      noArea: (axis) => `expected a box with area (${oneBased ? 'max >= min (--one-based)' : 'min < max'}), got ${axis === 'x' ? `xmin ${b.xmin}, xmax ${b.xmax}` : `ymin ${b.ymin}, ymax ${b.ymax}`}`,
      outside: (image) => `expected a box overlapping the ${image.width}x${image.height} image, got xmin ${b.xmin}, ymin ${b.ymin}, xmax ${b.xmax}, ymax ${b.ymax}`,
    },
  );
}

/** What the whole run shares. */
interface RunState {
  /** Formats paths for messages (`ctx.display`). */
  display: (abs: string) => string;
  /** Open images for their header (`--no-image-details` unsets it). */
  imageDetails: boolean;
  /** Check each image is whole (`--no-verify-images` unsets it). */
  verifyImages: boolean;
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
    const header = readImageDetailsSync(image.abs, { verify: st.verifyImages });
    if (header) return finishItem(st, result, ann, image.key, header, file, image.abs);
    return readImageDetails(image.abs, display(image.abs), { verify: st.verifyImages }).then(
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
      new ConversionError(
        'IMAGE_SIZE_MISMATCH',
        `expected the size of ${st.display(imageAbs)}, ${width}x${height}, got ${ann.size.width}x${ann.size.height}${turnedSizeHint(imageAbs, details, ann.size)}`,
        {
          file,
          path: 'size',
        },
      ),
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

async function* run(ctx: ConverterContext<OptionValues<typeof OPTIONS>>): AsyncGenerator<ImageRecord> {
  const layout = await findVocLayout(ctx.input, ctx.display);
  const [xmls, index] = await Promise.all([listAnnotationFiles(layout.annotations), indexImageFolder(layout.images)]);
  if (xmls.length === 0) {
    throw new ConversionError('EMPTY_DATASET', 'expected VOC XML files, got none', { file: ctx.display(layout.annotations) });
  }
  const st: RunState = {
    display: ctx.display,
    imageDetails: ctx.options.imageDetails,
    verifyImages: ctx.options.verifyImages,
    layout,
    index,
    root: ctx.options.root ?? layout.root,
    oneBased: ctx.own.oneBased,
    // What ctx.display gives for a file in the folder, less the name: `''` when the folder is the current
    // one (ctx.display of the folder itself is then its absolute path, not the prefix of its files).
    annotationsShown: ctx.display(join(layout.annotations, 'x')).slice(0, -1),
  };
  /** Image key → the XML of its record (duplicates). */
  const used = new Map<string, string>();
  /** Images named by XMLs that gave no record (bad items): with `used`, the images some XML names. */
  const claimed = new Set<string>();
  for (let i = 0; i < xmls.length; i++) {
    if (ctx.signal?.aborted) return;
    const r = readItem(st, xmls[i]!);
    const item = r instanceof Promise ? await r : r;
    ctx.progress(i + 1, xmls.length);
    const record = report(ctx, st, item, used, claimed);
    if (record) yield record;
  }
  warnUnannotated(ctx, st.root, index, used, claimed);
}

/** Reports an item's problems, warnings and clamped boxes; its record when it is to be written (not a duplicate). */
function report(ctx: ConverterContext, st: RunState, item: ItemResult, used: Map<string, string>, claimed: Set<string>): ImageRecord | undefined {
  const record = item.record;
  if (item.imageKey !== undefined && !record) claimed.add(item.imageKey);
  // With a record the image is kept: its problems are objects left out.
  for (const p of item.problems) {
    if (record) ctx.badObject(p);
    else ctx.bad(p);
  }
  for (const w of item.warnings) ctx.warn(w.code, w.message, w.loc);
  if (item.clamped) ctx.count('clampedBoxes', item.clamped);
  if (!record) return undefined;
  const previous = used.get(record.path);
  if (previous !== undefined) {
    ctx.bad(
      new ConversionError('DUPLICATE_IMAGE', `expected one XML per image, got ${record.path}, already named by ${ctx.display(previous)}`, {
        file: st.annotationsShown + basename(item.xml),
        path: 'filename',
      }),
    );
    return undefined;
  }
  used.set(record.path, item.xml);
  return record;
}

/** Warns of the images no XML named. Keys by prefix when the image folder lies under the root (the usual case). */
function warnUnannotated(ctx: ConverterContext, root: string, index: ImageFolderIndex, used: Map<string, string>, claimed: Set<string>): void {
  const prefix = relativeKey(root, index.dir);
  for (const name of index.names) {
    const key = prefix !== undefined ? `${prefix}/${name}` : relativeKey(root, join(index.dir, name));
    if (key !== undefined && (used.has(key) || claimed.has(key))) continue;
    ctx.warn('MISSING_ANNOTATION', 'image without an XML annotation: not converted', { file: ctx.display(join(index.dir, name)) });
  }
}

export default defineConverter({ ...VOC, run });
