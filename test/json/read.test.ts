import { mkdtempSync, openSync, closeSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, test } from 'vitest';
import { ConversionError } from '../../src/errors.js';
import { elementPath, readJsonAt, readJsonAtSync, readTopLevelArrays, type JsonArrayElement } from '../../src/json/index.js';
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
