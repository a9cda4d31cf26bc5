/**
 * Multi-class and multi-label figures against scikit-learn itself on generated sets, when Debian's
 * python3-sklearn is installed (skipped with the reason otherwise). The hand-computed cases are in
 * classification.test.ts.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { prng } from '../../bench/prng.js';
import { evaluate } from '../../src/evaluate/index.js';
import { useTempDir } from '../helpers/fs.js';
import { writeLines } from './reference.js';

const tmp = useTempDir('automl-img-evaluate-sklearn-');
let n = 0;
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
