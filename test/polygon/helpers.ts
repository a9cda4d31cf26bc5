/**
 * Test helpers for mask → polygon: an independent flood fill (the oracle for parts and holes),
 * mask arbitraries for fast-check, and IoU.
 */
import fc from 'fast-check';

/** A binary or labelled test mask. */
export interface Mask {
  width: number;
  height: number;
  data: Uint8Array;
}

/** Parses rows like `'#.#'` (`#` = 1, anything else = 0); digits stand for themselves. */
export function maskOf(...rows: string[]): Mask {
  const height = rows.length;
  const width = height > 0 ? rows[0]!.length : 0;
  const data = new Uint8Array(width * height);
  rows.forEach((row, y) => {
    for (let x = 0; x < width; x++) {
      const c = row[x]!;
      data[y * width + x] = c === '#' ? 1 : /[0-9]/.test(c) ? Number(c) : 0;
    }
  });
  return { width, height, data };
}

/** 1 where `data` equals `label` (or is nonzero when no label is given). */
export function binary(mask: Mask, label?: number): Uint8Array {
  return mask.data.map((v) => (label === undefined ? (v !== 0 ? 1 : 0) : v === label ? 1 : 0));
}

const EIGHT = [
  [-1, -1],
  [0, -1],
  [1, -1],
  [-1, 0],
  [1, 0],
  [-1, 1],
  [0, 1],
  [1, 1],
] as const;
const FOUR = [
  [0, -1],
  [-1, 0],
  [1, 0],
  [0, 1],
] as const;

/**
 * Connected components of the cells where `inside(x, y)` holds, on a grid padded by `pad` cells of
 * outside on every side. Returns the components as lists of (unpadded) cell indices, and whether each
 * touches the padding.
 */
function components(width: number, height: number, inside: (x: number, y: number) => boolean, neighbours: readonly (readonly [number, number])[]): { cells: number[]; touchesBorder: boolean }[] {
  const seen = new Uint8Array(width * height);
  const result: { cells: number[]; touchesBorder: boolean }[] = [];
  for (let start = 0; start < width * height; start++) {
    if (seen[start] || !inside(start % width, Math.floor(start / width))) continue;
    const cells: number[] = [];
    let touchesBorder = false;
    const queue = [start];
    seen[start] = 1;
    while (queue.length > 0) {
      const cell = queue.pop()!;
      cells.push(cell);
      const x = cell % width;
      const y = Math.floor(cell / width);
      for (const [dx, dy] of neighbours) {
        const nx = x + dx;
        const ny = y + dy;
        if (nx < 0 || ny < 0 || nx >= width || ny >= height) {
          touchesBorder = true;
          continue;
        }
        const next = ny * width + nx;
        if (!seen[next] && inside(nx, ny)) {
          seen[next] = 1;
          queue.push(next);
        }
      }
    }
    result.push({ cells, touchesBorder });
  }
  return result;
}

/** Number of 8-connected parts and of holes (4-connected background not reaching the image border). */
export function topology(bits: Uint8Array, width: number, height: number): { parts: number; holes: number } {
  const parts = components(width, height, (x, y) => bits[y * width + x] !== 0, EIGHT).length;
  const holes = components(width, height, (x, y) => bits[y * width + x] === 0, FOUR).filter((c) => !c.touchesBorder).length;
  return { parts, holes };
}

/** The mask with every hole filled: background that cannot reach the border through edges becomes 1. */
export function fillHoles(bits: Uint8Array, width: number, height: number): Uint8Array {
  const filled = Uint8Array.from(bits, (v) => (v !== 0 ? 1 : 0));
  for (const c of components(width, height, (x, y) => bits[y * width + x] === 0, FOUR)) {
    if (!c.touchesBorder) for (const cell of c.cells) filled[cell] = 1;
  }
  return filled;
}

/** Areas of the 8-connected parts, each with its holes filled, and of the holes (in pixels). */
export function pieceAreas(bits: Uint8Array, width: number, height: number): { parts: number[]; holes: number[] } {
  const holes = components(width, height, (x, y) => bits[y * width + x] === 0, FOUR).filter((c) => !c.touchesBorder);
  const parts = components(width, height, (x, y) => bits[y * width + x] !== 0, EIGHT).map((part) => {
    const alone = new Uint8Array(width * height);
    for (const cell of part.cells) alone[cell] = 1;
    return fillHoles(alone, width, height).reduce((a, v) => a + v, 0);
  });
  return { parts: parts.sort((a, b) => a - b), holes: holes.map((h) => h.cells.length).sort((a, b) => a - b) };
}

export function iou(a: Uint8Array, b: Uint8Array): number {
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) both++;
    if (a[i] || b[i]) either++;
  }
  return either === 0 ? 1 : both / either;
}

/** Random masks up to `maxSide` square, with values drawn from `values` (dense or sparse by turns). */
export function maskArbitrary(maxSide = 12, values: readonly number[] = [0, 1]): fc.Arbitrary<Mask> {
  return fc
    .record({ width: fc.integer({ min: 1, max: maxSide }), height: fc.integer({ min: 1, max: maxSide }) })
    .chain(({ width, height }) =>
      fc.uint8Array({ minLength: width * height, maxLength: width * height, max: values.length - 1 }).map((picks) => ({ width, height, data: picks.map((p) => values[p]!) })),
    );
}

/** Blob-like masks: unions of a few random ellipses minus a few smaller ones (holes). */
export function blobArbitrary(side = 48): fc.Arbitrary<Mask> {
  const ellipse = fc.record({
    cx: fc.double({ min: 0, max: side, noNaN: true }),
    cy: fc.double({ min: 0, max: side, noNaN: true }),
    rx: fc.double({ min: 4, max: side / 2, noNaN: true }),
    ry: fc.double({ min: 4, max: side / 2, noNaN: true }),
  });
  return fc.record({ adds: fc.array(ellipse, { minLength: 1, maxLength: 4 }), cuts: fc.array(ellipse, { maxLength: 2 }) }).map(({ adds, cuts }) => {
    const data = new Uint8Array(side * side);
    const inEllipse = (e: { cx: number; cy: number; rx: number; ry: number }, x: number, y: number, shrink: number) =>
      ((x + 0.5 - e.cx) / (e.rx * shrink)) ** 2 + ((y + 0.5 - e.cy) / (e.ry * shrink)) ** 2 <= 1;
    for (let y = 0; y < side; y++) {
      for (let x = 0; x < side; x++) {
        const added = adds.some((e) => inEllipse(e, x, y, 1));
        const cut = cuts.some((e) => inEllipse(e, x, y, 0.4));
        data[y * side + x] = added && !cut ? 1 : 0;
      }
    }
    return { width: side, height: side, data };
  });
}

/** Do segments ab and cd share any point (touching counts)? Exact for the half-integer vertices used here. */
export function segmentsMeet(ax: number, ay: number, bx: number, by: number, cx: number, cy: number, dx: number, dy: number): boolean {
  const orient = (px: number, py: number, qx: number, qy: number, rx: number, ry: number) => Math.sign((qx - px) * (ry - py) - (qy - py) * (rx - px));
  const onSegment = (px: number, py: number, qx: number, qy: number, rx: number, ry: number) => Math.min(px, qx) <= rx && rx <= Math.max(px, qx) && Math.min(py, qy) <= ry && ry <= Math.max(py, qy);
  const o1 = orient(ax, ay, bx, by, cx, cy);
  const o2 = orient(ax, ay, bx, by, dx, dy);
  const o3 = orient(cx, cy, dx, dy, ax, ay);
  const o4 = orient(cx, cy, dx, dy, bx, by);
  if (o1 !== o2 && o3 !== o4 && o1 * o2 <= 0 && o3 * o4 <= 0) return true;
  return (
    (o1 === 0 && onSegment(ax, ay, bx, by, cx, cy)) ||
    (o2 === 0 && onSegment(ax, ay, bx, by, dx, dy)) ||
    (o3 === 0 && onSegment(cx, cy, dx, dy, ax, ay)) ||
    (o4 === 0 && onSegment(cx, cy, dx, dy, bx, by))
  );
}

/** True when no two edges of the rings meet, apart from consecutive edges of one ring at their shared vertex. */
export function ringsAreSimpleAndDisjoint(rings: number[][]): boolean {
  const edges: [number, number, number, number, number, number][] = []; // x0 y0 x1 y1 ring index
  rings.forEach((ring, r) => {
    const n = ring.length / 2;
    for (let i = 0; i < n; i++) {
      const j = (i + 1) % n;
      edges.push([ring[2 * i]!, ring[2 * i + 1]!, ring[2 * j]!, ring[2 * j + 1]!, r, i]);
    }
  });
  for (let a = 0; a < edges.length; a++) {
    for (let b = a + 1; b < edges.length; b++) {
      const [ax, ay, bx, by, ra, ia] = edges[a]!;
      const [cx, cy, dx, dy, rb, ib] = edges[b]!;
      if (ra === rb) {
        const n = rings[ra]!.length / 2;
        if ((ia + 1) % n === ib || (ib + 1) % n === ia) {
          // Neighbours share a vertex by design, but must not fold back onto each other (a spike).
          const [first, second] = (ia + 1) % n === ib ? [edges[a]!, edges[b]!] : [edges[b]!, edges[a]!];
          const ux = first[2] - first[0],
            uy = first[3] - first[1];
          const vx = second[2] - second[0],
            vy = second[3] - second[1];
          if (ux * vy - uy * vx === 0 && ux * vx + uy * vy < 0) return false;
          continue;
        }
      }
      if (segmentsMeet(ax, ay, bx, by, cx, cy, dx, dy)) return false;
    }
  }
  return true;
}
