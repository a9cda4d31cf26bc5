import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { maskArbitrary, maskOfRows, type Mask } from './masks.js';
import { describe, expect, test } from 'vitest';
import { ConversionError } from '../../src/errors.js';
import { countsToString, decodeRle, encodeRle, maskToCounts, parseRle, rleArea, rleBbox, rleToMask, stringToCounts, type Rle } from '../../src/coco/rle.js';

function bboxOfMask({ width, height, data }: Mask): [number, number, number, number] {
  let [xmin, ymin, xmax, ymax] = [Infinity, Infinity, -1, -1];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!data[y * width + x]) continue;
      xmin = Math.min(xmin, x);
      xmax = Math.max(xmax, x);
      ymin = Math.min(ymin, y);
      ymax = Math.max(ymax, y);
    }
  }
  return xmax < 0 ? [0, 0, 0, 0] : [xmin, ymin, xmax - xmin + 1, ymax - ymin + 1];
}

function thrown(f: () => unknown): ConversionError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(ConversionError);
    return e as ConversionError;
  }
  throw new Error('expected an error');
}

describe('layout', () => {
  test('counts run down the columns (Fortran order) and start with background', () => {
    // 1 0 0
    // 1 1 0   → column 0: 1 1, column 1: 0 1, column 2: 0 0
    const mask = maskOfRows(['100', '110']);
    expect(maskToCounts(mask.data, 3, 2)).toEqual([0, 2, 1, 1, 2]);
    expect(rleToMask({ height: 2, width: 3, counts: [0, 2, 1, 1, 2] })).toEqual(mask.data);
    expect(encodeRle(mask.data, 3, 2, 'uncompressed')).toEqual({ size: [2, 3], counts: [0, 2, 1, 1, 2] });
  });

  test('any nonzero byte is the object', () => {
    expect(maskToCounts(Uint8Array.of(0, 255, 7, 0), 4, 1)).toEqual([1, 2, 1]);
  });

  test('a mask whose size does not match is a programming error', () => {
    expect(() => maskToCounts(new Uint8Array(5), 2, 2)).toThrow(RangeError);
  });
});

describe('properties', () => {
  test('encode then decode gives the mask back, in both forms', () => {
    fc.assert(
      fc.property(maskArbitrary, fc.constantFrom('compressed' as const, 'uncompressed' as const), (mask, form) => {
        const coco = encodeRle(mask.data, mask.width, mask.height, form);
        expect(typeof coco.counts).toBe(form === 'compressed' ? 'string' : 'object');
        const back = decodeRle(JSON.parse(JSON.stringify(coco)));
        expect(back.width).toBe(mask.width);
        expect(back.height).toBe(mask.height);
        expect(back.mask).toEqual(mask.data);
      }),
      { numRuns: 500 },
    );
  });

  test('compressed and uncompressed forms decode to the same mask', () => {
    fc.assert(
      fc.property(maskArbitrary, (mask) => {
        const counts = maskToCounts(mask.data, mask.width, mask.height);
        const size = [mask.height, mask.width];
        expect(decodeRle({ size, counts: countsToString(counts) }).mask).toEqual(decodeRle({ size, counts }).mask);
      }),
      { numRuns: 300 },
    );
  });

  test('any run lengths survive the string form, zeros and large values included', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(40), fc.nat(), fc.constant(0), fc.integer({ min: 0, max: 2 ** 40 })), { maxLength: 30 }), (counts) => {
        expect(stringToCounts(countsToString(counts))).toEqual(counts);
      }),
      { numRuns: 500 },
    );
  });

  test('area and bounding box from the runs match the decoded mask', () => {
    fc.assert(
      fc.property(maskArbitrary, (mask) => {
        const rle: Rle = { height: mask.height, width: mask.width, counts: maskToCounts(mask.data, mask.width, mask.height) };
        expect(rleArea(rle.counts)).toBe(mask.data.reduce((a, b) => a + b, 0));
        expect(rleBbox(rle)).toEqual(bboxOfMask(mask));
      }),
      { numRuns: 500 },
    );
  });

  test('bounding box with zero-length runs and runs that wrap into the next column', () => {
    // height 4: one run from (x=0, y=3) to (x=1, y=0), and an empty object run.
    expect(rleBbox({ height: 4, width: 3, counts: [3, 2, 0, 0, 7] })).toEqual([0, 0, 2, 4]);
    expect(rleBbox({ height: 4, width: 3, counts: [12] })).toEqual([0, 0, 0, 0]);
    expect(rleBbox({ height: 4, width: 3, counts: [5, 0, 2, 1, 4] })).toEqual([1, 3, 1, 1]);
  });
});

/**
 * Vectors written by the reference implementation (../shared/reference/masklib.py `rle_encode`),
 * with the script in {@link MASKLIB_SCRIPT}: each mask (rows, top to bottom) and its compressed counts.
 */
describe('errors are BAD_RLE saying what is wrong', () => {
  const where = { file: 'instances.json', path: 'annotations[4].segmentation' };
  const cases: [string, unknown, string, RegExp][] = [
    ['not an object', [1, 2], 'annotations[4].segmentation', /expected an RLE object with "size" and "counts", found an array of 2/],
    ['no size', { counts: [1] }, 'annotations[4].segmentation.size', /expected \[height, width\] as two non-negative integers, found nothing/],
    ['negative size', { size: [-2, 3], counts: [] }, 'annotations[4].segmentation.size', /found \[-2,3\]/],
    ['fractional size', { size: [2.5, 3], counts: [] }, 'annotations[4].segmentation.size', /found \[2\.5,3\]/],
    ['three sizes', { size: [2, 3, 1], counts: [6] }, 'annotations[4].segmentation.size', /found \[2,3,1\]/],
    ['counts missing', { size: [2, 3] }, 'annotations[4].segmentation.counts', /found nothing/],
    ['negative count', { size: [2, 3], counts: [3, -1, 4] }, 'annotations[4].segmentation.counts', /found -1 at index 1/],
    ['count not a number', { size: [2, 3], counts: [3, '3'] }, 'annotations[4].segmentation.counts', /found "3" at index 1/],
    ['sum too small', { size: [2, 3], counts: [1, 2] }, 'annotations[4].segmentation.counts', /run lengths add up to 3, expected height × width = 2 × 3 = 6/],
    ['sum too large', { size: [2, 3], counts: [1, 2, 4] }, 'annotations[4].segmentation.counts', /add up to 7/],
    ['string sum wrong', { size: [2, 3], counts: '021O' }, 'annotations[4].segmentation.counts', /add up to 4/],
    ['bad character', { size: [2, 3], counts: '02 1' }, 'annotations[4].segmentation.counts', /unexpected character " " at 2, expected one of "0"–"o"/],
    ['character above o', { size: [2, 3], counts: '0p' }, 'annotations[4].segmentation.counts', /unexpected character "p" at 1/],
    ['ends inside a count', { size: [2, 3], counts: '0P' }, 'annotations[4].segmentation.counts', /end inside a run length \(from character 1\)/],
    ['negative run', { size: [2, 3], counts: '0000' + 'O' }, 'annotations[4].segmentation.counts', /run length 4 comes out negative \(-1\)/],
    ['too large', { size: [2, 3], counts: 'o'.repeat(12) + '0' }, 'annotations[4].segmentation.counts', /too large/],
  ];
  test.each(cases)('%s', (_name, value, path, message) => {
    const e = thrown(() => parseRle(value, where));
    expect(e.code).toBe('BAD_RLE');
    expect(e.file).toBe('instances.json');
    expect(e.path).toBe(path);
    expect(e.detail).toMatch(message);
  });

  test('without a location, member paths stand alone', () => {
    expect(thrown(() => parseRle({ size: [1, 1], counts: [2] })).path).toBe('counts');
  });
});

describe('real RLEs', () => {
  const realdata = join(import.meta.dirname, '../../../shared/realdata');
  const icevision = join(realdata, 'icevision-samples/annotations.json');
  const datumaro = join(realdata, 'datumaro-edge-cases');

  interface Annotation {
    id: number;
    segmentation: unknown;
    area: number;
    bbox: number[];
  }
  const rleAnnotations = (file: string): Annotation[] => (JSON.parse(readFileSync(file, 'utf8')) as { annotations: Annotation[] }).annotations.filter((a) => !Array.isArray(a.segmentation));

  test.skipIf(!existsSync(icevision))('the crowd RLE of COCO val2017 (counts as a list) in icevision-samples', () => {
    const [crowd] = rleAnnotations(icevision);
    const rle = parseRle(crowd!.segmentation, { path: 'annotations[].segmentation' });
    expect([rle.height, rle.width]).toEqual([640, 586]);
    const { mask } = decodeRle(crowd!.segmentation);
    // 791 pixels, as masklib.rle_decode counts them too. COCO's own `area` for this crowd region
    // says 890 and its bbox is one pixel narrower each way ([x, y, max - min, ...]): neither is
    // derived from the mask, so converters must not check them against it.
    expect(rleArea(rle.counts)).toBe(791);
    expect(mask.filter((v) => v === 1).length).toBe(791);
    expect(crowd!.area).toBe(890);
    expect(rleBbox(rle)).toEqual([131, 294, 116, 127]);
    expect(crowd!.bbox).toEqual([131, 294, 115, 126]);
    // The compressed form of the same runs decodes to the same mask.
    expect(Buffer.from(decodeRle({ size: [640, 586], counts: countsToString(rle.counts) }).mask).equals(mask)).toBe(true);
  });

  test.skipIf(!existsSync(datumaro))('datumaro COCO (list) and Segment Anything (string) RLEs decode to their area', () => {
    const files = ['coco_dataset/coco/annotations/instances_val.json', 'segment_anything_dataset/a.json', 'segment_anything_dataset/b.json'];
    const seen: string[] = [];
    for (const f of files) {
      for (const a of rleAnnotations(join(datumaro, f))) {
        const rle = parseRle(a.segmentation);
        expect(rleArea(rle.counts)).toBe(a.area);
        seen.push(typeof (a.segmentation as { counts: unknown }).counts);
      }
    }
    expect(seen.sort()).toEqual(['object', 'string', 'string']);
  });
});
