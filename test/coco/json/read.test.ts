import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { ConversionError } from '../../../src/errors.js';
import {
  elementPath,
  elementRanges,
  guessElementStart,
  readJsonAt,
  readJsonAtSync,
  readRangeSync,
  readTopLevelArrays,
  scanRestSync,
  type ArrayInfo,
  type JsonArrayElement,
} from '../../../src/coco/json/index.js';
import { spellingArbitrary, valueArbitrary, writeJson } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'automl-img-json-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(text: string | Uint8Array): string {
  const path = join(dir, `f${n++}.json`);
  writeFileSync(path, text);
  return path;
}

async function collect(iterable: AsyncIterable<JsonArrayElement>): Promise<JsonArrayElement[]> {
  const out: JsonArrayElement[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

async function rejection(p: Promise<unknown>): Promise<ConversionError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(ConversionError);
    return e as ConversionError;
  }
  throw new Error('expected a rejection');
}

const coco = {
  info: { description: 'tiny' },
  licenses: [{ id: 1, name: 'x' }],
  images: [
    { id: 1, file_name: 'a/1.jpg', width: 4, height: 3 },
    { id: 'b', file_name: 'été.jpg', width: 5, height: 6 },
  ],
  annotations: [
    { id: 1, image_id: 1, category_id: 0, bbox: [0, 0, 2, 2], segmentation: [[0, 0, 2, 0, 2, 2]], iscrowd: 0 },
    { id: 2, image_id: 'b', category_id: 5, bbox: [1, 1, 1, 1], segmentation: { size: [6, 5], counts: 'a\\b' }, iscrowd: 1 },
  ],
  categories: [
    { id: 0, name: 'zero' },
    { id: 5, name: 'five' },
  ],
};

describe('readTopLevelArrays', () => {
  test('two passes over a file: images and categories, then annotations', async () => {
    const path = file(writeJson(coco, { spaces: [' ', '\n  '], escapeEvery: 0, bom: true }));
    const pass1 = readTopLevelArrays(path, { images: 'parse', categories: 'parse' }, { chunkSize: 7, required: ['images', 'categories'] });
    const first = await collect(pass1);
    expect(first.map((e) => [elementPath(e.key, e.index), e.value])).toEqual([
      ['images[0]', coco.images[0]],
      ['images[1]', coco.images[1]],
      ['categories[0]', coco.categories[0]],
      ['categories[1]', coco.categories[1]],
    ]);
    expect(pass1.missing()).toEqual([]);
    expect([...pass1.arrays].map(([k, a]) => [k, a.count, a.complete])).toEqual([
      ['images', 2, true],
      ['categories', 2, true],
    ]);
    const pass2 = readTopLevelArrays(path, { annotations: { defer: ['segmentation'] } }, { chunkSize: 5 });
    const batches: JsonArrayElement[][] = [];
    for await (const batch of pass2.batches()) batches.push(batch);
    const second = batches.flat();
    expect(batches.every((b) => b.length > 0)).toBe(true);
    expect(second.map((e) => e.value)).toEqual(coco.annotations.map((a) => ({ ...a, segmentation: null })));
    expect(pass2.bytesRead).toBeGreaterThan(0);

    // Elements and deferred members read back by their position.
    const handle = await open(path, 'r');
    const fd = openSync(path, 'r');
    try {
      for (const [i, e] of second.entries()) {
        const where = { file: 'x.json', path: elementPath(e.key, e.index) };
        expect(await readJsonAt(handle, e, where)).toEqual(coco.annotations[i]);
        expect(readJsonAtSync(fd, e, where)).toEqual(coco.annotations[i]);
        expect(readJsonAtSync(fd, e.deferred!['segmentation']!)).toEqual(coco.annotations[i]!.segmentation);
      }
    } finally {
      closeSync(fd);
      await handle.close();
    }
  });

  test('property: the same elements as JSON.parse whatever the chunk size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(valueArbitrary, { maxLength: 8 }), spellingArbitrary, fc.integer({ min: 1, max: 64 }), async (images, spelling, chunkSize) => {
        const text = writeJson({ info: { x: images.slice(0, 1) }, images }, spelling);
        const path = file(text);
        const got = await collect(readTopLevelArrays(path, { images: 'parse' }, { chunkSize }));
        const expected = (JSON.parse(text.replace(/^\ufeff/, '')) as { images: unknown[] }).images;
        expect(JSON.stringify(got.map((e) => e.value))).toBe(JSON.stringify(expected));
        rmSync(path);
      }),
      { numRuns: 60 },
    );
  });

  test('a missing required array is JSON_MISSING at its key, after the other arrays were read', async () => {
    const path = file('{"images": [{"id": 1}]}');
    const reader = readTopLevelArrays(path, { images: 'parse', categories: 'parse' }, { required: ['images', 'categories'], file: 'coco.json' });
    const seen: unknown[] = [];
    const e = await rejection(
      (async () => {
        for await (const el of reader) seen.push(el.value);
      })(),
    );
    expect(seen).toEqual([{ id: 1 }]);
    expect(e.code).toBe('JSON_MISSING');
    expect(e.path).toBe('categories');
    expect(e.message).toBe('coco.json: categories: expected "categories" at the top level, found nothing');
    expect(reader.missing()).toEqual(['categories']);
  });

  test('without `required`, missing arrays are only reported', async () => {
    const reader = readTopLevelArrays(file('{"info": {}}'), { images: 'parse' });
    expect(await collect(reader)).toEqual([]);
    expect(reader.missing()).toEqual(['images']);
  });

  test('errors name the file as given and the element', async () => {
    const path = file('{"annotations": [{"id": 1}, {"id": 2, "bbox": [1, 2');
    const e = await rejection(collect(readTopLevelArrays(path, { annotations: 'parse' }, { file: 'data/instances.json', chunkSize: 8 })));
    expect(e.code).toBe('JSON_PARSE');
    expect(e.message).toBe('data/instances.json: annotations[1]: unexpected end of file after 51 bytes');
    const bad = await rejection(collect(readTopLevelArrays(file('{"images": 3}'), { images: 'parse' })));
    expect(bad.code).toBe('JSON_BAD_VALUE');
    expect(bad.path).toBe('images');
  });

  test('a file that does not exist is INPUT_NOT_FOUND', async () => {
    const path = join(dir, 'nope.json');
    expect(existsSync(path)).toBe(false);
    const e = await rejection(collect(readTopLevelArrays(path, { images: 'parse' })));
    expect(e.code).toBe('INPUT_NOT_FOUND');
    expect(e.file).toBe(path);
  });

  test('stopping early is fine; a reader is iterated once', async () => {
    const reader = readTopLevelArrays(file(writeJson(coco)), { images: 'parse' }, { chunkSize: 3 });
    for await (const e of reader) {
      expect(e.index).toBe(0);
      break;
    }
    await expect(collect(reader)).rejects.toThrow(/only once/);
  });

  test('reading back from a file that changed is JSON_PARSE at the element', async () => {
    const path = file('{"images": [{"id": 1}]}');
    const [e] = await collect(readTopLevelArrays(path, { images: 'locate' }));
    writeFileSync(path, '{"images": [');
    const handle = await open(path, 'r');
    try {
      const err = await rejection(readJsonAt(handle, e!, { file: 'f.json', path: 'images[0]' }));
      expect(err.message).toBe('f.json: images[0]: unexpected end of file at byte 12 (has the file changed?)');
    } finally {
      await handle.close();
    }
  });
});

describe("'count' mode and ranges (readRangeSync)", () => {
  /** Every element of `key` read range by range (ranges of about `bytes`), in order. */
  async function byRanges(path: string, key: string, bytes: number, spec: { defer?: string[] } = {}): Promise<{ elements: JsonArrayElement[]; ranges: number }> {
    const pass1 = readTopLevelArrays(path, { [key]: { mode: 'count', checkpointBytes: bytes } });
    for await (const batch of pass1.batches()) expect(batch).toEqual([]); // 'count' yields nothing
    const ranges = elementRanges(pass1.arrays.get(key)!);
    const fd = openSync(path, 'r');
    const elements: JsonArrayElement[] = [];
    const io = { chunk: Buffer.alloc(7), scanner: Buffer.alloc(8) }; // one scanner buffer for every range, grown as needed
    try {
      for (const r of ranges) readRangeSync(fd, key, spec, r, io, (batch) => elements.push(...batch));
    } finally {
      closeSync(fd);
    }
    return { elements, ranges: ranges.length };
  }

  test('ranges give the same elements (index, offset, length, value, deferred spans) as one pass, for any spelling and range size', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(valueArbitrary, { maxLength: 12 }), spellingArbitrary, fc.integer({ min: 1, max: 64 }), async (items, spelling, bytes) => {
        const elements = items.map((v, i) => ({ id: i, segmentation: [[i, 1, 2]], v }));
        const path = file(writeJson({ info: { a: [1, '['] }, annotations: elements, categories: [] }, spelling));
        const whole = await collect(readTopLevelArrays(path, { annotations: { defer: ['segmentation'] } }));
        const { elements: ranged, ranges } = await byRanges(path, 'annotations', bytes, { defer: ['segmentation'] });
        expect(ranged).toEqual(whole);
        if (elements.length > 0) expect(ranges).toBeGreaterThanOrEqual(1);
      }),
      { numRuns: 60 },
    );
  });

  test('checkpoints: the first element, then one at least every checkpointBytes; the array end', async () => {
    const path = file('{"a":[ 10 ,"x,y" , [1,2],{"b":"]"}, 5 ] }');
    const pass1 = readTopLevelArrays(path, { a: { mode: 'count', checkpointBytes: 6 } });
    for await (const batch of pass1.batches()) expect(batch).toEqual([]);
    const info = pass1.arrays.get('a')!;
    expect(info.count).toBe(5);
    expect(info.end).toBe(39);
    // Elements start at 7, 11, 19, 25 and 36: 11 is less than 6 bytes after 7.
    expect(info.checkpoints).toEqual({ index: [0, 2, 3, 4], offset: [7, 19, 25, 36] });
    expect(elementRanges(info).map((r) => [r.index, r.count, r.offset, r.end, r.last])).toEqual([
      [0, 2, 7, 19, false],
      [2, 1, 19, 25, false],
      [3, 1, 25, 36, false],
      [4, 1, 36, 39, true],
    ]);
  });

  test('a malformed element in a range: the elements before it are handed over, then JSON_PARSE at its path', async () => {
    const path = file('{"annotations":[{"id":0},{"id":1},{"id":2,},{"id":3}]}');
    const pass1 = readTopLevelArrays(path, { annotations: { mode: 'count', checkpointBytes: 1 << 20 } });
    for await (const batch of pass1.batches()) expect(batch).toEqual([]);
    const [range] = elementRanges(pass1.arrays.get('annotations')!);
    const seen: unknown[] = [];
    const fd = openSync(path, 'r');
    let error: unknown;
    try {
      readRangeSync(fd, 'annotations', {}, range!, { chunk: Buffer.alloc(1 << 10) }, (batch) => seen.push(...batch.map((e) => e.value)), { file: 'x.json' });
    } catch (e) {
      error = e;
    } finally {
      closeSync(fd);
    }
    expect(seen).toEqual([{ id: 0 }, { id: 1 }]);
    expect(error).toBeInstanceOf(ConversionError);
    expect([(error as ConversionError).code, (error as ConversionError).path]).toEqual(['JSON_PARSE', 'annotations[2]']);
  });

  test('the same malformed element read in one pass: the elements before it in the chunk come first', async () => {
    const path = file('{"annotations":[{"id":0},{"id":1},{"id":2,},{"id":3}]}');
    const seen: unknown[] = [];
    const e = await rejection(
      (async () => {
        for await (const el of readTopLevelArrays(path, { annotations: 'parse' })) seen.push(el.value);
      })(),
    );
    expect(seen).toEqual([{ id: 0 }, { id: 1 }]);
    expect([e.code, e.path]).toEqual(['JSON_PARSE', 'annotations[2]']);
  });

  test('a file changed between the passes: JSON_PARSE, not wrong elements', async () => {
    const path = file('{"a":[{"id":0},{"id":1},{"id":2}]}');
    const pass1 = readTopLevelArrays(path, { a: { mode: 'count', checkpointBytes: 1 } });
    for await (const batch of pass1.batches()) expect(batch).toEqual([]);
    const ranges = elementRanges(pass1.arrays.get('a')!);
    writeFileSync(path, '{"a":[{"id":0},{"id":10},{"id":2}]}');
    const fd = openSync(path, 'r');
    try {
      expect(() => readRangeSync(fd, 'a', {}, ranges[1]!, { chunk: Buffer.alloc(64) }, () => undefined)).toThrow(ConversionError);
    } finally {
      closeSync(fd);
    }
  });
});

describe('a pass split in two (stopBefore, scanRestSync, guessElementStart)', () => {
  const doc = (s: string) => JSON.stringify({ images: [{ id: 1 }], annotations: Array.from({ length: 50 }, (_, i) => ({ id: i, s })), categories: [{ id: 7 }] });
  const text = doc('x');
  const tricky = doc('}, {'); // strings that look like element starts
  const wanted = { images: 'parse', categories: 'parse', annotations: { mode: 'count', checkpointBytes: 100 } } as const;

  async function whole(path: string) {
    const r = readTopLevelArrays(path, wanted);
    const elements = await collect(r);
    return { elements, annotations: r.arrays.get('annotations')! };
  }

  test('the guess is an element start; the two halves together are the whole', async () => {
    const path = file(text);
    const fd = openSync(path, 'r');
    try {
      const guess = guessElementStart(fd, Math.floor(text.length / 2))!;
      expect(text[guess]).toBe('{');
      const first = readTopLevelArrays(path, wanted);
      let stoppedAt = -1;
      first.stopBefore(guess, async (at) => ((stoppedAt = at), true));
      const before = await collect(first);
      expect(stoppedAt).toBe(guess);
      expect(first.endedAtStop).toBe(true);
      const rest = scanRestSync(fd, wanted, 'annotations', guess, Buffer.alloc(13));
      const all = await whole(path);
      const mine = first.arrays.get('annotations')!;
      const [[key, theirs]] = rest.arrays as [[string, ArrayInfo]];
      expect(key).toBe('annotations');
      expect(mine.count + theirs.count).toBe(50);
      expect(theirs.end).toBe(all.annotations.end);
      expect([...before, ...rest.elements].map((e) => [e.key, e.index, e.value])).toEqual(all.elements.map((e) => [e.key, e.index, e.value]));
      expect(theirs.checkpoints!.offset[0]).toBe(guess);
    } finally {
      closeSync(fd);
    }
  });

  test('going on after a stop gives what a read without one gives', async () => {
    const path = file(text);
    const fd = openSync(path, 'r');
    const guess = guessElementStart(fd, Math.floor(text.length / 3))!;
    closeSync(fd);
    const r = readTopLevelArrays(path, wanted, { chunkSize: 17 });
    r.stopBefore(guess, async () => false);
    const elements = await collect(r);
    const all = await whole(path);
    expect(r.endedAtStop).toBe(false);
    expect(elements).toEqual(all.elements);
    expect(r.arrays.get('annotations')).toEqual(all.annotations);
  });

  test('a guess that is not an element start (inside a string) is never stopped at', async () => {
    const path = file(tricky);
    const fd = openSync(path, 'r');
    const inString = guessElementStart(fd, Math.floor(tricky.length / 2))!;
    closeSync(fd);
    expect(tricky.slice(inString - 4, inString + 1)).toBe('"}, {'); // the guess lies in a string
    const r = readTopLevelArrays(path, wanted);
    let stops = 0;
    r.stopBefore(inString, async () => (stops++, true));
    expect((await collect(r)).length).toBe(2);
    expect(stops).toBe(0);
  });
});

describe('a pass split in two, at every element and every chunking', () => {
  const wanted = { images: 'parse', categories: 'parse', annotations: { mode: 'count', checkpointBytes: 40 } } as const;

  test('stopping before any element (whatever the chunk size) and scanning the rest from there is the whole', async () => {
    const text = JSON.stringify({ images: [{ id: 1 }], annotations: Array.from({ length: 12 }, (_, i) => ({ id: i, s: '}, {'.repeat(i % 3) })), categories: [{ id: 7 }, { id: 8 }] });
    const path = file(text);
    const all = readTopLevelArrays(path, wanted);
    const whole = await collect(all);
    const info = all.arrays.get('annotations')!;
    // Every element start of annotations: the first one after each "}," at the top of the array.
    const starts: number[] = [];
    for (let i = info.offset + 1; i < info.end! - 1; i++) if (text[i] === '{' && (text[i - 1] === '[' || text.slice(i - 2, i) === '},')) starts.push(i);
    expect(starts.length).toBe(12);
    const fd = openSync(path, 'r');
    try {
      for (const guess of starts.slice(1)) {
        for (const chunkSize of [1, 2, 3, 5, 8, 13, 64, 1 << 16]) {
          const first = readTopLevelArrays(path, wanted, { chunkSize });
          first.stopBefore(guess, async () => true);
          const before = await collect(first);
          expect(first.endedAtStop).toBe(true);
          const rest = scanRestSync(fd, wanted, 'annotations', guess, Buffer.alloc(chunkSize));
          const mine = first.arrays.get('annotations')!;
          const theirs = rest.arrays[0]![1];
          expect(mine.count + theirs.count).toBe(12);
          expect(theirs.end).toBe(info.end);
          expect(theirs.checkpoints!.offset[0]).toBe(guess);
          expect(mine.checkpoints!.offset.every((o) => o < guess)).toBe(true);
          expect([...before, ...rest.elements].map((e) => [e.key, e.index, e.value])).toEqual(whole.map((e) => [e.key, e.index, e.value]));
        }
      }
    } finally {
      closeSync(fd);
    }
  });
});
