/**
 * One record → one JSON line, exactly as SPEC §1 says: keys `image_url`, `image_details`, `label`
 * in that order; coordinates rounded to `precision` decimals and written in their shortest form.
 */
import type { ImageDetails, ImageRecord, Label } from './types.js';

const POWERS_OF_TEN = Array.from({ length: 16 }, (_, i) => 10 ** i);

/**
 * Rounds to `precision` decimals exactly as `Number(x.toFixed(precision))` does (the exact binary
 * value, ties away from zero); never returns -0.
 *
 * Fast path: `Math.round(x × 10^p) / 10^p`. The product carries at most an ulp of error, so its
 * rounding can differ from toFixed's only when it lies near a tie (….5); those few values, and
 * values whose product has an ulp near 1e-6 or more, go through toFixed. The division of two exact
 * integers is correctly rounded, so it gives the same double as parsing toFixed's decimal string.
 */
export function roundTo(x: number, precision: number): number {
  const scale = POWERS_OF_TEN[precision];
  if (scale !== undefined) {
    const scaled = Math.abs(x) * scale;
    if (scaled < 2 ** 32) {
      const frac = scaled - Math.floor(scaled);
      if (Math.abs(frac - 0.5) > 1e-6) {
        const r = Math.round(scaled) / scale;
        return r === 0 ? 0 : x < 0 ? -r : r;
      }
    }
  }
  const r = Number(x.toFixed(precision));
  return r === 0 ? 0 : r;
}

/**
 * A coordinate as written: rounded to `precision` decimals, in the shortest decimal form that reads
 * back as that value, never in exponent notation (`0.0000001`, not `1e-7`), never `-0`.
 * @throws TypeError for NaN and infinities (a converter bug: JSON has no such numbers)
 */
export function formatNumber(x: number, precision: number): string {
  // Normalised coordinates (0 to 1, precision 0 to 9), nearly every number written: the digits of
  // the rounded integer from tables, without a double-to-decimal conversion (about 3x faster).
  if (x >= 0 && x <= 1 && precision <= 9) {
    const scale = POWERS_OF_TEN[precision]!;
    const scaled = x * scale;
    const below = Math.floor(scaled);
    const frac = scaled - below;
    // roundTo's fast path, whose result is n / 10^p; its shortest form is the p digits of n with
    // their trailing zeros dropped (two decimals of 15 digits or fewer never share a double).
    if (Math.abs(frac - 0.5) > 1e-6) return unitFraction(Math.round(scaled), precision);
    // Near a tie, which is common (a YOLO box's edge, centre less half its width, has one decimal
    // more than its numbers: half of them land on a tie): toFixed's n, decided exactly without it.
    return unitFraction(atOrAboveTie(x, 2 * scale, 2 * below + 1) ? below + 1 : below, precision);
  }
  if (!Number.isFinite(x)) throw new TypeError(`cannot write ${x} in JSON (a converter produced a non-finite coordinate)`);
  const r = roundTo(x, precision);
  // The same text as String(r) for a finite number, but String() goes through V8's number-string
  // cache, which keeps every written coordinate alive into the old heap (measured on a 703 MB COCO
  // file: 266 MB → 207 MB peak, 7.3 s → 6.5 s; bench/coco/RESULTS.md).
  const s = JSON.stringify(r);
  if (!s.includes('e')) return s;
  const fixed = r.toFixed(precision);
  return fixed.includes('.') ? fixed.replace(/0+$/, '').replace(/\.$/, '') : fixed;
}

/** 2^27 + 1: splits a double into two halves whose products are exact (Dekker). */
const SPLITTER = 134217729;

/**
 * Whether x × m ≥ t, exactly, for x × m within a factor of two of the integer t (x ≥ 0, m ≤ 2 × 10^9):
 * toFixed's rule at a tie (n + ½ rounds to n + 1), without its decimal conversion. The product is
 * rounded to `p` and its error `e` (x × m = p + e) found by Dekker's exact product; p − t is exact
 * (Sterbenz), and the sign of (p − t) + e is the sign of the exact difference.
 */
function atOrAboveTie(x: number, m: number, t: number): boolean {
  const p = x * m;
  let c = SPLITTER * x;
  const xHi = c - (c - x);
  const xLo = x - xHi;
  c = SPLITTER * m;
  const mHi = c - (c - m);
  const mLo = m - mHi;
  const e = xHi * mHi - p + xHi * mLo + xLo * mHi + xLo * mLo;
  return p - t + e >= 0;
}

/** `000` to `999`, and the same without their trailing zeros (`''` for 0). */
const DIGITS3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
const DIGITS3_TRIMMED = DIGITS3.map((d) => d.replace(/0+$/, ''));

/** n / 10^p (0 ≤ n ≤ 10^p, p ≤ 9) written in its shortest form: `0`, `1` or `0.` and p digits without trailing zeros. */
function unitFraction(n: number, p: number): string {
  const scale = POWERS_OF_TEN[p]!;
  if (n === 0) return '0';
  if (n === scale) return '1';
  // Widen to 3, 6 or 9 digits (appending zeros, which are dropped again) and write groups of three.
  const groups = p <= 3 ? 1 : p <= 6 ? 2 : 3;
  const m = n * POWERS_OF_TEN[groups * 3 - p]!;
  if (groups === 1) return '0.' + DIGITS3_TRIMMED[m]!;
  if (groups === 2) {
    const hi = Math.floor(m / 1000);
    const lo = m - hi * 1000;
    return lo === 0 ? '0.' + DIGITS3_TRIMMED[hi]! : '0.' + DIGITS3[hi]! + DIGITS3_TRIMMED[lo]!;
  }
  const a = Math.floor(m / 1_000_000);
  const rest = m - a * 1_000_000;
  const b = Math.floor(rest / 1000);
  const c = rest - b * 1000;
  if (c !== 0) return '0.' + DIGITS3[a]! + DIGITS3[b]! + DIGITS3_TRIMMED[c]!;
  return b !== 0 ? '0.' + DIGITS3[a]! + DIGITS3_TRIMMED[b]! : '0.' + DIGITS3_TRIMMED[a]!;
}

/** `base` + `path`, adding a `/` between them when `base` is not empty and lacks one. */
export function imageUrl(baseUrl: string, path: string): string {
  if (!baseUrl) return path;
  return baseUrl.endsWith('/') ? baseUrl + path : `${baseUrl}/${path}`;
}

function detailsJson(d: ImageDetails): string {
  const parts: string[] = [];
  if (d.format !== undefined) parts.push(`"format":${JSON.stringify(d.format)}`);
  if (d.width !== undefined) parts.push(`"width":${d.width}`);
  if (d.height !== undefined) parts.push(`"height":${d.height}`);
  return `{${parts.join(',')}}`;
}

function labelJson(label: Label, precision: number): string {
  if (typeof label === 'string') return JSON.stringify(label);
  // Appended piece by piece (no array of parts and join per object: ~a third of this function's time
  // on COCO's 860,000 boxes).
  let out = '[';
  for (let i = 0; i < label.length; i++) {
    const item = label[i]!;
    if (i > 0) out += ',';
    if (typeof item === 'string') {
      out += JSON.stringify(item);
    } else if ('polygon' in item) {
      out += `{"label":${JSON.stringify(item.label)},"isCrowd":${item.isCrowd},"polygon":[`;
      for (let r = 0; r < item.polygon.length; r++) {
        const ring = item.polygon[r]!;
        out += r > 0 ? ',[' : '[';
        for (let k = 0; k < ring.length; k++) out += (k > 0 ? ',' : '') + formatNumber(ring[k]!, precision);
        out += ']';
      }
      out += ']}';
    } else {
      out +=
        '{"label":' +
        JSON.stringify(item.label) +
        ',"topX":' +
        formatNumber(item.topX, precision) +
        ',"topY":' +
        formatNumber(item.topY, precision) +
        ',"bottomX":' +
        formatNumber(item.bottomX, precision) +
        ',"bottomY":' +
        formatNumber(item.bottomY, precision) +
        ',"isCrowd":' +
        item.isCrowd +
        '}';
    }
  }
  return out + ']';
}

/** The JSON line of a record, without the newline. */
export function recordToJson(record: ImageRecord, baseUrl: string, precision: number): string {
  const url = `"image_url":${JSON.stringify(imageUrl(baseUrl, record.path))}`;
  const details = record.details && Object.keys(record.details).length > 0 ? `,"image_details":${detailsJson(record.details)}` : '';
  return `{${url}${details},"label":${labelJson(record.label, precision)}}`;
}

/** The label names of a record (for stratifying and the summary), without repeats. */
export function labelNames(label: Label): string[] {
  if (typeof label === 'string') return [label];
  const names = new Set<string>();
  for (const item of label) names.add(typeof item === 'string' ? item : item.label);
  return [...names];
}

/** Objects in a record (0 for classification). */
export function objectCount(label: Label): number {
  if (typeof label === 'string') return 0;
  let n = 0;
  for (const item of label) if (typeof item !== 'string') n++;
  return n;
}
