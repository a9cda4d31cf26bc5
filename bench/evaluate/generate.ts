/**
 * Generated ground truth and predictions for `evaluate`: tests compare them against pycocotools, and
 * the benchmark times both on COCO val2017-sized sets. Seeded: the same options give the same lines.
 *
 * What it makes: images of varied sizes (some without `image_details` when asked), a few empty ones,
 * objects of several classes from tiny (a few pixels) to the whole image, crowd regions, polygons with
 * several rings and holes (segmentation); predictions near the objects (jittered), on the wrong class,
 * duplicates, background false positives, scores rounded so that ties happen, some images without a
 * prediction line and some prediction lines for images the ground truth lacks.
 *
 * @example
 *   const { gt, predictions } = generateEvalData({ seed: 1, images: 50, task: 'object-detection' });
 *   writeFileSync('gt.jsonl', gt.join('\n') + '\n');
 */
import { prng } from '../prng.js';

export interface EvalDataOptions {
  seed: number;
  images: number;
  task: 'object-detection' | 'instance-segmentation';
  /** Classes (default 5). */
  classes?: number;
  /** Class names (default class_a, class_b, ...). */
  labels?: string[];
  /** Mean objects per image (default 4). */
  objectsPerImage?: number;
  /** Predictions per image at most (default 20). */
  predictionsPerImage?: number;
  /** Share of images without `image_details` (default 0). */
  unsized?: number;
  /** Decimal places of scores (default 1: many ties). */
  scoreDigits?: number;
  /** Prefix of every image_url (default ''). */
  baseUrl?: string;
  /** Fill every prediction line with background false positives up to `predictionsPerImage` (COCO results files hold 100 per image). */
  fill?: boolean;
  /** Share of images without a prediction line (default 0.06). */
  unpredicted?: number;
}

const r6 = (v: number) => Math.round(v * 1e6) / 1e6;

export function generateEvalData(o: EvalDataOptions): { gt: string[]; predictions: string[] } {
  const rand = prng(o.seed);
  const K = o.classes ?? 5;
  const perImage = o.objectsPerImage ?? 4;
  const maxPreds = o.predictionsPerImage ?? 20;
  const digits = o.scoreDigits ?? 1;
  const base = o.baseUrl ?? '';
  const segm = o.task === 'instance-segmentation';
  const names = o.labels ?? Array.from({ length: K }, (_, k) => `class_${String.fromCharCode(97 + (k % 26))}${k >= 26 ? k : ''}`);
  const gt: string[] = [];
  const predictions: string[] = [];
  const clamp = (v: number) => Math.min(1, Math.max(0, v));
  const score = () => Math.round(rand() * 10 ** digits) / 10 ** digits;

  /** A box [x0, y0, x1, y1], normalised, of varied size (tiny to whole image). */
  const box = (W: number, H: number): [number, number, number, number] => {
    const kind = rand();
    const size = kind < 0.25 ? (2 + rand() * 30) / Math.max(W, H) : kind < 0.6 ? 0.05 + rand() * 0.15 : kind < 0.95 ? 0.2 + rand() * 0.6 : 1;
    const w = Math.min(1, size * (0.5 + rand())),
      h = Math.min(1, size * (0.5 + rand()));
    const x0 = rand() * (1 - w),
      y0 = rand() * (1 - h);
    return [r6(x0), r6(y0), r6(Math.max(x0 + w, r6(x0) + 1e-6)), r6(Math.max(y0 + h, r6(y0) + 1e-6))];
  };
  /** Rings inside a box: an outer polygon, sometimes a hole, sometimes a second part. */
  const rings = (b: [number, number, number, number]): number[][] => {
    const [x0, y0, x1, y1] = b;
    const cx = (x0 + x1) / 2,
      cy = (y0 + y1) / 2,
      rx = (x1 - x0) / 2,
      ry = (y1 - y0) / 2;
    const ring = (sx: number, sy: number, scale: number, points: number) => {
      const out: number[] = [];
      for (let i = 0; i < points; i++) {
        const t = (2 * Math.PI * i) / points;
        const wobble = 0.7 + 0.3 * rand();
        out.push(r6(clamp(sx + Math.cos(t) * rx * scale * wobble)), r6(clamp(sy + Math.sin(t) * ry * scale * wobble)));
      }
      return out;
    };
    const out = [ring(cx, cy, 1, 3 + Math.floor(rand() * 14))];
    const extra = rand();
    if (extra < 0.25)
      out.push(ring(cx, cy, 0.4, 4 + Math.floor(rand() * 5))); // a hole
    else if (extra < 0.4) out.push(ring(clamp(cx + rx * 0.9), clamp(cy + ry * 0.9), 0.3, 5)); // a second part, may overlap (xor)
    return out;
  };
  const jitter = (b: [number, number, number, number], amount: number): [number, number, number, number] => {
    const w = b[2] - b[0],
      h = b[3] - b[1];
    const x0 = clamp(b[0] + (rand() - 0.5) * amount * w),
      y0 = clamp(b[1] + (rand() - 0.5) * amount * h);
    const x1 = clamp(b[2] + (rand() - 0.5) * amount * w),
      y1 = clamp(b[3] + (rand() - 0.5) * amount * h);
    return [r6(Math.min(x0, x1)), r6(Math.min(y0, y1)), r6(Math.max(x0, x1) + 1e-6), r6(Math.max(y0, y1) + 1e-6)];
  };
  const shift = (rs: number[][], dx: number, dy: number) => rs.map((r) => r.map((v, i) => r6(clamp(v + (i % 2 === 0 ? dx : dy)))));

  for (let i = 0; i < o.images; i++) {
    const W = 16 + Math.floor(rand() * (rand() < 0.2 ? 1200 : 400));
    const H = 16 + Math.floor(rand() * (rand() < 0.2 ? 1200 : 400));
    const url = `images/${String(i).padStart(5, '0')}.jpg`;
    const n = rand() < 0.1 ? 0 : Math.floor(rand() * perImage * 2);
    const objects: { label: string; b: [number, number, number, number]; crowd: 0 | 1; rings?: number[][] }[] = [];
    for (let j = 0; j < n; j++) {
      const b = box(W, H);
      const crowd = rand() < 0.08 ? 1 : 0;
      objects.push({ label: names[Math.floor(rand() * K)]!, b, crowd, ...(segm ? { rings: rings(b) } : {}) });
    }
    const label = objects.map((ob) =>
      segm ? { label: ob.label, isCrowd: ob.crowd, polygon: ob.rings } : { label: ob.label, topX: ob.b[0], topY: ob.b[1], bottomX: ob.b[2], bottomY: ob.b[3], isCrowd: ob.crowd },
    );
    const sized = !(o.unsized && rand() < o.unsized);
    gt.push(JSON.stringify({ image_url: base + url, ...(sized ? { image_details: { format: 'jpg', width: W, height: H } } : {}), label }));

    if (rand() < (o.unpredicted ?? 0.06)) continue; // no prediction line
    const boxes: unknown[] = [];
    const add = (label: string, b: [number, number, number, number], rs?: number[][]) =>
      boxes.push({ box: { topX: b[0], topY: b[1], bottomX: b[2], bottomY: b[3] }, label, score: score(), ...(segm ? { polygon: rs ?? [] } : {}) });
    for (const ob of objects) {
      if (boxes.length >= maxPreds) break;
      const u = rand();
      if (u < 0.12) continue; // missed
      const label = u < 0.2 ? names[Math.floor(rand() * K)]! : ob.label;
      const b = jitter(ob.b, u < 0.5 ? 0.1 : 0.5);
      add(label, b, ob.rings && shift(ob.rings, (b[0] - ob.b[0]) * 0.5, (b[1] - ob.b[1]) * 0.5));
      if (rand() < 0.15) add(label, jitter(ob.b, 0.2), ob.rings); // a duplicate
    }
    const fps = o.fill ? maxPreds : Math.floor(rand() * 4);
    for (let j = 0; j < fps && boxes.length < maxPreds; j++) {
      const b = box(W, H);
      add(names[Math.floor(rand() * K)]!, b, segm ? rings(b) : undefined);
    }
    predictions.push(JSON.stringify({ image_url: (rand() < 0.5 ? base : '') + url, boxes }));
  }
  for (let e = 0; e < 2; e++) predictions.push(JSON.stringify({ image_url: `elsewhere/${e}.jpg`, boxes: [] }));
  // predictions in another order than the ground truth
  for (let i = predictions.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [predictions[i], predictions[j]] = [predictions[j]!, predictions[i]!];
  }
  return { gt, predictions };
}
