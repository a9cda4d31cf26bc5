/**
 * formatNumber and roundTo against their definitions (toFixed's rounding, then the shortest form that
 * reads back): property runs by the ten thousand, ties and near-ties, every 6-digit fraction. The
 * known cases are in format.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatNumber, roundTo } from '../src/format.js';

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
});

function nextUp(x: number): number {
  if (x === 0) return Number.MIN_VALUE;
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, x);
  const bits = buf.getBigUint64(0);
  buf.setBigUint64(0, x > 0 ? bits + 1n : bits - 1n);
  return buf.getFloat64(0);
}
