/**
 * Rings → mask, the way quality is judged (SPEC §5) and the way the reference quality script
 * (`polygon_quality.py`, `masklib.rasterize_rings`) does it, to the same floating-point operations.
 */

/**
 * Rasterises rings given in pixel coordinates: pixel (x, y) is inside (1) when its centre
 * (x + 0.5, y + 0.5) is inside an odd number of rings (even–odd within a ring, exclusive-or across
 * rings, as AutoML combines an object's rings). On a row, an edge counts when
 * `min(y0, y1) <= yc < max(y0, y1)`; a span between two crossings includes pixel centres lying exactly
 * on either crossing. Rings with fewer than 3 points are ignored. Returns a row-major mask.
 */
export function rasterizeRings(rings: readonly (readonly number[])[], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const ring of rings) {
    if (ring.length < 6) continue;
    const crossings = crossingsByRow(ring, height);
    for (let row = 0; row < height; row++) {
      const xs = crossings[row];
      if (!xs) continue;
      xs.sort((a, b) => a - b);
      for (let k = 0; k + 1 < xs.length; k += 2) {
        const lo = Math.max(Math.ceil(xs[k]! - 0.5), 0);
        const hi = Math.min(Math.floor(xs[k + 1]! - 0.5), width - 1);
        for (let x = lo; x <= hi; x++) out[row * width + x]! ^= 1;
      }
    }
  }
  return out;
}

function crossingsByRow(ring: readonly number[], height: number): (number[] | undefined)[] {
  const rows: (number[] | undefined)[] = new Array(height);
  const n = ring.length >> 1;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const x0 = ring[2 * i]!;
    const y0 = ring[2 * i + 1]!;
    const x1 = ring[2 * j]!;
    const y1 = ring[2 * j + 1]!;
    const low = Math.min(y0, y1);
    const high = Math.max(y0, y1);
    const first = Math.max(Math.floor(low) - 1, 0);
    const last = Math.min(Math.ceil(high) + 1, height - 1);
    for (let row = first; row <= last; row++) {
      const yc = row + 0.5;
      if (low <= yc && high > yc) (rows[row] ??= []).push(x0 + ((yc - y0) * (x1 - x0)) / (y1 - y0));
    }
  }
  return rows;
}
