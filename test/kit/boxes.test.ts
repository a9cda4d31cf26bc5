/**
 * src/kit/boxes.ts: the one box rule (pixel corners → normalised, clamped BoxLabel, or EMPTY_BOX), checked
 * against the rule written out independently, on generated boxes and images.
 */
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConversionError } from '../../src/errors.js';
import { boxLabel, cornersOfXywh, type BoxErrorText, type PixelCorners } from '../../src/kit/boxes.js';

const TEXT: BoxErrorText = {
  loc: { file: 'a.xml', path: 'object[1]/bndbox' },
  noArea: (axis) => `no area on ${axis}`,
  outside: ({ width, height }) => `outside ${width}x${height}`,
};
const OBJECT = { label: 'cat', isCrowd: 1 as const };

const coordinate = fc.oneof(fc.integer({ min: -50, max: 700 }), fc.double({ min: -50, max: 700, noNaN: true }));
const size = fc.integer({ min: 1, max: 640 });

describe('boxLabel', () => {
  test('a box inside the image: each corner divided by the size, nothing clamped', () => {
    fc.assert(
      fc.property(
        size,
        size,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (w, h, a, b, c, d) => {
          const [xmin, xmax] = [Math.min(a, b) * w, Math.max(a, b) * w];
          const [ymin, ymax] = [Math.min(c, d) * h, Math.max(c, d) * h];
          fc.pre(xmax > xmin && ymax > ymin);
          const r = boxLabel(OBJECT, { xmin, ymin, xmax, ymax }, { width: w, height: h }, TEXT);
          expect(r).toEqual({ box: { label: 'cat', topX: xmin / w, topY: ymin / h, bottomX: xmax / w, bottomY: ymax / h, isCrowd: 1 }, clamped: false });
        },
      ),
    );
  });

  test('any box: clamped into [0, 1], clamped exactly when a corner lay outside, or EMPTY_BOX saying why', () => {
    fc.assert(
      fc.property(size, size, coordinate, coordinate, coordinate, coordinate, (w, h, xmin, ymin, xmax, ymax) => {
        const corners: PixelCorners = { xmin, ymin, xmax, ymax };
        const r = boxLabel(OBJECT, corners, { width: w, height: h }, TEXT);
        const inside = (v: number, max: number) => Math.min(Math.max(v, 0), max);
        if (!(xmax > xmin)) {
          expect(r).toEqual(new ConversionError('EMPTY_BOX', 'no area on x', TEXT.loc));
        } else if (!(ymax > ymin)) {
          expect(r).toEqual(new ConversionError('EMPTY_BOX', 'no area on y', TEXT.loc));
        } else if (xmax <= 0 || ymax <= 0 || xmin >= w || ymin >= h) {
          expect(r).toBeInstanceOf(ConversionError);
          expect([(r as ConversionError).code, (r as ConversionError).detail]).toEqual(['EMPTY_BOX', `outside ${w}x${h}`]);
        } else {
          expect(r).toEqual({
            box: { label: 'cat', topX: inside(xmin, w) / w, topY: inside(ymin, h) / h, bottomX: inside(xmax, w) / w, bottomY: inside(ymax, h) / h, isCrowd: 1 },
            clamped: xmin < 0 || ymin < 0 || xmax > w || ymax > h,
          });
        }
      }),
    );
  });

  test('edges: a box covering the image exactly is not clamped; one beyond it is, and reads 0 and 1', () => {
    expect(boxLabel(OBJECT, { xmin: 0, ymin: 0, xmax: 40, ymax: 30 }, { width: 40, height: 30 }, TEXT)).toMatchObject({ box: { topX: 0, topY: 0, bottomX: 1, bottomY: 1 }, clamped: false });
    expect(boxLabel(OBJECT, { xmin: -1, ymin: -0.5, xmax: 41, ymax: 30 }, { width: 40, height: 30 }, TEXT)).toMatchObject({ box: { topX: 0, topY: 0, bottomX: 1, bottomY: 1 }, clamped: true });
    // touching the image on an edge only: no area inside it
    expect((boxLabel(OBJECT, { xmin: 40, ymin: 0, xmax: 45, ymax: 30 }, { width: 40, height: 30 }, TEXT) as ConversionError).detail).toBe('outside 40x30');
  });
});

test('cornersOfXywh: [x, y, width, height] as corners', () => {
  expect(cornersOfXywh(10, 20, 30.5, 40)).toEqual({ xmin: 10, ymin: 20, xmax: 40.5, ymax: 60 });
});
