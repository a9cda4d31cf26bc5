/**
 * Multi-class and multi-label metrics, by their textbook (and scikit-learn's) definitions: per class
 * precision tp/(tp+fp), recall tp/(tp+fn), F1 2tp/(2tp+fp+fn), each 0 when its denominator is 0;
 * macro (the plain mean over classes), micro (from the summed counts) and weighted (by support)
 * averages; accuracy; the confusion matrix; exact-match accuracy and Hamming loss (multi-label).
 *
 * Classes are those of the ground truth and of the predictions (argmax, or at the threshold). An
 * image without a prediction line predicts nothing: wrong for accuracy, a false negative for its
 * classes, no false positive.
 *
 * @example
 *   const r = classificationMetrics(set);     // set from readEvaluationSet
 *   r.accuracy; r.f1_macro; r.per_class[0];  // { label, precision, recall, f1, support, predicted }
 */
import type { EvaluationSet } from './match.js';

/** The figures of one class. */
export interface ClassFigures {
  label: string;
  precision: number;
  recall: number;
  f1: number;
  /** Images whose ground truth has the class. */
  support: number;
  /** Images predicted to have it. */
  predicted: number;
}

/** Rows are the true class, columns the predicted one, both in `labels` order. */
export interface ConfusionMatrix {
  labels: string[];
  matrix: number[][];
  /** Per true class: images without a prediction line. */
  no_prediction: number[];
}

/** What multi-class and multi-label evaluations report (names as `--json` prints them). */
export interface ClassificationFigures {
  /** Multi-class: share of images whose predicted class is the true one. */
  accuracy?: number;
  /** Multi-label: share of images whose predicted label set is exactly the true one. */
  exact_match?: number;
  /** Multi-label: wrong (image, label) decisions over images × labels. */
  hamming_loss?: number;
  precision_macro: number;
  recall_macro: number;
  f1_macro: number;
  precision_micro: number;
  recall_micro: number;
  f1_micro: number;
  precision_weighted: number;
  recall_weighted: number;
  f1_weighted: number;
  per_class: ClassFigures[];
  confusion_matrix?: ConfusionMatrix;
}

const ratio = (a: number, b: number) => (b === 0 ? 0 : a / b);
const f1Of = (tp: number, fp: number, fn: number) => ratio(2 * tp, 2 * tp + fp + fn);

/** The figures of a multi-class or multi-label evaluation set. */
export function classificationMetrics(set: EvaluationSet): ClassificationFigures {
  const K = set.classes.length;
  const N = set.urls.length;
  const tp = new Float64Array(K),
    fp = new Float64Array(K),
    fn = new Float64Array(K);
  const multiLabel = set.task === 'multi-label';
  let exact = 0,
    wrongDecisions = 0;
  const matrix = multiLabel ? [] : Array.from({ length: K }, () => new Array<number>(K).fill(0));
  const noPrediction = new Array<number>(K).fill(0);
  const inTrue = new Uint8Array(K),
    inPred = new Uint8Array(K);
  for (let i = 0; i < N; i++) {
    const t0 = set.trueStart[i]!,
      t1 = set.trueStart[i + 1]!;
    const p0 = set.predStart[i]!,
      p1 = set.predStart[i + 1]!;
    for (let j = t0; j < t1; j++) inTrue[set.trueClass[j]!] = 1;
    for (let j = p0; j < p1; j++) inPred[set.predClass[j]!] = 1;
    let same = true;
    for (let j = t0; j < t1; j++) {
      const k = set.trueClass[j]!;
      if (inPred[k]) tp[k]!++;
      else {
        fn[k]!++;
        same = false;
        wrongDecisions++;
      }
    }
    for (let j = p0; j < p1; j++) {
      const k = set.predClass[j]!;
      if (!inTrue[k]) {
        fp[k]!++;
        same = false;
        wrongDecisions++;
      }
    }
    if (same) exact++;
    if (!multiLabel) {
      const truth = set.trueClass[t0]!;
      if (p1 > p0) matrix[truth]![set.predClass[p0]!]!++;
      else noPrediction[truth]!++;
    }
    for (let j = t0; j < t1; j++) inTrue[set.trueClass[j]!] = 0;
    for (let j = p0; j < p1; j++) inPred[set.predClass[j]!] = 0;
  }
  const per_class: ClassFigures[] = set.classes.map((label, k) => ({
    label,
    precision: ratio(tp[k]!, tp[k]! + fp[k]!),
    recall: ratio(tp[k]!, tp[k]! + fn[k]!),
    f1: f1Of(tp[k]!, fp[k]!, fn[k]!),
    support: tp[k]! + fn[k]!,
    predicted: tp[k]! + fp[k]!,
  }));
  const sum = (f: (c: ClassFigures) => number) => per_class.reduce((s, c) => s + f(c), 0);
  const totalSupport = sum((c) => c.support);
  const TP = tp.reduce((s, v) => s + v, 0);
  const FP = fp.reduce((s, v) => s + v, 0),
    FN = fn.reduce((s, v) => s + v, 0);
  const figures: ClassificationFigures = {
    ...(multiLabel ? { exact_match: ratio(exact, N), hamming_loss: ratio(wrongDecisions, N * K) } : { accuracy: ratio(exact, N) }),
    precision_macro: ratio(
      sum((c) => c.precision),
      K,
    ),
    recall_macro: ratio(
      sum((c) => c.recall),
      K,
    ),
    f1_macro: ratio(
      sum((c) => c.f1),
      K,
    ),
    precision_micro: ratio(TP, TP + FP),
    recall_micro: ratio(TP, TP + FN),
    f1_micro: f1Of(TP, FP, FN),
    precision_weighted: ratio(
      sum((c) => c.precision * c.support),
      totalSupport,
    ),
    recall_weighted: ratio(
      sum((c) => c.recall * c.support),
      totalSupport,
    ),
    f1_weighted: ratio(
      sum((c) => c.f1 * c.support),
      totalSupport,
    ),
    per_class,
  };
  if (!multiLabel) figures.confusion_matrix = { labels: [...set.classes], matrix, no_prediction: noPrediction };
  return figures;
}
