/**
 * `automl-img evaluate` through the CLI: the table, `--json` (the library's report, byte-identical run
 * to run), `--per-image`, usage errors (exit 2, naming the flag) and bad input (exit 1, file:line: path).
 */
import { describe, expect, it } from 'vitest';
import { generateEvalData } from '../../bench/evaluate/generate.js';
import { evaluate } from '../../src/evaluate/index.js';
import { runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/fs.js';
import { writeLines } from './reference.js';

const tmp = useTempDir('automl-img-evaluate-cli-');

const det = (labels: { label: string; b: number[]; crowd?: number }[]) => labels.map((o) => ({ label: o.label, topX: o.b[0], topY: o.b[1], bottomX: o.b[2], bottomY: o.b[3], isCrowd: o.crowd ?? 0 }));

describe('automl-img evaluate', () => {
  it('prints the COCO table with classes sorted; --json is the library report, the same bytes on every run', { timeout: 30_000 }, async () => {
    const { gt, predictions } = generateEvalData({ seed: 3, images: 40, task: 'object-detection', baseUrl: 'azureml://d/' });
    const g = writeLines(tmp.path, 'gt.jsonl', gt);
    const p = writeLines(tmp.path, 'pred.jsonl', predictions);
    const table = await runCli(['evaluate', g, '--predictions', p, '--base-url', 'azureml://d/']);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^object-detection, COCO style \(pycocotools' figures\): 40 images \(\d+ with predictions\)/);
    const lib = await evaluate([g], p, { baseUrl: 'azureml://d/' });
    expect(table.stdout).toContain(`  ${lib.AP!.toFixed(3)}  ${lib.AP50!.toFixed(3)}  ${lib.AP75!.toFixed(3)}`);
    const classLines = table.stdout.split('\n').filter((l) => l.startsWith('class_'));
    expect(classLines.map((l) => l.split(' ')[0])).toEqual(['class_a', 'class_b', 'class_c', 'class_d', 'class_e']);
    expect(table.stderr).toContain('warning: 2 prediction lines name images that are not in the ground truth: left out');

    const a = await runCli(['evaluate', g, '--predictions', p, '--base-url', 'azureml://d/', '--json']);
    const b = await runCli(['evaluate', g, '--predictions', p, '--base-url', 'azureml://d/', '--json']);
    expect(a.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
    const report = JSON.parse(a.stdout) as Record<string, unknown>;
    expect(report).toEqual(JSON.parse(JSON.stringify(lib)));
    expect(Object.keys(report).slice(0, 14)).toEqual(['task', 'metric', 'AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl']);
  });

  it('--per-image lists the images with the most missed objects; --metric voc prints mean_average_precision', { timeout: 30_000 }, async () => {
    const g = writeLines(tmp.path, 'pi-gt.jsonl', [
      JSON.stringify({ image_url: 'good.jpg', image_details: { format: 'jpg', width: 10, height: 10 }, label: det([{ label: 'a', b: [0, 0, 0.5, 0.5] }]) }),
      JSON.stringify({
        image_url: 'bad.jpg',
        image_details: { format: 'jpg', width: 10, height: 10 },
        label: det([
          { label: 'a', b: [0, 0, 0.5, 0.5] },
          { label: 'b', b: [0.5, 0.5, 1, 1] },
        ]),
      }),
    ]);
    const p = writeLines(tmp.path, 'pi-pred.jsonl', [
      JSON.stringify({ image_url: 'good.jpg', boxes: [{ box: { topX: 0, topY: 0, bottomX: 0.5, bottomY: 0.5 }, label: 'a', score: 0.9 }] }),
      JSON.stringify({ image_url: 'bad.jpg', boxes: [{ box: { topX: 0.6, topY: 0, bottomX: 1, bottomY: 0.2 }, label: 'a', score: 0.8 }] }),
    ]);
    const r = await runCli(['evaluate', g, '--predictions', p, '--per-image', '--json']);
    const report = JSON.parse(r.stdout) as { per_image: unknown[] };
    expect(report.per_image).toEqual([
      { image_url: 'bad.jpg', objects: 2, missed: 2, false_positives: 1, predictions: 1 },
      { image_url: 'good.jpg', objects: 1, missed: 0, false_positives: 0, predictions: 1 },
    ]);
    const text = await runCli(['evaluate', g, '--predictions', p, '--per-image', '1']);
    expect(text.stdout).toMatch(/worst images[^\n]*\nimage_url +objects +missed +false positives +predictions\nbad\.jpg +2 +2 +1 +1\n$/);
    const v = await runCli(['evaluate', g, '--predictions', p, '--metric', 'voc']);
    expect(v.code).toBe(0);
    expect(v.stdout).toContain('VOC style at IoU 0.5');
    // a: a hit then a false positive (AP 0.5 of 2 objects); b: missed (AP 0)
    expect(v.stdout).toContain('mean_average_precision 0.2500');
  });

  it('wrong usage exits 2 naming the flag', { timeout: 30_000 }, async () => {
    const g = writeLines(tmp.path, 'u-gt.jsonl', [JSON.stringify({ image_url: '1.jpg', label: 'a' })]);
    const p = writeLines(tmp.path, 'u-pred.jsonl', [JSON.stringify({ image_url: '1.jpg', probs: [1], labels: ['a'] })]);
    const cases: [string[], RegExp][] = [
      [['--metric', 'voc', '--iou', '1.5'], /--iou: expected a number above 0 and at most 1, got 1\.5/],
      [['--metric', 'voc', '--iou', 'abc'], /--iou: expected a number above 0 and at most 1, got "abc"/],
      [['--iou', '0.5'], /--iou applies to --metric voc/],
      [['--threshold', '2'], /--threshold: expected a number from 0 to 1, got 2/],
      [['--per-image', '0'], /--per-image: expected a positive integer, got 0/],
      [['--metric', 'coco'], /--metric applies to object-detection and instance-segmentation, not multi-class/],
      [['--task', 'nope'], /--task/],
    ];
    const missing = await runCli(['evaluate', g]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--predictions <file>' not specified/);
    for (const [flags, message] of cases) {
      const r = await runCli(['evaluate', g, '--predictions', p, ...flags]);
      expect(r.code, flags.join(' ')).toBe(2);
      expect(r.stderr, flags.join(' ')).toMatch(message);
    }
    await expect(evaluate([g], p, { iou: 0, metric: 'voc' })).rejects.toMatchObject({ code: 'USAGE', exitCode: 2 });
    // only background images: the task cannot be told
    const empty = writeLines(tmp.path, 'u-empty.jsonl', [JSON.stringify({ image_url: '1.jpg', label: [] })]);
    const unknown = await runCli(['evaluate', empty, '--predictions', p]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/--task is needed: every ground-truth line has label \[\], which does not tell the task/);
    const told = await runCli(['evaluate', empty, '--predictions', writeLines(tmp.path, 'u-boxes.jsonl', [JSON.stringify({ image_url: '1.jpg', boxes: [] })]), '--task', 'object-detection', '--json']);
    expect(told.code).toBe(0);
    expect(JSON.parse(told.stdout)).toMatchObject({ task: 'object-detection', AP: -1, AR100: -1 });
  });

  it('bad input exits 1 with the file, line and path', { timeout: 30_000 }, async () => {
    const good = writeLines(tmp.path, 'b-gt.jsonl', [JSON.stringify({ image_url: '1.jpg', label: det([{ label: 'a', b: [0, 0, 1, 1] }]) })]);
    const badGt = writeLines(tmp.path, 'b-bad.jsonl', [JSON.stringify({ image_url: '0.jpg', label: [] }), JSON.stringify({ image_url: '1.jpg', label: det([{ label: 'a', b: [0.5, 0, 0.2, 1] }]) })]);
    const pred = writeLines(tmp.path, 'b-pred.jsonl', [JSON.stringify({ image_url: '1.jpg', boxes: [] })]);
    const twice = writeLines(tmp.path, 'b-twice.jsonl', [JSON.stringify({ image_url: '1.jpg', boxes: [] }), JSON.stringify({ image_url: '1.jpg', boxes: [] })]);
    const probs = writeLines(tmp.path, 'b-probs.jsonl', [JSON.stringify({ image_url: '1.jpg', probs: [1], labels: ['a'] })]);
    const badScore = writeLines(tmp.path, 'b-score.jsonl', ['', JSON.stringify({ image_url: '1.jpg', boxes: [{ box: { topX: 0, topY: 0, bottomX: 1, bottomY: 1 }, label: 'a', score: 'high' }] })]);
    const segm = writeLines(tmp.path, 'b-segm.jsonl', [JSON.stringify({ image_url: '1.jpg', label: [{ label: 'a', isCrowd: 0, polygon: [[0, 0, 1, 0, 1, 1]] }] })]);
    const cases: [string, string, RegExp][] = [
      [badGt, pred, /b-bad\.jsonl:2: label\[0\]\.bottomX: expected bottomX > topX \(0\.5\), got 0\.2.*\[GROUND_TRUTH_BAD\]/],
      [good, twice, /b-twice\.jsonl:2: image_url: expected one prediction line per image, got "1\.jpg" again \[DUPLICATE_IMAGE\]/],
      [good, probs, /b-probs\.jsonl:1: expected "boxes" for the object-detection task of the ground truth, got "probs" and "labels" \(classification\) \[PREDICTION_BAD\]/],
      [good, badScore, /b-score\.jsonl:2: boxes\[0\]\.score: expected a finite number, got "high" \[PREDICTION_BAD\]/],
      [segm, pred, /b-segm\.jsonl:1: image_details: expected the image's width and height.*\[GROUND_TRUTH_BAD\]/],
      [good, `${tmp.path}/nothing.jsonl`, /nothing\.jsonl: expected a JSONL file, got nothing \(no such file\) \[INPUT_NOT_FOUND\]/],
    ];
    for (const [g, p, message] of cases) {
      const r = await runCli(['evaluate', g, '--predictions', p]);
      expect(r.code, String(message)).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
  });

  it('classification tables: per class, averages, the confusion matrix with a (none) column', { timeout: 30_000 }, async () => {
    const g = writeLines(
      tmp.path,
      'c-gt.jsonl',
      ['a', 'b', 'b'].map((label, i) => JSON.stringify({ image_url: `${i}.jpg`, label })),
    );
    const p = writeLines(tmp.path, 'c-pred.jsonl', [
      JSON.stringify({ image_url: '0.jpg', probs: [0.8, 0.2], labels: ['a', 'b'] }),
      JSON.stringify({ image_url: '1.jpg', probs: [0.8, 0.2], labels: ['a', 'b'] }),
    ]);
    const r = await runCli(['evaluate', g, '--predictions', p]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('multi-class: 3 images (2 with predictions)\naccuracy 0.3333\n');
    expect(r.stdout).toMatch(/confusion matrix \(rows: true class, columns: predicted\)\n +a +b +\(none\)\na +1 +0 +0\nb +1 +0 +1\n/);
    expect(r.stdout).toMatch(/macro avg +0\.250 +0\.500 +0\.333/);
  });
});
