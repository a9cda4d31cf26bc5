/**
 * Multi-class and multi-label figures against hand-computed cases (the textbook definitions: each
 * ratio 0 when its denominator is 0, as scikit-learn's zero_division default), and against
 * scikit-learn itself on generated sets when Debian's python3-sklearn is installed (skipped otherwise).
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prng } from '../../bench/prng.js';
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
const sklearnReady = spawnSync('/usr/bin/python3', ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;
if (!sklearnReady) console.warn('evaluate: scikit-learn comparison skipped: /usr/bin/python3 cannot import sklearn (apt-get install -y python3-sklearn)');

describe.skipIf(!sklearnReady)('evaluate, classification, against scikit-learn', () => {
  const SCRIPT = fileURLToPath(new URL('./sklearn_reference.py', import.meta.url));
  const generate = (seed: number, multiLabel: boolean) => {
    const rand = prng(seed);
    const names = ['can', 'carton', 'milk_bottle', 'water_bottle', 'juice'];
    const gt: unknown[] = [];
    const preds: unknown[] = [];
    for (let i = 0; i < 120; i++) {
      const url = `images/${i}.jpg`;
      const truth = multiLabel ? names.filter(() => rand() < 0.35) : names[Math.floor(rand() * 4)]!; // 'juice' only ever predicted (multi-class)
      gt.push({ image_url: url, label: truth });
      if (rand() < 0.08) continue;
      const probs = names.map(() => Math.round(rand() * 20) / 20); // ties and exact 0.5s
      preds.push({ image_url: url, probs, labels: names });
    }
    return { gt, preds };
  };
  for (const [seed, multiLabel] of [
    [1, false],
    [2, false],
    [3, true],
    [4, true],
  ] as const) {
    it(`${multiLabel ? 'multi-label' : 'multi-class'} seed ${seed}: every figure`, { timeout: 30_000 }, async () => {
      const { gt, preds } = generate(seed, multiLabel);
      n++;
      const g = writeLines(
        tmp.path,
        `sk-g${n}.jsonl`,
        gt.map((x) => JSON.stringify(x)),
      );
      const p = writeLines(
        tmp.path,
        `sk-p${n}.jsonl`,
        preds.map((x) => JSON.stringify(x)),
      );
      const ours = await evaluate([g], p);
      const task = multiLabel ? 'multi-label' : 'multi-class';
      const r = spawnSync('/usr/bin/python3', [SCRIPT, task, '0.5', g, p], { encoding: 'utf8' });
      expect(r.status, r.stderr).toBe(0);
      const ref = JSON.parse(r.stdout) as {
        labels: string[];
        accuracy?: number;
        exact_match?: number;
        hamming_loss?: number;
        confusion_matrix?: number[][];
        per_class: number[][];
        macro: number[];
        micro: number[];
        weighted: number[];
      };
      expect(ours.per_class.map((c) => c.label)).toEqual(ref.labels);
      ours.per_class.forEach((c, k) => {
        const [precision, recall, f1, support] = ref.per_class[k]!;
        expect(c).toMatchObject({ support });
        expect((c as { precision: number }).precision).toBeCloseTo(precision!, 12);
        expect((c as { recall: number }).recall).toBeCloseTo(recall!, 12);
        expect((c as { f1: number }).f1).toBeCloseTo(f1!, 12);
      });
      for (const avg of ['macro', 'micro', 'weighted'] as const) {
        expect(ours[`precision_${avg}`]).toBeCloseTo(ref[avg][0]!, 12);
        expect(ours[`recall_${avg}`]).toBeCloseTo(ref[avg][1]!, 12);
        expect(ours[`f1_${avg}`]).toBeCloseTo(ref[avg][2]!, 12);
      }
      if (multiLabel) {
        expect(ours.exact_match).toBeCloseTo(ref.exact_match!, 12);
        expect(ours.hamming_loss).toBeCloseTo(ref.hamming_loss!, 12);
      } else {
        expect(ours.accuracy).toBeCloseTo(ref.accuracy!, 12);
        expect(ours.confusion_matrix!.matrix).toEqual(ref.confusion_matrix);
      }
    });
  }
});
