/**
 * `automl-img evaluate <ground-truth.jsonl...> --predictions <predictions.jsonl>`: the metrics AutoML's
 * training run reports, on the user's own test images (SPEC §9; the work is in `../evaluate/`).
 *
 * @example
 *   automl-img evaluate test.jsonl --predictions preds.jsonl            → a table on stdout
 *   automl-img evaluate test.jsonl --predictions preds.jsonl --json     → the report as one JSON object
 *   automl-img evaluate test.jsonl --predictions preds.jsonl --metric voc --iou 0.5 --per-image 20
 */
import { Option, type Command } from 'commander';
import type { EvaluateOptions, EvaluationReport, ImageReport } from '../evaluate/index.js';
import type { COCO_STATS } from '../evaluate/coco.js';
import { TASKS } from '../jsonl/check.js';
import type { Task } from '../types.js';
import type { CommandEnv } from './env.js';

interface EvaluateFlags {
  predictions: string;
  task?: Task;
  metric?: 'coco' | 'voc';
  iou?: number;
  threshold?: number;
  baseUrl?: string;
  perImage?: number | true;
  json?: boolean;
  quiet?: boolean;
  color?: boolean;
}

/** Worst images listed by `--per-image` without a number. */
export const DEFAULT_PER_IMAGE = 10;
/** Image URLs named in a warning about missing or extra prediction lines (all are in `--json`). */
const NAMED_URLS = 5;

/** A number for the library to check; text that is not one is passed on as it is (the library names it). */
const numberOrText = (v: string): number => (v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : (v as unknown as number));

const fixed = (v: number | null | undefined, digits = 3) => (v === null || v === undefined ? 'n/a' : v === -1 ? '-' : v.toFixed(digits));

/** Columns padded to their widest cell; the first left-aligned, the rest right-aligned. */
function table(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return (
    rows
      .map((row) =>
        row
          .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
          .join('  ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}

const plural = (n: number, word: string) => `${n.toLocaleString('en-US')} ${word}${n === 1 ? '' : 's'}`;

/** The report as text: a head line, the summary figures, a table per class (sorted), the worst images. */
export function describeEvaluation(r: EvaluationReport): string {
  const i = r.images;
  const scope = `${plural(i.ground_truth, 'image')} (${i.predicted.toLocaleString('en-US')} with predictions)`;
  let out = '';
  if (r.metric === 'coco') {
    out += `${r.task}, COCO style (pycocotools' figures): ${scope}\n\n`;
    const stat = (k: (typeof COCO_STATS)[number]) => fixed(r[k]);
    out += table(
      [['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl'].map((s) => s), ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl'].map((s) => stat(s as (typeof COCO_STATS)[number]))].map((row) => ['', ...row]),
    );
    out += table([['AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'], ['AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'].map((s) => stat(s as (typeof COCO_STATS)[number]))].map((row) => ['', ...row]));
    out += '\n';
    const rows = [['class', 'AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR100', 'objects', 'crowd', 'predictions']];
    for (const c of r.per_class) {
      if (!('AP50' in c)) continue;
      rows.push([c.label, fixed(c.AP), fixed(c.AP50), fixed(c.AP75), fixed(c.APs), fixed(c.APm), fixed(c.APl), fixed(c.AR100), String(c.ground_truth), String(c.crowd), String(c.predictions)]);
    }
    out += table(rows);
  } else if (r.metric === 'voc') {
    out += `${r.task}, VOC style at IoU ${r.iou}: ${scope}\nmean_average_precision ${fixed(r.mean_average_precision, 4)}\n\n`;
    const rows = [['class', 'AP', 'objects', 'crowd', 'predictions', 'TP', 'FP', 'recall', 'precision']];
    for (const c of r.per_class) {
      if (!('true_positives' in c)) continue;
      rows.push([c.label, fixed(c.AP, 4), String(c.ground_truth), String(c.crowd), String(c.predictions), String(c.true_positives), String(c.false_positives), fixed(c.recall), fixed(c.precision)]);
    }
    out += table(rows);
  } else {
    const head = r.task === 'multi-label' ? `exact_match ${fixed(r.exact_match, 4)}, hamming_loss ${fixed(r.hamming_loss, 4)} (threshold ${r.threshold})` : `accuracy ${fixed(r.accuracy, 4)}`;
    out += `${r.task}: ${scope}\n${head}\n\n`;
    const rows = [['class', 'precision', 'recall', 'f1', 'support', 'predicted']];
    for (const c of r.per_class) {
      if (!('f1' in c)) continue;
      rows.push([c.label, fixed(c.precision), fixed(c.recall), fixed(c.f1), String(c.support), String(c.predicted)]);
    }
    rows.push(['', '', '', '', '', '']);
    for (const avg of ['macro', 'micro', 'weighted'] as const) {
      rows.push([`${avg} avg`, fixed(r[`precision_${avg}`]), fixed(r[`recall_${avg}`]), fixed(r[`f1_${avg}`]), '', '']);
    }
    out += table(rows);
    const cm = r.confusion_matrix;
    if (cm && cm.labels.length <= 30) {
      const none = cm.no_prediction.some((n) => n > 0);
      out += '\nconfusion matrix (rows: true class, columns: predicted)\n';
      out += table([['', ...cm.labels, ...(none ? ['(none)'] : [])], ...cm.labels.map((label, k) => [label, ...cm.matrix[k]!.map(String), ...(none ? [String(cm.no_prediction[k])] : [])])]);
    } else if (cm) out += `\nconfusion matrix: ${cm.labels.length} classes, see --json\n`;
  }
  if (r.per_image) out += '\n' + describeImages(r.per_image, r.metric === 'voc' ? `IoU ${r.iou}` : 'IoU 0.5');
  return out;
}

function describeImages(images: readonly ImageReport[], at: string): string {
  if (images.length === 0) return 'no misclassified images\n';
  if (images[0]!.missed !== undefined) {
    return (
      `worst images (most missed objects at ${at}, then false positives)\n` +
      table([
        ['image_url', 'objects', 'missed', 'false positives', 'predictions'],
        ...images.map((m) => [m.image_url, String(m.objects), String(m.missed), String(m.false_positives), String(m.predictions)]),
      ])
    );
  }
  const show = (v: string | string[] | null | undefined) => (v === null || v === undefined ? '(no prediction)' : Array.isArray(v) ? (v.length ? v.join(', ') : '(none)') : v);
  return 'misclassified images (in line order)\n' + table([['image_url', 'true', 'predicted'], ...images.map((m) => [m.image_url, show(m.truth), show(m.predicted)])]);
}

/** Adds `evaluate <ground-truth.jsonl...> --predictions <file>` to the program. */
export function registerEvaluateCommand(program: Command, env: CommandEnv): void {
  const { io, setExitCode, signal } = env;
  program
    .command('evaluate')
    .description('score predictions (what `score` writes) against ground-truth JSONL: COCO/VOC AP for detection and segmentation, accuracy, precision, recall and F1 for classification')
    .argument('<ground-truth.jsonl...>', 'the ground truth (AutoML JSONL; "-" reads standard input): its lines are the images scored')
    .requiredOption('--predictions <file>', "predictions JSONL, one line per image (image_url, then the endpoint's answer)")
    .addOption(new Option('--task <task>', 'the task (default: detected from the first labelled ground-truth line)').choices(TASKS))
    .addOption(new Option('--metric <style>', 'detection and segmentation: coco (AP@[.50:.05:.95] and the rest, as pycocotools) or voc (per-class AP at --iou, all-point)').choices(['coco', 'voc']))
    .addOption(new Option('--iou <x>', 'with --metric voc: the IoU a match needs (default 0.5)').argParser(numberOrText))
    .addOption(new Option('--threshold <p>', 'multi-label: a label is predicted when its probability is at least this (default 0.5)').argParser(numberOrText))
    .option('--base-url <prefix>', 'removed from the start of image_url on both sides before matching')
    .addOption(new Option('--per-image [n]', `also list the n worst images (most missed objects; misclassified images), default ${DEFAULT_PER_IMAGE}`).argParser(numberOrText))
    .option('--json', 'print the whole report as one JSON object on stdout')
    .option('-q, --quiet', 'no warnings on stderr')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .addHelpText(
      'after',
      '\nImages are matched by image_url. A ground-truth image without a prediction line is scored as predicting nothing;\n' +
        'a prediction line for an image not in the ground truth is counted and left out.\n\n' +
        'Examples:\n  $ automl-img evaluate test.jsonl --predictions predictions.jsonl\n' +
        '  $ automl-img evaluate test.jsonl --predictions predictions.jsonl --metric voc --json\n' +
        '  $ automl-img evaluate test.jsonl --predictions predictions.jsonl --per-image 20\n',
    )
    .action(async (files: string[], flags: EvaluateFlags) => {
      const color = env.colorFor(flags);
      const options: EvaluateOptions = {
        task: flags.task,
        metric: flags.metric,
        iou: flags.iou,
        threshold: flags.threshold,
        baseUrl: flags.baseUrl,
        perImage: flags.perImage === true ? DEFAULT_PER_IMAGE : flags.perImage,
        signal,
      };
      const { evaluate } = await import('../evaluate/index.js');
      const report = await evaluate(files, flags.predictions, options);
      if (!flags.quiet) {
        for (const w of report.warnings) io.stderr.write(`${color.yellow('warning')}: ${w}\n`);
        const name = (urls: string[], what: string) => {
          if (urls.length === 0) return;
          const more = urls.length > NAMED_URLS ? ` and ${urls.length - NAMED_URLS} more (all in --json)` : '';
          io.stderr.write(color.dim(`  ${what}: ${urls.slice(0, NAMED_URLS).join(', ')}${more}\n`));
        };
        name(report.missing_predictions, 'without a prediction line');
        name(report.extra_predictions, 'predicted but not in the ground truth');
      }
      io.stdout.write(flags.json ? JSON.stringify(report) + '\n' : describeEvaluation(report));
      setExitCode(0);
    });
}
