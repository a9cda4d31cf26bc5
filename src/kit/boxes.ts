/**
 * Boxes for converters: a box in pixels and the image size → the normalised `BoxLabel` of a detection
 * line (SPEC §1), clamped to the image, or an `EMPTY_BOX` error. One rule for every converter, so that
 * the same box gives the same line and the same `clampedBoxes` count whatever the input format.
 *
 * The rule, in pixels first: the box must have an area (`xmax > xmin`, `ymax > ymin`); it is clamped to
 * `[0, width] × [0, height]`; what is left must still have an area (else it lay outside the image); the
 * corners are then divided by the size (`topX = xmin / width`, ...: a corner inside the image is written
 * exactly as `xmin / width`, one on or beyond an edge as 0 or 1). `clamped` says whether any corner moved.
 *
 * Formats with `[x, y, width, height]` (COCO) pass {@link cornersOfXywh}; formats with 1-based inclusive
 * pixel indices (VOC `--one-based`) pass `xmin - 1` and `ymin - 1`. The caller words the two messages
 * (they name the box as its format writes it); the error's code is always `EMPTY_BOX`.
 *
 * @example
 *   const r = boxLabel({ label: 'cat', isCrowd: 0 }, { xmin: -3, ymin: 10, xmax: 50, ymax: 60 }, { width: 100, height: 50 }, {
 *     loc: { file: 'annotations/1.xml', path: 'object[1]/bndbox' },
 *     noArea: (axis) => `expected a box with area, got ${axis === 'x' ? 'xmin -3, xmax 50' : 'ymin 10, ymax 60'}`,
 *     outside: ({ width, height }) => `expected a box overlapping the ${width}x${height} image, got ...`,
 *   });
 *   // r: { box: { label: 'cat', topX: 0, topY: 0.2, bottomX: 0.5, bottomY: 1, isCrowd: 0 }, clamped: true }
 */
import { ConversionError, type Location } from '../errors.js';
import type { BoxLabel } from '../types.js';

/** A box in pixels as its corners: the left, top, right and bottom edges (0 is the image's left/top edge). */
export interface PixelCorners {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

/** An image size in pixels (both positive). */
export interface ImageSize {
  width: number;
  height: number;
}

/** Where the box is and how to word its two problems (called only when there is one). */
export interface BoxErrorText {
  /** The box's position for the error (file, line, JSON or element path). */
  loc: Location;
  /** The box has no area: `axis` is the first whose max is not above its min. */
  noArea(axis: 'x' | 'y'): string;
  /** The box has an area but none of it lies inside the image. */
  outside(image: ImageSize): string;
}

/** A usable box: normalised, and whether clamping moved a corner (for the `clampedBoxes` count). */
export interface NormalisedBox {
  box: BoxLabel;
  clamped: boolean;
}

/** `[x, y, width, height]` (COCO's `bbox`) as corners: `xmax = x + width`, `ymax = y + height`. */
export function cornersOfXywh(x: number, y: number, width: number, height: number): PixelCorners {
  return { xmin: x, ymin: y, xmax: x + width, ymax: y + height };
}

/**
 * A pixel box → its normalised `BoxLabel`, clamped to the image, or the `EMPTY_BOX` error saying why it
 * cannot be used (returned, not thrown: the caller decides whether it is a bad object or a bad image).
 * @param object the label and `isCrowd` of the line's object
 * @param corners finite pixel coordinates (the caller checks they are numbers)
 * @param image the image's size, both positive
 */
export function boxLabel(object: { label: string; isCrowd: 0 | 1 }, corners: PixelCorners, image: ImageSize, text: BoxErrorText): NormalisedBox | ConversionError {
  const { xmin, ymin, xmax, ymax } = corners;
  if (!(xmax > xmin && ymax > ymin)) return new ConversionError('EMPTY_BOX', text.noArea(xmax > xmin ? 'y' : 'x'), text.loc);
  const { width, height } = image;
  const x0 = clamp(xmin, width);
  const y0 = clamp(ymin, height);
  const x1 = clamp(xmax, width);
  const y1 = clamp(ymax, height);
  if (!(x1 > x0 && y1 > y0)) return new ConversionError('EMPTY_BOX', text.outside(image), text.loc);
  return {
    box: { label: object.label, topX: x0 / width, topY: y0 / height, bottomX: x1 / width, bottomY: y1 / height, isCrowd: object.isCrowd },
    clamped: x0 !== xmin || y0 !== ymin || x1 !== xmax || y1 !== ymax,
  };
}

const clamp = (v: number, max: number): number => Math.min(Math.max(v, 0), max);
