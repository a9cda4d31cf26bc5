import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ringArea, simplifyRing } from '../../src/polygon/index.js';

/** Distance from (px, py) to segment ab. */
function distanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const l2 = dx * dx + dy * dy;
  const t = l2 === 0 ? 0 : Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / l2));
  return Math.hypot(ax + t * dx - px, ay + t * dy - py);
}

/** A star-shaped ring: no self-intersection, realistic wiggles. */
const starRing = fc
  .record({
    n: fc.integer({ min: 4, max: 80 }),
    radius: fc.double({ min: 2, max: 60, noNaN: true }),
    wobble: fc.array(fc.double({ min: 0.3, max: 1, noNaN: true }), { minLength: 80, maxLength: 80 }),
  })
  .map(({ n, radius, wobble }) => {
    const ring: number[] = [];
    for (let i = 0; i < n; i++) {
      const angle = (2 * Math.PI * i) / n;
      const r = radius * wobble[i]!;
      ring.push(Math.round(100 + r * Math.cos(angle)) / 2, Math.round(100 + r * Math.sin(angle)) / 2);
    }
    return ring;
  });

describe('simplifyRing', () => {
  test('every dropped vertex lies within tolerance of the segment that replaced it', () => {
    fc.assert(
      fc.property(starRing, fc.double({ min: 0, max: 5, noNaN: true }), (ring, tolerance) => {
        const simplified = simplifyRing(ring, tolerance);
        const n = ring.length / 2;
        const keptIndex: number[] = [];
        let k = 0;
        for (let i = 0; i < n && k < simplified.length; i++) {
          if (ring[2 * i] === simplified[k] && ring[2 * i + 1] === simplified[k + 1]) {
            keptIndex.push(i);
            k += 2;
          }
        }
        expect(k).toBe(simplified.length); // the kept vertices are a subsequence of the ring
        for (let s = 0; s < keptIndex.length; s++) {
          const a = keptIndex[s]!;
          const b = keptIndex[(s + 1) % keptIndex.length]!;
          for (let i = (a + 1) % n; i !== b; i = (i + 1) % n) {
            const d = distanceToSegment(ring[2 * i]!, ring[2 * i + 1]!, ring[2 * a]!, ring[2 * a + 1]!, ring[2 * b]!, ring[2 * b + 1]!);
            expect(d).toBeLessThanOrEqual(tolerance + 1e-9);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  test('keeps at least 3 points and more than half the area, at most maxPoints', () => {
    fc.assert(
      fc.property(starRing, fc.double({ min: 0, max: 50, noNaN: true }), fc.integer({ min: 3, max: 20 }), (ring, tolerance, maxPoints) => {
        const simplified = simplifyRing(ring, tolerance, maxPoints);
        expect(simplified.length / 2).toBeGreaterThanOrEqual(Math.min(3, ring.length / 2));
        expect(simplified.length / 2).toBeLessThanOrEqual(Math.max(maxPoints, 3));
        const uncapped = simplifyRing(ring, tolerance);
        if (uncapped.length / 2 <= maxPoints) expect(simplified).toEqual(uncapped);
        else expect(simplified.length / 2).toBe(maxPoints);
        if (uncapped.length === simplified.length && Math.abs(ringArea(ring)) > 0) {
          expect(ringArea(simplified) * Math.sign(ringArea(ring))).toBeGreaterThan(0.5 * Math.abs(ringArea(ring)) - 1e-9);
        }
      }),
      { numRuns: 300 },
    );
  });

  test('a long thin sliver keeps enough points to keep its area', () => {
    const sliver = [0, 0, 50, 0.4, 100, 0, 100, 1, 50, 0.6, 0, 1];
    const simplified = simplifyRing(sliver, 2);
    expect(simplified.length).toBeGreaterThanOrEqual(6);
    expect(Math.abs(ringArea(simplified))).toBeGreaterThan(0.5 * Math.abs(ringArea(sliver)));
  });

  test('a ring pinched at a corner, capped hard, still encloses some area', () => {
    // The pixel-edge outline of ...#.. / ..#... / #.#... / ##....: it passes twice through (2, 3).
    const pinched = [4, 0, 4, 1, 3, 1, 3, 3, 2, 3, 2, 4, 0, 4, 0, 2, 1, 2, 1, 3, 2, 3, 2, 1, 3, 1, 3, 0];
    for (const maxPoints of [3, 4, 5, 6]) {
      const simplified = simplifyRing(pinched, 0.1, maxPoints);
      expect(simplified.length / 2).toBeGreaterThanOrEqual(3);
      expect(simplified.length / 2).toBeLessThanOrEqual(maxPoints);
      expect(ringArea(simplified)).toBeGreaterThan(0);
    }
  });

  test('tolerance 0 removes only points on straight stretches', () => {
    expect(simplifyRing([0, 0, 1, 0, 2, 0, 2, 1, 2, 2, 0, 2, 0, 1], 0)).toEqual([0, 0, 2, 0, 2, 2, 0, 2]);
  });

  test('rings of 3 points or fewer come back unchanged', () => {
    expect(simplifyRing([0, 0, 5, 0, 0, 5], 10)).toEqual([0, 0, 5, 0, 0, 5]);
  });
});
