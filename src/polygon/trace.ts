/**
 * Crack following: the boundary loops of every object of a labelled mask, in one scan of the image
 * plus one walk around each loop. Loops run along pixel edges and are recorded as the pixel corners
 * where they turn. Parts are 8-connected, holes 4-connected (see CONNECTIVITY in options.ts).
 */

/** One closed boundary loop of one object. */
export interface BoundaryLoop {
  /** Pixel corners where the loop turns, `[x1, y1, x2, y2, ...]` in image coordinates (integers). */
  corners: Int32Array;
  /**
   * Signed area enclosed, in pixels. Walks keep the object on their right (y pointing down), so the
   * outline of a part has a positive area and the outline of a hole a negative one.
   */
  area: number;
  /** Length of the loop along pixel edges. */
  length: number;
  /** A pixel of the object that touches the loop (the one below its first edge, for a part's outline). */
  seedX: number;
  seedY: number;
}

/** Edge marks: the edge on top of pixel (x, y) was walked with the object below it, or above it. */
const WALKED_WITH_OBJECT_BELOW = 1;
const WALKED_WITH_OBJECT_ABOVE = 2;
const NONE = -1;

const RIGHT = 0;
const DOWN = 1;
const LEFT = 2;

/** Reuses its buffers from one mask to the next; not re-entrant. */
export class BoundaryTracer {
  private marks = new Uint8Array(0);
  private corners = new Int32Array(256);
  private mask: Uint8Array = new Uint8Array(0);
  private width = 0;
  private height = 0;
  private isObject: Uint8Array = new Uint8Array(0);
  private found = new Map<number, BoundaryLoop[]>();

  /**
   * Every boundary loop of every object, by label value (increasing). `isObject[v]` says whether pixel
   * value v is an object; other values are outside every object. For each object, loops come in the
   * order their top-left edges are met, row by row; a part's outline comes before its holes.
   */
  traceLabels(mask: Uint8Array, width: number, height: number, isObject: Uint8Array): Map<number, BoundaryLoop[]> {
    this.mask = mask;
    this.width = width;
    this.height = height;
    this.isObject = isObject;
    this.found = new Map();
    const size = width * (height + 1);
    if (this.marks.length < size) this.marks = new Uint8Array(size);
    this.marks.fill(0, 0, size);
    // Edges on top of each row: the image's top border, the inner rows, the bottom border.
    if (height > 0) for (let x = 0; x < width; x++) this.startWalks(x, 0, mask[x]!, NONE);
    for (let y = 1; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const below = mask[row + x]!;
        const above = mask[row - width + x]!;
        if (below !== above) this.startWalks(x, y, below, above);
      }
    }
    if (height > 0) for (let x = 0; x < width; x++) this.startWalks(x, height, NONE, mask[(height - 1) * width + x]!);
    return new Map([...this.found].sort((a, b) => a[0] - b[0]));
  }

  /** Walks the loops through the edge on top of pixel (x, y) that no walk has taken yet. */
  private startWalks(x: number, y: number, below: number, above: number): void {
    const mark = this.marks[y * this.width + x]!;
    if (below !== NONE && this.isObject[below] && !(mark & WALKED_WITH_OBJECT_BELOW)) {
      this.record(below, this.walk(below, x, y, RIGHT));
    }
    if (above !== NONE && this.isObject[above] && !(mark & WALKED_WITH_OBJECT_ABOVE)) {
      this.record(above, this.walk(above, x + 1, y, LEFT));
    }
  }

  private record(label: number, loop: BoundaryLoop): void {
    const loops = this.found.get(label);
    if (loops) loops.push(loop);
    else this.found.set(label, [loop]);
  }

  private inside(label: number, x: number, y: number): boolean {
    return x >= 0 && y >= 0 && x < this.width && y < this.height && this.mask[y * this.width + x] === label;
  }

  /**
   * Walks one loop of `label` from corner (x, y) in `direction`, the object on the right, until it
   * comes back. At each corner, of the two pixels ahead: inside on the left → turn left (this joins
   * pixels that touch only at a corner: 8-connected parts); else inside on the right → straight on;
   * else turn right.
   */
  private walk(label: number, startX: number, startY: number, startDirection: number): BoundaryLoop {
    const { marks, width } = this;
    let x = startX;
    let y = startY;
    let direction = startDirection;
    let area = 0;
    let length = 0;
    let count = 0;
    for (;;) {
      switch (direction) {
        case RIGHT:
          marks[y * width + x]! |= WALKED_WITH_OBJECT_BELOW;
          x++;
          break;
        case LEFT:
          x--;
          marks[y * width + x]! |= WALKED_WITH_OBJECT_ABOVE;
          break;
        case DOWN:
          area += x;
          y++;
          break;
        default:
          area -= x;
          y--;
      }
      length++;
      // The two pixels ahead, left and right of the way on; pixel (x, y) is below-right of corner (x, y).
      let leftX: number, leftY: number, rightX: number, rightY: number;
      switch (direction) {
        case RIGHT:
          leftX = x;
          leftY = y - 1;
          rightX = x;
          rightY = y;
          break;
        case DOWN:
          leftX = x;
          leftY = y;
          rightX = x - 1;
          rightY = y;
          break;
        case LEFT:
          leftX = x - 1;
          leftY = y;
          rightX = x - 1;
          rightY = y - 1;
          break;
        default:
          leftX = x - 1;
          leftY = y - 1;
          rightX = x;
          rightY = y - 1;
      }
      const next = this.inside(label, leftX, leftY) ? (direction + 3) & 3 : this.inside(label, rightX, rightY) ? direction : (direction + 1) & 3;
      if (next !== direction) {
        if (count + 2 > this.corners.length) this.growCorners();
        this.corners[count++] = x;
        this.corners[count++] = y;
      }
      direction = next;
      if (x === startX && y === startY && direction === startDirection) break;
    }
    const seedX = startDirection === RIGHT ? startX : startX - 1;
    const seedY = startDirection === RIGHT ? startY : startY - 1;
    return { corners: this.corners.slice(0, count), area, length, seedX, seedY };
  }

  private growCorners(): void {
    const bigger = new Int32Array(this.corners.length * 2);
    bigger.set(this.corners);
    this.corners = bigger;
  }
}

/** Is the centre of pixel (x, y) inside the loop (even–odd)? Pixel centres never lie on a loop. */
export function loopContainsPixel(loop: BoundaryLoop, x: number, y: number): boolean {
  const { corners } = loop;
  const n = corners.length >> 1;
  const cx = x + 0.5;
  const cy = y + 0.5;
  let inside = false;
  for (let i = 0, j = n - 1; i < n; j = i++) {
    const xi = corners[2 * i]!;
    const yi = corners[2 * i + 1]!;
    const xj = corners[2 * j]!;
    const yj = corners[2 * j + 1]!;
    // Only vertical runs cross a horizontal ray; a run from corner j to corner i is vertical when xi === xj.
    if (xi === xj && xi > cx && yi > cy !== yj > cy) inside = !inside;
  }
  return inside;
}
