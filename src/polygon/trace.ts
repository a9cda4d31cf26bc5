/**
 * Crack following: the boundary loops of one object inside a window of a mask, as lists of pixel
 * corners. Parts are 8-connected, holes 4-connected (see CONNECTIVITY in options.ts).
 *
 * The window is copied into a padded cell grid (one empty cell on every side), so the walk needs
 * no bounds checks; the grid and the corner buffer are reused from one call to the next.
 */

/** One closed boundary loop. */
export interface BoundaryLoop {
  /** Pixel corners where the loop turns, `[x1, y1, x2, y2, ...]` in image coordinates (integers). */
  corners: Int32Array;
  /**
   * Signed area enclosed, in pixels. Walks keep the object on their right (y pointing down), so the
   * outline of a part has a positive area and the outline of a hole a negative one.
   */
  area: number;
}

/** Pixel rectangle `[x0, x1) × [y0, y1)`. */
export interface Window {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

const INSIDE = 1;
const TOP_EDGE_WALKED = 2;
const OUTSIDE_REACHED = 4;

const RIGHT = 0;
const DOWN = 1;
const LEFT = 2;
const UP = 3;

export class BoundaryTracer {
  private cells = new Uint8Array(0);
  private stride = 0;
  private rows = 0;
  private originX = 0;
  private originY = 0;
  private corners = new Int32Array(256);
  private stack = new Int32Array(0);

  /** Loads the pixels of `window` where `mask` is nonzero. */
  loadNonzero(mask: Uint8Array, width: number, window: Window): void {
    this.reset(window);
    const { cells, stride } = this;
    for (let y = window.y0; y < window.y1; y++) {
      let cell = (y - window.y0 + 1) * stride + 1;
      const end = y * width + window.x1;
      for (let p = y * width + window.x0; p < end; p++, cell++) cells[cell] = mask[p] !== 0 ? INSIDE : 0;
    }
  }

  /** Loads the pixels of `window` where `mask` equals `label`. */
  loadLabel(mask: Uint8Array, width: number, window: Window, label: number): void {
    this.reset(window);
    const { cells, stride } = this;
    for (let y = window.y0; y < window.y1; y++) {
      let cell = (y - window.y0 + 1) * stride + 1;
      const end = y * width + window.x1;
      for (let p = y * width + window.x0; p < end; p++, cell++) cells[cell] = mask[p] === label ? INSIDE : 0;
    }
  }

  /**
   * Makes every hole part of the object: cells that the outside cannot reach through edge-adjacent
   * empty cells become inside. Parts lying in holes merge into the filled part.
   */
  fillHoles(): void {
    const { cells, stride } = this;
    const size = stride * this.rows;
    if (this.stack.length < size) this.stack = new Int32Array(size);
    const stack = this.stack;
    let top = 0;
    cells[0] = OUTSIDE_REACHED;
    stack[top++] = 0;
    // Stepping off a row's end lands in the padding column of the next row: also outside.
    const reach = (cell: number): void => {
      if (cell >= 0 && cell < size && cells[cell] === 0) {
        cells[cell] = OUTSIDE_REACHED;
        stack[top++] = cell;
      }
    };
    while (top > 0) {
      const cell = stack[--top]!;
      reach(cell - 1);
      reach(cell + 1);
      reach(cell - stride);
      reach(cell + stride);
    }
    for (let cell = 0; cell < size; cell++) cells[cell] = cells[cell] === OUTSIDE_REACHED ? 0 : INSIDE;
  }

  /** Every boundary loop of the loaded object, in the order their top-left edges are met row by row. */
  trace(): BoundaryLoop[] {
    const { cells, stride, rows } = this;
    const loops: BoundaryLoop[] = [];
    for (let y = 1; y < rows; y++) {
      for (let x = 1; x < stride - 1; x++) {
        const cell = y * stride + x;
        const below = cells[cell]!;
        if (below & TOP_EDGE_WALKED) continue;
        const above = cells[cell - stride]!;
        if ((below & INSIDE) === (above & INSIDE)) continue;
        loops.push(below & INSIDE ? this.walk(x, y, RIGHT) : this.walk(x + 1, y, LEFT));
      }
    }
    return loops;
  }

  private reset(window: Window): void {
    this.originX = window.x0 - 1;
    this.originY = window.y0 - 1;
    this.stride = window.x1 - window.x0 + 2;
    this.rows = window.y1 - window.y0 + 2;
    const size = this.stride * this.rows;
    if (this.cells.length < size) this.cells = new Uint8Array(Math.max(size, this.cells.length * 2));
    this.cells.fill(0, 0, size);
  }

  /**
   * Walks one loop from corner (x, y) in `direction`, the object on the right, until it comes back.
   * At each corner, of the two cells ahead: inside on the left → turn left (this joins cells that
   * touch only at a corner: 8-connected parts); else inside on the right → straight on; else turn right.
   */
  private walk(startX: number, startY: number, startDirection: number): BoundaryLoop {
    const { cells, stride } = this;
    let x = startX;
    let y = startY;
    let direction = startDirection;
    let area = 0;
    let count = 0;
    for (;;) {
      switch (direction) {
        case RIGHT:
          cells[y * stride + x] |= TOP_EDGE_WALKED;
          x++;
          break;
        case LEFT:
          x--;
          cells[y * stride + x] |= TOP_EDGE_WALKED;
          break;
        case DOWN:
          area += x;
          y++;
          break;
        default:
          area -= x;
          y--;
      }
      const topLeft = (y - 1) * stride + x - 1;
      const topRight = topLeft + 1;
      const bottomLeft = topLeft + stride;
      const bottomRight = bottomLeft + 1;
      let aheadLeft: number;
      let aheadRight: number;
      switch (direction) {
        case RIGHT:
          aheadLeft = topRight;
          aheadRight = bottomRight;
          break;
        case DOWN:
          aheadLeft = bottomRight;
          aheadRight = bottomLeft;
          break;
        case LEFT:
          aheadLeft = bottomLeft;
          aheadRight = topLeft;
          break;
        default:
          aheadLeft = topLeft;
          aheadRight = topRight;
      }
      let next: number;
      if (cells[aheadLeft]! & INSIDE) next = (direction + 3) & 3;
      else if (cells[aheadRight]! & INSIDE) next = direction;
      else next = (direction + 1) & 3;
      if (next !== direction) {
        if (count + 2 > this.corners.length) this.growCorners();
        this.corners[count++] = x + this.originX;
        this.corners[count++] = y + this.originY;
      }
      direction = next;
      if (x === startX && y === startY && direction === startDirection) break;
    }
    return { corners: this.corners.slice(0, count), area };
  }

  private growCorners(): void {
    const bigger = new Int32Array(this.corners.length * 2);
    bigger.set(this.corners);
    this.corners = bigger;
  }
}
