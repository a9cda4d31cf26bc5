/**
 * COCO-style figures against pycocotools itself (built from ../shared/reference; skipped with the
 * reason when it cannot be built), and the mask port against pycocotools' frPyObjects. The
 * properties that need no reference are in coco.test.ts.
 */
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
