/**
 * `automl-img stats <file.jsonl...>`: what is in AutoML JSONL files, per file and per label.
 *
 * @example
 *   automl-img stats out/train_annotations.jsonl out/validation_annotations.jsonl
 *   → a table per file (and one for all files): images and objects per label, background images,
 *     object sizes, duplicate image_urls
 *
 * Object size is the share of the image's area that the object's box covers (for a polygon, the
 * box around all its rings): min, median and max per label, and three buckets, small (< 1% of the
 * image), medium (1% to 10%) and large (≥ 10%). Shares need no `image_details`, and are what the
 * model sees after AutoML resizes the image. Lines that are not JSON objects are counted as
 * `unreadable` and left out (run `validate` to see why). Files are streamed; memory grows with the
 * distinct `image_url`s and 8 bytes per object (for the medians).
 */
import { resolve } from 'node:path';
import { ConversionError } from '../errors.js';
import { MAX_TRACKED_URLS, taskOfLabel } from './check.js';
import { displayFile, fileProblem, readJsonlLines } from './read.js';
import type { Task } from '../types.js';

/** Object size buckets, as shares of the image area: small < 0.01 ≤ medium < 0.1 ≤ large. */
export const SIZE_BUCKETS = { small: 0.01, medium: 0.1 } as const;

/** Images and objects of one label. */
export interface LabelStats {
  /** Images with this label (an image counts once however many objects it has). */
  images: number;
  /** Objects with this label (0 for classification). */
  objects: number;
  /** Object area as a share of the image area (objects with numeric coordinates only). */
  area?: { min: number; median: number; max: number };
  /** Objects per size bucket ({@link SIZE_BUCKETS}). */
  sizes?: { small: number; medium: number; large: number };
}

/** The counts of one file, or of all files together. */
export interface StatsCounts {
  lines: number;
  /** Lines that are JSON objects. */
  images: number;
  /** Images whose label is `[]` (no objects, no labels). */
  background: number;
  objects: number;
  /** Lines repeating an `image_url` seen earlier in the same file. */
  duplicates: number;
  /** Lines that are not JSON objects (malformed, or another JSON value); blank lines are not counted. */
  unreadable: number;
  /** By label name, sorted. */
  labels: Record<string, LabelStats>;
}

export interface FileStats extends StatsCounts {
  file: string;
  /** Detected from the first labelled line; null when none shows it. */
  task: Task | null;
}

/** What `stats --json` prints. */
export interface StatsReport {
  files: FileStats[];
  total: StatsCounts & {
    files: number;
    /** `image_url`s found in more than one of the files (a train/validation leak). */
    sharedBetweenFiles: number;
  };
}

/** A growable list of numbers. */
class Floats {
  private data = new Float64Array(16);
  length = 0;
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new Float64Array(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  values(): Float64Array {
    return this.data.subarray(0, this.length);
  }
}

interface LabelAcc {
  images: number;
  objects: number;
  areas: Floats;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * The area share of an object's box (for a polygon, the box around its rings), rounded to 12
 * decimals (coordinates have 6: this drops the float noise of `0.3 - 0.2`, so a 0.1 × 0.1 box is
 * exactly 1%); undefined without numeric coordinates.
 */
export function objectArea(o: Record<string, unknown>): number | undefined {
  const share = boxShare(o);
  return share === undefined ? undefined : Number(share.toFixed(12));
}

function boxShare(o: Record<string, unknown>): number | undefined {
  if ('polygon' in o) {
    if (!Array.isArray(o['polygon'])) return undefined;
    let x0 = Infinity,
      y0 = Infinity,
      x1 = -Infinity,
      y1 = -Infinity;
    for (const ring of o['polygon'] as unknown[]) {
      if (!Array.isArray(ring)) return undefined;
      for (let i = 0; i + 1 < ring.length; i += 2) {
        const x = ring[i],
          y = ring[i + 1];
        if (typeof x !== 'number' || typeof y !== 'number') return undefined;
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
    if (x0 === Infinity) return undefined;
    return (clamp01(x1) - clamp01(x0)) * (clamp01(y1) - clamp01(y0));
  }
  const [tx, ty, bx, by] = [o['topX'], o['topY'], o['bottomX'], o['bottomY']];
  if (typeof tx !== 'number' || typeof ty !== 'number' || typeof bx !== 'number' || typeof by !== 'number') return undefined;
  return Math.max(0, clamp01(bx) - clamp01(tx)) * Math.max(0, clamp01(by) - clamp01(ty));
}

const round6 = (v: number) => {
  const r = Number(v.toFixed(6));
  return r === 0 ? 0 : r;
};

function summarise(acc: Map<string, LabelAcc>): Record<string, LabelStats> {
  const out: Record<string, LabelStats> = {};
  for (const name of [...acc.keys()].sort()) {
    const a = acc.get(name)!;
    const s: LabelStats = { images: a.images, objects: a.objects };
    if (a.areas.length > 0) {
      const sorted = Float64Array.from(a.areas.values()).sort();
      const n = sorted.length;
      const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
      s.area = { min: round6(sorted[0]!), median: round6(median), max: round6(sorted[n - 1]!) };
      let small = 0,
        medium = 0;
      for (const v of sorted) {
        if (v < SIZE_BUCKETS.small) small++;
        else if (v < SIZE_BUCKETS.medium) medium++;
      }
      s.sizes = { small, medium, large: n - small - medium };
    }
    out[name] = s;
  }
  return out;
}

/** Options of {@link jsonlStats}. */
export interface StatsOptions {
  signal?: AbortSignal | undefined;
  /** What the file name `-` reads. Default `process.stdin`. */
  stdin?: NodeJS.ReadableStream | undefined;
}

/**
 * Counts what is in JSONL files (SPEC §6 stats).
 * @param files the files; `-` is standard input
 * @throws ConversionError INPUT_NOT_FOUND when a file cannot be read
 */
export async function jsonlStats(files: readonly string[], options: StatsOptions = {}): Promise<StatsReport> {
  const emptyCounts = (): StatsCounts => ({ lines: 0, images: 0, background: 0, objects: 0, duplicates: 0, unreadable: 0, labels: {} });
  const total: StatsReport['total'] = { files: files.length, ...emptyCounts(), sharedBetweenFiles: 0 };
  const totalAcc = new Map<string, { images: number; objects: number; areas: Float64Array[] }>();
  /** image_url → index of the last file it was seen in × 2, + 1 once counted as shared. */
  const seen = new Map<string, number>();
  const result: FileStats[] = [];
  for (let fi = 0; fi < files.length; fi++) {
    const abs = files[fi] === '-' ? '-' : resolve(files[fi]!);
    const file = displayFile(files[fi]!);
    const problem = await fileProblem(abs);
    if (problem) throw new ConversionError('INPUT_NOT_FOUND', problem, { file });
    const stats: FileStats = { file, task: null, ...emptyCounts() };
    const acc = new Map<string, LabelAcc>();
    const labelAcc = (name: string) => {
      let a = acc.get(name);
      if (!a) acc.set(name, (a = { images: 0, objects: 0, areas: new Floats() }));
      return a;
    };
    for await (const { line, text } of readJsonlLines(abs === '-' ? (options.stdin ?? process.stdin) : abs)) {
      stats.lines++;
      if (line % 1024 === 0 && options.signal?.aborted) throw new ConversionError('INTERRUPTED', 'interrupted', {}, { exitCode: 130 });
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        stats.unreadable++;
        continue;
      }
      if (!isObject(value)) {
        stats.unreadable++;
        continue;
      }
      stats.images++;
      const url = value['image_url'];
      if (typeof url === 'string') {
        const v = seen.get(url);
        if (v === undefined) {
          if (seen.size < MAX_TRACKED_URLS) seen.set(url, fi * 2);
        } else if (v >> 1 === fi) stats.duplicates++;
        else {
          if ((v & 1) === 0) total.sharedBetweenFiles++;
          seen.set(url, fi * 2 + 1);
        }
      }
      const label = value['label'];
      stats.task ??= taskOfLabel(label) ?? null;
      if (typeof label === 'string') {
        labelAcc(label).images++;
        continue;
      }
      if (!Array.isArray(label)) continue;
      if (label.length === 0) stats.background++;
      const names = new Set<string>();
      for (const item of label) {
        if (typeof item === 'string') names.add(item);
        else if (isObject(item)) {
          stats.objects++;
          const name = typeof item['label'] === 'string' ? item['label'] : '(no label)';
          names.add(name);
          const a = labelAcc(name);
          a.objects++;
          const area = objectArea(item);
          if (area !== undefined) a.areas.push(area);
        }
      }
      for (const name of names) labelAcc(name).images++;
    }
    stats.labels = summarise(acc);
    result.push(stats);
    for (const key of ['lines', 'images', 'background', 'objects', 'duplicates', 'unreadable'] as const) total[key] += stats[key];
    for (const [name, a] of acc) {
      const t = totalAcc.get(name) ?? { images: 0, objects: 0, areas: [] };
      t.images += a.images;
      t.objects += a.objects;
      t.areas.push(a.areas.values());
      totalAcc.set(name, t);
    }
  }
  const merged = new Map<string, LabelAcc>();
  for (const [name, t] of totalAcc) {
    const areas = new Floats();
    for (const part of t.areas) for (const v of part) areas.push(v);
    merged.set(name, { images: t.images, objects: t.objects, areas });
  }
  total.labels = summarise(merged);
  return { files: result, total };
}
