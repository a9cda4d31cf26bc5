/**
 * Closed-ring simplification: Douglas–Peucker run best-first, so one pass honours both a distance
 * tolerance and a cap on points, and keeps the ring from collapsing.
 */

/** A simplified ring keeps more than this share of its original area (no slivers of thin shapes). */
const AREA_KEPT = 0.5;

/**
 * Signed area of a ring `[x1, y1, x2, y2, ...]` (shoelace). With y pointing down, as in images, a ring
 * that runs clockwise on screen has a positive area: the outline of a part, as traced here. Holes are
 * traced the other way round and have a negative area.
 */
export function ringArea(ring: ArrayLike<number>): number {
  const n = ring.length >> 1;
  let twice = 0;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    twice += ring[2 * j]! * ring[2 * i + 1]! - ring[2 * i]! * ring[2 * j + 1]!;
  }
  return twice / 2;
}

/**
 * Simplifies a closed ring. The two vertices farthest apart are kept as anchors; then, repeatedly, the
 * vertex farthest from the simplified ring is put back, while it is farther than `tolerance`, or the
 * ring has fewer than 3 points, or it encloses no more than half the original area; never beyond
 * `maxPoints`. The kept vertices stay in their original order. Rings of 3 points or fewer come back as
 * they are. Should the vertices kept within `maxPoints` enclose no area (a ring pinched at a corner
 * and a very small cap), the ring's largest triangle from the first anchor comes back instead.
 */
export function simplifyRing(ring: readonly number[], tolerance: number, maxPoints = Number.POSITIVE_INFINITY): number[] {
  const n = ring.length >> 1;
  if (n <= 3) return ring.slice(0, 2 * n);
  const x = (i: number): number => ring[2 * i]!;
  const y = (i: number): number => ring[2 * i + 1]!;

  const first = farthestFrom(ring, 0);
  const second = farthestFrom(ring, first);
  const kept = new Uint8Array(n);
  kept[first] = 1;
  kept[second] = 1;
  let count = 2;

  const originalArea = ringArea(ring);
  const orientation = Math.sign(originalArea) || 1;
  const areaToKeep = AREA_KEPT * Math.abs(originalArea);
  let twiceArea = 0;

  const heap = new SegmentHeap(n);
  const pushSegment = (from: number, to: number): void => {
    let farthest = -1;
    let farthestDistance = -1;
    for (let k = (from + 1) % n; k !== to; k = (k + 1) % n) {
      const d = squaredDistanceToSegment(x(k), y(k), x(from), y(from), x(to), y(to));
      if (d > farthestDistance) {
        farthestDistance = d;
        farthest = k;
      }
    }
    if (farthest >= 0) heap.push(farthestDistance, from, to, farthest);
  };
  pushSegment(first, second);
  pushSegment(second, first);

  const squaredTolerance = tolerance * tolerance;
  while (heap.size > 0 && count < maxPoints) {
    const settled = count >= 3 && orientation * twiceArea > 2 * areaToKeep;
    if (settled && heap.topDistance() <= squaredTolerance) break;
    const { from, to, vertex } = heap.pop();
    kept[vertex] = 1;
    count++;
    twiceArea += cross(x(from), y(from), x(vertex), y(vertex)) + cross(x(vertex), y(vertex), x(to), y(to)) - cross(x(from), y(from), x(to), y(to));
    pushSegment(from, vertex);
    pushSegment(vertex, to);
  }

  if (orientation * twiceArea <= 0) return largestFanTriangle(ring, first, orientation);
  const out: number[] = [];
  for (let i = 0; i < n; i++) if (kept[i]) out.push(x(i), y(i));
  return out;
}

/**
 * The triangle (apex, i, i + 1) of largest area in the ring's orientation, in ring order. The fan
 * triangles from any vertex add up to the ring's area, so one of them encloses some.
 */
function largestFanTriangle(ring: readonly number[], apex: number, orientation: number): number[] {
  const n = ring.length >> 1;
  const ax = ring[2 * apex]!;
  const ay = ring[2 * apex + 1]!;
  let best = (apex + 1) % n;
  let bestArea = Number.NEGATIVE_INFINITY;
  for (let k = 1; k < n - 1; k++) {
    const i = (apex + k) % n;
    const j = (i + 1) % n;
    const area = orientation * ((ring[2 * i]! - ax) * (ring[2 * j + 1]! - ay) - (ring[2 * j]! - ax) * (ring[2 * i + 1]! - ay));
    if (area > bestArea) {
      bestArea = area;
      best = i;
    }
  }
  const indices = [apex, best, (best + 1) % n].sort((a, b) => a - b);
  return indices.flatMap((i) => [ring[2 * i]!, ring[2 * i + 1]!]);
}

function farthestFrom(ring: readonly number[], from: number): number {
  const fx = ring[2 * from]!;
  const fy = ring[2 * from + 1]!;
  let best = from;
  let bestDistance = -1;
  for (let i = 0; i < ring.length >> 1; i++) {
    const dx = ring[2 * i]! - fx;
    const dy = ring[2 * i + 1]! - fy;
    const d = dx * dx + dy * dy;
    if (d > bestDistance) {
      bestDistance = d;
      best = i;
    }
  }
  return best;
}

function cross(ax: number, ay: number, bx: number, by: number): number {
  return ax * by - bx * ay;
}

function squaredDistanceToSegment(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const length2 = dx * dx + dy * dy;
  let t = length2 === 0 ? 0 : ((px - ax) * dx + (py - ay) * dy) / length2;
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  const ex = ax + t * dx - px;
  const ey = ay + t * dy - py;
  return ex * ex + ey * ey;
}

/** Max-heap of ring segments keyed by the squared distance of their farthest inner vertex. */
class SegmentHeap {
  size = 0;
  private readonly distance: Float64Array;
  private readonly from: Int32Array;
  private readonly to: Int32Array;
  private readonly vertex: Int32Array;

  constructor(points: number) {
    // Each pop adds at most two segments and every vertex is popped at most once.
    const capacity = points + 2;
    this.distance = new Float64Array(capacity);
    this.from = new Int32Array(capacity);
    this.to = new Int32Array(capacity);
    this.vertex = new Int32Array(capacity);
  }

  topDistance(): number {
    return this.distance[0]!;
  }

  push(distance: number, from: number, to: number, vertex: number): void {
    let i = this.size++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.distance[parent]! >= distance) break;
      this.move(parent, i);
      i = parent;
    }
    this.set(i, distance, from, to, vertex);
  }

  pop(): { from: number; to: number; vertex: number } {
    const top = { from: this.from[0]!, to: this.to[0]!, vertex: this.vertex[0]! };
    const last = --this.size;
    const distance = this.distance[last]!;
    const from = this.from[last]!;
    const to = this.to[last]!;
    const vertex = this.vertex[last]!;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= last) break;
      if (child + 1 < last && this.distance[child + 1]! > this.distance[child]!) child++;
      if (this.distance[child]! <= distance) break;
      this.move(child, i);
      i = child;
    }
    if (last > 0) this.set(i, distance, from, to, vertex);
    return top;
  }

  private move(src: number, dst: number): void {
    this.set(dst, this.distance[src]!, this.from[src]!, this.to[src]!, this.vertex[src]!);
  }

  private set(i: number, distance: number, from: number, to: number, vertex: number): void {
    this.distance[i] = distance;
    this.from[i] = from;
    this.to[i] = to;
    this.vertex[i] = vertex;
  }
}
