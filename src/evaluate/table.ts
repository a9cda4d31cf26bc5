/**
 * Columns of numbers that grow as lines are read: ground truth and predictions of a whole test set
 * kept as typed arrays (a few bytes an object) rather than parsed JSON.
 *
 * @example
 *   const scores = new Column(Float64Array);
 *   scores.push(0.93);
 *   scores.view();  // Float64Array [0.93]
 */

type TypedArray = Float64Array | Int32Array | Uint8Array | Uint32Array;
type TypedCtor<T extends TypedArray> = { new (n: number): T };

/** A typed array that grows by doubling. */
export class Column<T extends TypedArray> {
  private data: T;
  length = 0;
  constructor(
    private readonly ctor: TypedCtor<T>,
    capacity = 1024,
  ) {
    this.data = new ctor(capacity);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new this.ctor(this.data.length * 2);
      next.set(this.data as never);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  get(i: number): number {
    return this.data[i]!;
  }
  /** The values pushed so far (a view: it changes if more are pushed). */
  view(): T {
    return this.data.subarray(0, this.length) as T;
  }
}

/**
 * Objects grouped by image: the objects of image i are `start[i]` to `start[i + 1] - 1`, in the order
 * they were added. Boxes are x, y, width, height in pixels (in image units when the image's size is
 * unknown). Polygons are rings of normalised x, y pairs: object o has rings `ringFirst[o]` to
 * `ringEnd[o] - 1`; ring r is `coords[ringOffset[r]]` to `coords[ringOffset[r + 1] - 1]`.
 */
export interface ObjectTable {
  start: Int32Array;
  cls: Int32Array;
  /** 1 for an `isCrowd` ground-truth object (all 0 for predictions). */
  crowd: Uint8Array;
  /** Prediction scores (all 0 for ground truth). */
  score: Float64Array;
  box: Float64Array;
  ringFirst: Int32Array;
  ringEnd: Int32Array;
  ringOffset: Int32Array;
  coords: Float64Array;
}

/** Builds an {@link ObjectTable} from objects added in any order of images. */
export class ObjectTableBuilder {
  private img = new Column(Int32Array);
  private cls = new Column(Int32Array);
  private crowd = new Column(Uint8Array);
  private score = new Column(Float64Array);
  private box = new Column(Float64Array);
  private ringFirst = new Column(Int32Array);
  private ringEnd = new Column(Int32Array);
  private ringOffset = new Column(Int32Array);
  private coords = new Column(Float64Array);
  constructor() {
    this.ringOffset.push(0);
  }
  get objects(): number {
    return this.cls.length;
  }
  add(image: number, cls: number, crowd: number, score: number, x: number, y: number, w: number, h: number, rings?: readonly (readonly number[])[]): void {
    this.img.push(image);
    this.cls.push(cls);
    this.crowd.push(crowd);
    this.score.push(score);
    this.box.push(x);
    this.box.push(y);
    this.box.push(w);
    this.box.push(h);
    this.ringFirst.push(this.ringOffset.length - 1);
    if (rings) {
      for (const ring of rings) {
        for (const v of ring) this.coords.push(v);
        this.ringOffset.push(this.coords.length);
      }
    }
    this.ringEnd.push(this.ringOffset.length - 1);
  }
  /** The table for images 0 to `images - 1`: objects grouped by image, in the order added within one. */
  finish(images: number): ObjectTable {
    const n = this.cls.length;
    const img = this.img.view();
    const start = new Int32Array(images + 1);
    for (let o = 0; o < n; o++) start[img[o]! + 1]!++;
    for (let i = 0; i < images; i++) start[i + 1]! += start[i]!;
    const next = start.slice(0, images);
    const order = new Int32Array(n);
    for (let o = 0; o < n; o++) order[next[img[o]!]!++] = o;
    const pick = <T extends Int32Array | Uint8Array | Float64Array>(src: T, ctor: { new (n: number): T }): T => {
      const out = new ctor(n);
      for (let k = 0; k < n; k++) out[k] = src[order[k]!]!;
      return out;
    };
    const srcBox = this.box.view();
    const box = new Float64Array(4 * n);
    for (let k = 0; k < n; k++) box.set(srcBox.subarray(4 * order[k]!, 4 * order[k]! + 4), 4 * k);
    return {
      start,
      cls: pick(this.cls.view(), Int32Array),
      crowd: pick(this.crowd.view(), Uint8Array),
      score: pick(this.score.view(), Float64Array),
      box,
      ringFirst: pick(this.ringFirst.view(), Int32Array),
      ringEnd: pick(this.ringEnd.view(), Int32Array),
      ringOffset: this.ringOffset.view(),
      coords: this.coords.view(),
    };
  }
}
