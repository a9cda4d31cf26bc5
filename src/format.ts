/**
 * One record → one JSON line, exactly as SPEC §1 says: keys `image_url`, `image_details`, `label`
 * in that order; coordinates rounded to `precision` decimals and written in their shortest form.
 */
import type { FormattedRecord, ImageDetails, ImageRecord, Label } from './types.js';

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
  const parts: string[] = [];
  for (const item of label) {
    if (typeof item === 'string') {
      parts.push(JSON.stringify(item));
    } else if ('polygon' in item) {
      const rings = item.polygon.map((ring) => `[${ring.map((v) => formatNumber(v, precision)).join(',')}]`);
      parts.push(`{"label":${JSON.stringify(item.label)},"isCrowd":${item.isCrowd},"polygon":[${rings.join(',')}]}`);
    } else {
      const r = (v: number) => formatNumber(v, precision);
      parts.push(
        `{"label":${JSON.stringify(item.label)},"topX":${r(item.topX)},"topY":${r(item.topY)},` +
          `"bottomX":${r(item.bottomX)},"bottomY":${r(item.bottomY)},"isCrowd":${item.isCrowd}}`,
      );
    }
  }
  return `[${parts.join(',')}]`;
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

/**
 * A record as the writer would format it (its line, label names and object count): what a
 * converter puts in `ImageRecord.formatted` when it formats lines in a worker thread.
 */
export function formatRecord(record: ImageRecord, baseUrl: string, precision: number): FormattedRecord {
  return { line: recordToJson(record, baseUrl, precision), labels: labelNames(record.label), objects: objectCount(record.label) };
}
