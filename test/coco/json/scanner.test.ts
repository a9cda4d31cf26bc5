import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConversionError } from '../../../src/errors.js';
import { parseJsonBytes, TopLevelArrayScanner, type JsonArrayElement, type WantedArrays } from '../../../src/coco/json/index.js';
import { chunksOf, objectOf, plain, scan, spellingArbitrary, thrown, TRICKY_KEYS, valueArbitrary, writeJson, type Spelling } from './helpers.js';

const WANTED = ['images', 'annotations', 'categories'] as const;
const COCO_PARSE: WantedArrays = { images: 'parse', annotations: 'parse', categories: 'parse' };

/** A top-level object: the three COCO arrays (some missing) among other members, in any order. */
const documentArbitrary = fc
  .record({
    images: fc.option(fc.array(valueArbitrary, { maxLength: 6 }), { nil: undefined }),
    annotations: fc.option(fc.array(valueArbitrary, { maxLength: 6 }), { nil: undefined }),
    categories: fc.option(fc.array(valueArbitrary, { maxLength: 4 }), { nil: undefined }),
    others: fc.uniqueArray(fc.tuple(fc.constantFrom('info', 'licenses', 'x', 'imagesX', 'image', ...TRICKY_KEYS), valueArbitrary), {
      selector: ([k]) => k,
      maxLength: 4,
    }),
    order: fc.array(fc.nat(), { minLength: 8, maxLength: 8 }),
  })
  .map(({ images, annotations, categories, others, order }) => {
    const entries: [string, unknown][] = [...others];
    for (const [k, v] of [
      ['images', images],
      ['annotations', annotations],
      ['categories', categories],
    ] as const) {
      if (v !== undefined) entries.push([k, v]);
    }
    // Shuffle by the drawn keys.
    const keyed = entries.map((e, i) => ({ e, k: order[i % order.length]! * 31 + i }));
    keyed.sort((a, b) => a.k - b.k);
    return objectOf(keyed.map(({ e }) => e));
  });

const chunkSizesArbitrary = fc.oneof(fc.constant([1]), fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 1, maxLength: 6 }), fc.constant([1 << 20]));

function elementsOf(elements: JsonArrayElement[], key: string): JsonArrayElement[] {
  return elements.filter((e) => e.key === key);
}

/** `JSON.stringify` that keeps `-0` apart from `0`, to compare values exactly. */
function exact(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (Object.is(x, -0) ? '-0' : x));
}

describe('TopLevelArrayScanner agrees with JSON.parse', () => {
  test('every element of the wanted arrays, in order, whatever the spelling and the chunking', () => {
    fc.assert(
      fc.property(documentArbitrary, spellingArbitrary, chunkSizesArbitrary, (doc, spelling, sizes) => {
        const text = writeJson(doc, spelling);
        const whole = JSON.parse(text.replace(/^\ufeff/, '')) as Record<string, unknown>;
        const { elements, scanner, bytes } = scan(text, COCO_PARSE, sizes);
        for (const key of WANTED) {
          const expected = Object.hasOwn(whole, key) ? (whole[key] as unknown[]) : undefined;
          const got = elementsOf(elements, key);
          expect(scanner.arrays.get(key)?.count).toBe(expected?.length);
          expect(got.map((e) => e.index)).toEqual(got.map((_e, i) => i));
          expect(got.map((e) => exact(e.value))).toEqual((expected ?? []).map(exact));
          // Each element's bytes are exactly its text.
          for (const e of got) {
            const slice = bytes.subarray(e.offset, e.offset + e.length);
            expect(exact(parseJsonBytes(slice))).toBe(exact(e.value));
            expect(/\s/.test(String.fromCharCode(slice[0]!, slice[slice.length - 1]!))).toBe(false);
          }
        }
        expect(scanner.missing().sort()).toEqual(WANTED.filter((k) => !Object.hasOwn(whole, k)).sort());
        expect([...scanner.arrays.values()].every((a) => a.complete)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  test("'locate' gives the same positions without values", () => {
    fc.assert(
      fc.property(documentArbitrary, spellingArbitrary, chunkSizesArbitrary, (doc, spelling, sizes) => {
        const text = writeJson(doc, spelling);
        const parsed = scan(text, COCO_PARSE).elements;
        const located = scan(text, { images: 'locate', annotations: 'locate', categories: 'locate' }, sizes).elements;
        expect(located.map(({ key, index, offset, length }) => [key, index, offset, length])).toEqual(parsed.map(({ key, index, offset, length }) => [key, index, offset, length]));
        expect(located.every((e) => e.value === undefined)).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  test('only the arrays wanted in a pass are read; the others are skipped like any member', () => {
    fc.assert(
      fc.property(documentArbitrary, spellingArbitrary, chunkSizesArbitrary, (doc, spelling, sizes) => {
        const text = writeJson(doc, spelling);
        const all = scan(text, COCO_PARSE).elements;
        const pass1 = scan(text, { images: 'parse', categories: 'parse' }, sizes);
        const pass2 = scan(text, { annotations: 'parse' }, sizes);
        expect(pass1.elements.map((e) => [e.key, e.offset])).toEqual(all.filter((e) => e.key !== 'annotations').map((e) => [e.key, e.offset]));
        expect(pass2.elements.map((e) => [e.key, e.offset])).toEqual(all.filter((e) => e.key === 'annotations').map((e) => [e.key, e.offset]));
        expect([...pass2.scanner.arrays.keys()].every((k) => k === 'annotations')).toBe(true);
      }),
      { numRuns: 150 },
    );
  });

  test('every proper prefix of a document is reported as the end of the file coming too soon', () => {
    fc.assert(
      fc.property(documentArbitrary, spellingArbitrary, fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (doc, spelling, cut) => {
        const bytes = Buffer.from(writeJson(doc, { ...spelling, spaces: spelling.spaces.map(() => ' ') }).trimEnd(), 'utf8');
        const prefix = bytes.subarray(0, Math.floor(cut * bytes.length));
        const e = thrown(() => scan(prefix, COCO_PARSE, [3]));
        expect(e).toBeInstanceOf(ConversionError);
        expect(e.code).toBe('JSON_PARSE');
        expect(e.detail).toMatch(prefix.length === 0 ? /the file is empty/ : /unexpected end of file/);
      }),
      { numRuns: 300 },
    );
  });
});

describe('strings, escapes and UTF-8', () => {
  const doc = {
    info: { note: 'brackets in strings: ]}[{ and a quote \\" and a backslash at the end \\', 'k"ey': ['\\', '"'] },
    images: [
      { file_name: 'été/日本/😀.jpg', id: 1 },
      { file_name: 'a\\"b', id: 2, nested: [[1, [2, [3]]], { x: ']' }] },
      { file_name: '\\\\', id: 3, text: '\u2028\u2029\u0000' },
    ],
  };

  test.each([1, 2, 3, 5, 7])('multi-byte characters and escapes split across chunks of %i bytes', (size) => {
    const text = writeJson(doc);
    const { elements } = scan(text, { images: 'parse' }, [size]);
    expect(elements.map((e) => e.value)).toEqual(doc.images);
  });

  test('a key written with escapes is the same key', () => {
    const { elements } = scan('{"\\u0069mages": [1, 2], "categ\\u006fries": [3]}', { images: 'parse', categories: 'parse' }, [2]);
    expect(elements.map((e) => [e.key, e.value])).toEqual([
      ['images', 1],
      ['images', 2],
      ['categories', 3],
    ]);
  });

  test('a BOM, whitespace everywhere, empty arrays', () => {
    const text = '\ufeff \r\n\t{ "images" :\n[ ]\t, "info" : { } , "annotations":[\n\n] ,"categories" : [ { "id" : 0 } ] }\n';
    const { elements, scanner } = scan(text, COCO_PARSE, [1]);
    expect(elements.map((e) => e.value)).toEqual([{ id: 0 }]);
    expect(scanner.arrays.get('images')).toEqual({ offset: expect.any(Number) as number, count: 0, complete: true, end: expect.any(Number) as number });
    expect(scanner.arrays.get('annotations')?.count).toBe(0);
  });

  test('scalars as elements end at the next comma, bracket or space', () => {
    const { elements } = scan('{"images":[1,-2.5e3 ,true,null,"x",false]}', { images: 'parse' }, [1]);
    expect(elements.map((e) => e.value)).toEqual([1, -2500, true, null, 'x', false]);
  });
});

describe('keys that JavaScript treats specially stay plain data', () => {
  test('JSON.parse makes "__proto__" an own property; the scanner passes its objects on untouched', () => {
    const text = '{"annotations":[{"__proto__":{"polluted":1},"constructor":{"prototype":{"x":2}},"id":7}]}';
    const [e] = scan(text, { annotations: 'parse' }).elements;
    const value = e!.value as Record<string, unknown>;
    expect(Object.hasOwn(value, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(value['__proto__']).toEqual({ polluted: 1 });
    expect((value as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(value)).toEqual(['__proto__', 'constructor', 'id']);
  });

  test('top-level keys named like Object.prototype members are wanted or skipped like any key', () => {
    const text = '{"__proto__":[1],"constructor":[2],"toString":[3],"hasOwnProperty":{"a":1}}';
    const asObject = scan(text, JSON.parse('{"__proto__":"parse","constructor":"parse"}') as WantedArrays).elements;
    const asMap = scan(
      text,
      new Map([
        ['__proto__', 'parse' as const],
        ['constructor', 'parse' as const],
      ]),
    ).elements;
    for (const elements of [asObject, asMap])
      expect(elements.map((e) => [e.key, e.value])).toEqual([
        ['__proto__', 1],
        ['constructor', 2],
      ]);
    const { scanner } = scan(text, { images: 'parse' });
    expect(scanner.missing()).toEqual(['images']);
    expect(scanner.arrays.size).toBe(0);
  });

  test('a deferred member named "__proto__" is recorded as an own key of a prototype-less object', () => {
    const [e] = scan('{"a":[{"__proto__":[1,2],"id":1}]}', { a: { defer: ['__proto__'] } }).elements;
    expect(Object.getPrototypeOf(e!.deferred)).toBeNull();
    expect(Object.keys(e!.deferred!)).toEqual(['__proto__']);
    expect(Object.hasOwn(e!.value as object, '__proto__')).toBe(true);
  });
});

describe('deferred members', () => {
  const annotation = (segmentation: unknown, id: number) => ({ segmentation, area: 2.5, bbox: [1, 2, 3, 4], id });

  test('an array or object value is left unparsed: null in the value, its position in `deferred`', () => {
    const anns = [annotation([[1, 2, 3, 4, 5, 6]], 1), annotation({ counts: 'a\\"]}', size: [2, 3] }, 2), annotation([[]], 3)];
    const text = writeJson({ annotations: anns }, { spaces: [' ', '', '\n'], escapeEvery: 0, bom: false });
    const { elements, bytes } = scan(text, { annotations: { defer: ['segmentation', 'missing'] } }, [3]);
    elements.forEach((e, i) => {
      expect(e.value).toEqual({ ...anns[i], segmentation: null });
      const span = e.deferred!['segmentation']!;
      expect(parseJsonBytes(bytes.subarray(span.offset, span.offset + span.length))).toEqual(anns[i]!.segmentation);
      expect(Object.keys(e.deferred!)).toEqual(['segmentation']);
    });
  });

  test('property: deferring changes only the deferred members, whatever the spelling and chunking', () => {
    const annotationArbitrary = fc
      .tuple(valueArbitrary, fc.array(fc.tuple(fc.constantFrom('id', 'bbox', 'name', 'segmentationX'), valueArbitrary), { maxLength: 3 }), fc.nat(3))
      .map(([seg, rest, at]) => {
        const entries: [string, unknown][] = rest.filter(([k], i) => rest.findIndex(([k2]) => k2 === k) === i);
        entries.splice(Math.min(at, entries.length), 0, ['segmentation', seg]);
        return objectOf(entries);
      });
    fc.assert(
      fc.property(fc.array(fc.oneof(annotationArbitrary, valueArbitrary), { maxLength: 5 }), fc.oneof(fc.constant(plain), spellingArbitrary), chunkSizesArbitrary, (anns, spelling, sizes) => {
        const text = writeJson({ annotations: anns }, spelling);
        const { elements, bytes } = scan(text, { annotations: { defer: ['segmentation'] } }, sizes);
        const parsed = JSON.parse(text.replace(/^\ufeff/, '')) as { annotations: unknown[] };
        elements.forEach((e, i) => {
          const original = parsed.annotations[i];
          const seg = typeof original === 'object' && original !== null && !Array.isArray(original) ? (original as Record<string, unknown>)['segmentation'] : undefined;
          // Deferred: a container of 4 bytes or more, under a key written without escapes.
          const container = typeof seg === 'object' && seg !== null && spelling.escapeEvery === 0;
          const span = e.deferred?.['segmentation'];
          if (span) {
            expect(container).toBe(true);
            expect(span.length).toBeGreaterThanOrEqual(4);
            expect(exact(parseJsonBytes(bytes.subarray(span.offset, span.offset + span.length)))).toBe(exact(seg));
            expect(exact(e.value)).toBe(exact({ ...(original as object), segmentation: null }));
          } else {
            expect(container && JSON.stringify(seg).length >= 4).toBe(false);
            expect(e.deferred).toBeUndefined();
            expect(exact(e.value)).toBe(exact(original));
          }
        });
      }),
      { numRuns: 300 },
    );
  });

  test('a string or scalar value, a value under 4 bytes, or the name as a value, is not deferred', () => {
    const text = '{"annotations":[{"segmentation":"abc","x":[1]},{"name":"segmentation","y":[2]},{"segmentation":null},{"segmentation":[1]}]}';
    const { elements } = scan(text, { annotations: { defer: ['segmentation'] } }, [4]);
    expect(elements.map((e) => e.deferred)).toEqual([undefined, undefined, undefined, undefined]);
    expect(elements.map((e) => e.value)).toEqual([{ segmentation: 'abc', x: [1] }, { name: 'segmentation', y: [2] }, { segmentation: null }, { segmentation: [1] }]);
  });

  test('two deferred members, one too short, one spanning chunks', () => {
    const text = '{"a":[{"s":[[1,2],[3]],"id":1,"t":{},"u":{"k":"v"}}]}';
    const { elements, bytes } = scan(text, { a: { defer: ['s', 't', 'u'] } }, [2]);
    const [e] = elements;
    expect(e!.value).toEqual({ s: null, id: 1, t: {}, u: null });
    expect(Object.keys(e!.deferred!)).toEqual(['s', 'u']);
    const u = e!.deferred!['u']!;
    expect(Buffer.from(bytes.subarray(u.offset, u.offset + u.length)).toString()).toBe('{"k":"v"}');
  });

  test('a malformed element is reported as written, not as rewritten', () => {
    const text = '{"annotations":[{"segmentation":[1,2,3],"id":}]}';
    const e = thrown(() => scan(text, { annotations: { defer: ['segmentation'] } }));
    const plainError = thrown(() => scan(text, { annotations: 'parse' }));
    expect(e.code).toBe('JSON_PARSE');
    expect(e.path).toBe('annotations[0]');
    expect(e.detail).toBe(plainError.detail);
    expect(e.detail).toContain('2,3]');
  });
});

describe('errors', () => {
  const cases: [string, string, string, string | undefined, RegExp][] = [
    ['empty file', '', 'JSON_PARSE', undefined, /the file is empty/],
    ['only spaces', '  \n', 'JSON_PARSE', undefined, /unexpected end of file after 3 bytes/],
    ['top level is an array', '[{"images": []}]', 'JSON_BAD_VALUE', undefined, /expected an object at the top level, found an array/],
    ['top level is a string', '"images"', 'JSON_BAD_VALUE', undefined, /found a string/],
    ['top level is null', 'null', 'JSON_BAD_VALUE', undefined, /found null/],
    ['top level is garbage', 'images', 'JSON_PARSE', undefined, /expected '\{', found 'i' at byte 0/],
    ['images is an object', '{"images": {"id": 1}}', 'JSON_BAD_VALUE', 'images', /expected an array, found an object at byte 11/],
    ['images is null', '{"images": null}', 'JSON_BAD_VALUE', 'images', /expected an array, found null/],
    ['categories is a number', '{"categories": 80}', 'JSON_BAD_VALUE', 'categories', /found a number/],
    ['images twice', '{"images": [], "info": 1, "images": [1]}', 'JSON_BAD_VALUE', 'images', /appears a second time/],
    ['malformed element', '{"annotations": [{"id": 1}, {"id": 2}, {"id": 3}, {"id": }]}', 'JSON_PARSE', 'annotations[3]', /malformed element \(bytes 50–58\)/],
    ['bad literal element', '{"annotations": [tru]}', 'JSON_PARSE', 'annotations[0]', /malformed element/],
    ['unescaped control character', '{"images": ["a\tb"]}', 'JSON_PARSE', 'images[0]', /malformed element/],
    ['trailing comma', '{"images": [1, 2,]}', 'JSON_PARSE', 'images[2]', /no trailing commas/],
    ['missing comma', '{"images": [{"id": 1} {"id": 2}]}', 'JSON_PARSE', 'images[0]', /expected ',' or '\]' after the element, found '\{'/],
    ['leading comma', '{"images": [,1]}', 'JSON_PARSE', 'images[0]', /expected a value, found ','/],
    ['mismatched bracket in an element', '{"images": [{"a": [1}]}]}', 'JSON_PARSE', 'images[0]', /expected '\]', found '\}'/],
    ['mismatched bracket in a skipped member', '{"info": {"a": [1}]}, "images": []}', 'JSON_PARSE', 'info', /expected '\]', found '\}'/],
    ['nothing after the object', '{"images": []} {}', 'JSON_PARSE', undefined, /expected nothing after the top-level object, found '\{' at byte 15/],
    ['missing comma between members', '{"images": [] "info": {}}', 'JSON_PARSE', 'images', /expected ',' or '\}' after the value of "images"/],
    ['missing colon', '{"images" []}', 'JSON_PARSE', 'images', /expected ':' after the key "images"/],
    ['unquoted key', '{images: []}', 'JSON_PARSE', undefined, /expected a key or '\}', found 'i'/],
    ['trailing comma among members', '{"images": [],}', 'JSON_PARSE', undefined, /expected a key after ','/],
    ['missing value', '{"info": , "images": []}', 'JSON_PARSE', 'info', /expected a value for "info", found ','/],
    ['broken BOM', '\ufeff'.slice(0, 1) === '\ufeff' ? '\xef\xbb{}' : '', 'JSON_PARSE', undefined, /./],
    ['truncated in an element', '{"images": [{"id": 1}, {"id": 2, "segmentation": [[1, 2', 'JSON_PARSE', 'images[1]', /unexpected end of file after 55 bytes/],
    ['truncated between elements', '{"images": [{"id": 1}, ', 'JSON_PARSE', 'images[1]', /unexpected end of file/],
    ['truncated after an element', '{"images": [{"id": 1}', 'JSON_PARSE', 'images[0]', /unexpected end of file/],
    ['truncated at an array start', '{"images": [', 'JSON_PARSE', 'images', /unexpected end of file/],
    ['truncated in a skipped member', '{"info": {"a": "b', 'JSON_PARSE', 'info', /unexpected end of file/],
    ['truncated before the closing brace', '{"images": []', 'JSON_PARSE', 'images', /unexpected end of file/],
  ];

  test.each(cases)('%s', (_name, text, code, path, message) => {
    const bytes = _name === 'broken BOM' ? Buffer.from([0xef, 0xbb, 0x7b, 0x7d]) : Buffer.from(text, 'utf8');
    for (const sizes of [[1 << 20], [1], [5]]) {
      const e = thrown(() => scan(bytes, COCO_PARSE, sizes, { file: 'instances.json' }));
      expect(e).toBeInstanceOf(ConversionError);
      expect(e.code).toBe(code);
      expect(e.path).toBe(path);
      expect(e.file).toBe('instances.json');
      expect(e.detail).toMatch(message);
      expect(e.message.startsWith(path ? `instances.json: ${path}: ` : 'instances.json: ')).toBe(true);
    }
  });

  test('after an error the scanner keeps failing with it; elements before it were delivered', () => {
    const scanner = new TopLevelArrayScanner({ images: 'parse' });
    const out: JsonArrayElement[] = [];
    const first = thrown(() => scanner.push(Buffer.from('{"images": [1, 2, x'), out));
    expect(out.map((e) => e.value)).toEqual([1, 2]);
    expect(thrown(() => scanner.push(Buffer.from(']}'), out))).toBe(first);
    expect(thrown(() => scanner.end())).toBe(first);
  });

  test("'locate' mode does not parse elements, so it does not see what is wrong inside one", () => {
    const { elements } = scan('{"annotations": [{"id": }]}', { annotations: 'locate' });
    expect(elements).toHaveLength(1);
  });

  test('the bytes of an element are checked where a whole-file parse would check them', () => {
    fc.assert(
      fc.property(fc.array(valueArbitrary, { minLength: 1, maxLength: 5 }), fc.nat(), fc.constantFrom('}', ']', ',', ':', 'x'), (values, at, junk) => {
        // Insert a junk byte inside one element (after its first byte) and compare with JSON.parse.
        const texts = values.map((v) => JSON.stringify(v));
        const which = at % texts.length;
        const t = texts[which]!;
        const pos = 1 + (at % Math.max(1, t.length));
        texts[which] = t.slice(0, pos) + junk + t.slice(pos);
        const text = `{"images":[${texts.join(',')}]}`;
        let wholeFails = false;
        try {
          JSON.parse(text);
        } catch {
          wholeFails = true;
        }
        let scanFails = false;
        try {
          scan(text, { images: 'parse' }, [7]);
        } catch (e) {
          expect(e).toBeInstanceOf(ConversionError);
          scanFails = true;
        }
        expect(scanFails).toBe(wholeFails);
      }),
      { numRuns: 500 },
    );
  });
});

describe('memory', () => {
  test('skipped members and located elements are not kept; parsed elements only while they are read', () => {
    const big = 'x'.repeat(1 << 16);
    const text = `{"info": "${big}", "annotations": [${Array(50).fill(`"${big}"`).join(',')}], "images": [1]}`;
    const scanner = new TopLevelArrayScanner({ images: 'parse', annotations: 'locate' });
    const out: JsonArrayElement[] = [];
    for (const chunk of chunksOf(Buffer.from(text), [4096])) scanner.push(chunk, out);
    scanner.end();
    expect(out.filter((e) => e.key === 'annotations')).toHaveLength(50);
    // The internal buffer never grew past its first size: nothing was retained across chunks.
    expect((scanner as unknown as { buf: Buffer }).buf.length).toBeLessThanOrEqual(1 << 16);
  });

  test('an element larger than the chunk is read whole', () => {
    const ring = Array.from({ length: 50_000 }, (_, i) => i / 4);
    const text = writeJson({ annotations: [{ segmentation: [ring], id: 1 }, { id: 2 }] }, plain);
    const { elements } = scan(text, { annotations: 'parse' }, [1000]);
    expect(elements.map((e) => e.value)).toEqual([{ segmentation: [ring], id: 1 }, { id: 2 }]);
  });
});

describe('spelling helpers', () => {
  test('writeJson round-trips through JSON.parse', () => {
    fc.assert(
      fc.property(valueArbitrary, spellingArbitrary, (v, s: Spelling) => {
        expect(exact(JSON.parse(writeJson(v, s).replace(/^\ufeff/, '')))).toBe(exact(v));
      }),
    );
  });
});
