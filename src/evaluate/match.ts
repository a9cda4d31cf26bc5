/**
 * Reads ground truth (AutoML JSONL, SPEC §1) and predictions (SPEC §7) and pairs them by
 * `image_url` (a `--base-url` prefix removed from either side). Objects go into typed columns
 * ({@link ObjectTableBuilder}), not kept as parsed JSON. The images scored are the ground truth's,
 * in the order of its lines; an image without a prediction line is scored as predicted nothing, and
 * a prediction line for an image the ground truth lacks is counted and left out.
 *
 * @example
 *   const set = await readEvaluationSet(['test.jsonl'], 'preds.jsonl', { threshold: 0.5 });
 *   set.task;                // 'object-detection'
 *   set.missingPredictions;  // image_urls of the ground truth without a prediction line
 */
import { ConversionError, describeValue } from '../errors.js';
import { checkLine, FINDING_CODES, taskOfLabel } from '../jsonl/check.js';
import { displayFile, readJsonlLines } from '../jsonl/read.js';
import { parsePrediction } from '../predictions.js';
import type { Task } from '../types.js';
import { Column, ObjectTableBuilder, type ObjectTable } from './table.js';

/** How ground truth and predictions are read. */
export interface ReadOptions {
  task?: Task | undefined;
  baseUrl?: string | undefined;
  /** Multi-label: a label is predicted when its probability is at least this. */
  threshold: number;
  signal?: AbortSignal | undefined;
  /** What the file name `-` reads. Default `process.stdin`. */
  stdin?: NodeJS.ReadableStream | undefined;
}

/** Ground truth and predictions of one test set, paired. */
export interface EvaluationSet {
  task: Task;
  /** Class names, sorted; every index below points here. */
  classes: string[];
  /** The ground truth's images, in line order (`image_url` less the base URL). */
  urls: string[];
  /** Pixel size per image (1 × 1 when `image_details` lacks it). */
  widths: Float64Array;
  heights: Float64Array;
  /** Images whose ground truth has no width and height. */
  unsized: number;
  /** Whether each image has a prediction line. */
  predicted: Uint8Array;
  /** Ground-truth images without a prediction line (scored as predicting nothing). */
  missingPredictions: string[];
  /** Prediction lines whose image is not in the ground truth (left out). */
  extraPredictions: string[];
  /** Detection and segmentation: objects by image. */
  gt: ObjectTable;
  dt: ObjectTable;
  /** Segmentation predictions without a polygon (scored as an empty mask). */
  predictionsWithoutPolygon: number;
  /** Classification, per image: the true classes (one for multi-class) at `trueStart[i]..trueStart[i+1]`. */
  trueStart: Int32Array;
  trueClass: Int32Array;
  /** Classification, per image: the predicted classes (argmax for multi-class; at the threshold for multi-label). */
  predStart: Int32Array;
  predClass: Int32Array;
}

const isList = (t: Task) => t === 'object-detection' || t === 'instance-segmentation';

function gtBad(file: string, line: number, path: string | undefined, detail: string): ConversionError {
  return new ConversionError('GROUND_TRUTH_BAD', detail, { file, line, path });
}

/**
 * Reads the ground-truth files, then the predictions file, and pairs them.
 * @throws ConversionError GROUND_TRUTH_BAD, PREDICTION_BAD, DUPLICATE_IMAGE, INPUT_NOT_FOUND, USAGE (task unknown)
 */
export async function readEvaluationSet(groundTruthFiles: readonly string[], predictionsFile: string, options: ReadOptions): Promise<EvaluationSet> {
  const baseUrl = options.baseUrl ?? '';
  const strip = (url: string) => (baseUrl !== '' && url.startsWith(baseUrl) ? url.slice(baseUrl.length) : url);
  const classIndex = new Map<string, number>();
  const classOf = (name: string) => {
    let k = classIndex.get(name);
    if (k === undefined) classIndex.set(name, (k = classIndex.size));
    return k;
  };
  let task = options.task;
  let taskReason = '--task';
  const urls: string[] = [];
  const imageOf = new Map<string, number>();
  const where: [string, number][] = [];
  const widths = new Column(Float64Array);
  const heights = new Column(Float64Array);
  let unsized = 0;
  /** The first ground-truth line without a size (segmentation needs one). */
  let firstUnsized: [string, number] | undefined;
  const gt = new ObjectTableBuilder();
  const dt = new ObjectTableBuilder();
  const trueStart = new Column(Int32Array);
  const trueClass = new Column(Int32Array);
  /** Lines read before the task was known (`label: []`): their line, to check later. */
  const emptyBeforeTask: [string, number][] = [];

  const lines = (file: string) => readJsonlLines(file === '-' ? (options.stdin ?? process.stdin) : file);
  const opened = async function* (file: string, shown: string) {
    try {
      yield* lines(file);
    } catch (e) {
      if (e instanceof ConversionError) throw e;
      const code = (e as NodeJS.ErrnoException).code;
      const detail =
        code === 'ENOENT' ? 'expected a JSONL file, got nothing (no such file)' : code === 'EISDIR' ? 'expected a JSONL file, got a folder' : `cannot read the file: ${(e as Error).message}`;
      throw new ConversionError('INPUT_NOT_FOUND', detail, { file: shown });
    }
  };
  const interrupted = () => new ConversionError('INTERRUPTED', 'interrupted', {}, { exitCode: 130 });

  for (const file of groundTruthFiles) {
    const shown = displayFile(file);
    for await (const { line, text } of opened(file, shown)) {
      if ((line & 1023) === 0 && options.signal?.aborted) throw interrupted();
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (e) {
        throw gtBad(shown, line, undefined, `expected a JSON object, got malformed JSON (${(e as Error).message})`);
      }
      const check = checkLine(value);
      const error = check.findings.find((f) => FINDING_CODES[f.code].severity === 'error');
      if (error) throw gtBad(shown, line, error.path, `${error.detail} [${error.code}] (run automl-img validate for every finding)`);
      const record = value as Record<string, unknown>;
      const label = record['label'];
      const lineTask = taskOfLabel(label);
      if (task === undefined && lineTask !== undefined) {
        task = lineTask;
        taskReason = `as on ${shown}:${line}`;
        if (task === 'multi-class' && emptyBeforeTask.length > 0) {
          const [f, l] = emptyBeforeTask[0]!;
          throw gtBad(f, l, 'label', `expected a multi-class label (a string) (${taskReason}), got an empty list`);
        }
      }
      if (task !== undefined) {
        const fits = lineTask === undefined ? task !== 'multi-class' : lineTask === task || (task === 'object-detection' && lineTask === 'instance-segmentation');
        if (!fits) throw gtBad(shown, line, 'label', `expected a label of the ${task} task (${taskReason}), got ${lineTask === undefined ? 'an empty list' : `one of ${lineTask}`}`);
      } else emptyBeforeTask.push([shown, line]);

      const url = strip(check.imageUrl!);
      const before = imageOf.get(url);
      if (before !== undefined) {
        const [f, l] = where[before]!;
        throw new ConversionError('DUPLICATE_IMAGE', `expected each image once in the ground truth, got ${describeValue(url)} again (first at ${f}:${l})`, { file: shown, line, path: 'image_url' });
      }
      const image = urls.length;
      imageOf.set(url, image);
      urls.push(url);
      where.push([shown, line]);
      const details = record['image_details'] as Record<string, unknown> | undefined;
      const w = details?.['width'],
        h = details?.['height'];
      const sized = typeof w === 'number' && typeof h === 'number';
      widths.push(sized ? w : 1);
      heights.push(sized ? h : 1);
      if (!sized) {
        unsized++;
        firstUnsized ??= [shown, line];
      }

      trueStart.push(trueClass.length);
      if (typeof label === 'string') trueClass.push(classOf(label));
      else if (Array.isArray(label)) {
        for (const item of label as unknown[]) {
          if (typeof item === 'string') {
            trueClass.push(classOf(item));
            continue;
          }
          const o = item as Record<string, unknown>;
          const cls = classOf(o['label'] as string);
          const crowd = o['isCrowd'] === 1 ? 1 : 0;
          const W = sized ? w : 1,
            H = sized ? h : 1;
          const polygon = o['polygon'] as number[][] | undefined;
          if (polygon !== undefined) {
            let x0 = Infinity,
              y0 = Infinity,
              x1 = -Infinity,
              y1 = -Infinity;
            for (const ring of polygon) {
              for (let j = 0; j + 1 < ring.length; j += 2) {
                x0 = Math.min(x0, ring[j]!);
                x1 = Math.max(x1, ring[j]!);
                y0 = Math.min(y0, ring[j + 1]!);
                y1 = Math.max(y1, ring[j + 1]!);
              }
            }
            const x = x0 * W,
              y = y0 * H;
            gt.add(image, cls, crowd, 0, x, y, x1 * W - x, y1 * H - y, polygon);
          } else {
            const x = (o['topX'] as number) * W,
              y = (o['topY'] as number) * H;
            gt.add(image, cls, crowd, 0, x, y, (o['bottomX'] as number) * W - x, (o['bottomY'] as number) * H - y);
          }
        }
      }
    }
  }
  if (task === undefined) {
    const why = urls.length === 0 ? 'the ground truth has no lines' : 'every ground-truth line has label []';
    throw new ConversionError('USAGE', `--task is needed: ${why}, which does not tell the task`, {}, { exitCode: 2 });
  }
  if (task === 'instance-segmentation' && firstUnsized) {
    const [f, l] = firstUnsized;
    throw gtBad(f, l, 'image_details', "expected the image's width and height (masks are compared at the image's pixel size), got none: convert without --no-image-details");
  }
  trueStart.push(trueClass.length);

  // predictions
  const images = urls.length;
  const predicted = new Uint8Array(images);
  const extraPredictions: string[] = [];
  const predOf: number[][] = [];
  let predictionsWithoutPolygon = 0;
  const predShown = displayFile(predictionsFile);
  const wantsBoxes = isList(task);
  for await (const { line, text } of opened(predictionsFile, predShown)) {
    if ((line & 255) === 0 && options.signal?.aborted) throw interrupted();
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new ConversionError('PREDICTION_BAD', `expected a JSON object, got malformed JSON (${(e as Error).message})`, { file: predShown, line });
    }
    const p = parsePrediction(value, { file: predShown, line });
    const url = strip(p.imageUrl);
    const image = imageOf.get(url);
    if (image === undefined) {
      extraPredictions.push(url);
      continue;
    }
    if (predicted[image]) throw new ConversionError('DUPLICATE_IMAGE', `expected one prediction line per image, got ${describeValue(url)} again`, { file: predShown, line, path: 'image_url' });
    predicted[image] = 1;
    if (wantsBoxes !== (p.kind === 'boxes')) {
      const got = p.kind === 'boxes' ? '"boxes" (detection)' : '"probs" and "labels" (classification)';
      throw new ConversionError('PREDICTION_BAD', `expected ${wantsBoxes ? '"boxes"' : '"probs" and "labels"'} for the ${task} task of the ground truth, got ${got}`, { file: predShown, line });
    }
    if (p.kind === 'boxes') {
      const W = widths.get(image),
        H = heights.get(image);
      for (const b of p.boxes) {
        const x = b.topX * W,
          y = b.topY * H;
        if (task === 'instance-segmentation' && (b.polygon === undefined || b.polygon.length === 0)) predictionsWithoutPolygon++;
        dt.add(image, classOf(b.label), 0, b.score, x, y, b.bottomX * W - x, b.bottomY * H - y, task === 'instance-segmentation' ? (b.polygon ?? []) : undefined);
      }
    } else if (task === 'multi-class') {
      let best = -1;
      for (let j = 0; j < p.probs.length; j++) if (best < 0 || p.probs[j]! > p.probs[best]!) best = j;
      predOf[image] = best < 0 ? [] : [classOf(p.labels[best]!)];
    } else {
      const chosen: number[] = [];
      p.labels.forEach((name, j) => {
        if (p.probs[j]! >= options.threshold && !chosen.includes(classOf(name))) chosen.push(classOf(name));
      });
      predOf[image] = chosen;
    }
  }
  const missingPredictions = urls.filter((_, i) => !predicted[i]);

  // classes sorted by name; indices remapped
  const names = [...classIndex.keys()];
  const sorted = [...names].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const remap = new Int32Array(names.length);
  sorted.forEach((name, k) => (remap[classIndex.get(name)!] = k));
  const remapAll = (a: Int32Array) => {
    for (let i = 0; i < a.length; i++) a[i] = remap[a[i]!]!;
    return a;
  };
  const gtTable = gt.finish(images);
  const dtTable = dt.finish(images);
  remapAll(gtTable.cls);
  remapAll(dtTable.cls);
  const predStart = new Int32Array(images + 1);
  const predList: number[] = [];
  for (let i = 0; i < images; i++) {
    predStart[i] = predList.length;
    for (const k of predOf[i] ?? []) predList.push(remap[k]!);
  }
  predStart[images] = predList.length;
  return {
    task,
    classes: sorted,
    urls,
    widths: widths.view().slice(),
    heights: heights.view().slice(),
    unsized,
    predicted,
    missingPredictions,
    extraPredictions,
    gt: gtTable,
    dt: dtTable,
    predictionsWithoutPolygon,
    trueStart: trueStart.view().slice(),
    trueClass: remapAll(trueClass.view().slice()),
    predStart,
    predClass: Int32Array.from(predList),
  };
}
