import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { GtObject, PredBox, PreviewData, PreviewImage } from '../../src/preview/data.js';
import {
  computeLegend,
  DEFAULT_FILTER,
  fileCounts,
  filterImages,
  fitSize,
  gridWindow,
  hashString,
  iou,
  labelColors,
  matchBoxes,
  matchClasses,
  mistakesOf,
  PALETTE,
  ringsPath,
  shapesSvg,
  visiblePredictions,
} from '../../src/preview/page/logic.js';

const box = (label: number, x1: number, y1: number, x2: number, y2: number, crowd: 0 | 1 = 0): GtObject => [label, crowd, x1, y1, x2, y2];
const pred = (label: number, score: number, x1: number, y1: number, x2: number, y2: number): PredBox => [label, score, x1, y1, x2, y2];

function detection(images: PreviewImage[], labels = ['can', 'carton', 'milk']): PreviewData {
  return {
    v: 1,
    files: [
      { name: 'train_annotations.jsonl', task: 'object-detection' },
      { name: 'validation_annotations.jsonl', task: 'object-detection' },
    ],
    labels,
    embedded: false,
    images,
  };
}

describe('hashString', () => {
  it('is 32-bit FNV-1a (published test vectors)', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
    expect(hashString('foobar')).toBe(0xbf9cf968);
  });
});

describe('labelColors', () => {
  it('gives up to a palette of labels distinct colours', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: PALETTE.length }), (names) => {
        const fills = labelColors(names).map((c) => c[0]);
        expect(new Set(fills).size).toBe(names.length);
      }),
    );
  });

  it('gives a label the same colour whatever the order of the names', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 30 }), (names) => {
        const forward = labelColors(names);
        const reversed = labelColors([...names].reverse()).reverse();
        expect(reversed).toEqual(forward);
      }),
    );
  });

  it("keeps a label's colour when another label whose slot is free joins", () => {
    const base = ['can', 'carton'];
    const before = labelColors(base);
    const slots = new Set(before.map((c) => PALETTE.indexOf(c)));
    // a new name whose hashed slot nobody holds
    let extra = 'x';
    for (let k = 0; slots.has(hashString(extra) % PALETTE.length); k++) extra = `x${k}`;
    const after = labelColors([...base, extra]);
    expect(after.slice(0, 2)).toEqual(before);
    expect(after[2]).toBe(PALETTE[hashString(extra) % PALETTE.length]);
  });

  it('falls back to hash colours beyond the palette', () => {
    const names = Array.from({ length: PALETTE.length + 3 }, (_, i) => `label${i}`);
    const colors = labelColors(names);
    expect(colors.filter((c) => PALETTE.includes(c))).toHaveLength(PALETTE.length);
    expect(colors.filter((c) => c[0].startsWith('hsl('))).toHaveLength(3);
  });
});

describe('computeLegend and fileCounts', () => {
  it('counts images and objects per label and file, a crowd object included', () => {
    const data = detection([
      { f: 0, u: 'a.jpg', s: 'a.jpg', o: [box(0, 0, 0, 0.5, 0.5), box(0, 0.5, 0.5, 1, 1), box(1, 0, 0, 1, 1, 1)] },
      { f: 0, u: 'b.jpg', s: 'b.jpg', o: [] },
      { f: 1, u: 'c.jpg', s: 'c.jpg', o: [box(1, 0, 0, 0.2, 0.2)] },
      { f: 1, u: 'd.jpg', s: 'd.jpg', o: [box(0, 0, 0, 0.2, 0.2)], p: [pred(2, 0.9, 0, 0, 1, 1)], r: 1 },
    ]);
    const rows = computeLegend(data);
    expect(rows.map((r) => r.name)).toEqual(['can', 'carton', 'milk']);
    expect(rows[0]).toMatchObject({ images: [1, 1], objects: [2, 1], totalImages: 2, totalObjects: 3 });
    expect(rows[1]).toMatchObject({ images: [1, 1], objects: [1, 1], totalImages: 2, totalObjects: 2 });
    // a label only the predictions use has a row with zero counts
    expect(rows[2]).toMatchObject({ images: [0, 0], objects: [0, 0], totalImages: 0, totalObjects: 0 });
    expect(fileCounts(data)).toEqual({ images: [2, 2], background: [1, 0] });
  });

  it('counts classification labels as images without objects', () => {
    const data: PreviewData = {
      v: 1,
      files: [{ name: 'x.jsonl', task: 'multi-label' }],
      labels: ['b', 'a'],
      embedded: false,
      images: [
        { f: 0, u: '1', s: '1', c: [0, 1] },
        { f: 0, u: '2', s: '2', c: [1] },
        { f: 0, u: '3', s: '3', c: [] },
      ],
    };
    const rows = computeLegend(data);
    expect(rows.map((r) => [r.name, r.totalImages, r.totalObjects])).toEqual([
      ['a', 2, 0],
      ['b', 1, 0],
    ]);
    expect(fileCounts(data).background).toEqual([1]);
  });
});

describe('iou', () => {
  it('is intersection over union', () => {
    expect(iou([0, 0, 2, 2], [1, 1, 3, 3])).toBeCloseTo(1 / 7, 12);
    expect(iou([0, 0, 1, 1], [0, 0, 1, 1])).toBe(1);
    expect(iou([0, 0, 1, 1], [1, 0, 2, 1])).toBe(0);
  });
});

describe('matchBoxes', () => {
  const img = (o: GtObject[], p: PredBox[]): PreviewImage => ({ f: 0, u: 'a', s: 'a', o, p, r: 1 });

  it('matches a close box of the same label, and calls the rest false, wrong class or missed', () => {
    const m = matchBoxes(
      img(
        [box(0, 0, 0, 0.4, 0.4), box(1, 0.5, 0.5, 0.9, 0.9), box(2, 0.6, 0, 0.9, 0.3)],
        [
          pred(0, 0.9, 0.01, 0.01, 0.41, 0.41), // hit
          pred(0, 0.8, 0.5, 0.5, 0.9, 0.9), // on the carton: wrong class
          pred(1, 0.7, 0.0, 0.6, 0.1, 0.9), // on nothing: false
          pred(2, 0.2, 0.6, 0, 0.9, 0.3), // below the threshold: the milk is missed
        ],
      ),
      0.5,
    );
    expect(m.pred).toEqual(['hit', 'wrong-class', 'false', 'below']);
    expect(m.gt).toEqual(['found', 'missed', 'missed']);
    expect([m.falsePositives, m.wrongClass, m.missed, m.mistakes]).toEqual([1, 1, 2, 4]);
  });

  it('lowering the threshold lets a weak prediction find its object', () => {
    const i = img([box(2, 0.6, 0, 0.9, 0.3)], [pred(2, 0.2, 0.6, 0, 0.9, 0.3)]);
    expect(matchBoxes(i, 0.5).mistakes).toBe(1);
    expect(matchBoxes(i, 0.1).mistakes).toBe(0);
    expect(visiblePredictions(i, 0.5)).toEqual([]);
    expect(visiblePredictions(i, 0.2)).toHaveLength(1);
  });

  it('gives an object to the highest score: a second box on it is a false positive', () => {
    const m = matchBoxes(img([box(0, 0, 0, 0.5, 0.5)], [pred(0, 0.6, 0, 0, 0.5, 0.5), pred(0, 0.95, 0.02, 0.02, 0.5, 0.5)]), 0.5);
    expect(m.pred).toEqual(['false', 'hit']);
  });

  it('does not count IoU below 0.5 as a hit', () => {
    // IoU of [0,0,1,1] and [0,0,1,0.49] is 0.49
    expect(matchBoxes(img([box(0, 0, 0, 1, 1)], [pred(0, 0.9, 0, 0, 1, 0.49)]), 0.5).pred).toEqual(['false']);
    expect(matchBoxes(img([box(0, 0, 0, 1, 1)], [pred(0, 0.9, 0, 0, 1, 0.5)]), 0.5).pred).toEqual(['hit']);
  });

  it('neither misses a crowd region nor blames a box on it', () => {
    const m = matchBoxes(img([box(0, 0, 0, 1, 1, 1)], [pred(0, 0.9, 0.1, 0.1, 0.3, 0.3)]), 0.5);
    expect(m.gt).toEqual(['crowd']);
    expect(m.pred).toEqual(['crowd']);
    expect(m.mistakes).toBe(0);
  });
});

describe('matchClasses', () => {
  const cls = (c: number[], q: [number, number][]): PreviewImage => ({ f: 0, u: 'a', s: 'a', c, q, r: 1 });

  it('multi-class: the most probable label, whatever the threshold', () => {
    expect(
      matchClasses(
        cls(
          [1],
          [
            [1, 0.4],
            [0, 0.3],
          ],
        ),
        'multi-class',
        0.5,
      ),
    ).toEqual({ predicted: [1], wrong: [], missed: [], mistakes: 0 });
    expect(
      matchClasses(
        cls(
          [1],
          [
            [0, 0.9],
            [1, 0.1],
          ],
        ),
        'multi-class',
        0.5,
      ),
    ).toEqual({ predicted: [0], wrong: [0], missed: [1], mistakes: 2 });
  });

  it('multi-label: every label at or above the threshold', () => {
    const i = cls(
      [0, 2],
      [
        [0, 0.9],
        [1, 0.6],
        [2, 0.4],
      ],
    );
    expect(matchClasses(i, 'multi-label', 0.5)).toEqual({ predicted: [0, 1], wrong: [1], missed: [2], mistakes: 2 });
    expect(matchClasses(i, 'multi-label', 0.7)).toEqual({ predicted: [0], wrong: [], missed: [2], mistakes: 1 });
    expect(matchClasses(i, 'multi-label', 0.3).mistakes).toBe(1);
  });
});

describe('filterImages', () => {
  const data = detection([
    { f: 0, u: 'a', s: 'a', o: [box(0, 0, 0, 0.5, 0.5)], p: [pred(0, 0.9, 0, 0, 0.5, 0.5)], r: 1 },
    { f: 0, u: 'b', s: 'b', o: [], p: [pred(1, 0.7, 0, 0, 0.5, 0.5)], r: 1 },
    { f: 1, u: 'c', s: 'c', o: [box(1, 0, 0, 0.5, 0.5)], p: [pred(1, 0.4, 0, 0, 0.5, 0.5)], r: 1 },
    { f: 1, u: 'd', s: 'd', o: [] },
  ]);

  it('shows everything by default', () => {
    expect(filterImages(data, DEFAULT_FILTER)).toEqual([0, 1, 2, 3]);
  });

  it('filters by file, by label, and background images', () => {
    expect(filterImages(data, { ...DEFAULT_FILTER, file: 1 })).toEqual([2, 3]);
    expect(filterImages(data, { ...DEFAULT_FILTER, label: 0 })).toEqual([0]);
    // a label from the ground truth or from a prediction at the threshold
    expect(filterImages(data, { ...DEFAULT_FILTER, label: 1 })).toEqual([1, 2]);
    expect(filterImages(data, { ...DEFAULT_FILTER, label: 1, threshold: 0.8 })).toEqual([2]);
    expect(filterImages(data, { ...DEFAULT_FILTER, noObjects: true })).toEqual([1, 3]);
    expect(filterImages(data, { ...DEFAULT_FILTER, noObjects: true, file: 0 })).toEqual([1]);
  });

  it('only mistakes follows the threshold', () => {
    // b: a false positive at 0.7; c: the carton is missed below 0.4
    expect(filterImages(data, { ...DEFAULT_FILTER, onlyMistakes: true })).toEqual([1, 2]);
    expect(filterImages(data, { ...DEFAULT_FILTER, onlyMistakes: true, threshold: 0.3 })).toEqual([1]);
    expect(filterImages(data, { ...DEFAULT_FILTER, onlyMistakes: true, threshold: 0.95 })).toEqual([0, 2]);
    // an image without a predictions line is never a mistake
    expect(mistakesOf(data, data.images[3]!, 0.5)).toBe(0);
  });
});

describe('gridWindow', () => {
  it('renders the rows in view plus one above and below', () => {
    // 4 columns of 250 px in 1000 px; rows of 260 px; view 600 px tall scrolled to 2600 px (row 10)
    const w = gridWindow(10_000, 1000, 250, 260, 2600, 600);
    expect(w.columns).toBe(4);
    expect(w.rows).toBe(2500);
    expect(w.height).toBe(2500 * 260);
    expect(w.first).toBe(9 * 4);
    expect(w.end).toBe(14 * 4); // rows 9..13: 10, 11, 12 in view (partly), 9 and 13 overscan
  });

  it('clamps at the ends and handles narrow windows', () => {
    expect(gridWindow(5, 1000, 250, 260, 0, 600)).toMatchObject({ columns: 4, rows: 2, first: 0, end: 5 });
    expect(gridWindow(5, 100, 250, 260, 0, 300)).toMatchObject({ columns: 1, first: 0, end: 3 });
    expect(gridWindow(0, 1000, 250, 260, 0, 600)).toMatchObject({ rows: 0, first: 0, end: 0 });
  });
});

describe('fitSize', () => {
  it('keeps the aspect ratio within the box', () => {
    expect(fitSize(499, 666, 232, 174)).toEqual({ width: 130, height: 174 });
    expect(fitSize(120, 90, 232, 174)).toEqual({ width: 232, height: 174 });
    expect(fitSize(1000, 100, 232, 174)).toEqual({ width: 232, height: 23 });
  });
});

describe('SVG shapes', () => {
  it('draws a polygon with its hole as one even-odd path of two closed rings', () => {
    expect(
      ringsPath(
        [
          [0, 0, 1, 0, 1, 1],
          [0.25, 0.25, 0.5, 0.25, 0.5, 0.5],
        ],
        200,
        100,
      ),
    ).toBe('M0 0L200 0L200 100ZM50 25L100 25L100 50Z');
    const data = detection([
      {
        f: 0,
        u: 'a',
        s: 'a',
        o: [
          [
            0,
            0,
            0,
            0,
            1,
            1,
            [
              [0, 0, 1, 0, 1, 1],
              [0.25, 0.25, 0.5, 0.25, 0.5, 0.5],
            ],
          ],
        ],
      },
    ]);
    const svg = shapesSvg(data, data.images[0]!, 200, 100, { threshold: 0.5, fontSize: 10, showTruth: true, showPredictions: true, colors: labelColors(data.labels) });
    expect(svg).toMatch(
      /<path class="gt" data-kind="gt" data-label="can" data-status="found" stroke="#[0-9a-f]{6}" fill="#[0-9a-f]{6}" fill-rule="evenodd" d="M0 0L200 0L200 100ZM50 25L100 25L100 50Z"\/>/,
    );
  });

  it('draws boxes at their pixel coordinates, crowd dashed by class, predictions above the threshold only', () => {
    const data = detection([{ f: 0, u: 'a', s: 'a', o: [box(0, 0.1, 0.2, 0.5, 0.6, 1)], p: [pred(1, 0.9, 0, 0, 0.5, 0.5), pred(1, 0.3, 0, 0, 1, 1)], r: 1 }], ['a<b', 'c&d', 'e']);
    const svg = shapesSvg(data, data.images[0]!, 300, 200, { threshold: 0.5, fontSize: 10, showTruth: true, showPredictions: true, colors: labelColors(data.labels) });
    expect(svg).toContain('class="gt crowd" data-kind="gt" data-label="a&lt;b" data-status="crowd"');
    expect(svg).toMatch(/data-kind="gt"[^>]* x="30" y="40" width="120" height="80"/);
    expect(svg.match(/data-kind="pred"/g)).toHaveLength(1);
    expect(svg).toMatch(/data-kind="pred" data-label="c&amp;d" data-status="false" data-score="0.9"[^>]* x="0" y="0" width="150" height="100"/);
    expect(svg).toContain('>c&amp;d 0.90</text>');
    const noPreds = shapesSvg(data, data.images[0]!, 300, 200, { threshold: 0.5, fontSize: 10, showTruth: true, showPredictions: false, colors: [] });
    expect(noPreds).not.toContain('data-kind="pred"');
    expect(noPreds).toContain('data-kind="gt"');
  });
});
