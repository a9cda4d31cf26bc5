/**
 * Generated COCO documents for the thread tests (test/coco/threads*.test.ts): a JSON writer with every
 * spelling JSON allows, documents with good and bad annotations of every kind, faults (truncation,
 * inserted and deleted bytes), and {@link outcome}: what a run gives that must not depend on the threads.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { expect } from 'vitest';
import { cocoConverter, DEFAULT_TUNING, RANGE_BYTES } from '../../converters/coco-to-jsonl.js';
import { encodeRle } from '../../src/coco/rle.js';
import { CocoIndex } from '../../src/coco/index.js';
import { elementRanges, readTopLevelArrays, TopLevelArrays, type ElementRange } from '../../src/coco/json/index.js';
import { pass1Arrays, type Pass2Setup } from '../../src/coco/pass2.js';
import { convert } from '../../src/convert.js';
import { ConversionError } from '../../src/errors.js';
import type { ConvertOptions, Summary } from '../../src/types.js';
import { makeTempDir, removeDir } from '../helpers/fs.js';
import { prng } from '../../bench/prng.js';

// ---------------------------------------------------------------------------------------------
// A JSON writer with every spelling JSON allows: whitespace between tokens, escapes, number forms.

const SPACES = ['', '', '', ' ', '\n', '\t', '\r\n  ', ' \n\n '];

export function spell(value: unknown, seed: number): string {
  const r = prng(seed);
  const ws = () => SPACES[Math.floor(r() * SPACES.length)]!;
  const str = (s: string): string => {
    let out = '"';
    for (let i = 0; i < s.length; i++) {
      const c = s[i]!;
      const code = s.charCodeAt(i);
      if (c === '"') out += '\\"';
      else if (c === '\\') out += '\\\\';
      else if (code < 0x20) out += r() < 0.5 ? `\\u${code.toString(16).padStart(4, '0')}` : JSON.stringify(c).slice(1, -1);
      else if (c === '/' && r() < 0.5) out += '\\/';
      else if (r() < 0.08) out += `\\u${r() < 0.5 ? code.toString(16).padStart(4, '0') : code.toString(16).padStart(4, '0').toUpperCase()}`;
      else out += c;
    }
    return out + '"';
  };
  const num = (n: number): string => {
    const text = JSON.stringify(n);
    if (Number.isInteger(n) && Math.abs(n) < 1e6 && r() < 0.2) return r() < 0.5 ? `${text}.0` : `${text}E0`;
    return text;
  };
  const go = (v: unknown): string => {
    if (v === null || typeof v === 'boolean') return String(v);
    if (typeof v === 'number') return num(v);
    if (typeof v === 'string') return str(v);
    if (Array.isArray(v)) return `[${ws()}${v.map((x) => go(x)).join(`${ws()},${ws()}`)}${ws()}]`;
    const entries = Object.entries(v as object);
    return `{${ws()}${entries.map(([k, x]) => `${str(k)}${ws()}:${ws()}${go(x)}`).join(`${ws()},${ws()}`)}${ws()}}`;
  };
  return `${ws()}${go(value)}${ws()}`;
}

// ---------------------------------------------------------------------------------------------
// Generated COCO documents.

/** Characters that matter to the scanner and the guess, and some that matter to UTF-8. */
const nasty = fc.string({ unit: fc.constantFrom('{', '}', ',', '"', '\\', '[', ']', ':', ' ', '\n', 'a', 'é', '日', '😀', '\u2028', '\u0001', '/', '}, {', '},{'), maxLength: 12 });

const idOf = (k: number, asString: boolean): number | string => (asString ? `i${k}` : k * 7 + 1);

interface Shape {
  images: { stringId: boolean; width: number; height: number; name: string; bad: number }[];
  categories: { stringId: boolean; name: string; bad: number }[];
  annotations: { kind: number; image: number; category: number; id: number; note: string | undefined; x: number; y: number; w: number; h: number; seed: number }[];
  order: number;
  extras: boolean;
  /** 1: a BOM; 2, 3: `categories` or `annotations` a second time at the end; 4: annotations null; 5: []; 6, 7: no annotations, no categories. */
  variant: number;
}

const shape: fc.Arbitrary<Shape> = fc.record({
  images: fc.array(fc.record({ stringId: fc.boolean(), width: fc.integer({ min: 1, max: 9 }), height: fc.integer({ min: 1, max: 9 }), name: nasty, bad: fc.integer({ min: 0, max: 60 }) }), {
    minLength: 1,
    maxLength: 6,
  }),
  categories: fc.array(fc.record({ stringId: fc.boolean(), name: nasty, bad: fc.integer({ min: 0, max: 30 }) }), { minLength: 1, maxLength: 4 }),
  annotations: fc.array(
    fc.record({
      kind: fc.integer({ min: 0, max: 70 }),
      image: fc.nat(),
      category: fc.nat(),
      id: fc.integer({ min: -3, max: 60 }),
      note: fc.option(nasty, { nil: undefined }),
      x: fc.integer({ min: -1, max: 4 }),
      y: fc.integer({ min: -1, max: 4 }),
      w: fc.integer({ min: 1, max: 6 }),
      h: fc.integer({ min: 1, max: 6 }),
      seed: fc.nat(),
    }),
    { minLength: 0, maxLength: 80, size: 'large' },
  ),
  order: fc.integer({ min: 0, max: 5 }),
  extras: fc.boolean(),
  variant: fc.integer({ min: 0, max: 16 }),
});

const ORDERS = [
  ['images', 'annotations', 'categories'],
  ['images', 'categories', 'annotations'],
  ['categories', 'images', 'annotations'],
  ['categories', 'annotations', 'images'],
  ['annotations', 'images', 'categories'],
  ['annotations', 'categories', 'images'],
];

/** A COCO document from a shape: mostly good annotations, some bad of every kind. */
export function documentOf(s: Shape): Record<string, unknown> {
  const images = s.images.map((im, k) => {
    const id = idOf(k, im.stringId);
    const e: Record<string, unknown> = { id, file_name: `d/${k}${im.name}.png`, width: im.width, height: im.height };
    if (im.bad === 1) delete e['width'];
    if (im.bad === 2) e['id'] = idOf(0, s.images[0]!.stringId); // a duplicate id (or the first itself)
    if (im.bad === 3) e['height'] = -4;
    if (im.bad === 4) return 'not an image';
    return e;
  });
  const categories = s.categories.map((c, k) => {
    const e: Record<string, unknown> = { id: idOf(k, c.stringId), name: `c${k % 3}${c.name}` };
    if (c.bad === 1) e['name'] = 7;
    if (c.bad === 2) e['id'] = idOf(0, s.categories[0]!.stringId);
    if (c.bad === 3) e['name'] = `c0${s.categories[0]!.name}`; // a second id for the same name
    return e;
  });
  const annotations = s.annotations.map((a) => {
    const k = a.image % s.images.length;
    const im = s.images[k]!;
    const image_id = idOf(k, im.stringId);
    const category_id = idOf(a.category % s.categories.length, s.categories[a.category % s.categories.length]!.stringId);
    const e: Record<string, unknown> = { id: a.id % 5 === 0 ? `a${a.id}` : a.id, image_id, category_id, iscrowd: 0 };
    if (a.note !== undefined) e['note'] = a.note;
    const poly = [a.x, a.y, a.x + a.w, a.y, a.x + a.w, a.y + a.h];
    e['bbox'] = [a.x, a.y, a.w, a.h];
    e['segmentation'] = [poly, [0.5, 0.5, 1.5, 0.5, 1, 1.5 + (a.seed % 3)]];
    switch (a.kind) {
      case 0:
        return 42; // not an object
      case 1:
        return `}, {${a.note ?? ''}`;
      case 2:
        e['image_id'] = 99999; // unknown
        break;
      case 3:
        e['image_id'] = typeof image_id === 'number' ? String(image_id) : image_id; // a number written as a string
        break;
      case 4:
        delete e['category_id'];
        break;
      case 5:
        e['bbox'] = [1, 1, 0, 3]; // empty box
        break;
      case 6:
        e['bbox'] = 'x';
        break;
      case 7:
        e['iscrowd'] = 2;
        break;
      case 8:
        delete e['bbox']; // detection: box from the polygons
        break;
      case 9: {
        // crowd RLE, counts as a list or compressed, bbox missing or given
        const mask = new Uint8Array(im.width * im.height).map((_, p) => ((p * 7 + a.seed) % 5 < 2 ? 1 : 0));
        e['iscrowd'] = 1;
        e['segmentation'] = encodeRle(mask, im.width, im.height, a.seed % 2 === 0 ? 'compressed' : 'uncompressed');
        if (a.seed % 3 === 0) delete e['bbox'];
        break;
      }
      case 10:
        e['segmentation'] = [[1, 2, 3]]; // odd number of coordinates
        delete e['bbox'];
        break;
      case 11:
        e['segmentation'] = { size: [im.height + 1, im.width], counts: [1, 2] }; // RLE of the wrong size
        break;
      case 12:
        e['attributes'] = [{ a: [{ b: '}, {' }] }, { c: {} }, []]; // nested objects after "},"
        break;
      case 13:
        e['segmentation'] = [];
        break;
      case 14:
        delete e['id'];
        break;
      default:
        break;
    }
    return e;
  });
  const doc: Record<string, unknown> = {};
  const parts: Record<string, unknown> = { images, annotations: s.variant === 4 ? null : s.variant === 5 ? [] : annotations, categories };
  if (s.variant === 6) delete parts['annotations'];
  if (s.variant === 7) delete parts['categories'];
  if (s.extras) doc['info'] = { description: '{"annotations": [{}, {}]}', list: [{}, { x: ['}, {'] }] };
  for (const key of ORDERS[s.order]!) if (key in parts) doc[key] = parts[key];
  if (s.extras) doc['licenses'] = [{ id: 1, name: '}, {' }];
  return doc;
}

/** What a file is made of: the document, its spelling, and maybe one fault. */
export const fileArb = fc.record({
  shape,
  spelling: fc.nat(),
  fault: fc.oneof(
    { weight: 6, arbitrary: fc.constant(undefined) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.integer({ min: 0, max: 10000 }).map((k) => k / 10000), bytes: fc.constant('') }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('insert' as const),
        at: fc.integer({ min: 0, max: 10000 }).map((k) => k / 10000),
        bytes: fc.constantFrom(',', ']', '}', '"', '{', '[', 'x', '\\', ':'),
      }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.integer({ min: 0, max: 10000 }).map((k) => k / 10000), bytes: fc.constant('') }) },
  ),
});

export type FileSpec = { shape: Shape; spelling: number; fault: { kind: 'truncate' | 'insert' | 'delete'; at: number; bytes: string } | undefined };

export function fileText(f: FileSpec): Buffer {
  let text = spell(documentOf(f.shape), f.spelling);
  // A key a second time (JSON_BAD_VALUE): written by hand, an object cannot hold it twice.
  if (f.shape.variant === 2) text = text.replace(/\}\s*$/, ',"categories":[]}');
  if (f.shape.variant === 3) text = text.replace(/\}\s*$/, ',"annotations":[{"id":1}]}');
  if (f.shape.variant === 1) text = '\ufeff' + text;
  const bytes = Buffer.from(text, 'utf8');
  const fault = f.fault;
  if (!fault) return bytes;
  const at = Math.min(bytes.length - 1, Math.floor(fault.at * bytes.length));
  if (fault.kind === 'truncate') return bytes.subarray(0, at);
  if (fault.kind === 'delete') return Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
  return Buffer.concat([bytes.subarray(0, at), Buffer.from(fault.bytes), bytes.subarray(at)]);
}

// ---------------------------------------------------------------------------------------------
// Running and comparing.

/** Threads and internals of a run (see CocoTuning in converters/coco-to-jsonl.ts). */
export interface Knobs {
  jobs: number;
  rangeBytes: number;
  splitMinBytes?: number | undefined;
  splitFrom?: ((size: number) => number) | undefined;
}

/** What a run gives that must not depend on the threads: the output bytes and the summary, or the error. */
export interface Outcome {
  train?: string;
  validation?: string;
  summary?: Partial<Summary>;
  error?: { code: string; path: string | undefined; detail: string; exitCode: number; errors: unknown; warnings: unknown; counts: unknown };
}

export const comparable = (s: Summary): Partial<Summary> => ({ ...s, outputs: s.outputs.map((p) => p.slice(p.lastIndexOf('/') + 1)) });

export async function outcome(json: string, options: ConvertOptions, knobs: Knobs): Promise<Outcome> {
  const converter = cocoConverter({ rangeBytes: knobs.rangeBytes, splitMinBytes: knobs.splitMinBytes, splitFrom: knobs.splitFrom ?? DEFAULT_TUNING.splitFrom });
  const out = makeTempDir('coco-threads-out-');
  try {
    const summary = await convert(converter, json, { out, ...options, jobs: knobs.jobs });
    const read = (name: string) => (existsSync(join(out, name)) ? readFileSync(join(out, name), 'utf8') : '');
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([]); // no temporary file left
    return { train: read('train_annotations.jsonl'), validation: read('validation_annotations.jsonl'), summary: comparable(summary) };
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    expect(readdirSync(out)).toEqual([]); // nothing written, nothing left
    const s = (e as unknown as { summary?: Summary }).summary;
    return { error: { code: e.code, path: e.path, detail: e.detail, exitCode: e.exitCode, errors: s?.errors, warnings: s?.warnings, counts: s?.counts } };
  } finally {
    removeDir(out);
  }
}

export const ONE_THREAD = { jobs: 1, rangeBytes: RANGE_BYTES };

/** Pass 1 stops at the guess and asks whether to end there: how many times it did end there (the split taken). */
export const splits = { taken: 0, refused: 0 };
const stopBefore = TopLevelArrays.prototype.stopBefore;
TopLevelArrays.prototype.stopBefore = function (this: TopLevelArrays, offset: number, atStop: (at: number) => Promise<boolean>): void {
  stopBefore.call(this, offset, async (at) => {
    const taken = await atStop(at);
    splits[taken ? 'taken' : 'refused']++;
    return taken;
  });
};

/** A plain dataset: 20 images (sizes in the JSON), `n` annotations with boxes; unknown categories at `badAt`. */
export function plain(n: number, badAt: number[] = []): string {
  return JSON.stringify({
    images: Array.from({ length: 20 }, (_, i) => ({ id: i, file_name: `${i}.png`, width: 40, height: 30 })),
    annotations: Array.from({ length: n }, (_, i) => ({ id: i, image_id: i % 20, category_id: badAt.includes(i) ? 9 : i % 3, bbox: [i % 20, i % 10, 5, 6], segmentation: [[1, 1, 9, 1, 9, 9]] })),
    categories: [0, 1, 2].map((id) => ({ id, name: `c${id}` })),
  });
}

/** What the converter gives a pass-2 pool for `path`, read in ranges of about `rangeBytes`. */
export async function poolInput(path: string, rangeBytes: number): Promise<{ setup: Pass2Setup; ranges: ElementRange[] }> {
  const index = new CocoIndex(
    'a.json',
    (e) => {
      throw e;
    },
    () => undefined,
  );
  const pass1 = readTopLevelArrays(path, pass1Arrays(rangeBytes));
  for await (const batch of pass1.batches())
    for (const e of batch) {
      if (e.key === 'images') index.addImage(e.value, e.index);
      else index.addCategory(e.value, e.index);
    }
  index.finish();
  const n = index.imageCount;
  const setup: Pass2Setup = {
    input: path,
    file: 'a.json',
    task: 'object-detection',
    polygon: {},
    failFast: false,
    ids: index.idTablesData(),
    width: Uint32Array.from(index.jsonWidth),
    height: Uint32Array.from(index.jsonHeight),
    ok: new Uint8Array(n).fill(1),
    imageCount: n,
    imagesPerBucket: n,
    bucketCount: 1,
  };
  return { setup, ranges: elementRanges(pass1.arrays.get('annotations')!) };
}
