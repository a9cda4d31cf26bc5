/**
 * One record → one JSON line, exactly as SPEC §1 says: keys `image_url`, `image_details`, `label`
 * in that order; coordinates rounded to `precision` decimals and written in their shortest form.
 */
import type { ImageDetails, ImageRecord, Label } from './types.js';

/** Rounds to `precision` decimals; never returns -0. */
export function roundTo(x: number, precision: number): number {
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
  const s = String(r);
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
