/**
 * `evaluate` (SPEC §9): scores predictions JSONL (SPEC §7) against ground-truth AutoML JSONL (SPEC §1)
 * with the metrics AutoML's training run reports: COCO-style AP/AR for detection and segmentation
 * (pycocotools' numbers), VOC-style mAP, and accuracy / precision / recall / F1 for classification.
 *
 * @example
 *   import { evaluate } from 'automl-img';
 *   const report = await evaluate(['test.jsonl'], 'predictions.jsonl', { metric: 'coco' });
 *   report.AP;              // COCO AP@[.50:.05:.95]
 *   JSON.stringify(report); // what `automl-img evaluate --json` prints
 */
import { ConversionError, describeValue } from '../errors.js';
import { TASKS } from '../jsonl/check.js';
import type { Task } from '../types.js';
import { classificationMetrics, type ClassificationFigures } from './classification.js';
import { cocoEvaluate, COCO_STATS, type CocoStat, type ImageOutcome } from './coco.js';
import { readEvaluationSet } from './match.js';
import { vocEvaluate, type VocClassFigures } from './voc.js';

export { COCO_STATS } from './coco.js';

/** Options of {@link evaluate}; each is checked (a bad one is a `USAGE` error naming its flag). */
export interface EvaluateOptions {
  /** The task; default: detected from the ground truth's first labelled line. `--task` */
  task?: Task | undefined;
  /** Detection and segmentation: `coco` (default) or `voc` (boxes only). `--metric` */
  metric?: 'coco' | 'voc' | undefined;
  /** VOC style: the IoU a match needs, in (0, 1]; default 0.5. `--iou` */
  iou?: number | undefined;
  /** Multi-label: a label is predicted when its probability is at least this, in [0, 1]; default 0.5. `--threshold` */
  threshold?: number | undefined;
  /** Removed from the start of `image_url` on both sides before they are matched. `--base-url` */
  baseUrl?: string | undefined;
  /** Also list this many worst images (most missed objects; misclassified images). `--per-image` */
  perImage?: number | undefined;
  /** Aborts the run (an INTERRUPTED error, exit 130). */
  signal?: AbortSignal | undefined;
  /** What the file name `-` reads. Default `process.stdin`. */
  stdin?: NodeJS.ReadableStream | undefined;
}

/** COCO figures of one class; `null` for the area-range figures when some image has no size. */
export type CocoClassFigures = { label: string } & Record<CocoStat, number | null> & {
    /** Ground-truth objects (not crowd), crowd regions, predictions. */
    ground_truth: number;
    crowd: number;
    predictions: number;
  };

/** One of the worst images. */
export interface ImageReport {
  image_url: string;
  /** Detection: ground-truth objects that count, missed ones, false positives, predictions. */
  objects?: number;
  missed?: number;
  false_positives?: number;
  predictions?: number;
  /** Classification: the true and the predicted labels. */
  truth?: string | string[];
  predicted?: string | string[] | null;
}

/** What `evaluate` returns; its JSON form is what `--json` prints. Undefined figures are -1. */
export interface EvaluationReport extends Partial<Record<CocoStat, number | null>>, Partial<Omit<ClassificationFigures, 'per_class'>> {
  task: Task;
  /** `coco` or `voc` for detection and segmentation; `classification` otherwise. */
  metric: 'coco' | 'voc' | 'classification';
  /** VOC style: the IoU used. */
  iou?: number;
  /** Multi-label: the threshold used. */
  threshold?: number;
  mean_average_precision?: number;
  per_class: (CocoClassFigures | VocClassFigures | ClassificationFigures['per_class'][number])[];
  images: {
    /** Ground-truth images (the images scored). */
    ground_truth: number;
    /** Of those, with a prediction line. */
    predicted: number;
    /** Without a prediction line: scored as predicting nothing. */
    missing_predictions: number;
    /** Prediction lines for images the ground truth lacks: left out. */
    extra_predictions: number;
    /** Images without width and height (then only the `all` area range is reported). */
    without_size: number;
  };
  missing_predictions: string[];
  extra_predictions: string[];
  per_image?: ImageReport[];
  warnings: string[];
}

const usage = (flag: string, expected: string, got: unknown) => new ConversionError('USAGE', `${flag}: expected ${expected}, got ${describeValue(got)}`, {}, { exitCode: 2 });

/** Checks options (from a program or the CLI) and fills defaults. */
function checkOptions(o: EvaluateOptions) {
  if (o.task !== undefined && !TASKS.includes(o.task)) throw usage('--task', `one of ${TASKS.join(', ')}`, o.task);
  if (o.metric !== undefined && o.metric !== 'coco' && o.metric !== 'voc') throw usage('--metric', 'coco or voc', o.metric);
  if (o.iou !== undefined && !(typeof o.iou === 'number' && o.iou > 0 && o.iou <= 1)) throw usage('--iou', 'a number above 0 and at most 1', o.iou);
  if (o.iou !== undefined && o.metric !== 'voc') throw new ConversionError('USAGE', '--iou applies to --metric voc (COCO style averages IoU .50:.05:.95)', {}, { exitCode: 2 });
  if (o.threshold !== undefined && !(typeof o.threshold === 'number' && o.threshold >= 0 && o.threshold <= 1)) throw usage('--threshold', 'a number from 0 to 1', o.threshold);
  if (o.perImage !== undefined && !(Number.isInteger(o.perImage) && o.perImage > 0)) throw usage('--per-image', 'a positive integer', o.perImage);
  if (o.baseUrl !== undefined && typeof o.baseUrl !== 'string') throw usage('--base-url', 'a string', o.baseUrl);
  if (o.task !== undefined && o.metric !== undefined && (o.task === 'multi-class' || o.task === 'multi-label')) {
    throw new ConversionError('USAGE', `--metric applies to object-detection and instance-segmentation, not ${o.task}`, {}, { exitCode: 2 });
  }
  if (o.task === 'instance-segmentation' && o.metric === 'voc') {
    throw new ConversionError('USAGE', '--metric voc scores boxes: add --task object-detection to score segmentation ground truth by its boxes', {}, { exitCode: 2 });
  }
  return { iou: o.iou ?? 0.5, threshold: o.threshold ?? 0.5 };
}

const SIZED: readonly CocoStat[] = ['APs', 'APm', 'APl', 'ARs', 'ARm', 'ARl'];

/** The worst images: most missed objects, then most false positives, then line order. */
function worstImages(urls: readonly string[], outcomes: readonly ImageOutcome[], n: number): ImageReport[] {
  const order = outcomes.map((_, i) => i);
  order.sort((a, b) => outcomes[b]!.missed - outcomes[a]!.missed || outcomes[b]!.falsePositives - outcomes[a]!.falsePositives || a - b);
  return order.slice(0, n).map((i) => {
    const o = outcomes[i]!;
    return { image_url: urls[i]!, objects: o.objects, missed: o.missed, false_positives: o.falsePositives, predictions: o.predictions };
  });
}

/**
 * Scores predictions against ground truth.
 * @param groundTruthFiles AutoML JSONL files (`-` reads standard input), read in order: their lines are the images scored
 * @param predictionsFile predictions JSONL (SPEC §7)
 * @throws ConversionError USAGE (exit 2) for a bad option; GROUND_TRUTH_BAD, PREDICTION_BAD, DUPLICATE_IMAGE, INPUT_NOT_FOUND (exit 1)
 */
export async function evaluate(groundTruthFiles: readonly string[], predictionsFile: string, options: EvaluateOptions = {}): Promise<EvaluationReport> {
  const { iou, threshold } = checkOptions(options);
  if (groundTruthFiles.length === 0) throw new ConversionError('USAGE', 'at least one ground-truth JSONL file is needed', {}, { exitCode: 2 });
  if (typeof predictionsFile !== 'string' || predictionsFile === '') throw usage('--predictions', 'a predictions JSONL file', predictionsFile);
  if (predictionsFile === '-' && groundTruthFiles.includes('-'))
    throw new ConversionError('USAGE', 'standard input (-) can be read once: give the ground truth or the predictions as a file', {}, { exitCode: 2 });
  const interrupted = () => new ConversionError('INTERRUPTED', 'interrupted', {}, { exitCode: 130 });
  if (options.signal?.aborted) throw interrupted();
  const set = await readEvaluationSet(groundTruthFiles, predictionsFile, { task: options.task, baseUrl: options.baseUrl, threshold, signal: options.signal, stdin: options.stdin });
  if (options.signal?.aborted) throw interrupted();
  const { task } = set;
  const detection = task === 'object-detection' || task === 'instance-segmentation';
  if (!detection && options.metric !== undefined) throw new ConversionError('USAGE', `--metric applies to object-detection and instance-segmentation, not ${task}`, {}, { exitCode: 2 });
  if (task === 'instance-segmentation' && options.metric === 'voc') {
    throw new ConversionError('USAGE', '--metric voc scores boxes: add --task object-detection to score segmentation ground truth by its boxes', {}, { exitCode: 2 });
  }
  const warnings: string[] = [];
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  if (options.threshold !== undefined && task !== 'multi-label') warnings.push(`--threshold applies to multi-label, not ${task}: ignored`);
  if (set.predictionsWithoutPolygon > 0) warnings.push(`${count(set.predictionsWithoutPolygon, 'prediction has', 'predictions have')} no polygon: scored as empty masks`);
  if (detection && set.unsized > 0 && options.metric !== 'voc')
    warnings.push(`${count(set.unsized, 'image has', 'images have')} no width and height in image_details: small/medium/large figures are not reported`);
  if (set.missingPredictions.length > 0)
    warnings.push(`${count(set.missingPredictions.length, 'ground-truth image has', 'ground-truth images have')} no prediction line: scored as predicting nothing`);
  if (set.extraPredictions.length > 0)
    warnings.push(
      `${count(set.extraPredictions.length, 'prediction line names an image', 'prediction lines name images')} that ${set.extraPredictions.length === 1 ? 'is' : 'are'} not in the ground truth: left out`,
    );
  const metric = !detection ? 'classification' : (options.metric ?? 'coco');
  const head = {
    task,
    metric,
    ...(metric === 'voc' ? { iou } : {}),
    ...(task === 'multi-label' ? { threshold } : {}),
  } as const;
  const images = {
    ground_truth: set.urls.length,
    predicted: set.urls.length - set.missingPredictions.length,
    missing_predictions: set.missingPredictions.length,
    extra_predictions: set.extraPredictions.length,
    without_size: set.unsized,
  };
  const tail = { images, missing_predictions: set.missingPredictions, extra_predictions: set.extraPredictions };
  const n = options.perImage;

  if (metric === 'classification') {
    const figures = classificationMetrics(set);
    const { per_class, ...rest } = figures;
    const report: EvaluationReport = { ...head, ...rest, per_class, ...tail, warnings };
    if (n !== undefined) {
      const names = (i: number, start: Int32Array, list: Int32Array) => Array.from(list.subarray(start[i]!, start[i + 1]!), (k) => set.classes[k]!);
      const wrong: ImageReport[] = [];
      for (let i = 0; i < set.urls.length && wrong.length < n; i++) {
        const truth = names(i, set.trueStart, set.trueClass).sort();
        const predicted = names(i, set.predStart, set.predClass).sort();
        if (set.predicted[i] && truth.join('\0') === predicted.join('\0')) continue;
        wrong.push(
          task === 'multi-class'
            ? { image_url: set.urls[i]!, truth: truth[0]!, predicted: set.predicted[i] ? (predicted[0] ?? null) : null }
            : { image_url: set.urls[i]!, truth, predicted: set.predicted[i] ? predicted : null },
        );
      }
      report.per_image = wrong;
    }
    return report;
  }

  if (metric === 'voc') {
    const r = vocEvaluate({ classes: set.classes, gt: set.gt, dt: set.dt, iou });
    const report: EvaluationReport = { ...head, mean_average_precision: r.mean_average_precision, per_class: r.per_class, ...tail, warnings };
    if (n !== undefined) report.per_image = worstImages(set.urls, r.images, n);
    return report;
  }

  const r = cocoEvaluate({
    classes: set.classes,
    widths: set.widths,
    heights: set.heights,
    gt: set.gt,
    dt: set.dt,
    iouType: task === 'instance-segmentation' ? 'segm' : 'bbox',
    signal: options.signal,
  });
  const sized = set.unsized === 0;
  const named = (values: number[]) => Object.fromEntries(COCO_STATS.map((s, i) => [s, !sized && SIZED.includes(s) ? null : values[i]!])) as Record<CocoStat, number | null>;
  const per_class: CocoClassFigures[] = set.classes.map((label, k) => ({
    label,
    ...named(r.perClass[k]!),
    ground_truth: r.gtPerClass[k]!,
    crowd: r.crowdPerClass[k]!,
    predictions: r.dtPerClass[k]!,
  }));
  const report: EvaluationReport = { ...head, ...named(r.stats), per_class, ...tail, warnings };
  if (n !== undefined) report.per_image = worstImages(set.urls, r.images, n);
  return report;
}
