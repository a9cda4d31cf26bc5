import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatNumber, imageUrl, labelNames, objectCount, recordToJson, roundTo } from '../src/format.js';
import type { ImageRecord } from '../src/types.js';

describe('recordToJson', () => {
  it('writes image_url, image_details, label in that order (multi-class)', () => {
    const r: ImageRecord = { path: 'can/1.jpg', details: { height: 666, width: 499, format: 'jpg' }, label: 'can' };
    const line = recordToJson(r, '', 6);
    expect(line).toBe('{"image_url":"can/1.jpg","image_details":{"format":"jpg","width":499,"height":666},"label":"can"}');
    expect(Object.keys(JSON.parse(line) as object)).toEqual(['image_url', 'image_details', 'label']);
  });

  it('omits image_details when unknown or empty, and omits unknown fields inside it', () => {
    expect(recordToJson({ path: 'a.png', label: 'x' }, '', 6)).toBe('{"image_url":"a.png","label":"x"}');
    expect(recordToJson({ path: 'a.png', details: {}, label: 'x' }, '', 6)).toBe('{"image_url":"a.png","label":"x"}');
    expect(recordToJson({ path: 'a.png', details: { width: 3, height: 2 }, label: 'x' }, '', 6)).toBe('{"image_url":"a.png","image_details":{"width":3,"height":2},"label":"x"}');
  });

  it('writes multi-label lists as given', () => {
    expect(recordToJson({ path: 'a.png', label: ['can', 'milk_bottle'] }, '', 6)).toBe('{"image_url":"a.png","label":["can","milk_bottle"]}');
  });

  it('writes boxes with keys label, topX, topY, bottomX, bottomY, isCrowd, rounded, shortest form', () => {
    const line = recordToJson({ path: 'i.jpg', label: [{ label: 'can', topX: 0.26, topY: 0.4059999999, bottomX: 0.7350000001, bottomY: 1, isCrowd: 0 }] }, '', 6);
    expect(line).toBe('{"image_url":"i.jpg","label":[{"label":"can","topX":0.26,"topY":0.406,"bottomX":0.735,"bottomY":1,"isCrowd":0}]}');
    const obj = (JSON.parse(line) as { label: object[] }).label[0]!;
    expect(Object.keys(obj)).toEqual(['label', 'topX', 'topY', 'bottomX', 'bottomY', 'isCrowd']);
  });

  it('writes polygons with keys label, isCrowd, polygon; background images as label []', () => {
    const line = recordToJson(
      {
        path: 'm.png',
        label: [
          {
            label: 'x',
            isCrowd: 1,
            polygon: [
              [0.1, 0.2, 0.3333333333, 0.4, 0.5, 0.6],
              [0, 0, 1, 0, 1, 1],
            ],
          },
        ],
      },
      '',
      3,
    );
    expect(line).toBe('{"image_url":"m.png","label":[{"label":"x","isCrowd":1,"polygon":[[0.1,0.2,0.333,0.4,0.5,0.6],[0,0,1,0,1,1]]}]}');
    expect(recordToJson({ path: 'bg.png', label: [] }, '', 6)).toBe('{"image_url":"bg.png","label":[]}');
  });

  it('rounds to --precision and never writes -0', () => {
    const box = { label: 'a', topX: -0.0000001, topY: 0.1234567, bottomX: 0.5, bottomY: 0.99999999, isCrowd: 0 as const };
    expect(recordToJson({ path: 'p', label: [box] }, '', 6)).toContain('"topX":0,"topY":0.123457,"bottomX":0.5,"bottomY":1,');
    expect(recordToJson({ path: 'p', label: [box] }, '', 2)).toContain('"topX":0,"topY":0.12,"bottomX":0.5,"bottomY":1,');
    expect(recordToJson({ path: 'p', label: [box] }, '', 0)).toContain('"topX":0,"topY":0,"bottomX":1,"bottomY":1,');
    expect(recordToJson({ path: 'p', label: [box] }, '', 6)).not.toContain('-0');
  });

  it('keeps non-ASCII and spaces in image_url as they are (JSON-escaped only where JSON needs it)', () => {
    const line = recordToJson({ path: 'dogs/Mops "Émile" 1.jpg', label: 'dog' }, 'azureml://x/', 6);
    expect(line).toBe('{"image_url":"azureml://x/dogs/Mops \\"Émile\\" 1.jpg","label":"dog"}');
    expect((JSON.parse(line) as { image_url: string }).image_url).toBe('azureml://x/dogs/Mops "Émile" 1.jpg');
  });

  it('always parses back to the same record (property)', () => {
    const coord = fc.double({ min: 0, max: 1, noNaN: true });
    const box = fc.record({ label: fc.string(), topX: coord, topY: coord, bottomX: coord, bottomY: coord, isCrowd: fc.constantFrom(0 as const, 1 as const) });
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.array(box, { maxLength: 4 }), fc.integer({ min: 0, max: 10 }), (path, boxes, precision) => {
        const parsed = JSON.parse(recordToJson({ path, label: boxes }, '', precision)) as { image_url: string; label: Record<string, unknown>[] };
        expect(parsed.image_url).toBe(path);
        parsed.label.forEach((b, i) => {
          for (const k of ['topX', 'topY', 'bottomX', 'bottomY'] as const) {
            expect(b[k]).toBe(roundTo(boxes[i]![k], precision));
            expect(Math.abs((b[k] as number) - boxes[i]![k])).toBeLessThanOrEqual(0.5 * 10 ** -precision + 1e-12);
          }
        });
      }),
    );
  });
});

describe('formatNumber', () => {
  it('writes the shortest decimal form, never exponent notation', () => {
    expect(formatNumber(0.5, 6)).toBe('0.5');
    expect(formatNumber(1, 6)).toBe('1');
    expect(formatNumber(0.1 + 0.2, 6)).toBe('0.3');
    expect(formatNumber(0.000001, 6)).toBe('0.000001');
    expect(formatNumber(0.0000001, 7)).toBe('0.0000001');
    expect(formatNumber(0.00000012, 8)).toBe('0.00000012');
    expect(formatNumber(0.0000004, 6)).toBe('0');
  });
  it('rounds the number itself (its exact binary value); exact ties go away from zero', () => {
    // 5e-7 is stored as 4.99999999999999977e-7: below the tie, so it rounds down (as Python's round does).
    expect(formatNumber(0.0000005, 6)).toBe('0');
    expect(formatNumber(0.0000015, 6)).toBe('0.000002'); // stored as 1.50000000000000004e-6
    expect(formatNumber(0.25, 1)).toBe('0.3'); // an exact tie
    expect(formatNumber(0.125, 2)).toBe('0.13');
  });
  it('never writes -0', () => {
    expect(formatNumber(-0, 6)).toBe('0');
    expect(formatNumber(-1e-9, 6)).toBe('0');
  });
  it('refuses NaN and infinities (they are not JSON)', () => {
    expect(() => formatNumber(NaN, 6)).toThrow(TypeError);
    expect(() => formatNumber(Infinity, 6)).toThrow(/non-finite/);
  });
});

describe('recordToJson, polygons and mixed labels (property)', () => {
  it('parses back to the rounded rings, in order, with keys label, isCrowd, polygon', () => {
    const ring = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 0, maxLength: 10 });
    const poly = fc.record({ label: fc.string(), isCrowd: fc.constantFrom(0 as const, 1 as const), polygon: fc.array(ring, { maxLength: 3 }) });
    fc.assert(
      fc.property(fc.array(poly, { maxLength: 4 }), fc.integer({ min: 0, max: 12 }), (polys, precision) => {
        const line = recordToJson({ path: 'p.png', label: polys }, '', precision);
        const parsed = JSON.parse(line) as { label: { label: string; isCrowd: number; polygon: number[][] }[] };
        expect(parsed.label).toEqual(polys.map((q) => ({ label: q.label, isCrowd: q.isCrowd, polygon: q.polygon.map((r) => r.map((v) => roundTo(v, precision))) })));
        for (const o of parsed.label) expect(Object.keys(o)).toEqual(['label', 'isCrowd', 'polygon']);
      }),
    );
  });
});

describe('imageUrl, labelNames, objectCount', () => {
  it('joins base URL and path with exactly one slash', () => {
    expect(imageUrl('', 'a/b.jpg')).toBe('a/b.jpg');
    expect(imageUrl('azureml://d/paths/fridge/', 'a.jpg')).toBe('azureml://d/paths/fridge/a.jpg');
    expect(imageUrl('azureml://d/paths/fridge', 'a.jpg')).toBe('azureml://d/paths/fridge/a.jpg');
  });
  it('lists label names without repeats and counts objects', () => {
    const boxes = [
      { label: 'a', topX: 0, topY: 0, bottomX: 1, bottomY: 1, isCrowd: 0 as const },
      { label: 'a', topX: 0, topY: 0, bottomX: 1, bottomY: 1, isCrowd: 0 as const },
      { label: 'b', topX: 0, topY: 0, bottomX: 1, bottomY: 1, isCrowd: 1 as const },
    ];
    expect(labelNames(boxes)).toEqual(['a', 'b']);
    expect(objectCount(boxes)).toBe(3);
    expect(labelNames('x')).toEqual(['x']);
    expect(objectCount(['x', 'y'])).toBe(0);
  });
});

describe('roundTo', () => {
  it('keeps the known cases', () => {
    expect(roundTo(0.25, 1)).toBe(0.3);
    expect(roundTo(-0.25, 1)).toBe(-0.3);
    expect(Object.is(roundTo(-0.0000001, 6), 0)).toBe(true);
    expect(roundTo(1.0000005, 6)).toBe(Number((1.0000005).toFixed(6)));
    expect(roundTo(0.1234565, 6)).toBe(Number((0.1234565).toFixed(6)));
  });
});
