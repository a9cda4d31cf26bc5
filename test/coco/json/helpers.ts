/** Building JSON texts with every legal spelling, and feeding them to the scanner in pieces. */
import fc from 'fast-check';
import { TopLevelArrayScanner, type JsonArrayElement, type ScannerOptions, type WantedArrays } from '../../../src/coco/json/index.js';

/** How to write a document: whitespace between tokens, escapes in strings, a BOM. */
export interface Spelling {
  /** Whitespace strings used in turn between tokens. */
  spaces: string[];
  /** Write every n-th string character as `\uXXXX` (0: never). */
  escapeEvery: number;
  bom: boolean;
}

export const plain: Spelling = { spaces: [''], escapeEvery: 0, bom: false };

export const spellingArbitrary: fc.Arbitrary<Spelling> = fc.record({
  spaces: fc.array(fc.stringMatching(/^[ \t\n\r]{0,3}$/), { minLength: 1, maxLength: 8 }),
  escapeEvery: fc.constantFrom(0, 0, 1, 3),
  bom: fc.boolean(),
});

/** Writes `value` as JSON spelt as `spelling` says (members in insertion order, own keys only). */
export function writeJson(value: unknown, spelling: Spelling = plain): string {
  let turn = 0;
  const space = (): string => spelling.spaces[turn++ % spelling.spaces.length]!;
  const str = (s: string): string => {
    if (spelling.escapeEvery === 0) return JSON.stringify(s);
    let out = '"';
    for (let i = 0; i < s.length; i++) {
      const ch = s[i]!;
      out += i % spelling.escapeEvery === 0 ? `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}` : JSON.stringify(ch).slice(1, -1);
    }
    return out + '"';
  };
  const write = (v: unknown): string => {
    if (Array.isArray(v)) return `[${space()}${v.map((e) => write(e)).join(`${space()},${space()}`)}${space()}]`;
    if (typeof v === 'string') return str(v);
    if (typeof v === 'object' && v !== null) {
      const members = Object.keys(v).map((k) => `${str(k)}${space()}:${space()}${write((v as Record<string, unknown>)[k])}`);
      return `{${space()}${members.join(`${space()},${space()}`)}${space()}}`;
    }
    return Object.is(v, -0) ? '-0' : JSON.stringify(v);
  };
  return (spelling.bom ? '\ufeff' : '') + space() + write(value) + space();
}

/** Builds an object from entries with `defineProperty`, so that `__proto__` is an own key like JSON.parse makes it. */
export function objectOf(entries: [string, unknown][]): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  return o;
}

/** Splits `bytes` into chunks of the given sizes, used in turn. */
export function chunksOf(bytes: Uint8Array, sizes: readonly number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  for (let p = 0, t = 0; p < bytes.length; t++) {
    const n = sizes[t % sizes.length]!;
    chunks.push(bytes.subarray(p, p + n));
    p += n;
  }
  return chunks;
}

/** Scans a whole text (or bytes) fed in chunks of `sizes`; returns the elements and the scanner. */
export function scan(
  input: string | Uint8Array,
  arrays: WantedArrays,
  sizes: readonly number[] = [1 << 20],
  options: ScannerOptions = {},
): { elements: JsonArrayElement[]; scanner: TopLevelArrayScanner; bytes: Uint8Array } {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const scanner = new TopLevelArrayScanner(arrays, options);
  const elements: JsonArrayElement[] = [];
  for (const chunk of chunksOf(bytes, sizes)) scanner.push(chunk, elements);
  scanner.end();
  return { elements, scanner, bytes };
}

/** The error `f` throws (fails the test when it throws nothing). */
export function thrown(f: () => unknown): Error & { code?: string; path?: string; file?: string; detail?: string } {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, nothing was thrown');
}

/** Keys that JavaScript objects treat specially, to make sure they stay plain data. */
export const TRICKY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'];

/** Any JSON value, with strings that need escapes and characters of 1 to 4 UTF-8 bytes. */
export const valueArbitrary: fc.Arbitrary<unknown> = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(null, true, false, 0, -0, 1.5, -2e-7, 1e21, 123456789012345),
    fc.double({ noNaN: true, noDefaultInfinity: true }),
    fc.integer(),
    stringArbitrary(),
    fc.array(tie('value'), { maxLength: 5 }),
    fc.array(fc.tuple(fc.oneof(stringArbitrary(), fc.constantFrom(...TRICKY_KEYS)), tie('value')), { maxLength: 5 }).map(objectOf),
  ),
})).value;

export function stringArbitrary(): fc.Arbitrary<string> {
  return fc.oneof(fc.string({ maxLength: 8 }), fc.string({ unit: 'binary', maxLength: 8 }), fc.constantFrom('"', '\\', '\\"', '"]}', '[{', 'é', '日本', '😀', '\u2028', '\u0000', '\\u0041', 'a"b\\c'));
}
