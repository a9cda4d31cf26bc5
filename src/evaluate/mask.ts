/**
 * Instance masks for `evaluate`: polygon rings rasterised exactly as pycocotools' `rleFrPoly`
 * (common/maskApi.c, what `mask.frPyObjects` runs), the rings of one object combined by exclusive-or
 * (SPEC §1: a hole is one more ring), and the RLE area and IoU of `rleArea`/`rleIou`.
 *
 * Runs are COCO's: column-major, starting with background, summing to height × width.
 *
 * @example
 *   const ringsPx = [[10, 10, 60, 10, 60, 60, 10, 60], [20, 20, 40, 20, 40, 40, 20, 40]];  // square with a hole
 *   const rle = objectRle(ringsPx, 100, 100);
 *   rleArea(rle);                          // 2500 - 400 (about: pycocotools' own edge rule)
 *   maskIou(rle, rle, false, rleArea(rle)); // 1
 */

/** One mask as COCO run lengths (column-major, background first). */
export type Runs = Uint32Array;

/** A growable buffer of run lengths, reused across calls. */
let scratch = new Uint32Array(1024);
function grow(n: number): void {
  if (scratch.length < n) {
    let size = scratch.length;
    while (size < n) size *= 2;
    scratch = new Uint32Array(size);
  }
}

/**
 * One ring (pixel coordinates x0, y0, x1, y1, ...) as pycocotools' `rleFrPoly(R, xy, k, h, w)`:
 * the boundary upsampled 5x, its crossings of pixel columns, the runs between them. Integer casts
 * are C's (toward zero); arithmetic the same doubles.
 */
export function ringRle(xy: ArrayLike<number>, k: number, h: number, w: number): Runs {
  const scale = 5;
  const x = ints(0, k + 1);
  const y = ints(1, k + 1);
  for (let j = 0; j < k; j++) x[j] = Math.trunc(scale * xy[j * 2]! + 0.5);
  x[k] = x[0]!;
  for (let j = 0; j < k; j++) y[j] = Math.trunc(scale * xy[j * 2 + 1]! + 0.5);
  y[k] = y[0]!;
  let m = 0;
  for (let j = 0; j < k; j++) m += Math.max(Math.abs(x[j]! - x[j + 1]!), Math.abs(y[j]! - y[j + 1]!)) + 1;
  const u = ints(2, m);
  const v = ints(3, m);
  m = 0;
  for (let j = 0; j < k; j++) {
    let xs = x[j]!,
      xe = x[j + 1]!,
      ys = y[j]!,
      ye = y[j + 1]!;
    const dx = Math.abs(xe - xs);
    const dy = Math.abs(ys - ye);
    const flip = (dx >= dy && xs > xe) || (dx < dy && ys > ye);
    if (flip) {
      let t = xs;
      xs = xe;
      xe = t;
      t = ys;
      ys = ye;
      ye = t;
    }
    const s = dx >= dy ? (ye - ys) / dx : (xe - xs) / dy;
    if (dx >= dy) {
      for (let d = 0; d <= dx; d++) {
        const t = flip ? dx - d : d;
        u[m] = t + xs;
        v[m] = Math.trunc(ys + s * t + 0.5);
        m++;
      }
    } else {
      for (let d = 0; d <= dy; d++) {
        const t = flip ? dy - d : d;
        v[m] = t + ys;
        u[m] = Math.trunc(xs + s * t + 0.5);
        m++;
      }
    }
  }
  // points along the y-boundary, downsampled, as run starts x * h + y (they fit in 32 bits: h * w does)
  const kk = m;
  const a = uints(kk + 1);
  m = 0;
  for (let j = 1; j < kk; j++) {
    if (u[j] === u[j - 1]) continue;
    let xd = u[j]! < u[j - 1]! ? u[j]! : u[j]! - 1;
    xd = (xd + 0.5) / scale - 0.5;
    if (Math.floor(xd) !== xd || xd < 0 || xd > w - 1) continue;
    let yd = v[j]! < v[j - 1]! ? v[j]! : v[j - 1]!;
    yd = (yd + 0.5) / scale - 0.5;
    if (yd < 0) yd = 0;
    else if (yd > h) yd = h;
    yd = Math.ceil(yd);
    a[m++] = xd * h + yd;
  }
  a[m] = h * w;
  const n = m + 1;
  const sorted = a.subarray(0, n).sort();
  // differences, zero runs folded
  let p = 0;
  for (let j = 0; j < n; j++) {
    const t = sorted[j]!;
    sorted[j] = t - p;
    p = t;
  }
  const b = new Uint32Array(n);
  let j = 0;
  m = 0;
  b[m++] = sorted[j++]!;
  while (j < n) {
    if (sorted[j]! > 0) b[m++] = sorted[j++]!;
    else {
      j++;
      if (j < n) b[m - 1]! += sorted[j++]!;
    }
  }
  return b.slice(0, m);
}

/** Scratch integer arrays of ringRle, reused (slot 0..3), grown as needed. */
const intScratch: Int32Array[] = [new Int32Array(256), new Int32Array(256), new Int32Array(4096), new Int32Array(4096)];
function ints(slot: number, n: number): Int32Array {
  if (intScratch[slot]!.length < n) intScratch[slot] = new Int32Array(Math.max(n, intScratch[slot]!.length * 2));
  return intScratch[slot]!;
}
let uintScratch = new Uint32Array(4096);
function uints(n: number): Uint32Array {
  if (uintScratch.length < n) uintScratch = new Uint32Array(Math.max(n, uintScratch.length * 2));
  return uintScratch;
}

/** The exclusive-or of two masks of the same size (rleMerge's walk with `va != vb`). */
export function xorRuns(A: Runs, B: Runs): Runs {
  grow(A.length + B.length + 1);
  const out = scratch;
  let ca = A[0] ?? 0,
    cb = B[0] ?? 0;
  let v = 0,
    va = 0,
    vb = 0,
    m = 0,
    a = 1,
    b = 1,
    cc = 0,
    ct = 1;
  while (ct > 0) {
    const c = Math.min(ca, cb);
    cc += c;
    ct = 0;
    ca -= c;
    if (!ca && a < A.length) {
      ca = A[a++]!;
      va ^= 1;
    }
    ct += ca;
    cb -= c;
    if (!cb && b < B.length) {
      cb = B[b++]!;
      vb ^= 1;
    }
    ct += cb;
    const vp = v;
    v = va ^ vb;
    if (v !== vp || ct === 0) {
      out[m++] = cc;
      cc = 0;
    }
  }
  return out.slice(0, m);
}

/**
 * One object's mask from its rings in pixel coordinates: each ring rasterised by {@link ringRle},
 * combined by exclusive-or. Rings of fewer than 3 points are left out (the AutoML runtime drops them).
 */
export function objectRle(rings: readonly ArrayLike<number>[], h: number, w: number): Runs {
  let mask: Runs | undefined;
  for (const ring of rings) {
    if (ring.length < 6) continue;
    const r = ringRle(ring, ring.length >> 1, h, w);
    mask = mask === undefined ? r : xorRuns(mask, r);
  }
  return mask ?? Uint32Array.of(h * w);
}

/** Pixels of the object (pycocotools `rleArea`). */
export function rleArea(r: Runs): number {
  let a = 0;
  for (let j = 1; j < r.length; j += 2) a += r[j]!;
  return a;
}

/** The pixel extent [x0, y0, x1, y1] (inclusive) of a mask, or undefined when it is empty. */
export function rleExtent(r: Runs, h: number): [number, number, number, number] | undefined {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -1,
    y1 = -1;
  let pos = 0;
  for (let j = 0; j < r.length; j++) {
    const c = r[j]!;
    if (j % 2 === 1 && c > 0) {
      const first = pos,
        last = pos + c - 1;
      const fx = Math.floor(first / h),
        lx = Math.floor(last / h);
      if (fx < x0) x0 = fx;
      if (lx > x1) x1 = lx;
      if (lx > fx) {
        y0 = 0;
        y1 = h - 1;
      } else {
        const fy = first - fx * h,
          ly = last - lx * h;
        if (fy < y0) y0 = fy;
        if (ly > y1) y1 = ly;
      }
    }
    pos += c;
  }
  return x1 < 0 ? undefined : [x0, y0, x1, y1];
}

/**
 * IoU of a detection and a ground-truth mask (pycocotools `rleIou`): intersection over union, or
 * over the detection's area when the ground truth is a crowd region; 0 when they do not meet.
 */
export function maskIou(dt: Runs, gt: Runs, crowd: boolean, dtArea: number): number {
  let ca = dt[0] ?? 0,
    cb = gt[0] ?? 0;
  let va = 0,
    vb = 0,
    a = 1,
    b = 1,
    i = 0,
    u = 0,
    ct = 1;
  const ka = dt.length,
    kb = gt.length;
  while (ct > 0) {
    const c = Math.min(ca, cb);
    if (va || vb) {
      u += c;
      if (va && vb) i += c;
    }
    ct = 0;
    ca -= c;
    if (!ca && a < ka) {
      ca = dt[a++]!;
      va ^= 1;
    }
    ct += ca;
    cb -= c;
    if (!cb && b < kb) {
      cb = gt[b++]!;
      vb ^= 1;
    }
    ct += cb;
  }
  if (i === 0) return 0;
  if (crowd) u = dtArea;
  return i / u;
}
