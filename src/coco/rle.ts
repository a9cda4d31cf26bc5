/**
 * COCO run-length encoding: the `segmentation` of crowd annotations (and of some non-crowd ones).
 *
 * An RLE is `{"size": [height, width], "counts": ...}`. The counts are run lengths over the pixels
 * in column-major (Fortran) order — down the first column, then the second — alternating between
 * background and object, starting with background (a mask whose first pixel is set starts with 0).
 * They sum to height × width. `counts` is either a list of numbers (uncompressed RLE) or a string
 * (compressed RLE, pycocotools' `rleToString`): each count is stored as the difference from the
 * count two places before it (from the fourth count on), in 5-bit groups, least significant first,
 * with bit 0x20 meaning "more groups follow" and bit 0x10 of the last group the sign, each group
 * written as the character `48 + group`.
 *
 * Masks here are what the polygon module takes: row-major, one byte a pixel, 1 for the object.
 *
 * @example
 *   const rle = parseRle(annotation.segmentation, { file, path: 'annotations[7].segmentation' });
 *   const mask = rleToMask(rle);                       // Uint8Array of rle.height * rle.width
 *   rleArea(rle.counts);                               // pixels of the object
 *   encodeRle(mask, rle.width, rle.height, 'compressed'); // { size: [h, w], counts: '...' }
 */
import { ConversionError, describeValue, type Location } from '../errors.js';

/** An RLE checked and with its counts as numbers. */
export interface Rle {
  height: number;
  width: number;
  /** Run lengths, column-major, starting with background; they sum to `height * width`. */
  counts: number[];
}

/** An RLE in COCO's JSON form. */
export interface CocoRle {
  size: [height: number, width: number];
  counts: number[] | string;
}

/** Which form of `counts` to write: a string (compressed) or a list of numbers (uncompressed). */
export type RleForm = 'compressed' | 'uncompressed';

/** 2^53: counts beyond it cannot be told apart as numbers. */
const MAX_COUNT = Number.MAX_SAFE_INTEGER;

/**
 * Checks a COCO RLE (`{"size": [h, w], "counts": [...] | "..."}`) and decodes compressed counts.
 * Throws `BAD_RLE` naming what is wrong: a size that is not two non-negative integers, counts that are
 * neither a list of non-negative integers nor a valid compressed string, or counts whose sum is not
 * h × w. `where` locates the segmentation value; messages about a member add `.size` or `.counts`.
 * Uncompressed counts are returned as they are (the same array), not copied.
 */
export function parseRle(value: unknown, where: Location = {}): Rle {
  const at = (member: string): Location => ({ ...where, path: where.path ? `${where.path}.${member}` : member });
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConversionError('BAD_RLE', `expected an RLE object with "size" and "counts", found ${describeValue(value)}`, where);
  }
  const size: unknown = (value as Record<string, unknown>)['size'];
  const rawCounts: unknown = (value as Record<string, unknown>)['counts'];
  if (!Array.isArray(size) || size.length !== 2 || !size.every(isCount)) {
    const found = Array.isArray(size) ? JSON.stringify(size).slice(0, 60) : describeValue(size);
    throw new ConversionError('BAD_RLE', `expected [height, width] as two non-negative integers, found ${found}`, at('size'));
  }
  const [height, width] = size as [number, number];
  let counts: number[];
  if (typeof rawCounts === 'string') {
    counts = stringToCounts(rawCounts, at('counts'));
  } else if (Array.isArray(rawCounts)) {
    rawCounts.forEach((c: unknown, i) => {
      if (!isCount(c)) {
        throw new ConversionError('BAD_RLE', `expected run lengths as non-negative integers, found ${describeValue(c)} at index ${i}`, at('counts'));
      }
    });
    counts = rawCounts as number[];
  } else {
    throw new ConversionError('BAD_RLE', `expected counts as a list of numbers or a compressed string, found ${describeValue(rawCounts)}`, at('counts'));
  }
  const total = sum(counts);
  if (total !== height * width) {
    throw new ConversionError('BAD_RLE', `run lengths add up to ${total}, expected height × width = ${height} × ${width} = ${height * width}`, at('counts'));
  }
  return { height, width, counts };
}

/** The row-major mask (1 = object) of a checked RLE. */
export function rleToMask({ height, width, counts }: Rle): Uint8Array {
  const mask = new Uint8Array(height * width);
  let pos = 0;
  for (let i = 0; i < counts.length; i++) {
    const run = counts[i]!;
    if (i & 1 && run > 0) {
      let x = Math.floor(pos / height);
      let y = pos - x * height;
      for (let k = 0; k < run; k++) {
        mask[y * width + x] = 1;
        if (++y === height) {
          y = 0;
          x++;
        }
      }
    }
    pos += run;
  }
  return mask;
}

/** `parseRle` then `rleToMask`: the mask of a COCO RLE value, with its size. */
export function decodeRle(value: unknown, where: Location = {}): { mask: Uint8Array; width: number; height: number } {
  const rle = parseRle(value, where);
  return { mask: rleToMask(rle), width: rle.width, height: rle.height };
}

/** Run lengths of a row-major mask (any nonzero byte is the object), column-major, starting with background. */
export function maskToCounts(mask: Uint8Array, width: number, height: number): number[] {
  if (mask.length !== width * height) throw new RangeError(`mask has ${mask.length} bytes, expected ${width} × ${height}`);
  const counts: number[] = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < width; x++) {
    for (let i = x; i < mask.length; i += width) {
      const v = mask[i] === 0 ? 0 : 1;
      if (v !== value) {
        counts.push(run);
        run = 0;
        value = v;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

/** The COCO RLE of a row-major mask, with `counts` as a string (`'compressed'`) or a list. */
export function encodeRle(mask: Uint8Array, width: number, height: number, form: RleForm = 'compressed'): CocoRle {
  const counts = maskToCounts(mask, width, height);
  return { size: [height, width], counts: form === 'compressed' ? countsToString(counts) : counts };
}

/** Compressed form of run lengths (pycocotools `rleToString`). */
export function countsToString(counts: readonly number[]): string {
  let out = '';
  for (let i = 0; i < counts.length; i++) {
    let x = i > 2 ? counts[i]! - counts[i - 2]! : counts[i]!;
    for (let more = true; more; ) {
      const group = ((x % 32) + 32) % 32;
      x = Math.floor(x / 32);
      more = group & 0x10 ? x !== -1 : x !== 0;
      out += String.fromCharCode(48 + (more ? group | 0x20 : group));
    }
  }
  return out;
}

/**
 * Run lengths of a compressed `counts` string (pycocotools `rleFrString`). Throws `BAD_RLE` on a
 * character outside `0`–`o`, a string that ends inside a count, or a count that comes out negative.
 */
export function stringToCounts(s: string, where: Location = {}): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    const first = p;
    let x = 0;
    let scale = 1;
    for (;;) {
      if (p >= s.length) {
        throw new ConversionError('BAD_RLE', `compressed counts end inside a run length (from character ${first})`, where);
      }
      const code = s.charCodeAt(p);
      const group = code - 48;
      if (group < 0 || group > 63) {
        throw new ConversionError('BAD_RLE', `compressed counts: unexpected character ${JSON.stringify(s[p])} at ${p}, expected one of "0"–"o"`, where);
      }
      p++;
      x += (group & 0x1f) * scale;
      scale *= 32;
      if (!(group & 0x20)) {
        if (group & 0x10) x -= scale;
        break;
      }
      if (scale > MAX_COUNT) {
        throw new ConversionError('BAD_RLE', `compressed counts: run length at character ${first} is too large`, where);
      }
    }
    if (counts.length > 2) x += counts[counts.length - 2]!;
    if (x < 0) {
      throw new ConversionError('BAD_RLE', `compressed counts: run length ${counts.length} comes out negative (${x})`, where);
    }
    counts.push(x);
  }
  return counts;
}

/** Pixels of the object: the sum of the odd-indexed runs. */
export function rleArea(counts: readonly number[]): number {
  let area = 0;
  for (let i = 1; i < counts.length; i += 2) area += counts[i]!;
  return area;
}

/**
 * The object's bounding box `[x, y, width, height]` in whole pixels, straight from the runs
 * (without decoding the mask); `[0, 0, 0, 0]` when the object is empty.
 */
export function rleBbox({ height, counts }: Rle): [number, number, number, number] {
  let xmin = Infinity;
  let xmax = -1;
  let ymin = Infinity;
  let ymax = -1;
  let pos = 0;
  for (let i = 0; i < counts.length; i++) {
    const run = counts[i]!;
    if (i & 1 && run > 0) {
      const last = pos + run - 1;
      const x0 = Math.floor(pos / height);
      const x1 = Math.floor(last / height);
      const y0 = pos - x0 * height;
      const y1 = last - x1 * height;
      if (x0 < xmin) xmin = x0;
      if (x1 > xmax) xmax = x1;
      if (x0 === x1) {
        if (y0 < ymin) ymin = y0;
        if (y1 > ymax) ymax = y1;
      } else {
        // The run goes down to the bottom of column x0 and starts again at the top of x0 + 1.
        ymin = 0;
        ymax = height - 1;
      }
    }
    pos += run;
  }
  if (xmax < 0) return [0, 0, 0, 0];
  return [xmin, ymin, xmax - xmin + 1, ymax - ymin + 1];
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= MAX_COUNT;
}

function sum(counts: readonly number[]): number {
  let total = 0;
  for (const c of counts) total += c;
  return total;
}
