/**
 * COCO-style figures against pycocotools itself (built from ../shared/reference; skipped with the
 * reason when it cannot be built), the mask port against pycocotools' frPyObjects, and properties
 * that hold whatever the data: a perfect prediction scores 1, the order of prediction lines changes
 * nothing, a low-score false positive never raises AP.
 */
import fc from 'fast-check';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { generateEvalData } from '../../bench/evaluate/generate.js';
import { prng } from '../../bench/prng.js';
import { evaluate } from '../../src/evaluate/index.js';
import { objectRle, rleArea } from '../../src/evaluate/mask.js';
import { useTempDir } from '../helpers/fs.js';
import { expectSameAsPycocotools, pycocotools, referenceCoco, runReference, writeLines } from './reference.js';

const tmp = useTempDir('automl-img-evaluate-coco-');
const reference = pycocotools();
const withReference = reference.path ? it : it.skip;
if (!reference.path) console.warn(`evaluate: pycocotools reference tests skipped: ${reference.reason}`);

async function compare(seed: number, task: 'object-detection' | 'instance-segmentation', images: number, extra: { unsized?: number; scoreDigits?: number; classes?: number } = {}) {
  const baseUrl = 'azureml://datastores/x/paths/';
  const { gt, predictions } = generateEvalData({ seed, images, task, baseUrl, ...extra });
  const g = writeLines(tmp.path, `gt-${seed}.jsonl`, gt);
  const p = writeLines(tmp.path, `pred-${seed}.jsonl`, predictions);
  const ours = await evaluate([g], p, { baseUrl });
  const ref = referenceCoco(task === 'instance-segmentation' ? 'segm' : 'bbox', baseUrl, p, [g]);
  return { ours, ref };
}

describe('evaluate, COCO style, against pycocotools', () => {
  withReference('boxes: generated crowd regions, empty images, images without predictions, ties, tiny and huge objects', { timeout: 30_000 }, async () => {
    const { ours, ref } = await compare(11, 'object-detection', 100);
    expect(ours.images.missing_predictions).toBeGreaterThan(0);
    expect(ours.images.extra_predictions).toBe(2);
    expect(ours.per_class.some((c) => 'crowd' in c && c.crowd > 0)).toBe(true);
    expectSameAsPycocotools(ours, ref, 1e-6);
  });

  withReference('masks: multi-ring and holed polygons combined by exclusive-or', { timeout: 30_000 }, async () => {
    const { ours, ref } = await compare(12, 'instance-segmentation', 40);
    expectSameAsPycocotools(ours, ref, 1e-4);
  });

  withReference('boxes without image_details: the "all" figures agree, the sized ones are null', { timeout: 30_000 }, async () => {
    const { ours, ref } = await compare(13, 'object-detection', 50, { unsized: 0.3 });
    expect(ours.APs).toBeNull();
    expect(ours.AR100).not.toBeNull();
    expectSameAsPycocotools(ours, ref, 1e-6);
  });

  withReference(
    'one class, 130 predictions an image (the first 100 by score count), scores 0 or 1 only (ties everywhere), ground truth in two files (read in order), the first from standard input',
    { timeout: 30_000 },
    async () => {
      const { gt, predictions } = generateEvalData({ seed: 14, images: 50, task: 'object-detection', classes: 1, scoreDigits: 0, predictionsPerImage: 130, fill: true });
      const first = writeLines(tmp.path, 'two-1.jsonl', gt.slice(0, 20));
      const second = writeLines(tmp.path, 'two-2.jsonl', gt.slice(20));
      const p = writeLines(tmp.path, 'two-pred.jsonl', predictions);
      const ours = await evaluate(['-', second], p, { stdin: Readable.from([gt.slice(0, 20).join('\n') + '\n']) });
      expect(ours.images.ground_truth).toBe(50);
      expectSameAsPycocotools(ours, referenceCoco('bbox', '', p, [first, second]), 1e-6);
    },
  );

  withReference('predictions that name no ground-truth image at all: every figure 0 or -1, as pycocotools', { timeout: 30_000 }, async () => {
    const gt = [
      JSON.stringify({ image_url: 'a.jpg', image_details: { format: 'jpg', width: 100, height: 80 }, label: [{ label: 'cat', topX: 0.1, topY: 0.1, bottomX: 0.5, bottomY: 0.5, isCrowd: 0 }] }),
      JSON.stringify({ image_url: 'b.jpg', image_details: { format: 'jpg', width: 100, height: 80 }, label: [] }),
    ];
    const g = writeLines(tmp.path, 'none-gt.jsonl', gt);
    const p = writeLines(tmp.path, 'none-pred.jsonl', [JSON.stringify({ image_url: 'c.jpg', boxes: [] })]);
    const ours = await evaluate([g], p);
    expect(ours.AP).toBe(0);
    expect(ours.APs).toBe(-1);
    expect(ours.images).toMatchObject({ ground_truth: 2, predicted: 0, missing_predictions: 2, extra_predictions: 1 });
    expectSameAsPycocotools(ours, referenceCoco('bbox', '', p, [g]), 1e-12);
  });

  withReference('rings rasterised exactly as frPyObjects, combined by exclusive-or (out-of-image points, slivers, holes, overlaps)', { timeout: 30_000 }, () => {
    const rand = prng(5);
    const cases: { h: number; w: number; rings: number[][] }[] = [];
    for (let c = 0; c < 300; c++) {
      const h = 1 + Math.floor(rand() * 60),
        w = 1 + Math.floor(rand() * 60);
      const rings: number[][] = [];
      const n = 1 + Math.floor(rand() * 3);
      for (let r = 0; r < n; r++) {
        const points = 3 + Math.floor(rand() * 8);
        const ring: number[] = [];
        const spread = rand() < 0.2 ? 1.4 : 1;
        for (let i = 0; i < points; i++) {
          const x = (rand() * spread - (spread - 1) / 2) * w,
            y = (rand() * spread - (spread - 1) / 2) * h;
          ring.push(rand() < 0.3 ? Math.round(x * 2) / 2 : x, rand() < 0.3 ? Math.round(y * 2) / 2 : y);
        }
        rings.push(ring);
      }
      cases.push({ h, w, rings });
    }
    const out = runReference(['rle'], cases.map((c) => JSON.stringify(c)).join('\n') + '\n')
      .trim()
      .split('\n');
    expect(out).toHaveLength(cases.length);
    cases.forEach((c, i) => {
      const expected = JSON.parse(out[i]!) as { counts: number[]; area: number };
      const ours = objectRle(c.rings, c.h, c.w);
      expect(Array.from(ours), JSON.stringify(c)).toEqual(expected.counts);
      expect(rleArea(ours)).toBe(expected.area);
    });
  });
});

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
