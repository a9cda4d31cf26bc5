/**
 * COCO-style properties that hold whatever the data: a perfect prediction scores 1, the order of
 * prediction lines changes nothing, a low-score false positive never raises AP. The figures against
 * pycocotools itself are in coco-pycocotools.slow.test.ts.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { prng } from '../../bench/prng.js';
import { evaluate } from '../../src/evaluate/index.js';
import { useTempDir } from '../helpers/fs.js';
import { writeLines } from './reference.js';

const tmp = useTempDir('automl-img-evaluate-coco-');

describe('evaluate, COCO style, properties', () => {
  type Obj = { label: string; b: [number, number, number, number]; crowd: 0 | 1 };
  const objArb = fc.record({
    label: fc.constantFrom('a', 'b', 'c'),
    b: fc
      .tuple(fc.integer({ min: 0, max: 90 }), fc.integer({ min: 0, max: 90 }), fc.integer({ min: 2, max: 60 }), fc.integer({ min: 2, max: 60 }))
      .map(([x, y, w, h]) => [x / 100, y / 100, Math.min(100, x + w) / 100, Math.min(100, y + h) / 100] as [number, number, number, number]),
    crowd: fc.constantFrom<0 | 1>(0, 0, 0, 1),
  });
  const datasetArb = fc.array(fc.array(objArb, { maxLength: 6 }), { minLength: 1, maxLength: 8 });
  const gtLines = (images: Obj[][]) =>
    images.map((objs, i) =>
      JSON.stringify({
        image_url: `${i}.jpg`,
        image_details: { format: 'jpg', width: 200 + i, height: 150 },
        label: objs.map((o) => ({ label: o.label, topX: o.b[0], topY: o.b[1], bottomX: o.b[2], bottomY: o.b[3], isCrowd: o.crowd })),
      }),
    );
  const box = (o: Obj, score: number, label = o.label) => ({ box: { topX: o.b[0], topY: o.b[1], bottomX: o.b[2], bottomY: o.b[3] }, label, score });
  let n = 0;
  const run = async (gt: string[], preds: string[]) => {
    n++;
    return evaluate([writeLines(tmp.path, `p-gt-${n}.jsonl`, gt)], writeLines(tmp.path, `p-pred-${n}.jsonl`, preds));
  };

  it('a perfect prediction gives AP 1 (classes with ground truth that counts)', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(datasetArb, async (images) => {
        fc.pre(images.some((objs) => objs.some((o) => !o.crowd)));
        const preds = images.map((objs, i) => JSON.stringify({ image_url: `${i}.jpg`, boxes: objs.filter((o) => !o.crowd).map((o, k) => box(o, 1 - k / 100)) }));
        const r = await run(gtLines(images), preds);
        // precision is tp / (tp + fp + numpy.spacing(1)), as pycocotools: 1 to 15 digits
        expect(r.AP).toBeCloseTo(1, 14);
        expect(r.AP50).toBeCloseTo(1, 14);
        expect(r.AR100).toBe(1);
      }),
      { numRuns: 40 },
    );
  });

  it('the order of prediction lines, and of boxes with distinct scores, changes nothing', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(datasetArb, fc.integer({ min: 1, max: 1 << 30 }), async (images, seed) => {
        const rand = prng(seed);
        let s = 0;
        const lines = images.map((objs, i) => ({
          image_url: `${i}.jpg`,
          boxes: objs.flatMap((o) => [box(o, 0.9 - (s++ % 97) / 100), box({ ...o, b: [o.b[0], o.b[1], Math.min(1, o.b[2] + 0.05), o.b[3]] }, 0.5 - (s++ % 97) / 1000, rand() < 0.3 ? 'b' : o.label)]),
        }));
        const shuffle = <T>(a: T[]) => {
          const c = [...a];
          for (let i = c.length - 1; i > 0; i--) {
            const j = Math.floor(rand() * (i + 1));
            [c[i], c[j]] = [c[j]!, c[i]!];
          }
          return c;
        };
        const a = await run(
          gtLines(images),
          lines.map((l) => JSON.stringify(l)),
        );
        const b = await run(
          gtLines(images),
          shuffle(lines).map((l) => JSON.stringify({ ...l, boxes: shuffle(l.boxes) })),
        );
        expect(b).toEqual(a);
      }),
      { numRuns: 30 },
    );
  });

  it('a false positive scored below every other prediction never raises AP', { timeout: 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(datasetArb, objArb, fc.nat({ max: 7 }), async (images, extra, at) => {
        const lines = images.map((objs, i) => ({ image_url: `${i}.jpg`, boxes: objs.map((o, k) => box({ ...o, b: [o.b[0], o.b[1], Math.min(1, o.b[2] + 0.02 * k), o.b[3]] }, 0.5 + 0.01 * k)) }));
        const before = await run(
          gtLines(images),
          lines.map((l) => JSON.stringify(l)),
        );
        const target = lines[at % lines.length]!;
        target.boxes.push(box({ ...extra, b: [0.97, 0.97, 1, 1] }, 0.01, extra.label));
        const after = await run(
          gtLines(images),
          lines.map((l) => JSON.stringify(l)),
        );
        for (const k of ['AP', 'AP50', 'AP75'] as const) {
          if (before[k] === -1) continue;
          expect(after[k]!).toBeLessThanOrEqual(before[k]! + 1e-12);
        }
      }),
      { numRuns: 40 },
    );
  });
});
