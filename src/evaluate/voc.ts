/**
 * VOC-style detection AP (the VOC2010-and-later devkit's `VOCevaldet`): per class, predictions of all
 * images by score (ties: image order, then the line's order); each takes the ground-truth box of its
 * class and image it overlaps most; at IoU ≥ `iou` it is a true positive if that box is still free, a
 * duplicate (false positive) if taken, and ignored if the box is `isCrowd` (VOC's `difficult`); below
 * it a false positive. AP is the area under the precision envelope over all recall points (all-point
 * interpolation); the mean over classes with ground truth is AutoML's `mean_average_precision` with
 * `validation_metric_type: voc`. IoU is of continuous boxes (no +1 pixel), as AutoML computes it.
 *
 * @example
 *   const r = vocEvaluate({ classes, gt, dt, iou: 0.5, images: 120 });
 *   r.mean_average_precision; r.per_class[0].AP;
 */
import type { ObjectTable } from './table.js';

/** The VOC figures of one class. */
export interface VocClassFigures {
  label: string;
  /** -1 when the class has no ground truth that counts. */
  AP: number;
  /** Ground-truth objects that count (not crowd). */
  ground_truth: number;
  /** Crowd (difficult) ground-truth objects: neither found nor missed. */
  crowd: number;
  predictions: number;
  true_positives: number;
  false_positives: number;
  /** true_positives / ground_truth over all predictions (-1 without ground truth). */
  recall: number;
  /** true_positives / (true_positives + false_positives) over all predictions (-1 without either). */
  precision: number;
}

/** The per-image outcome at the VOC IoU. */
export interface VocImageOutcome {
  objects: number;
  missed: number;
  falsePositives: number;
  predictions: number;
}

export interface VocResult {
  mean_average_precision: number;
  per_class: VocClassFigures[];
  images: VocImageOutcome[];
}

/** IoU of two [x, y, w, h] boxes at offsets a and b. */
function iouOf(p: Float64Array, a: number, q: Float64Array, b: number): number {
  const w = Math.min(p[a]! + p[a + 2]!, q[b]! + q[b + 2]!) - Math.max(p[a]!, q[b]!);
  if (w <= 0) return 0;
  const h = Math.min(p[a + 1]! + p[a + 3]!, q[b + 1]! + q[b + 3]!) - Math.max(p[a + 1]!, q[b + 1]!);
  if (h <= 0) return 0;
  const i = w * h;
  return i / (p[a + 2]! * p[a + 3]! + q[b + 2]! * q[b + 3]! - i);
}

/** All-point interpolated AP from the true/false positive flags of predictions in score order. */
export function allPointAp(isTp: readonly boolean[], positives: number): number {
  const n = isTp.length;
  const mrec = new Float64Array(n + 2);
  const mpre = new Float64Array(n + 2);
  let tp = 0;
  for (let i = 0; i < n; i++) {
    if (isTp[i]) tp++;
    mrec[i + 1] = tp / positives;
    mpre[i + 1] = tp / (i + 1);
  }
  mrec[n + 1] = 1;
  mpre[n + 1] = 0;
  for (let i = n; i >= 0; i--) mpre[i] = Math.max(mpre[i]!, mpre[i + 1]!);
  let ap = 0;
  for (let i = 1; i <= n + 1; i++) if (mrec[i] !== mrec[i - 1]) ap += (mrec[i]! - mrec[i - 1]!) * mpre[i]!;
  return ap;
}

/** Scores predictions against ground truth VOC style. */
export function vocEvaluate(input: { classes: readonly string[]; gt: ObjectTable; dt: ObjectTable; iou: number }): VocResult {
  const { classes, gt, dt, iou } = input;
  const K = classes.length;
  const images = gt.start.length - 1;
  const imageOfDt = new Int32Array(dt.cls.length);
  const outcomes: VocImageOutcome[] = [];
  for (let i = 0; i < images; i++) {
    for (let o = dt.start[i]!; o < dt.start[i + 1]!; o++) imageOfDt[o] = i;
    let objects = 0;
    for (let o = gt.start[i]!; o < gt.start[i + 1]!; o++) if (!gt.crowd[o]) objects++;
    outcomes.push({ objects, missed: objects, falsePositives: 0, predictions: dt.start[i + 1]! - dt.start[i]! });
  }
  const byClass: number[][] = Array.from({ length: K }, () => []);
  for (let o = 0; o < dt.cls.length; o++) byClass[dt.cls[o]!]!.push(o);
  const taken = new Uint8Array(gt.cls.length);
  const per_class: VocClassFigures[] = [];
  let apSum = 0,
    apCount = 0;
  for (let k = 0; k < K; k++) {
    let positives = 0,
      crowd = 0;
    for (let o = 0; o < gt.cls.length; o++) {
      if (gt.cls[o] !== k) continue;
      if (gt.crowd[o]) crowd++;
      else positives++;
    }
    const list = byClass[k]!;
    list.sort((a, b) => dt.score[b]! - dt.score[a]! || a - b);
    const flags: boolean[] = [];
    let tps = 0,
      fps = 0;
    for (const d of list) {
      const img = imageOfDt[d]!;
      let best = -Infinity,
        jmax = -1;
      for (let g = gt.start[img]!; g < gt.start[img + 1]!; g++) {
        if (gt.cls[g] !== k) continue;
        const o = iouOf(dt.box, 4 * d, gt.box, 4 * g);
        if (o > best) {
          best = o;
          jmax = g;
        }
      }
      if (jmax >= 0 && best >= iou) {
        if (gt.crowd[jmax]) continue;
        if (!taken[jmax]) {
          taken[jmax] = 1;
          flags.push(true);
          tps++;
          outcomes[img]!.missed--;
          continue;
        }
      }
      flags.push(false);
      fps++;
      outcomes[img]!.falsePositives++;
    }
    const AP = positives === 0 ? -1 : allPointAp(flags, positives);
    if (positives > 0) {
      apSum += AP;
      apCount++;
    }
    per_class.push({
      label: classes[k]!,
      AP,
      ground_truth: positives,
      crowd,
      predictions: list.length,
      true_positives: tps,
      false_positives: fps,
      recall: positives === 0 ? -1 : tps / positives,
      precision: tps + fps === 0 ? -1 : tps / (tps + fps),
    });
  }
  return { mean_average_precision: apCount === 0 ? -1 : apSum / apCount, per_class, images: outcomes };
}
