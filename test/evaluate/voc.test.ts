/**
 * VOC-style AP: hand-computed cases, and generated sets against a small reference written here from
 * the VOC2010 devkit's `VOCevaldet.m` / `VOCap.m` (continuous boxes: no +1 pixel), kept apart from
 * src/evaluate/voc.ts on purpose (plain objects, the devkit's loops, NaN precision where it has one).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateEvalData } from '../../bench/evaluate/generate.js';
import { evaluate } from '../../src/evaluate/index.js';
import { allPointAp, type VocClassFigures } from '../../src/evaluate/voc.js';
import { useTempDir } from '../helpers/fs.js';
import { writeLines } from './reference.js';

const tmp = useTempDir('automl-img-evaluate-voc-');

type Box = [number, number, number, number];
const det = (image_url: string, boxes: { label: string; score: number; b: Box }[]) =>
  JSON.stringify({ image_url, boxes: boxes.map((x) => ({ box: { topX: x.b[0], topY: x.b[1], bottomX: x.b[2], bottomY: x.b[3] }, label: x.label, score: x.score })) });
const gtLine = (image_url: string, objects: { label: string; b: Box; crowd?: 0 | 1 }[]) =>
  JSON.stringify({
    image_url,
    image_details: { format: 'jpg', width: 100, height: 100 },
    label: objects.map((o) => ({ label: o.label, topX: o.b[0], topY: o.b[1], bottomX: o.b[2], bottomY: o.b[3], isCrowd: o.crowd ?? 0 })),
  });

let n = 0;
async function voc(gt: string[], preds: string[], iou?: number) {
  n++;
  return evaluate([writeLines(tmp.path, `g${n}.jsonl`, gt)], writeLines(tmp.path, `p${n}.jsonl`, preds), { metric: 'voc', ...(iou === undefined ? {} : { iou }) });
}

/** The devkit: VOCevaldet's matching and VOCap's all-point area, for one class. */
// The devkit's MATLAB works on loosely typed structs; this port keeps that shape.
/* eslint-disable @typescript-eslint/no-explicit-any */
function devkitAp(gtFile: string, predFile: string, cls: string, minoverlap: number): number | undefined {
  const read = (f: string) =>
    readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as Record<string, any>);
  const gts = new Map<string, { BB: Box[]; diff: boolean[]; det: boolean[] }>();
  const size = new Map<string, [number, number]>();
  let npos = 0;
  for (const rec of read(gtFile)) {
    const W = rec['image_details']?.width ?? 1,
      H = rec['image_details']?.height ?? 1;
    size.set(rec['image_url'], [W, H]);
    const objs = (rec['label'] as any[]).filter((o) => o.label === cls);
    gts.set(rec['image_url'], { BB: objs.map((o) => [o.topX * W, o.topY * H, o.bottomX * W, o.bottomY * H]), diff: objs.map((o) => o.isCrowd === 1), det: objs.map(() => false) });
    npos += objs.filter((o) => o.isCrowd !== 1).length;
  }
  if (npos === 0) return undefined;
  const dets: { id: string; conf: number; bb: Box }[] = [];
  const order = [...gts.keys()];
  const lines = read(predFile).filter((l) => gts.has(l['image_url']));
  lines.sort((a, b) => order.indexOf(a['image_url']) - order.indexOf(b['image_url']));
  for (const l of lines) {
    const [W, H] = size.get(l['image_url'])!;
    for (const b of l['boxes'] as any[]) if (b.label === cls) dets.push({ id: l['image_url'], conf: b.score, bb: [b.box.topX * W, b.box.topY * H, b.box.bottomX * W, b.box.bottomY * H] });
  }
  const si = dets.map((_, i) => i).sort((a, b) => dets[b]!.conf - dets[a]!.conf || a - b);
  const tp: number[] = [],
    fp: number[] = [];
  for (const d of si) {
    const g = gts.get(dets[d]!.id)!;
    const bb = dets[d]!.bb;
    let ovmax = -Infinity,
      jmax = -1;
    g.BB.forEach((bbgt, j) => {
      const bi = [Math.max(bb[0], bbgt[0]), Math.max(bb[1], bbgt[1]), Math.min(bb[2], bbgt[2]), Math.min(bb[3], bbgt[3])];
      const iw = bi[2]! - bi[0]!,
        ih = bi[3]! - bi[1]!;
      if (iw > 0 && ih > 0) {
        const ua = (bb[2] - bb[0]) * (bb[3] - bb[1]) + (bbgt[2] - bbgt[0]) * (bbgt[3] - bbgt[1]) - iw * ih;
        const ov = (iw * ih) / ua;
        if (ov > ovmax) {
          ovmax = ov;
          jmax = j;
        }
      }
    });
    if (ovmax >= minoverlap) {
      if (!g.diff[jmax]) {
        if (!g.det[jmax]) {
          tp.push(1);
          fp.push(0);
          g.det[jmax] = true;
        } else {
          tp.push(0);
          fp.push(1);
        }
      } else {
        tp.push(0);
        fp.push(0);
      }
    } else {
      tp.push(0);
      fp.push(1);
    }
  }
  let ctp = 0,
    cfp = 0;
  const rec: number[] = [],
    prec: number[] = [];
  tp.forEach((t, i) => {
    ctp += t;
    cfp += fp[i]!;
    rec.push(ctp / npos);
    prec.push(ctp / (cfp + ctp)); // NaN before the first counted detection, as in MATLAB
  });
  const mrec = [0, ...rec, 1],
    mpre = [0, ...prec, 0];
  const max = (a: number, b: number) => (Number.isNaN(a) ? b : Number.isNaN(b) ? a : Math.max(a, b)); // MATLAB's max ignores NaN
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = max(mpre[i]!, mpre[i + 1]!);
  let ap = 0;
  for (let i = 1; i < mrec.length; i++) if (mrec[i] !== mrec[i - 1]) ap += (mrec[i]! - mrec[i - 1]!) * mpre[i]!;
  return ap;
}

describe('evaluate --metric voc', () => {
  it('hand-computed: a hit, a false positive, a hit: AP = 0.5 × 1 + 0.5 × 2/3', async () => {
    const r = await voc(
      [
        gtLine('a.jpg', [
          { label: 'cat', b: [0, 0, 0.4, 0.4] },
          { label: 'cat', b: [0.5, 0.5, 0.9, 0.9] },
        ]),
      ],
      [
        det('a.jpg', [
          { label: 'cat', score: 0.9, b: [0, 0, 0.4, 0.4] },
          { label: 'cat', score: 0.8, b: [0.1, 0.6, 0.2, 0.7] },
          { label: 'cat', score: 0.7, b: [0.5, 0.5, 0.88, 0.9] },
        ]),
      ],
    );
    expect(r.mean_average_precision).toBeCloseTo(0.5 + 0.5 * (2 / 3), 12);
    expect(r.per_class[0]).toMatchObject({ label: 'cat', ground_truth: 2, true_positives: 2, false_positives: 1, recall: 1 });
  });

  it('hand-computed: a duplicate is a false positive, a match on an isCrowd object is ignored, a class without ground truth is left out of the mean', async () => {
    const r = await voc(
      [
        gtLine('a.jpg', [
          { label: 'cat', b: [0, 0, 0.5, 0.5] },
          { label: 'cat', b: [0.6, 0.6, 1, 1], crowd: 1 },
        ]),
        gtLine('b.jpg', [{ label: 'dog', b: [0, 0, 1, 1] }]),
      ],
      [
        det('a.jpg', [
          { label: 'cat', score: 0.9, b: [0.6, 0.6, 1, 1] },
          { label: 'cat', score: 0.8, b: [0, 0, 0.5, 0.5] },
          { label: 'cat', score: 0.7, b: [0, 0, 0.5, 0.49] },
          { label: 'bird', score: 0.9, b: [0, 0, 1, 1] },
        ]),
        det('b.jpg', [{ label: 'dog', score: 0.3, b: [0, 0, 0.5, 1] }]),
      ],
    );
    const cls = Object.fromEntries(r.per_class.map((c) => [c.label, c as VocClassFigures]));
    // cat: crowd match ignored; then a hit (precision 1 at recall 1); the duplicate comes after: AP 1
    expect(cls['cat']).toMatchObject({ AP: 1, ground_truth: 1, crowd: 1, true_positives: 1, false_positives: 1 });
    // dog: IoU exactly 0.5 counts (≥), AP 1
    expect(cls['dog']!.AP).toBe(1);
    expect(cls['bird']!.AP).toBe(-1);
    expect(r.mean_average_precision).toBe(1);
    const strict = await voc([gtLine('b.jpg', [{ label: 'dog', b: [0, 0, 1, 1] }])], [det('b.jpg', [{ label: 'dog', score: 0.3, b: [0, 0, 0.5, 1] }])], 0.51);
    expect(strict.mean_average_precision).toBe(0);
  });

  it('all-point AP by hand: [TP, FP, TP, FP, TP] of 4 objects', () => {
    // recall .25 .25 .5 .5 .75, precision 1 .5 .667 .5 .6 → envelope 1, .667, .667, .6, .6 → .25·1 + .25·.667 + .25·.6
    expect(allPointAp([true, false, true, false, true], 4)).toBeCloseTo(0.25 + 0.25 * (2 / 3) + 0.25 * 0.6, 12);
    expect(allPointAp([], 3)).toBe(0);
  });

  it('generated sets: every class AP and the mean as the devkit computes them, at IoU 0.5 and 0.7', { timeout: 30_000 }, async () => {
    for (const [seed, iou] of [
      [21, 0.5],
      [22, 0.7],
      [23, 0.5],
    ] as const) {
      const { gt, predictions } = generateEvalData({ seed, images: 80, task: 'object-detection', scoreDigits: seed === 23 ? 1 : 4 });
      const g = writeLines(tmp.path, `vg${seed}.jsonl`, gt);
      const p = writeLines(tmp.path, `vp${seed}.jsonl`, predictions);
      const r = await evaluate([g], p, { metric: 'voc', iou });
      let sum = 0,
        count = 0;
      for (const c of r.per_class as VocClassFigures[]) {
        const expected = devkitAp(g, p, c.label, iou);
        if (expected === undefined) expect(c.AP).toBe(-1);
        else {
          expect(c.AP, `${c.label} seed ${seed}`).toBeCloseTo(expected, 10);
          sum += expected;
          count++;
        }
      }
      expect(count).toBeGreaterThan(0);
      expect(r.mean_average_precision).toBeCloseTo(sum / count, 10);
    }
  });
});
