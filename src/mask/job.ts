/**
 * One image's mask work, the unit the worker pool runs: read the image's header (format and size),
 * check it against `<size>`, read and decode the instance mask (and the class mask when there is one),
 * check their sizes, and trace every object into normalised rings. Plain data in, plain data out
 * (structured-clone safe), so it runs the same in a worker thread or in the main thread.
 */
import { readFileSync } from 'node:fs';
import { ConversionError, type ErrorCode } from '../errors.js';
import { readImageDetails, turnedSizeHint } from '../images.js';
import { labelledMaskToRings, type PolygonOptions } from '../polygon/index.js';
import { decodeMask, type LabelMask, type MaskEncoding } from './png.js';

/** The VOC void band: neither object nor background. */
export const VOID = 255;

/** What to do for one image. */
export interface MaskJob {
  /** The instance mask (absolute path) and how messages name it. */
  mask: string;
  maskDisplay: string;
  /** The class mask, when the dataset has `SegmentationClass/`. */
  classMask?: string | undefined;
  classMaskDisplay?: string | undefined;
  /** How many objects the XML has: pixel value k (1..objects) is object k. */
  objects: number;
  /** The image, when its header is to be read (image_details); the mask must have its size. */
  image?:
    | {
        abs: string;
        display: string;
        /** check the image is whole (default true) */
        verify?: boolean | undefined;
      }
    | undefined;
  /** The XML's `<size>`, when it has one: the image and the mask must have it. */
  size?: { width: number; height: number } | undefined;
  /** The XML, as messages name it. */
  xmlDisplay: string;
  polygon: PolygonOptions;
}

/** What came out for one object (index k - 1 for pixel value k). */
export interface ObjectResult {
  /** True when the instance mask has pixels of value k. */
  present: boolean;
  /** Rings normalised by the mask's width and height; empty when no pixels (or min-area dropped all). */
  rings: number[][];
  /**
   * The class-mask value most of the object's pixels carry (0 and 255 not counted unless nothing
   * else is there); undefined without a class mask or without pixels.
   */
  classValue?: number | undefined;
}

/** The result of a {@link MaskJob}. */
export interface MaskResult {
  ok: true;
  /** Format and size from the image's header, when `job.image` was given. */
  details?: { format: string; width: number; height: number } | undefined;
  width: number;
  height: number;
  encoding: MaskEncoding;
  objects: ObjectResult[];
  /** Pixel values above `objects` (other than 255): objects the XML does not have. */
  unknownValues: number[];
}

/** A bad input, as plain data (rebuilt into a ConversionError by the caller). */
export interface MaskFailure {
  ok: false;
  code: ErrorCode;
  detail: string;
  file: string | undefined;
  path: string | undefined;
}

export type MaskOutcome = MaskResult | MaskFailure;

function readMask(abs: string, display: string): LabelMask {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(abs);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConversionError('MASK_NOT_FOUND', 'mask not found', { file: display });
    throw new ConversionError('MASK_UNREADABLE', `cannot read mask: ${(e as Error).message}`, { file: display });
  }
  return decodeMask(bytes, display);
}

/** Runs one job. Bad input comes back as a {@link MaskFailure}; bugs reject. */
export async function runMaskJob(job: MaskJob): Promise<MaskOutcome> {
  try {
    return await run(job);
  } catch (e) {
    if (e instanceof ConversionError) return { ok: false, code: e.code, detail: e.detail, file: e.file, path: e.path };
    throw e;
  }
}

/** The ConversionError a {@link MaskFailure} stands for. */
export function failureError(f: MaskFailure): ConversionError {
  return new ConversionError(f.code, f.detail, { file: f.file, path: f.path });
}

async function run(job: MaskJob): Promise<MaskResult> {
  let details: MaskResult['details'];
  let expect: { width: number; height: number; what: string } | undefined;
  if (job.image) {
    details = await readImageDetails(job.image.abs, job.image.display, { verify: job.image.verify });
    const { size } = job;
    if (size && (size.width !== details.width || size.height !== details.height)) {
      throw new ConversionError(
        'IMAGE_SIZE_MISMATCH',
        `expected the size of ${job.image.display}, ${details.width}x${details.height}, got ${size.width}x${size.height}${turnedSizeHint(job.image.abs, details, size)}`,
        { file: job.xmlDisplay, path: 'size' },
      );
    }
    expect = { width: details.width, height: details.height, what: `size of ${job.image.display}` };
  } else if (job.size) {
    expect = { ...job.size, what: `<size> of ${job.xmlDisplay}` };
  }
  const mask = readMask(job.mask, job.maskDisplay);
  const { width, height } = mask;
  if (expect && (expect.width !== width || expect.height !== height)) {
    throw new ConversionError('MASK_SIZE_MISMATCH', `expected a mask of ${expect.width}×${expect.height} (the ${expect.what}), got ${width}×${height}`, { file: job.maskDisplay });
  }
  let classes: LabelMask | undefined;
  if (job.classMask !== undefined) {
    const display = job.classMaskDisplay ?? job.classMask;
    classes = readMask(job.classMask, display);
    if (classes.width !== width || classes.height !== height) {
      throw new ConversionError('MASK_SIZE_MISMATCH', `expected a class mask of ${width}×${height} (the instance mask ${job.maskDisplay}), got ${classes.width}×${classes.height}`, { file: display });
    }
  }

  // One scan traces every value but 0 and 255; a value with pixels always has a boundary, so the keys
  // of the result tell which objects have pixels and which values the XML lacks.
  const data = mask.data;
  const byLabel = labelledMaskToRings(data, width, height, { ...job.polygon, ignore: [0, VOID] });
  const classHistogram = classes ? histogramPerLabel(data, classes.data, job.objects) : undefined;
  const objects: ObjectResult[] = [];
  for (let k = 1; k <= Math.min(job.objects, VOID - 1); k++) {
    const rings = byLabel.get(k);
    const result: ObjectResult = { present: rings !== undefined, rings: [] };
    if (rings !== undefined) {
      result.rings = rings.map((ring) => ring.map((v, j) => v / (j % 2 === 0 ? width : height)));
      if (classHistogram) result.classValue = majority(classHistogram, k);
    }
    objects.push(result);
  }
  const unknownValues = [...byLabel.keys()].filter((v) => v > job.objects);
  return { ok: true, details, width, height, encoding: mask.encoding, objects, unknownValues };
}

/** counts[k * 256 + c]: pixels of object k that carry class value c. */
function histogramPerLabel(objects: Uint8Array, classes: Uint8Array, count: number): Uint32Array {
  const hist = new Uint32Array(256 * 256);
  for (let i = 0; i < objects.length; i++) {
    const k = objects[i]!;
    if (k !== 0 && k <= count) hist[k * 256 + classes[i]!]!++;
  }
  return hist;
}

function majority(hist: Uint32Array, k: number): number {
  let best = -1;
  let bestCount = 0;
  for (let c = 1; c < VOID; c++) {
    const n = hist[k * 256 + c]!;
    if (n > bestCount) {
      best = c;
      bestCount = n;
    }
  }
  if (best >= 0) return best;
  return hist[k * 256]! >= hist[k * 256 + VOID]! ? 0 : VOID;
}
