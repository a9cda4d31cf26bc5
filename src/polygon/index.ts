/**
 * Mask → polygon (SPEC §5), shared by voc-mask-to-polygon and COCO RLE.
 *
 * A mask is row-major, one byte a pixel; pixel (x, y) covers the square [x, x+1] × [y, y+1]. Rings are
 * flat lists `[x1, y1, x2, y2, ...]` in those pixel coordinates (divide by width and height to
 * normalise). Every connected part of an object becomes one ring and every hole one more ring inside
 * it, to be combined with exclusive-or, as AutoML does. Parts are 8-connected, holes 4-connected.
 * Part rings run clockwise on screen (positive {@link ringArea}), hole rings counter-clockwise.
 *
 * Rings come in a fixed order (by their top-left boundary edge, row by row), so the same mask and
 * options always give the same rings.
 *
 * @example
 *   const rings = maskToRings(mask, 500, 375);                  // defaults: see DEFAULT_POLYGON_OPTIONS
 *   const exact = maskToRings(mask, 500, 375, { tolerance: 0 }); // rasterizeRings(exact, 500, 375) equals mask
 */
import { resolvePolygonOptions, type LabelledMaskOptions, type PolygonOptions, type ResolvedPolygonOptions } from './options.js';
import { simplifyRing } from './simplify.js';
import { BoundaryTracer, loopContainsPixel, type BoundaryLoop } from './trace.js';

export { CONNECTIVITY, DEFAULT_POLYGON_OPTIONS, resolvePolygonOptions } from './options.js';
export type { ContourMode, LabelledMaskOptions, PolygonOptions, ResolvedPolygonOptions } from './options.js';
export { rasterizeRings } from './rasterize.js';
export { ringArea, simplifyRing } from './simplify.js';

const tracer = new BoundaryTracer();

/**
 * Rings of one object: the nonzero pixels of a binary mask (COCO RLE decodes to one).
 * @param mask `width × height` bytes, row-major; any nonzero byte is the object
 * @param options tolerance, maxPoints, minArea, holes, ... (see {@link PolygonOptions}; unset = defaults)
 * @returns flat rings `[x1, y1, x2, y2, ...]` in pixel coordinates, parts and holes (exclusive-or), each
 *   with at least 3 points; `[]` when the mask is empty or `minArea` dropped every ring
 * @throws RangeError when `mask.length` is not `width × height` or an option is out of range
 */
export function maskToRings(mask: Uint8Array, width: number, height: number, options?: PolygonOptions): number[][] {
  checkSize(mask, width, height);
  const resolved = resolvePolygonOptions(options);
  const zeroOrOne = isZeroOrOne(mask) ? mask : mask.map((v) => (v !== 0 ? 1 : 0));
  const loops = tracer.traceLabels(zeroOrOne, width, height, objectFlags([1], [])).get(1);
  return loops ? ringsOfObject(loops, resolved) : [];
}

/**
 * Rings of every object of a labelled mask (pixel value = object), all objects in one scan of the
 * pixels plus one walk around each boundary. The map has an entry for each label value present in the
 * mask and not ignored, in increasing order; its list is empty when `minArea` dropped every ring.
 * Pixels of ignored values (`options.ignore`, default `[0]`) are outside every object.
 * @throws RangeError as {@link maskToRings}
 */
export function labelledMaskToRings(mask: Uint8Array, width: number, height: number, options: LabelledMaskOptions = {}): Map<number, number[][]> {
  checkSize(mask, width, height);
  const resolved = resolvePolygonOptions(options);
  const isObject = objectFlags(ALL_LABELS, options.ignore ?? [0]);
  const rings = new Map<number, number[][]>();
  for (const [label, loops] of tracer.traceLabels(mask, width, height, isObject)) {
    rings.set(label, ringsOfObject(loops, resolved));
  }
  return rings;
}

const ALL_LABELS: readonly number[] = Array.from({ length: 256 }, (_, label) => label);

function ringsOfObject(allLoops: BoundaryLoop[], options: ResolvedPolygonOptions): number[][] {
  const loops = options.holes === 'fill' ? withHolesFilled(allLoops) : allLoops;
  let area = 0;
  let perimeter = 0;
  for (const loop of loops) {
    area += loop.area;
    perimeter += loop.length;
  }
  const tolerance = Math.min(options.tolerance, (options.relativeTolerance * area) / perimeter);
  const rings: number[][] = [];
  for (const loop of loops) {
    if (Math.abs(loop.area) < options.minArea) continue;
    const ring = options.contour === 'pixel-edges' ? Array.from(loop.corners) : edgeMidpoints(loop);
    rings.push(simplifyRing(ring, tolerance, options.maxPoints));
  }
  return rings;
}

/** The outlines of the parts that lie in no hole: filling the holes absorbs the parts inside them. */
function withHolesFilled(loops: BoundaryLoop[]): BoundaryLoop[] {
  const holes = loops.filter((loop) => loop.area < 0);
  return loops.filter((loop) => loop.area > 0 && !holes.some((hole) => loopContainsPixel(hole, loop.seedX, loop.seedY)));
}

function isZeroOrOne(mask: Uint8Array): boolean {
  for (let i = 0; i < mask.length; i++) if (mask[i]! > 1) return false;
  return true;
}

function objectFlags(labels: readonly number[], ignore: readonly number[]): Uint8Array {
  const flags = new Uint8Array(256);
  for (const label of labels) flags[label] = 1;
  for (const label of ignore) if (label >= 0 && label < 256) flags[label] = 0;
  return flags;
}

/**
 * The ring through the midpoints of a loop's unit edges, without points on straight stretches. Works
 * in doubled coordinates, where midpoints are integers and straightness is an exact test.
 */
function edgeMidpoints({ corners }: BoundaryLoop): number[] {
  const doubled: number[] = [];
  const n = corners.length >> 1;
  for (let i = 0; i < n; i++) {
    const j = i + 1 === n ? 0 : i + 1;
    const x0 = corners[2 * i]!;
    const y0 = corners[2 * i + 1]!;
    const x1 = corners[2 * j]!;
    const y1 = corners[2 * j + 1]!;
    const ux = Math.sign(x1 - x0);
    const uy = Math.sign(y1 - y0);
    doubled.push(2 * x0 + ux, 2 * y0 + uy);
    if (Math.abs(x1 - x0) + Math.abs(y1 - y0) > 1) doubled.push(2 * x1 - ux, 2 * y1 - uy);
  }
  const m = doubled.length >> 1;
  const ring: number[] = [];
  for (let i = 0; i < m; i++) {
    const prev = i === 0 ? m - 1 : i - 1;
    const next = i + 1 === m ? 0 : i + 1;
    const inX = doubled[2 * i]! - doubled[2 * prev]!;
    const inY = doubled[2 * i + 1]! - doubled[2 * prev + 1]!;
    const outX = doubled[2 * next]! - doubled[2 * i]!;
    const outY = doubled[2 * next + 1]! - doubled[2 * i + 1]!;
    const straight = inX * outY - inY * outX === 0 && inX * outX + inY * outY > 0;
    if (!straight) ring.push(doubled[2 * i]! / 2, doubled[2 * i + 1]! / 2);
  }
  return ring;
}

function checkSize(mask: Uint8Array, width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 0 || height < 0) {
    throw new RangeError(`mask size: expected non-negative integers, got ${width}×${height}`);
  }
  if (mask.length !== width * height) {
    throw new RangeError(`mask size: expected ${width}×${height} = ${width * height} pixels, got ${mask.length}`);
  }
}
