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

describe('formatNumber against its definition', () => {
  /** The definition: toFixed's rounding, then the shortest form that reads back, never an exponent. */
  const byDefinition = (x: number, p: number): string => {
    const r = Number(x.toFixed(p)) || 0;
    const s = JSON.stringify(r);
    if (!s.includes('e')) return s;
    return r.toFixed(p).replace(/0+$/, '').replace(/\.$/, '');
  };
  it('writes every number from 0 to 1 at every precision as the definition does', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 0, max: 15 }), (x, p) => {
        expect(formatNumber(x, p)).toBe(byDefinition(x, p));
      }),
      { numRuns: 50000 },
    );
  });
  it('agrees on the digits of every rounded value, ties and near-ties (k / 10^p and (k + 0.5) / 10^p, a few ulps off)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000_000 }), fc.integer({ min: 0, max: 9 }), fc.boolean(), fc.integer({ min: -3, max: 3 }), (k, p, half, ulps) => {
        let x = ((k % (10 ** p + 1)) + (half ? 0.5 : 0)) / 10 ** p;
        for (let i = 0; i < Math.abs(ulps); i++) x = ulps > 0 ? nextUp(x) : -nextUp(-x);
        expect(formatNumber(x, p)).toBe(byDefinition(x, p));
      }),
      { numRuns: 50000 },
    );
  });
  it("writes a YOLO box's edges as the definition does (centre ± half the width, 6-decimal numbers: ties one time in two)", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 0, max: 1_000_000 }), fc.integer({ min: 2, max: 9 }), (c, w, p) => {
        for (const x of [c / 1e6 - w / 1e6 / 2, c / 1e6 + w / 1e6 / 2]) if (x >= 0 && x <= 1) expect(formatNumber(x, p)).toBe(byDefinition(x, p));
      }),
      { numRuns: 50000 },
    );
  });
  it('writes any finite double as the definition does, and refuses the rest', () => {
    fc.assert(
      fc.property(fc.double(), fc.integer({ min: 0, max: 15 }), (x, p) => {
        if (Number.isFinite(x)) expect(formatNumber(x, p)).toBe(byDefinition(x, p));
        else expect(() => formatNumber(x, p)).toThrow(TypeError);
      }),
      { numRuns: 20000 },
    );
  });
  it('writes every 6-digit fraction n / 10^6 exactly (all million of them)', () => {
    for (let n = 0; n <= 1_000_000; n++) {
      const x = n / 1e6;
      const got = formatNumber(x, 6);
      if (got !== byDefinition(x, 6)) expect(got).toBe(byDefinition(x, 6));
    }
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
  const reference = (x: number, p: number) => {
    const r = Number(x.toFixed(p));
    return r === 0 ? 0 : r;
  };
  it('gives exactly what Number(x.toFixed(p)) gives, for any double and precision', () => {
    fc.assert(
      fc.property(fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e7, max: 1e7 }), fc.integer({ min: 0, max: 15 }), (x, p) => {
        expect(Object.is(roundTo(x, p), reference(x, p))).toBe(true);
      }),
      { numRuns: 20000 },
    );
  });
  it('agrees on ties and near-ties, where the fast path hands over to toFixed', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2_000_000, max: 2_000_000 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: -3, max: 3 }), (k, p, ulps) => {
        let x = (k + 0.5) / 10 ** p;
        for (let i = 0; i < Math.abs(ulps); i++) x = ulps > 0 ? nextUp(x) : -nextUp(-x);
        expect(Object.is(roundTo(x, p), reference(x, p))).toBe(true);
      }),
      { numRuns: 20000 },
    );
  });
  it('keeps the known cases', () => {
    expect(roundTo(0.25, 1)).toBe(0.3);
    expect(roundTo(-0.25, 1)).toBe(-0.3);
    expect(Object.is(roundTo(-0.0000001, 6), 0)).toBe(true);
    expect(roundTo(1.0000005, 6)).toBe(Number((1.0000005).toFixed(6)));
    expect(roundTo(0.1234565, 6)).toBe(Number((0.1234565).toFixed(6)));
  });
});

function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  buf.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return buf.getFloat64(0);
}
