/**
 * Multi-class and multi-label figures against hand-computed cases (the textbook definitions: each
 * ratio 0 when its denominator is 0, as scikit-learn's zero_division default). The comparison with
 * scikit-learn itself is in classification-sklearn.slow.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../src/evaluate/index.js';
import { useTempDir } from '../helpers/fs.js';
import { writeLines } from './reference.js';

const tmp = useTempDir('automl-img-evaluate-cls-');
let n = 0;
const run = (gt: unknown[], preds: unknown[], options: Parameters<typeof evaluate>[2] = {}) => {
  n++;
  return evaluate(
    [
      writeLines(
        tmp.path,
        `g${n}.jsonl`,
        gt.map((x) => JSON.stringify(x)),
      ),
    ],
    writeLines(
      tmp.path,
      `p${n}.jsonl`,
      preds.map((x) => JSON.stringify(x)),
    ),
    options,
  );
};
const probs = (image_url: string, p: Record<string, number>) => ({ image_url, probs: Object.values(p), labels: Object.keys(p) });

describe('evaluate, multi-class', () => {
  it('true a a b c, predicted a b b (none): accuracy, per class, macro, micro, weighted, confusion matrix', async () => {
    const r = await run(
      [
        { image_url: '1.jpg', label: 'a' },
        { image_url: '2.jpg', label: 'a' },
        { image_url: '3.jpg', label: 'b' },
        { image_url: '4.jpg', label: 'c' },
      ],
      [probs('1.jpg', { a: 0.7, b: 0.2, c: 0.1 }), probs('2.jpg', { a: 0.3, b: 0.6, c: 0.1 }), probs('3.jpg', { b: 0.5, a: 0.5, c: 0 })],
    );
    expect(r.task).toBe('multi-class');
    expect(r.accuracy).toBe(0.5);
    expect(r.per_class).toEqual([
      { label: 'a', precision: 1, recall: 0.5, f1: 2 / 3, support: 2, predicted: 1 },
      { label: 'b', precision: 0.5, recall: 1, f1: 2 / 3, support: 1, predicted: 2 },
      { label: 'c', precision: 0, recall: 0, f1: 0, support: 1, predicted: 0 },
    ]);
    expect(r.precision_macro).toBeCloseTo(0.5, 12);
    expect(r.recall_macro).toBeCloseTo(0.5, 12);
    expect(r.f1_macro).toBeCloseTo(4 / 9, 12);
    expect(r.precision_micro).toBeCloseTo(2 / 3, 12);
    expect(r.recall_micro).toBeCloseTo(0.5, 12);
    expect(r.f1_micro).toBeCloseTo(4 / 7, 12);
    expect(r.precision_weighted).toBeCloseTo(0.625, 12);
    expect(r.recall_weighted).toBeCloseTo(0.5, 12);
    expect(r.f1_weighted).toBeCloseTo(0.5, 12);
    // ties in probability: the first label listed wins (3.jpg: b)
    expect(r.confusion_matrix).toEqual({
      labels: ['a', 'b', 'c'],
      matrix: [
        [1, 1, 0],
        [0, 1, 0],
        [0, 0, 0],
      ],
      no_prediction: [0, 0, 1],
    });
    expect(r.missing_predictions).toEqual(['4.jpg']);
  });

  it('--per-image lists misclassified images in line order; a predicted class the ground truth lacks is a class', async () => {
    const r = await run(
      [
        { image_url: '1.jpg', label: 'a' },
        { image_url: '2.jpg', label: 'b' },
        { image_url: '3.jpg', label: 'a' },
      ],
      [probs('1.jpg', { a: 0.1, z: 0.9 }), probs('2.jpg', { b: 1 }), probs('3.jpg', { a: 0.9, z: 0.1 })],
      { perImage: 5 },
    );
    expect(r.per_class.map((c) => c.label)).toEqual(['a', 'b', 'z']);
    expect(r.per_image).toEqual([{ image_url: '1.jpg', truth: 'a', predicted: 'z' }]);
  });
});

describe('evaluate, multi-label', () => {
  it('threshold 0.5 (inclusive): per label, macro, micro, exact match, Hamming loss', async () => {
    const r = await run(
      [
        { image_url: '1.jpg', label: ['x', 'y'] },
        { image_url: '2.jpg', label: ['y'] },
        { image_url: '3.jpg', label: ['z'] },
      ],
      [probs('1.jpg', { x: 0.9, y: 0.4, z: 0.6 }), probs('2.jpg', { x: 0.1, y: 0.5, z: 0.2 })],
    );
    expect(r.task).toBe('multi-label');
    expect(r.threshold).toBe(0.5);
    expect(r.per_class).toEqual([
      { label: 'x', precision: 1, recall: 1, f1: 1, support: 1, predicted: 1 },
      { label: 'y', precision: 1, recall: 0.5, f1: 2 / 3, support: 2, predicted: 1 },
      { label: 'z', precision: 0, recall: 0, f1: 0, support: 1, predicted: 1 },
    ]);
    expect(r.exact_match).toBeCloseTo(1 / 3, 12);
    expect(r.hamming_loss).toBeCloseTo(3 / 9, 12);
    expect(r.precision_micro).toBeCloseTo(2 / 3, 12);
    expect(r.recall_micro).toBeCloseTo(0.5, 12);
    expect(r.f1_micro).toBeCloseTo(4 / 7, 12);
    expect(r.precision_macro).toBeCloseTo(2 / 3, 12);
    expect(r.recall_macro).toBeCloseTo(0.5, 12);
    expect(r.f1_macro).toBeCloseTo(5 / 9, 12);
    expect(r.confusion_matrix).toBeUndefined();
    expect(r.accuracy).toBeUndefined();
  });

  it('--threshold 0.95 predicts less', async () => {
    const r = await run([{ image_url: '1.jpg', label: ['x'] }], [probs('1.jpg', { x: 0.9, y: 0.96 })], { threshold: 0.95 });
    expect(r.per_class).toEqual([
      { label: 'x', precision: 0, recall: 0, f1: 0, support: 1, predicted: 0 },
      { label: 'y', precision: 0, recall: 0, f1: 0, support: 0, predicted: 1 },
    ]);
    expect(r.hamming_loss).toBe(1);
    expect(r.exact_match).toBe(0);
  });
});

describe('evaluate, interrupted', () => {
  it('an aborted signal ends the run with INTERRUPTED (exit 130)', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(run([{ image_url: '1.jpg', label: 'a' }], [probs('1.jpg', { a: 1 })], { signal: controller.signal })).rejects.toMatchObject({ code: 'INTERRUPTED', exitCode: 130 });
  });
});

/** scikit-learn, when Debian's python3-sklearn is installed (a second reference). */
