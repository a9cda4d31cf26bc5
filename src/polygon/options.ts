/**
 * The knobs of mask → polygon (SPEC §5) and their defaults. The defaults were chosen by measurement
 * against the Azure samples' algorithm; bench/polygon/RESULTS.md has the numbers and the commands.
 */

/**
 * Where ring vertices sit.
 * - `'edge-midpoints'`: at the midpoints of the pixel edges that separate the object from the rest,
 *   so corners are cut by half a pixel. Every pixel centre is at least 0.35 px from such a ring, rings
 *   never touch one another or themselves, and simplifying them moves the outline evenly to both sides.
 * - `'pixel-edges'`: on the pixel edges themselves, vertices at pixel corners (integers). The outline is
 *   the exact union of the object's pixel squares; where two parts of an object meet only at a corner,
 *   or a hole touches the outline at a corner, the ring passes twice through that corner.
 * Both reproduce the mask exactly when rasterised without simplification.
 */
export type ContourMode = 'edge-midpoints' | 'pixel-edges';

/** How a mask becomes rings. Every field is optional; {@link DEFAULT_POLYGON_OPTIONS} fills the gaps. */
export interface PolygonOptions {
  /**
   * Simplification tolerance in pixels: no dropped vertex lies farther than this from the simplified
   * ring (Douglas–Peucker, run best-first from the two vertices farthest apart). `0` keeps every vertex
   * that is not on a straight line. A ring is never simplified below 3 points nor below half its area.
   * Small objects get less: see `relativeTolerance`.
   */
  tolerance?: number;
  /**
   * Caps the tolerance, object by object, at this fraction of the object's area divided by the length
   * of its boundary along pixel edges (about w/2 for a strip w pixels wide, 0.4 r for a disc of radius r).
   * Small and thin objects, whose IoU a fixed tolerance would hurt most, are then simplified less;
   * large ones get `tolerance`. `0` keeps rings exact; `Infinity` turns the cap off.
   */
  relativeTolerance?: number;
  /** At most this many points per ring (at least 3). The most significant vertices are kept. Default: no cap. */
  maxPoints?: number;
  /**
   * Rings that enclose fewer than this many pixels are dropped (specks, pinholes). For a part, the area
   * counts its holes too, so a part never disappears while one of its holes stays.
   */
  minArea?: number;
  /**
   * `'keep'`: every hole is one more ring inside its part (AutoML combines an object's rings with
   * exclusive-or). `'fill'`: holes are filled and parts lying inside them are absorbed, so no ring
   * lies inside another and union and exclusive-or read the rings the same way.
   */
  holes?: 'keep' | 'fill';
  /** Where vertices sit; see {@link ContourMode}. */
  contour?: ContourMode;
}

/** Options for a labelled mask (one label value per object). */
export interface LabelledMaskOptions extends PolygonOptions {
  /**
   * Label values that are not objects: no rings are traced for them, and their pixels are simply
   * "outside" every object. Default `[0]`. VOC instance masks want `[0, 255]` (background, void band).
   */
  ignore?: readonly number[];
}

/**
 * Connectivity is fixed, not an option: an object's pixels are connected through edges and corners
 * (8-connectivity) and its holes through edges only (4-connectivity). This is the only consistent pair
 * that joins a diagonal line into one part; it is also skimage.measure.label's default for 2-D objects.
 */
export const CONNECTIVITY = { parts: 8, holes: 4 } as const;

/** The defaults, by measurement (bench/polygon/RESULTS.md). */
export const DEFAULT_POLYGON_OPTIONS: Readonly<Required<Omit<PolygonOptions, 'maxPoints'>> & { maxPoints: number }> = Object.freeze({
  tolerance: 1,
  relativeTolerance: 0.15,
  maxPoints: Number.POSITIVE_INFINITY,
  minArea: 0,
  holes: 'keep',
  contour: 'edge-midpoints',
});

/** Options with every default applied and every value checked. */
export type ResolvedPolygonOptions = typeof DEFAULT_POLYGON_OPTIONS;

/** Applies defaults and rejects values out of range with a `RangeError` naming the option. */
export function resolvePolygonOptions(options: PolygonOptions = {}): ResolvedPolygonOptions {
  const resolved = { ...DEFAULT_POLYGON_OPTIONS, ...definedOnly(options) };
  const { tolerance, relativeTolerance, maxPoints, minArea, holes, contour } = resolved;
  if (!(tolerance >= 0) || !Number.isFinite(tolerance)) {
    throw new RangeError(`tolerance: expected a finite number >= 0, got ${tolerance}`);
  }
  if (!(relativeTolerance >= 0)) throw new RangeError(`relativeTolerance: expected a number >= 0, got ${relativeTolerance}`);
  if (!(maxPoints >= 3) || (Number.isFinite(maxPoints) && !Number.isInteger(maxPoints))) {
    throw new RangeError(`maxPoints: expected an integer >= 3, got ${maxPoints}`);
  }
  if (!(minArea >= 0)) throw new RangeError(`minArea: expected a number >= 0, got ${minArea}`);
  if (holes !== 'keep' && holes !== 'fill') throw new RangeError(`holes: expected "keep" or "fill", got ${String(holes)}`);
  if (contour !== 'edge-midpoints' && contour !== 'pixel-edges') {
    throw new RangeError(`contour: expected "edge-midpoints" or "pixel-edges", got ${String(contour)}`);
  }
  return resolved;
}

function definedOnly(options: PolygonOptions): PolygonOptions {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) if (value !== undefined) out[key] = value;
  return out as PolygonOptions;
}
