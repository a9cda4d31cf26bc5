/**
 * Whether the rings of one object overlap: a ring inside another (a hole) or two rings crossing. Where
 * they do, exclusive-or (how AutoML combines an object's rings, SPEC §1) and union (how COCO reads an
 * object's polygons, how CVAT joins a group) give different masks.
 *
 * @example
 *   ringsOverlap([[0, 0, 10, 0, 10, 10, 0, 10], [4, 4, 6, 4, 6, 6, 4, 6]]); // true: a hole
 *   ringsOverlap([[0, 0, 1, 0, 1, 1], [2, 2, 3, 2, 3, 3]]);                 // false: two parts
 */

/** Whether point (x, y) lies inside a ring (even–odd). */
function inside(x: number, y: number, ring: readonly number[]): boolean {
  let odd = false;
  const n = ring.length;
  for (let i = 0, j = n - 2; i < n; j = i, i += 2) {
    const yi = ring[i + 1]!;
    const yj = ring[j + 1]!;
    if (yi > y !== yj > y && x < ((ring[j]! - ring[i]!) * (y - yi)) / (yj - yi) + ring[i]!) odd = !odd;
  }
  return odd;
}

/** Whether segments p1-p2 and p3-p4 cross (properly: each one's ends on either side of the other). */
function segmentsCross(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): boolean {
  const d1 = (dx - cx) * (ay - cy) - (dy - cy) * (ax - cx);
  const d2 = (dx - cx) * (by - cy) - (dy - cy) * (bx - cx);
  const d3 = (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
  const d4 = (bx - ax) * (dy - ay) - (by - ay) * (dx - ax);
  return ((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0));
}

/** The bounds of a ring: `[xmin, ymin, xmax, ymax]`. */
export function boundsOf(ring: readonly number[]): [number, number, number, number] {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (let i = 0; i + 1 < ring.length; i += 2) {
    if (ring[i]! < x1) x1 = ring[i]!;
    if (ring[i]! > x2) x2 = ring[i]!;
    if (ring[i + 1]! < y1) y1 = ring[i + 1]!;
    if (ring[i + 1]! > y2) y2 = ring[i + 1]!;
  }
  return [x1, y1, x2, y2];
}

/**
 * Whether the rings of one object overlap anywhere (a ring inside another, or two crossing), so that
 * exclusive-or (AutoML) and union (COCO polygons) read them differently. A vertex of one ring inside
 * the other, or two edges that cross, is an overlap; rings that only touch may be counted too (RLE is
 * then written where polygons would have done: still the same mask).
 */
export function ringsOverlap(rings: readonly (readonly number[])[]): boolean {
  if (rings.length < 2) return false;
  const bounds = rings.map(boundsOf);
  for (let a = 0; a < rings.length; a++) {
    for (let b = a + 1; b < rings.length; b++) {
      const [ax1, ay1, ax2, ay2] = bounds[a]!;
      const [bx1, by1, bx2, by2] = bounds[b]!;
      if (ax2 < bx1 || bx2 < ax1 || ay2 < by1 || by2 < ay1) continue;
      const ra = rings[a]!;
      const rb = rings[b]!;
      if (inside(ra[0]!, ra[1]!, rb) || inside(rb[0]!, rb[1]!, ra)) return true;
      for (let i = 0; i < ra.length; i += 2) {
        const i2 = i + 2 === ra.length ? 0 : i + 2;
        for (let j = 0; j < rb.length; j += 2) {
          const j2 = j + 2 === rb.length ? 0 : j + 2;
          if (segmentsCross(ra[i]!, ra[i + 1]!, ra[i2]!, ra[i2 + 1]!, rb[j]!, rb[j + 1]!, rb[j2]!, rb[j2 + 1]!)) return true;
        }
      }
    }
  }
  return false;
}
