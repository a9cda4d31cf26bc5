/**
 * A broad generated sweep against pycocotools (slow: many datasets, Python started for each): boxes
 * and masks, varied seeds, class counts, score precision, images without size, a larger set.
 */
import { describe, it } from 'vitest';
import { generateEvalData } from '../../bench/evaluate/generate.js';
import { evaluate } from '../../src/evaluate/index.js';
import { useTempDir } from '../helpers/fs.js';
import { expectSameAsPycocotools, pycocotools, referenceCoco, writeLines } from './reference.js';

const tmp = useTempDir('automl-img-evaluate-sweep-');
const reference = pycocotools();
if (!reference.path) console.warn(`evaluate: pycocotools sweep skipped: ${reference.reason}`);

const CASES: {
  seed: number;
  task: 'object-detection' | 'instance-segmentation';
  images: number;
  classes?: number;
  scoreDigits?: number;
  unsized?: number;
  objectsPerImage?: number;
  predictionsPerImage?: number;
  fill?: boolean;
}[] = [];
for (let seed = 100; seed < 112; seed++) {
  CASES.push({ seed, task: 'object-detection', images: 60 + (seed % 5) * 40, classes: 1 + (seed % 7), scoreDigits: seed % 4, unsized: seed % 3 === 0 ? 0.2 : 0 });
}
for (let seed = 200; seed < 206; seed++) CASES.push({ seed, task: 'instance-segmentation', images: 30 + (seed % 3) * 20, classes: 1 + (seed % 4), scoreDigits: seed % 3 });
CASES.push({ seed: 300, task: 'object-detection', images: 800, classes: 12, objectsPerImage: 8, predictionsPerImage: 120, scoreDigits: 2 });
CASES.push({ seed: 301, task: 'object-detection', images: 100, classes: 2, objectsPerImage: 20, predictionsPerImage: 250, fill: true, scoreDigits: 3 });
CASES.push({ seed: 302, task: 'instance-segmentation', images: 30, classes: 1, predictionsPerImage: 110, fill: true, scoreDigits: 1 });

describe.skipIf(!reference.path)('evaluate against pycocotools, generated sweep', () => {
  for (const seed of [400, 401]) {
    it(`--task object-detection on segmentation ground truth: the polygons' boxes against the predicted boxes (seed ${seed})`, { timeout: 120_000 }, async () => {
      const { gt, predictions } = generateEvalData({ seed, images: 80, task: 'instance-segmentation', unsized: seed === 401 ? 0.3 : 0 });
      const g = writeLines(tmp.path, `bx-gt-${seed}.jsonl`, gt);
      const p = writeLines(tmp.path, `bx-pred-${seed}.jsonl`, predictions);
      const ours = await evaluate([g], p, { task: 'object-detection' });
      expectSameAsPycocotools(ours, referenceCoco('bbox', '', p, [g]), 1e-6);
    });
  }

  for (const c of CASES) {
    it(`${c.task} seed ${c.seed}: ${c.images} images, ${c.classes ?? 5} classes, scores to ${c.scoreDigits} digits${c.unsized ? ', some without size' : ''}`, { timeout: 120_000 }, async () => {
      const { gt, predictions } = generateEvalData(c);
      const g = writeLines(tmp.path, `gt-${c.seed}.jsonl`, gt);
      const p = writeLines(tmp.path, `pred-${c.seed}.jsonl`, predictions);
      const ours = await evaluate([g], p);
      expectSameAsPycocotools(ours, referenceCoco(c.task === 'instance-segmentation' ? 'segm' : 'bbox', '', p, [g]), c.task === 'instance-segmentation' ? 1e-4 : 1e-6);
    });
  }
});
