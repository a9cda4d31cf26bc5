import { describe, expect, test } from 'vitest';
import { rasterizeRings } from '../../src/polygon/index.js';
import { maskOf } from './helpers.js';

describe('rasterizeRings', () => {
  test('fills the pixels whose centres are inside', () => {
    expect(rasterizeRings([[1, 0, 3, 0, 3, 2, 1, 2]], 4, 3)).toEqual(maskOf('.##.', '.##.', '....').data);
  });

  test('combines rings with exclusive-or: a ring inside another cuts a hole, overlapping rings cancel', () => {
    const outer = [0, 0, 3, 0, 3, 3, 0, 3];
    const inner = [1, 1, 2, 1, 2, 2, 1, 2];
    expect(rasterizeRings([outer, inner], 3, 3)).toEqual(maskOf('###', '#.#', '###').data);
    expect(rasterizeRings([outer, outer], 3, 3)).toEqual(new Uint8Array(9));
  });

  test('a centre on a left or right edge is inside; a centre on a horizontal edge counts from below', () => {
    // x from 0.5 to 2.5: both end centres lie exactly on the edges.
    expect(rasterizeRings([[0.5, 0, 2.5, 0, 2.5, 1, 0.5, 1]], 4, 1)).toEqual(maskOf('###.').data);
    // y from 0.5 to 1.5: the row centre 0.5 lies on the top edge (counts), 1.5 on the bottom edge (does not).
    expect(rasterizeRings([[0, 0.5, 1, 0.5, 1, 1.5, 0, 1.5]], 1, 3)).toEqual(maskOf('#', '.', '.').data);
  });

  test('ignores rings of fewer than 3 points and clips to the image', () => {
    expect(rasterizeRings([[0, 0, 2, 2]], 2, 2)).toEqual(new Uint8Array(4));
    expect(rasterizeRings([[-5, -5, 9, -5, 9, 9, -5, 9]], 2, 2)).toEqual(new Uint8Array(4).fill(1));
  });
});
