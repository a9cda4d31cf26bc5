/**
 * Predictions JSONL (SPEC §7): what `score` writes and `preview` and `evaluate` read. One line per
 * image: its `image_url` first, then the endpoint's answer for that image less `filename`.
 *
 * @example
 *   {"image_url":"images/1.jpg","probs":[0.03,0.97],"labels":["can","carton"]}            classification
 *   {"image_url":"images/1.jpg","boxes":[{"box":{"topX":0.2,"topY":0.3,"bottomX":0.4,"bottomY":0.6},
 *     "label":"can","score":0.93}]}                                                         detection
 *   ... each box with "polygon":[[x1,y1,x2,y2,...]]                                          segmentation
 *
 *   for await (const { line, text } of readJsonlLines('preds.jsonl')) {
 *     const p = parsePrediction(JSON.parse(text), { file: 'preds.jsonl', line });
 *   }
 */
import { ConversionError, describeValue, type Location } from './errors.js';

/** A predicted box (normalised corners), with its score; `polygon` rings for instance segmentation. */
export interface PredictedBox {
  label: string;
  score: number;
  topX: number;
  topY: number;
  bottomX: number;
  bottomY: number;
  /** Rings of normalised x, y pairs (SPEC §1), present for instance segmentation. */
  polygon?: number[][];
}

/** One image's answer for multi-class or multi-label: a probability per label, in the same order. */
export interface ClassPrediction {
  kind: 'classes';
  imageUrl: string;
  labels: string[];
  probs: number[];
}

/** One image's answer for object detection or instance segmentation. */
export interface BoxPrediction {
  kind: 'boxes';
  imageUrl: string;
  boxes: PredictedBox[];
}

/** One line of a predictions JSONL file. */
export type Prediction = ClassPrediction | BoxPrediction;

/** Whether an answer (one object of the endpoint's reply, `image_url` not needed) has one of SPEC §7's shapes. */
export type AnswerKind = 'classes' | 'boxes' | 'boxes-with-polygons';

function bad(loc: Location, path: string, expected: string, got: unknown): ConversionError {
  return new ConversionError('PREDICTION_BAD', `expected ${expected}, got ${describeValue(got)}`, { ...loc, path });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function finite(v: unknown, loc: Location, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(loc, path, 'a finite number', v);
  return v;
}

function parseBox(v: unknown, loc: Location, path: string): PredictedBox {
  if (!isRecord(v)) throw bad(loc, path, 'an object {box, label, score}', v);
  const label = v['label'];
  if (typeof label !== 'string') throw bad(loc, `${path}.label`, 'a string', label);
  const score = finite(v['score'], loc, `${path}.score`);
  const box = v['box'];
  if (!isRecord(box)) throw bad(loc, `${path}.box`, 'an object {topX, topY, bottomX, bottomY}', box);
  const out: PredictedBox = {
    label,
    score,
    topX: finite(box['topX'], loc, `${path}.box.topX`),
    topY: finite(box['topY'], loc, `${path}.box.topY`),
    bottomX: finite(box['bottomX'], loc, `${path}.box.bottomX`),
    bottomY: finite(box['bottomY'], loc, `${path}.box.bottomY`),
  };
  const polygon = v['polygon'];
  if (polygon !== undefined && polygon !== null) {
    if (!Array.isArray(polygon)) throw bad(loc, `${path}.polygon`, 'a list of rings', polygon);
    out.polygon = polygon.map((ring: unknown, r) => {
      if (!Array.isArray(ring)) throw bad(loc, `${path}.polygon[${r}]`, 'a list of numbers', ring);
      if (ring.length % 2 !== 0) throw bad(loc, `${path}.polygon[${r}]`, 'an even count of numbers (x, y pairs)', `${ring.length} numbers`);
      return ring.map((x: unknown, i) => finite(x, loc, `${path}.polygon[${r}][${i}]`));
    });
  }
  return out;
}

/**
 * Reads one answer object's fields (the endpoint's reply for one image, or a predictions line).
 * @throws ConversionError `PREDICTION_BAD` naming the JSON path of the first problem
 */
function parseAnswer(v: Record<string, unknown>, imageUrl: string, loc: Location): Prediction {
  if (v['boxes'] !== undefined) {
    const boxes = v['boxes'];
    if (!Array.isArray(boxes)) throw bad(loc, 'boxes', 'a list of boxes', boxes);
    return { kind: 'boxes', imageUrl, boxes: boxes.map((b: unknown, i) => parseBox(b, loc, `boxes[${i}]`)) };
  }
  if (v['probs'] !== undefined || v['labels'] !== undefined) {
    const labels = v['labels'];
    const probs = v['probs'];
    if (!Array.isArray(labels)) throw bad(loc, 'labels', 'a list of label names', labels);
    if (!Array.isArray(probs)) throw bad(loc, 'probs', 'a list of probabilities', probs);
    if (labels.length !== probs.length) throw bad(loc, 'probs', `${labels.length} probabilities (one per label)`, `${probs.length}`);
    return {
      kind: 'classes',
      imageUrl,
      labels: labels.map((l: unknown, i) => {
        if (typeof l !== 'string') throw bad(loc, `labels[${i}]`, 'a string', l);
        return l;
      }),
      probs: probs.map((p: unknown, i) => finite(p, loc, `probs[${i}]`)),
    };
  }
  throw bad(loc, '', '"boxes" (detection, segmentation) or "probs" and "labels" (classification)', 'neither');
}

/**
 * Parses one line of a predictions JSONL file (already `JSON.parse`d).
 * @param loc the file and line, for messages
 * @throws ConversionError `PREDICTION_BAD` naming the file, line and JSON path
 */
export function parsePrediction(value: unknown, loc: Location = {}): Prediction {
  if (!isRecord(value)) throw new ConversionError('PREDICTION_BAD', `expected a JSON object, got ${describeValue(value)}`, loc);
  const url = value['image_url'];
  if (typeof url !== 'string' || url === '') throw bad(loc, 'image_url', 'a non-empty string', url);
  return parseAnswer(value, url, loc);
}

/**
 * The shape of one answer of the endpoint (SPEC §7), or a ConversionError `RESPONSE_BAD`-style message:
 * used by `score` to refuse an answer that is not one of the four task shapes.
 * @returns the kind, or a string saying what is wrong
 */
export function answerKind(value: unknown): AnswerKind | string {
  if (!isRecord(value)) return `expected an object, got ${describeValue(value)}`;
  try {
    const p = parseAnswer(value, '', {});
    if (p.kind === 'classes') return 'classes';
    return p.boxes.some((b) => b.polygon !== undefined) ? 'boxes-with-polygons' : 'boxes';
  } catch (e) {
    if (e instanceof ConversionError) return e.message;
    throw e;
  }
}
