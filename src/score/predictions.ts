/**
 * Predictions JSONL (SPEC §7): each answer checked against the task shapes, turned into a line
 * `{"image_url": ..., <the answer's fields less "filename">}`, and appended to the output as
 * batches complete in input order. A run that stops (Ctrl-C, a crash, `kill -9`) keeps every line
 * written; `--resume` reads them back, drops a torn last line, and goes on after them.
 *
 * @example
 *   const out = await openPredictions('preds.jsonl', { resume: true, force: false });
 *   out.done.get('images/1.jpg');            // 1 when the last run wrote it
 *   out.append(answerLines(batch, JSON.parse(text), 'input-data').join(''));
 *   out.close();
 */
import { closeSync, fsync, fsyncSync, ftruncateSync, openSync, readSync, writeSync, fstatSync, statSync } from 'node:fs';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { ConversionError, describeValue } from '../errors.js';
import type { Batch, BodyKind } from './body.js';
import { snippet } from './client.js';

/** Why an answer is unusable, or undefined when it has the shape of one task of SPEC §7. */
export function answerProblem(answer: unknown): string | undefined {
  if (answer === null || typeof answer !== 'object' || Array.isArray(answer)) return `expected an object, got ${describeValue(answer)}`;
  const a = answer as Record<string, unknown>;
  if ('probs' in a || 'labels' in a) {
    const { probs, labels } = a;
    if (!Array.isArray(probs) || !probs.every((p) => typeof p === 'number')) return `probs: expected a list of numbers, got ${describeValue(probs)}`;
    if (!Array.isArray(labels) || !labels.every((l) => typeof l === 'string')) return `labels: expected a list of strings, got ${describeValue(labels)}`;
    if (probs.length !== labels.length) return `expected as many probs as labels, got ${probs.length} and ${labels.length}`;
    return undefined;
  }
  if (!('boxes' in a)) return 'expected probs and labels (classification) or boxes (detection, segmentation), got neither';
  if (!Array.isArray(a['boxes'])) return `boxes: expected a list, got ${describeValue(a['boxes'])}`;
  const boxes = a['boxes'] as unknown[];
  for (let i = 0; i < boxes.length; i++) {
    const b = boxes[i];
    if (b === null || typeof b !== 'object' || Array.isArray(b)) return `boxes[${i}]: expected an object, got ${describeValue(b)}`;
    const { box, label, score, polygon } = b as Record<string, unknown>;
    if (box === null || typeof box !== 'object') return `boxes[${i}].box: expected an object, got ${describeValue(box)}`;
    for (const k of ['topX', 'topY', 'bottomX', 'bottomY']) {
      const v = (box as Record<string, unknown>)[k];
      if (typeof v !== 'number') return `boxes[${i}].box.${k}: expected a number, got ${describeValue(v)}`;
    }
    if (typeof label !== 'string') return `boxes[${i}].label: expected a string, got ${describeValue(label)}`;
    if (typeof score !== 'number') return `boxes[${i}].score: expected a number, got ${describeValue(score)}`;
    if (polygon !== undefined && !(Array.isArray(polygon) && polygon.every((r) => Array.isArray(r) && r.every((v) => typeof v === 'number')))) {
      return `boxes[${i}].polygon: expected a list of rings of numbers, got ${describeValue(polygon)}`;
    }
  }
  return undefined;
}

/** Names the images of a batch for a message: the first few `image_url`s and how many more. */
export function batchImages(batch: Batch): string {
  const urls = batch.images.map((i) => JSON.stringify(i.imageUrl));
  return urls.length <= 3 ? urls.join(', ') : `${urls.slice(0, 3).join(', ')} and ${urls.length - 3} more`;
}

/**
 * The predictions lines of a batch from its answer's text (each ends with a newline).
 * @throws ConversionError `RESPONSE_BAD` naming the batch's images: an answer that is not JSON, not a
 *   list of the batch's length (octet-stream: one object), or not the shape of a task; nothing of it is used
 */
export function answerLines(batch: Batch, text: string, kind: BodyKind, key = ''): string[] {
  const bad = (why: string) =>
    new ConversionError(
      'RESPONSE_BAD',
      `request ${batch.index + 1} (${batchImages(batch)}): ${why}; no prediction kept for its ${batch.images.length === 1 ? 'image' : `${batch.images.length} images`}`,
    );
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw bad(`the answer is not JSON: ${snippet(text, key) || 'an empty body'}`);
  }
  let answers: unknown[];
  if (kind === 'octet-stream' && !Array.isArray(value)) answers = [value];
  else if (Array.isArray(value)) answers = value;
  else throw bad(`expected a list of ${batch.images.length} answers, got ${describeValue(value)}`);
  if (answers.length !== batch.images.length) throw bad(`expected a list of ${batch.images.length} answers, got ${answers.length}`);
  const lines: string[] = [];
  for (let i = 0; i < answers.length; i++) {
    const problem = answerProblem(answers[i]);
    if (problem) throw bad(`answer[${i}]: ${problem}`);
    // The answer's fields after our image_url, less its filename (the server's temporary path) and any image_url of its own.
    const answer = answers[i] as Record<string, unknown>;
    const line: Record<string, unknown> = { image_url: batch.images[i]!.imageUrl };
    for (const k in answer) {
      if (k === 'filename' || k === 'image_url') continue;
      if (k === '__proto__') Object.defineProperty(line, k, { value: answer[k], enumerable: true, writable: true, configurable: true });
      else line[k] = answer[k];
    }
    lines.push(JSON.stringify(line) + '\n');
  }
  return lines;
}

/** An output being written: what it held already, and where new lines go. */
export interface PredictionsFile {
  /** `image_url` → how many lines of it the output held when opened (resume). */
  done: Map<string, number>;
  /** Lines kept from an earlier run. */
  kept: number;
  /** A torn last line was found and dropped (resume). */
  tornDropped: boolean;
  /** Appends whole lines (one write). */
  append(text: string): void;
  /** Starts writing to disk what was appended (fsync on the thread pool: the event loop does not wait for the disk). */
  sync(): void;
  close(): void;
}

/** How an existing output is treated. */
export interface OpenPredictionsOptions {
  /** Keep its lines and go on after them. */
  resume: boolean;
  /** Replace it (otherwise an existing output is refused). */
  force: boolean;
  /** How messages name it. */
  display: string;
}

async function readDone(path: string, display: string): Promise<{ done: Map<string, number>; kept: number; goodBytes: number; torn: boolean }> {
  const done = new Map<string, number>();
  let kept = 0;
  let goodBytes = 0;
  const fd = openSync(path, 'r');
  let size: number;
  let endsWithNewline: boolean;
  try {
    size = fstatSync(fd).size;
    const last = Buffer.alloc(1);
    endsWithNewline = size === 0 || (readSync(fd, last, 0, 1, size - 1) === 1 && last[0] === 0x0a);
  } finally {
    closeSync(fd);
  }
  const rl = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let line = 0;
  let pendingBad: { line: number; why: string } | undefined;
  for await (const text of rl) {
    line++;
    if (pendingBad) throw new ConversionError('JSON_PARSE', `cannot resume: ${pendingBad.why}; this is not a predictions file written by score`, { file: display, line: pendingBad.line });
    const bytes = Buffer.byteLength(text) + 1;
    let url: unknown;
    try {
      const v = JSON.parse(text) as unknown;
      url = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)['image_url'] : undefined;
    } catch {
      url = undefined;
    }
    if (typeof url !== 'string') {
      // Only the last line may be torn; a bad line with lines after it is an error (raised at the next line).
      pendingBad = { line, why: 'expected a JSON object with an image_url' };
      continue;
    }
    if (goodBytes + bytes > size) {
      // The last line, without its newline: torn (its write was cut), redone.
      pendingBad = { line, why: 'torn' };
      continue;
    }
    done.set(url, (done.get(url) ?? 0) + 1);
    kept++;
    goodBytes += bytes;
  }
  return { done, kept, goodBytes, torn: pendingBad !== undefined || !endsWithNewline };
}

/**
 * Opens the output: new, replaced (`force`), or resumed (`resume`: its lines kept, a torn last line cut off).
 * @throws ConversionError `OUTPUT_EXISTS` (exists, neither option), `JSON_PARSE` (resume of a file that is not predictions), `OUTPUT_WRITE`
 */
export async function openPredictions(path: string, options: OpenPredictionsOptions): Promise<PredictionsFile> {
  const { display } = options;
  let exists: boolean;
  try {
    exists = statSync(path).isFile();
    if (!exists) throw new ConversionError('OUTPUT_WRITE', 'expected a file for the predictions, got a folder', { file: display });
  } catch (e) {
    if (e instanceof ConversionError) throw e;
    exists = false;
  }
  let done = new Map<string, number>();
  let kept = 0;
  let tornDropped = false;
  let fd: number;
  try {
    if (exists && options.resume) {
      const r = await readDone(path, display);
      ({ done, kept } = r);
      tornDropped = r.torn;
      fd = openSync(path, 'r+');
      ftruncateSync(fd, r.goodBytes);
    } else if (exists && !options.force) {
      throw new ConversionError('OUTPUT_EXISTS', 'the output exists: --resume to go on after its lines, --force to replace it', { file: display });
    } else fd = openSync(path, 'w');
  } catch (e) {
    if (e instanceof ConversionError) throw e;
    throw new ConversionError('OUTPUT_WRITE', `cannot write the output: ${(e as Error).message}`, { file: display });
  }
  let position = fstatSync(fd).size;
  let open = true;
  let syncing = false;
  return {
    done,
    kept,
    tornDropped,
    append(text: string) {
      const data = Buffer.from(text);
      let at = 0;
      while (at < data.length) at += writeSync(fd, data, at, data.length - at, position + at);
      position += data.length;
    },
    sync() {
      if (!open || syncing) return;
      syncing = true;
      fsync(fd, () => (syncing = false));
    },
    close() {
      if (!open) return;
      open = false;
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    },
  };
}
