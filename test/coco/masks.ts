/**
 * Random binary masks for the COCO RLE tests (rle.test.ts, rle-masklib.slow.test.ts): noise or blocks,
 * so that runs are short and long, and some masks are empty or full.
 */
import fc from 'fast-check';

export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Random masks: noise or blocks, so that runs are short and long, and some masks are empty or full. */
export const maskArbitrary: fc.Arbitrary<Mask> = fc
  .record({ height: fc.integer({ min: 0, max: 14 }), width: fc.integer({ min: 0, max: 14 }), density: fc.constantFrom(0, 0.1, 0.5, 0.9, 1), seed: fc.nat() })
  .map(({ height, width, density, seed }) => {
    const data = new Uint8Array(height * width);
    let s = seed >>> 0;
    const random = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 8) / (1 << 24);
    const blocky = seed % 2 === 0;
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const v = blocky ? (((x >> 2) + (y >> 1) + seed) % 3 === 0 ? 1 : 0) ^ (random() < density / 10 ? 1 : 0) : random() < density ? 1 : 0;
        data[y * width + x] = v;
      }
    }
    return { width, height, data };
  });

/** A mask from rows of '0'/'1' characters. */
export function maskOfRows(rows: string[]): Mask {
  const height = rows.length;
  const width = rows[0]?.length ?? 0;
  return { width, height, data: Uint8Array.from(rows.join(''), (c) => Number(c)) };
}
