/**
 * COCO-style detection and segmentation metrics: a port of pycocotools' `COCOeval` (evaluateImg,
 * accumulate, summarize) with its parameters: IoU thresholds .50:.05:.95, 101 recall thresholds,
 * maxDets 1/10/100, area ranges all/small/medium/large (0..1e5², 0..32², 32²..96², 96²..1e5² pixels),
 * crowd ground truth ignored and matched as COCO does (a detection on a crowd region is ignored; the
 * crowd IoU divides by the detection's area), ties in score broken as its stable mergesort does
 * (image order, then the order within the image), -1 for a figure with no ground truth.
 *
 * @example
 *   const result = cocoEvaluate({ classes, sizes, gt, dt, iouType: 'bbox' });
 *   result.stats;          // [AP, AP50, AP75, APs, APm, APl, AR1, AR10, AR100, ARs, ARm, ARl]
 *   result.perClass[k];    // the same twelve for class k
 */
import { ConversionError } from '../errors.js';
import { maskIou, objectRle, rleArea, rleExtent, type Runs } from './mask.js';
import type { ObjectTable } from './table.js';

/** numpy.linspace(start, stop, n): i * step + start, the last exactly `stop`. */
function linspace(start: number, stop: number, n: number): Float64Array {
  const step = (stop - start) / (n - 1);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = i * step + start;
  out[n - 1] = stop;
  return out;
}

/** pycocotools' `Params.iouThrs`. */
export const IOU_THRESHOLDS = linspace(0.5, 0.95, 10);
/** pycocotools' `Params.recThrs`. */
export const RECALL_THRESHOLDS = linspace(0, 1, 101);
/** pycocotools' `Params.maxDets`. */
export const MAX_DETS = [1, 10, 100] as const;
/** pycocotools' `Params.areaRng`, in square pixels: all, small, medium, large. */
export const AREA_RANGES: readonly (readonly [number, number])[] = [
  [0 ** 2, 1e5 ** 2],
  [0 ** 2, 32 ** 2],
  [32 ** 2, 96 ** 2],
  [96 ** 2, 1e5 ** 2],
];
/** The twelve summary figures, in pycocotools' `stats` order. */
export const COCO_STATS = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'] as const;
export type CocoStat = (typeof COCO_STATS)[number];

const T = IOU_THRESHOLDS.length;
const R = RECALL_THRESHOLDS.length;
const A = AREA_RANGES.length;
const M = MAX_DETS.length;
const MAX_DET = MAX_DETS[M - 1]!;
/** numpy.spacing(1). */
const EPS = 2.220446049250313e-16;

/** What {@link cocoEvaluate} scores: ground truth and predictions of the same images. */
export interface CocoInput {
  /** Class names; objects carry indices into it. */
  classes: readonly string[];
  /** Width and height of each image in pixels (1, 1 when unknown: boxes are then in image units). */
  widths: Float64Array;
  heights: Float64Array;
  gt: ObjectTable;
  dt: ObjectTable;
  /** `bbox`: box IoU; `segm`: mask IoU of the rasterised polygons (needs the image sizes). */
  iouType: 'bbox' | 'segm';
  /** Checked between images. */
  signal?: AbortSignal | undefined;
}

/** Per image, at IoU 0.5, all areas, up to 100 predictions per class. */
export interface ImageOutcome {
  /** Ground-truth objects that count (not crowd). */
  objects: number;
  /** Of those, the ones no prediction matched. */
  missed: number;
  /** Predictions that matched nothing (and are not ignored). */
  falsePositives: number;
  /** Predictions scored (at most 100 per class). */
  predictions: number;
}

/** The result of {@link cocoEvaluate}. */
export interface CocoResult {
  /** The twelve figures of pycocotools' `stats`, in its order ({@link COCO_STATS}). */
  stats: number[];
  /** The same twelve per class, for a single class each (pycocotools' arrays sliced at that class). */
  perClass: number[][];
  /** Ground-truth objects per class (crowd regions not included) and crowd regions per class. */
  gtPerClass: Int32Array;
  crowdPerClass: Int32Array;
  /** Predictions per class (all, before the 100-per-image limit). */
  dtPerClass: Int32Array;
  images: ImageOutcome[];
}

/**
 * What evaluateImg leaves for accumulate, for every prediction kept (rank < 100 in its image and
 * class), in image order then rank: its class, score, rank, and for each area range two bit sets over
 * the ten IoU thresholds: true positive, false positive (neither: ignored).
 */
class Outcomes {
  cls: Int32Array;
  score: Float64Array;
  rank: Uint8Array;
  tp: Uint16Array;
  fp: Uint16Array;
  length = 0;
  constructor(capacity: number) {
    this.cls = new Int32Array(capacity);
    this.score = new Float64Array(capacity);
    this.rank = new Uint8Array(capacity);
    this.tp = new Uint16Array(capacity * A);
    this.fp = new Uint16Array(capacity * A);
  }
}

/** Areas of the objects of one image, and their masks for `segm`. */
interface ImageGeometry {
  gtArea: Float64Array;
  dtArea: Float64Array;
  gtMask?: Runs[];
  dtMask?: Runs[];
}

function ringsOf(t: ObjectTable, o: number, w: number, h: number): Float64Array[] {
  const rings: Float64Array[] = [];
  for (let r = t.ringFirst[o]!; r < t.ringEnd[o]!; r++) {
    const from = t.ringOffset[r]!,
      to = t.ringOffset[r + 1]!;
    const ring = new Float64Array(to - from);
    for (let j = from; j < to; j += 2) {
      ring[j - from] = t.coords[j]! * w;
      ring[j - from + 1] = t.coords[j + 1]! * h;
    }
    rings.push(ring);
  }
  return rings;
}

/** bbIou of maskApi.c for one pair ([x, y, w, h] at offsets d and g). */
function boxIou(db: Float64Array, d: number, gb: Float64Array, g: number, crowd: boolean): number {
  const dx = db[d]!,
    dy = db[d + 1]!,
    dw = db[d + 2]!,
    dh = db[d + 3]!;
  const gx = gb[g]!,
    gy = gb[g + 1]!,
    gw = gb[g + 2]!,
    gh = gb[g + 3]!;
  const w = Math.min(dw + dx, gw + gx) - Math.max(dx, gx);
  if (w <= 0) return 0;
  const h = Math.min(dh + dy, gh + gy) - Math.max(dy, gy);
  if (h <= 0) return 0;
  const i = w * h;
  const da = dw * dh;
  const u = crowd ? da : da + gw * gh - i;
  return i / u;
}

/**
 * Runs COCOeval's evaluate, accumulate and summarize.
 * @throws ConversionError INTERRUPTED (exit 130) when the signal is aborted
 */
export function cocoEvaluate(input: CocoInput): CocoResult {
  const { classes, gt, dt, widths, heights, iouType } = input;
  const K = classes.length;
  const images = gt.start.length - 1;
  const outcomes = new Outcomes(Math.min(dt.cls.length, images * MAX_DET * Math.max(K, 1)) + 1);
  /** Ground truth that counts, per class and area range. */
  const npig = new Float64Array(K * A);
  const gtPerClass = new Int32Array(K);
  const crowdPerClass = new Int32Array(K);
  const dtPerClass = new Int32Array(K);
  for (let o = 0; o < gt.cls.length; o++) {
    if (gt.crowd[o]) crowdPerClass[gt.cls[o]!]!++;
    else gtPerClass[gt.cls[o]!]!++;
  }
  for (let o = 0; o < dt.cls.length; o++) dtPerClass[dt.cls[o]!]!++;
  const perImage: ImageOutcome[] = [];

  // scratch space for one image and class
  let ious = new Float64Array(MAX_DET * 16);
  let gOrder = new Int32Array(64);
  let gIgnore = new Uint8Array(64);
  let gMatched = new Uint8Array(64);

  for (let img = 0; img < images; img++) {
    if ((img & 255) === 0 && input.signal?.aborted) throw new ConversionError('INTERRUPTED', 'interrupted', {}, { exitCode: 130 });
    const g0 = gt.start[img]!,
      g1 = gt.start[img + 1]!;
    const d0 = dt.start[img]!,
      d1 = dt.start[img + 1]!;
    const outcome: ImageOutcome = { objects: 0, missed: 0, falsePositives: 0, predictions: 0 };
    perImage.push(outcome);
    for (let g = g0; g < g1; g++) if (!gt.crowd[g]) outcome.objects++;
    if (g0 === g1 && d0 === d1) continue;

    // predictions of this image by class, each class's by score (stable: ties keep the line's order), first 100
    const dets = Array.from({ length: d1 - d0 }, (_, k) => d0 + k);
    dets.sort((a, b) => dt.cls[a]! - dt.cls[b]! || dt.score[b]! - dt.score[a]! || a - b);
    const gts = Array.from({ length: g1 - g0 }, (_, k) => g0 + k);
    gts.sort((a, b) => gt.cls[a]! - gt.cls[b]! || a - b);
    const kept: number[] = [];
    let rank = 0;
    for (let k = 0; k < dets.length; k++) {
      rank = k > 0 && dt.cls[dets[k - 1]!] === dt.cls[dets[k]!] ? rank + 1 : 0;
      if (rank < MAX_DET) kept.push(dets[k]!);
    }
    const geometry = measure(img, gts, kept);

    let gi = 0,
      di = 0;
    while (gi < gts.length || di < kept.length) {
      const c = Math.min(gi < gts.length ? gt.cls[gts[gi]!]! : K, di < kept.length ? dt.cls[kept[di]!]! : K);
      let gEnd = gi;
      while (gEnd < gts.length && gt.cls[gts[gEnd]!] === c) gEnd++;
      let dEnd = di;
      while (dEnd < kept.length && dt.cls[kept[dEnd]!] === c) dEnd++;
      evaluateClass(c, gi, gEnd, di, dEnd, geometry, outcome);
      gi = gEnd;
      di = dEnd;
    }

    /** Areas (and masks) of the image's objects: box w × h, or the mask's pixels. */
    function measure(image: number, gIdx: number[], dIdx: number[]): ImageGeometry {
      const gtArea = new Float64Array(gIdx.length);
      const dtArea = new Float64Array(dIdx.length);
      if (iouType === 'bbox') {
        gIdx.forEach((o, k) => (gtArea[k] = gt.box[4 * o + 2]! * gt.box[4 * o + 3]!));
        dIdx.forEach((o, k) => (dtArea[k] = dt.box[4 * o + 2]! * dt.box[4 * o + 3]!));
        return { gtArea, dtArea };
      }
      const w = widths[image]!,
        h = heights[image]!;
      const gtMask = gIdx.map((o, k) => {
        const m = objectRle(ringsOf(gt, o, w, h), h, w);
        gtArea[k] = rleArea(m);
        return m;
      });
      const dtMask = dIdx.map((o, k) => {
        const m = objectRle(ringsOf(dt, o, w, h), h, w);
        dtArea[k] = rleArea(m);
        return m;
      });
      return { gtArea, dtArea, gtMask, dtMask };
    }

    /**
     * evaluateImg for one class of this image, for every area range: ground truth gts[ga..gb),
     * predictions kept[da..db) (already by score, at most 100).
     */
    function evaluateClass(c: number, ga: number, gb: number, da: number, db: number, geo: ImageGeometry, out: ImageOutcome): void {
      const G = gb - ga,
        D = db - da;
      if (ious.length < G * D) ious = new Float64Array(G * D * 2);
      if (gOrder.length < G) {
        gOrder = new Int32Array(G * 2);
        gIgnore = new Uint8Array(G * 2);
        gMatched = new Uint8Array(G * 2);
      }
      // IoU of prediction d and ground truth g at ious[d * G + g]
      if (G > 0 && D > 0) {
        if (iouType === 'bbox') {
          for (let d = 0; d < D; d++) {
            const dOff = 4 * kept[da + d]!;
            for (let g = 0; g < G; g++) {
              const o = gts[ga + g]!;
              ious[d * G + g] = boxIou(dt.box, dOff, gt.box, 4 * o, gt.crowd[o] === 1);
            }
          }
        } else {
          const h = heights[img]!;
          const gExt = [] as ([number, number, number, number] | undefined)[];
          for (let g = 0; g < G; g++) gExt.push(rleExtent(geo.gtMask![ga + g]!, h));
          for (let d = 0; d < D; d++) {
            const dm = geo.dtMask![da + d]!;
            const de = rleExtent(dm, h);
            for (let g = 0; g < G; g++) {
              const ge = gExt[g];
              const apart = de === undefined || ge === undefined || de[2] < ge[0] || ge[2] < de[0] || de[3] < ge[1] || ge[3] < de[1];
              ious[d * G + g] = apart ? 0 : maskIou(dm, geo.gtMask![ga + g]!, gt.crowd[gts[ga + g]!] === 1, geo.dtArea[da + d]!);
            }
          }
        }
      }
      const first = outcomes.length;
      for (let d = 0; d < D; d++) {
        const k = first + d;
        outcomes.cls[k] = c;
        outcomes.score[k] = dt.score[kept[da + d]!]!;
        outcomes.rank[k] = d;
      }
      outcomes.length += D;

      for (let a = 0; a < A; a++) {
        const [lo, hi] = AREA_RANGES[a]!;
        // ground truth that counts first, ignored after (stable)
        let n = 0;
        for (let g = 0; g < G; g++) {
          const area = geo.gtArea[ga + g]!;
          if (!(gt.crowd[gts[ga + g]!] || area < lo || area > hi)) gOrder[n++] = g;
        }
        const counted = n;
        for (let g = 0; g < G; g++) {
          const area = geo.gtArea[ga + g]!;
          if (gt.crowd[gts[ga + g]!] || area < lo || area > hi) gOrder[n++] = g;
        }
        for (let j = 0; j < G; j++) gIgnore[j] = j < counted ? 0 : 1;
        npig[c * A + a]! += counted;
        for (let t = 0; t < T; t++) {
          gMatched.fill(0, 0, G);
          const bit = 1 << t;
          const thr = Math.min(IOU_THRESHOLDS[t]!, 1 - 1e-10);
          for (let d = 0; d < D; d++) {
            let best = thr;
            let m = -1;
            const row = d * G;
            for (let j = 0; j < G; j++) {
              const g = gOrder[j]!;
              if (gMatched[j] && !gt.crowd[gts[ga + g]!]) continue;
              if (m > -1 && gIgnore[m] === 0 && gIgnore[j] === 1) break;
              const iou = ious[row + g]!;
              if (iou < best) continue;
              best = iou;
              m = j;
            }
            const k = (first + d) * A + a;
            if (m === -1) {
              const area = geo.dtArea[da + d]!;
              if (!(area < lo || area > hi)) outcomes.fp[k]! |= bit;
            } else {
              gMatched[m] = 1;
              if (!gIgnore[m]) outcomes.tp[k]! |= bit;
            }
          }
          if (a === 0 && t === 0) {
            for (let j = 0; j < counted; j++) if (!gMatched[j]) out.missed++;
            for (let d = 0; d < D; d++) if (outcomes.fp[(first + d) * A]! & 1) out.falsePositives++;
            out.predictions += D;
          }
        }
      }
    }
  }

  // accumulate
  const precision = new Float64Array(T * R * K * A * M).fill(-1);
  const recall = new Float64Array(T * K * A * M).fill(-1);
  const pIndex = (t: number, r: number, k: number, a: number, m: number) => (((t * R + r) * K + k) * A + a) * M + m;
  const rIndex = (t: number, k: number, a: number, m: number) => ((t * K + k) * A + a) * M + m;
  const byClass: number[][] = Array.from({ length: K }, () => []);
  for (let i = 0; i < outcomes.length; i++) byClass[outcomes.cls[i]!]!.push(i);
  const tpSum = new Float64Array(outcomes.length + 1);
  const fpSum = new Float64Array(outcomes.length + 1);
  const pr = new Float64Array(outcomes.length + 1);
  const rc = new Float64Array(outcomes.length + 1);
  for (let k = 0; k < K; k++) {
    const list = byClass[k]!;
    const score = outcomes.score;
    list.sort((x, y) => score[y]! - score[x]! || x - y);
    for (let a = 0; a < A; a++) {
      const positives = npig[k * A + a]!;
      if (positives === 0) continue;
      for (let m = 0; m < M; m++) {
        const maxDet = MAX_DETS[m]!;
        for (let t = 0; t < T; t++) {
          const bit = 1 << t;
          let nd = 0,
            tp = 0,
            fp = 0;
          for (const i of list) {
            if (outcomes.rank[i]! >= maxDet) continue;
            if (outcomes.tp[i * A + a]! & bit) tp++;
            else if (outcomes.fp[i * A + a]! & bit) fp++;
            tpSum[nd] = tp;
            fpSum[nd] = fp;
            nd++;
          }
          for (let i = 0; i < nd; i++) {
            rc[i] = tpSum[i]! / positives;
            pr[i] = tpSum[i]! / (fpSum[i]! + tpSum[i]! + EPS);
          }
          recall[rIndex(t, k, a, m)] = nd ? rc[nd - 1]! : 0;
          for (let i = nd - 1; i > 0; i--) if (pr[i]! > pr[i - 1]!) pr[i - 1] = pr[i]!;
          let i = 0;
          for (let r = 0; r < R; r++) {
            const thr = RECALL_THRESHOLDS[r]!;
            while (i < nd && rc[i]! < thr) i++;
            precision[pIndex(t, r, k, a, m)] = i < nd ? pr[i]! : 0;
          }
        }
      }
    }
  }

  // summarize
  const summarize = (ap: boolean, iouThr: number | undefined, a: number, m: number, only?: number): number => {
    let sum = 0,
      n = 0;
    for (let t = 0; t < T; t++) {
      if (iouThr !== undefined && IOU_THRESHOLDS[t] !== iouThr) continue;
      for (let k = only ?? 0; k < (only === undefined ? K : only + 1); k++) {
        if (ap) {
          for (let r = 0; r < R; r++) {
            const v = precision[pIndex(t, r, k, a, m)]!;
            if (v > -1) {
              sum += v;
              n++;
            }
          }
        } else {
          const v = recall[rIndex(t, k, a, m)]!;
          if (v > -1) {
            sum += v;
            n++;
          }
        }
      }
    }
    return n === 0 ? -1 : sum / n;
  };
  const twelve = (only?: number): number[] => [
    summarize(true, undefined, 0, 2, only),
    summarize(true, 0.5, 0, 2, only),
    summarize(true, 0.75, 0, 2, only),
    summarize(true, undefined, 1, 2, only),
    summarize(true, undefined, 2, 2, only),
    summarize(true, undefined, 3, 2, only),
    summarize(false, undefined, 0, 0, only),
    summarize(false, undefined, 0, 1, only),
    summarize(false, undefined, 0, 2, only),
    summarize(false, undefined, 1, 2, only),
    summarize(false, undefined, 2, 2, only),
    summarize(false, undefined, 3, 2, only),
  ];
  return {
    stats: twelve(),
    perClass: classes.map((_, k) => twelve(k)),
    gtPerClass,
    crowdPerClass,
    dtPerClass,
    images: perImage,
  };
}
