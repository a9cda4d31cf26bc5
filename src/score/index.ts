/**
 * `request` and `score` as a library (SPEC §7): {@link buildRequests} writes scoring request bodies
 * for images, folders and JSONL files; {@link score} sends them to a deployed endpoint and writes
 * predictions JSONL in input order, resumable. Every option is checked here (a bad one is a
 * `USAGE` ConversionError naming the command-line flag), so a program gets the CLI's errors.
 *
 * @example
 *   import { score } from 'automl-img';
 *   const summary = await score('https://fridge.eastus.inference.ml.azure.com/score', ['data/images'], {
 *     out: 'predictions.jsonl', key: process.env.AZUREML_ENDPOINT_KEY!, batchSize: 8, concurrency: 8 });
 *   summary.predicted; // images with a line in predictions.jsonl
 */
import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { mkdir, readdir, rm, rmdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { displayPath } from '../paths.js';
import { ConversionError, type Diagnostic, type ErrorCode } from '../errors.js';
import { interruptedError, replaceAll, writeWithBackpressure } from '../writer.js';
import { BODY_KINDS, INPUT_DATA_HEAD, INPUT_DATA_TAIL, bodyChunks, imageChunks, planBatches, sendable, type BadItem, type Batch, type BodyKind } from './body.js';
import { Endpoint } from './client.js';
import { checkInputs, listImages, type InputItem } from './inputs.js';
import { answerLines, openPredictions } from './predictions.js';

export { BODY_KINDS, type BodyKind } from './body.js';
export { listImages, type ImageInput, type InputItem, type InputOptions } from './inputs.js';
export { answerProblem } from './predictions.js';

const usage = (message: string) => new ConversionError('USAGE', message, {}, { exitCode: 2 });

const SIZE_UNITS: Readonly<Record<string, number>> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3 };

/**
 * A size in bytes from `1500000`, `1.5MB`, `400KB`, `2MiB` (KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024).
 * @throws ConversionError `USAGE` naming `flag`
 */
export function parseByteSize(value: string | number, flag = '--max-bytes'): number {
  let bytes: number;
  if (typeof value === 'number') bytes = value;
  else {
    const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(value);
    const unit = m ? SIZE_UNITS[(m[2] || 'b').toLowerCase()] : undefined;
    if (!m || unit === undefined) throw usage(`${flag} must be a size like 1500000, 1.5MB, 400KB or 2MiB, got ${JSON.stringify(value)}`);
    bytes = Number(m[1]) * unit;
  }
  if (!Number.isFinite(bytes) || bytes < 1) throw usage(`${flag} must be at least 1 byte, got ${String(value)}`);
  return Math.floor(bytes);
}

function positiveInteger(value: unknown, flag: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) throw usage(`${flag} must be an integer of at least ${min}, got ${String(value)}`);
  return value;
}

/** Options both commands share: how inputs become images, and how images are cut into requests. */
export interface ImageSourceOptions {
  /** See {@link InputOptions.imagesRoot} (`--images-root`). */
  imagesRoot?: string | undefined;
  /** See {@link InputOptions.baseUrl} (`--base-url`). */
  baseUrl?: string | undefined;
  /** At most this many images a request (`--batch-size`). */
  batchSize?: number | undefined;
  /** At most this many body bytes a request: a number or a size like `1.5MB`, `2MiB` (`--max-bytes`). */
  maxBytes?: number | string | undefined;
  /** Aborts the run (Ctrl-C): exit 130. */
  signal?: AbortSignal | undefined;
}

/** Options of {@link buildRequests}. */
export interface RequestOptions extends ImageSourceOptions {
  /**
   * Without batching: the file for the one body (undefined or `-`: `stdout`). With `batchSize` or
   * `maxBytes`: the folder for `request-0001.json`, ... and `manifest.jsonl`.
   */
  out?: string | undefined;
  /** Replace existing outputs (otherwise refused). */
  force?: boolean | undefined;
  /** `fail` (default): stop at the first bad input, write nothing; `skip`: leave it out, report it, go on. */
  onError?: 'fail' | 'skip' | undefined;
  /** Where the one body goes without `out` (default: process.stdout). */
  stdout?: NodeJS.WritableStream | undefined;
  /** Told of each bad input as it is found. */
  onDiagnostic?: ((d: Diagnostic) => void) | undefined;
}

/** What {@link buildRequests} did. */
export interface RequestSummary {
  ok: boolean;
  /** Images in the bodies. */
  images: number;
  /** Bodies written. */
  requests: number;
  /** Bytes of all bodies. */
  bytes: number;
  /** Inputs left out (`onError: 'skip'`). */
  skipped: number;
  errors: Diagnostic[];
  /** Files written (as messages name them). */
  outputs: string[];
}

/** The manifest's name in a `request` output folder. */
export const MANIFEST_FILE = 'manifest.jsonl';
/** `request-0001.json`, `request-0002.json`, ... (more digits past 9999). */
export function requestFileName(index: number): string {
  return `request-${String(index + 1).padStart(4, '0')}.json`;
}
const REQUEST_FILE = /^request-\d{4,}\.json$/;

function tempBeside(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Temporary files of running `request` writes: removed at the end, on failure, and synchronously on abort. */
class TempFiles {
  private readonly live = new Set<string>();
  private readonly onAbort = () => this.removeSync();
  constructor(private readonly signal: AbortSignal | undefined) {
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }
  add(path: string): string {
    this.live.add(path);
    return path;
  }
  forget(path: string): void {
    this.live.delete(path);
  }
  removeSync(): void {
    for (const f of this.live) rmSync(f, { force: true });
    this.live.clear();
  }
  dispose(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.removeSync();
  }
}

async function writeStreamTo(path: string): Promise<WriteStream> {
  const ws = createWriteStream(path, { flags: 'wx' });
  await new Promise<void>((ok, fail) => {
    ws.once('open', () => ok());
    ws.once('error', fail);
  });
  return ws;
}

async function endStream(ws: WriteStream): Promise<void> {
  await new Promise<void>((ok, fail) => {
    ws.once('error', fail);
    ws.end(() => ok());
  });
}

function outputError(e: unknown, file: string): unknown {
  if (e instanceof ConversionError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  return code ? new ConversionError('OUTPUT_WRITE', `cannot write: ${(e as Error).message}`, { file }) : e;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes scoring request bodies for the images of `inputs` (SPEC §7 `request`): one body (to
 * `out` or stdout), or with `batchSize`/`maxBytes` a folder of bodies and `manifest.jsonl`. Files
 * appear whole or not at all (temporary files beside them, renamed at the end).
 * @throws ConversionError for bad usage (exit 2), a missing input, an existing output without
 *   `force`, the first bad input with `onError: 'fail'`, or an abort (exit 130)
 */
export async function buildRequests(inputs: readonly string[], options: RequestOptions = {}): Promise<RequestSummary> {
  if (inputs.length === 0) throw usage('give at least one image, folder or JSONL file');
  const onError = options.onError ?? 'fail';
  if (onError !== 'fail' && onError !== 'skip') throw usage(`--on-error must be fail or skip, got ${String(onError)}`);
  const batchSize = options.batchSize === undefined ? undefined : positiveInteger(options.batchSize, '--batch-size');
  const maxBytes = options.maxBytes === undefined ? undefined : parseByteSize(options.maxBytes);
  const batched = batchSize !== undefined || maxBytes !== undefined;
  const out = options.out === '-' ? undefined : options.out;
  if (batched && out === undefined) throw usage('--batch-size and --max-bytes write several bodies: give -o <folder> for them and manifest.jsonl');
  await checkInputs(inputs);
  const signal = options.signal;
  const summary: RequestSummary = { ok: true, images: 0, requests: 0, bytes: 0, skipped: 0, errors: [], outputs: [] };
  const onBad = (bad: BadItem) => {
    if (onError === 'fail') throw bad.error;
    const d = bad.error.toDiagnostic('warning');
    summary.errors.push(d);
    summary.skipped++;
    options.onDiagnostic?.(d);
  };
  const items = () => listImages(inputs, { imagesRoot: options.imagesRoot, baseUrl: options.baseUrl, signal });
  if (batched) return writeBatches(items(), resolve(out!), { batchSize: batchSize ?? Infinity, maxBytes, force: options.force ?? false, signal }, onBad, summary);
  if (out === undefined) {
    // stdout cannot be taken back: with onError 'fail', every input is checked before the first byte.
    if (onError === 'fail') for await (const item of items()) sendable(item, onBad);
    const target = options.stdout ?? process.stdout;
    await writeOneBody(items(), (chunk) => writeWithBackpressure(target, chunk), onBad, summary, signal);
    return summary;
  }
  const target = resolve(out);
  const shown = displayPath(target);
  if (!options.force && (await exists(target))) throw new ConversionError('OUTPUT_EXISTS', 'the output exists: --force to replace it', { file: shown });
  const temps = new TempFiles(signal);
  try {
    await mkdir(dirname(target), { recursive: true });
    const temp = temps.add(tempBeside(target));
    const ws = await writeStreamTo(temp);
    try {
      await writeOneBody(items(), (chunk) => writeWithBackpressure(ws, chunk), onBad, summary, signal);
    } finally {
      await endStream(ws);
    }
    if (signal?.aborted) throw interruptedError();
    replaceAll([[temp, target]]);
    temps.forget(temp);
    summary.outputs.push(shown);
    return summary;
  } catch (e) {
    throw outputError(e, shown);
  } finally {
    temps.dispose();
  }
}

function emptyError(summary: RequestSummary): ConversionError {
  return new ConversionError(
    'EMPTY_DATASET',
    summary.skipped ? `no image left: all ${summary.skipped} were skipped` : 'no images in the inputs (image files: jpg jpeg jpe jfif png bmp tif tiff; JSONL lines with an image_url)',
  );
}

/** One input-data body holding every image, streamed image by image (no list of images kept). */
async function writeOneBody(
  items: AsyncIterable<InputItem>,
  write: (chunk: Buffer) => Promise<void>,
  onBad: (bad: BadItem) => void,
  summary: RequestSummary,
  signal: AbortSignal | undefined,
): Promise<void> {
  let bytes = 0;
  const put = async (chunk: Buffer) => {
    bytes += chunk.length;
    await write(chunk);
  };
  let n = 0;
  for await (const item of items) {
    if (signal?.aborted) throw interruptedError();
    const image = sendable(item, onBad);
    if (!image) continue;
    await put(Buffer.from(n === 0 ? INPUT_DATA_HEAD + '"' : ',"'));
    for await (const chunk of imageChunks(image, true)) await put(chunk);
    await put(Buffer.from('"'));
    n++;
  }
  if (n === 0) throw emptyError(summary);
  await put(Buffer.from(INPUT_DATA_TAIL));
  summary.images = n;
  summary.requests = 1;
  summary.bytes = bytes;
}

/** Bodies cut by count and bytes into `dir`, with `manifest.jsonl`, all renamed into place at the end. */
async function writeBatches(
  items: AsyncIterable<InputItem>,
  dir: string,
  o: { batchSize: number; maxBytes: number | undefined; force: boolean; signal: AbortSignal | undefined },
  onBad: (bad: BadItem) => void,
  summary: RequestSummary,
): Promise<RequestSummary> {
  const shownDir = displayPath(dir);
  let createdDir = false;
  let existing: string[] = [];
  try {
    const s = await stat(dir);
    if (!s.isDirectory()) throw new ConversionError('OUTPUT_WRITE', 'expected a folder for the request bodies, got a file', { file: shownDir });
    existing = (await readdir(dir)).filter((n) => n === MANIFEST_FILE || REQUEST_FILE.test(n));
  } catch (e) {
    if (e instanceof ConversionError) throw e;
    await mkdir(dir, { recursive: true });
    createdDir = true;
  }
  if (existing.length > 0 && !o.force) {
    throw new ConversionError('OUTPUT_EXISTS', `the folder holds ${existing.includes(MANIFEST_FILE) ? MANIFEST_FILE : existing[0]} from an earlier run: --force to replace`, { file: shownDir });
  }
  const temps = new TempFiles(o.signal);
  const renames: [string, string][] = [];
  let manifest: WriteStream | undefined;
  let failed = true;
  try {
    const manifestTemp = temps.add(tempBeside(join(dir, MANIFEST_FILE)));
    manifest = await writeStreamTo(manifestTemp);
    for await (const batch of planBatches(items, { body: 'input-data', batchSize: o.batchSize, maxBytes: o.maxBytes }, onBad, o.signal)) {
      const name = requestFileName(batch.index);
      const target = join(dir, name);
      const temp = temps.add(tempBeside(target));
      const ws = await writeStreamTo(temp);
      try {
        for await (const chunk of bodyChunks('input-data', batch.images)) await writeWithBackpressure(ws, chunk);
      } finally {
        await endStream(ws);
      }
      renames.push([temp, target]);
      const lines = batch.images.map((image, index) => JSON.stringify({ request: name, index, image_url: image.imageUrl }) + '\n').join('');
      await writeWithBackpressure(manifest, lines);
      summary.requests++;
      summary.images += batch.images.length;
      summary.bytes += batch.bytes;
    }
    await endStream(manifest);
    manifest = undefined;
    if (summary.images === 0) throw emptyError(summary);
    if (o.signal?.aborted) throw interruptedError();
    renames.push([manifestTemp, join(dir, MANIFEST_FILE)]);
    const written = new Set(renames.map(([, t]) => basename(t)));
    replaceAll(
      renames,
      existing.filter((n) => !written.has(n)).map((n) => join(dir, n)),
    );
    for (const [temp, target] of renames) {
      temps.forget(temp);
      summary.outputs.push(displayPath(target));
    }
    failed = false;
    return summary;
  } catch (e) {
    throw outputError(e, shownDir);
  } finally {
    if (manifest) manifest.destroy();
    temps.dispose();
    if (failed && createdDir) await rmdir(dir).catch(() => undefined);
  }
}

// ------------------------------------------------------------------------------------------------

/** Options of {@link score}. */
export interface ScoreOptions extends ImageSourceOptions {
  /** The predictions JSONL file. */
  out: string;
  /** The endpoint key or an Entra token (never printed, never written). */
  key: string;
  /** The `azureml-model-deployment` header (`--deployment`). */
  deployment?: string | undefined;
  /** `input-data` (default: MLflow JSON) or `octet-stream` (older deployments; one image a request). */
  body?: BodyKind | undefined;
  /** Requests in flight at most (`--concurrency`, default 4). */
  concurrency?: number | undefined;
  /** Seconds a try may wait for the answer's headers, and then between chunks of its body (`--timeout`, default 90). */
  timeout?: number | undefined;
  /** Tries after the first, for 408, 429, 5xx, timeouts and connection errors (`--retries`, default 5). */
  retries?: number | undefined;
  /** Keep the output's lines and send only images without one (`--resume`). */
  resume?: boolean | undefined;
  /** Replace an existing output (`--force`). */
  force?: boolean | undefined;
  /** Backoff between tries: the first and the largest wait in ms (default 500 and 30,000), each times a random 1–2. */
  backoff?: { minMs: number; maxMs: number } | undefined;
  /** Told of progress (at most every request that completes). */
  onProgress?: ((p: ScoreProgress) => void) | undefined;
  /** Told of each failure as it happens. */
  onFailure?: ((f: ScoreFailure) => void) | undefined;
}

/** Where a run stands. */
export interface ScoreProgress {
  /** Images with a prediction (this run). */
  predicted: number;
  /** Images without one (this run). */
  failed: number;
  /** Images in requests on their way. */
  inFlight: number;
  /** Retries so far. */
  retries: number;
  /** Images listed so far for this run (not those a resume skips), and whether the listing is complete. */
  listed: number;
  listingDone: boolean;
}

/** Images that got no prediction, and why. */
export interface ScoreFailure {
  code: ErrorCode;
  message: string;
  /** Their `image_url`s (or the input's file when it named none); at most {@link MAX_NAMED_FAILURES} in a run. */
  images: string[];
  /** How many images (may be more than `images` lists). */
  count: number;
}

/** What {@link score} did. */
export interface ScoreSummary {
  /** Every image has a prediction in the output. */
  ok: boolean;
  output: string;
  /** Images of the inputs. */
  images: number;
  /** Images with a line in the output (kept from an earlier run included). */
  predicted: number;
  /** Lines kept from an earlier run (resume). */
  kept: number;
  /** Images without a prediction. */
  failed: number;
  /** Requests sent (not counting retries), and retries. */
  requests: number;
  retries: number;
  failures: ScoreFailure[];
  /** Latency of the successful requests, ms. */
  latencyMs: { p50: number; p95: number };
  /** Images predicted per second of this run. */
  imagesPerSecond: number;
  seconds: number;
}

/** At most this many `image_url`s are named in a run's failures (the rest counted). */
export const MAX_NAMED_FAILURES = 1000;

/** The resolved options of {@link score}, checked. */
interface ResolvedScore {
  uri: URL;
  out: string;
  key: string;
  deployment: string | undefined;
  body: BodyKind;
  batchSize: number;
  maxBytes: number | undefined;
  concurrency: number;
  timeoutMs: number;
  retries: number;
  resume: boolean;
  force: boolean;
  backoff: { minMs: number; maxMs: number };
}

function resolveScoreOptions(uri: string, inputs: readonly string[], o: ScoreOptions): ResolvedScore {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw usage(`the scoring URI must be an http(s) URL like https://<endpoint>.<region>.inference.ml.azure.com/score, got ${JSON.stringify(uri)}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw usage(`the scoring URI must be an http(s) URL, got ${JSON.stringify(uri)}`);
  if (url.username || url.password) throw usage('the scoring URI must not carry a user or password: the key comes from AZUREML_ENDPOINT_KEY, --key-env or --key-file');
  if (inputs.length === 0) throw usage('give at least one image, folder or JSONL file to score');
  if (typeof o.out !== 'string' || o.out === '' || o.out === '-') throw usage('-o <predictions.jsonl> is required (a file: it grows as requests complete, and --resume goes on from it)');
  if (typeof o.key !== 'string' || o.key.trim() === '') throw usage('no key: set AZUREML_ENDPOINT_KEY, or name another variable with --key-env, or give --key-file');
  if (!/^[\x21-\x7e]+$/.test(o.key.trim())) throw usage('the key holds spaces, line breaks or other characters an HTTP header cannot carry: give the key alone');
  const body = o.body ?? 'input-data';
  if (!BODY_KINDS.includes(body)) throw usage(`--body must be input-data or octet-stream, got ${JSON.stringify(body)}`);
  const batchSize = positiveInteger(o.batchSize ?? 1, '--batch-size');
  if (body === 'octet-stream' && batchSize !== 1) throw usage('--body octet-stream sends one image a request: leave out --batch-size, or use --body input-data');
  const concurrency = positiveInteger(o.concurrency ?? 4, '--concurrency');
  if (concurrency > 256) throw usage(`--concurrency must be at most 256, got ${concurrency}`);
  const timeout = o.timeout ?? 90;
  if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) throw usage(`--timeout must be a number of seconds above 0, got ${String(timeout)}`);
  const retries = positiveInteger(o.retries ?? 5, '--retries', 0);
  const backoff = o.backoff ?? { minMs: 500, maxMs: 30_000 };
  if (!(backoff.minMs >= 0 && backoff.maxMs >= backoff.minMs)) throw usage('backoff: expected 0 <= minMs <= maxMs');
  if (o.deployment !== undefined && (o.deployment === '' || /[\r\n]/.test(o.deployment))) throw usage(`--deployment must be a deployment name, got ${JSON.stringify(o.deployment)}`);
  if (o.resume && o.force) throw usage('--resume keeps the output and --force replaces it: choose one');
  return {
    uri: url,
    out: resolve(o.out),
    key: o.key.trim(),
    deployment: o.deployment,
    body,
    batchSize,
    maxBytes: o.maxBytes === undefined ? undefined : parseByteSize(o.maxBytes),
    concurrency,
    timeoutMs: timeout * 1000,
    retries,
    resume: o.resume ?? false,
    force: o.force ?? false,
    backoff,
  };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return Math.round(sorted[i]! * 10) / 10;
}

/** Requests that may complete ahead of the oldest unfinished one (their lines held until it is done)... */
const MAX_AHEAD_REQUESTS = 4096;
/** ...and the most characters of lines held so. */
const MAX_HELD_CHARS = 16 * 1024 * 1024;

/** Codes after which nothing more is sent: every later request would fail the same way. */
const STOP_CODES: ReadonlySet<ErrorCode> = new Set(['ENDPOINT_AUTH', 'ENDPOINT_NOT_FOUND']);

/**
 * Sends the images of `inputs` to the endpoint at `uri` and writes their predictions to
 * `options.out` (SPEC §7 `score`), in input order, as requests complete. Images that get no
 * prediction are counted and named in the summary (`ok` false); a refused key or an unknown
 * endpoint (401, 403, 404) stops the sending.
 * @throws ConversionError for bad usage (exit 2), a missing input, an existing output without
 *   `resume`/`force`, or an abort (`INTERRUPTED`, exit 130: the finished lines are kept)
 */
export async function score(uri: string, inputs: readonly string[], options: ScoreOptions): Promise<ScoreSummary> {
  const o = resolveScoreOptions(uri, inputs, options);
  await checkInputs(inputs);
  const started = performance.now();
  const shownOut = displayPath(o.out);
  await mkdir(dirname(o.out), { recursive: true });
  const file = await openPredictions(o.out, { resume: o.resume, force: o.force, display: shownOut });
  const endpoint = new Endpoint({ uri: o.uri, key: o.key, deployment: o.deployment, body: o.body, timeoutMs: o.timeoutMs, retries: o.retries, concurrency: o.concurrency, backoff: o.backoff });
  const stop = new AbortController();
  setMaxListeners(0, stop.signal); // p-retry listens while a request waits for its next try
  stop.signal.addEventListener('abort', () => void endpoint.close(), { once: true });
  // On Ctrl-C: stop sending, and write the finished lines now (the bin's signal handler exits right after).
  const onUserAbort = () => {
    stop.abort(interruptedError());
    flush();
  };

  const summary: ScoreSummary = {
    ok: false,
    output: shownOut,
    images: 0,
    predicted: file.kept,
    kept: file.kept,
    failed: 0,
    requests: 0,
    retries: 0,
    failures: [],
    latencyMs: { p50: 0, p95: 0 },
    imagesPerSecond: 0,
    seconds: 0,
  };
  const progress: ScoreProgress = { predicted: 0, failed: 0, inFlight: 0, retries: 0, listed: 0, listingDone: false };
  const report = () => options.onProgress?.({ ...progress });
  let named = 0;
  const nameSome = (images: (string | undefined)[], fallback: string) => {
    const names = images.slice(0, Math.max(0, MAX_NAMED_FAILURES - named)).map((u) => u ?? fallback);
    named += names.length;
    return names;
  };
  const fail = (code: ErrorCode, message: string, images: (string | undefined)[], fallback = '') => {
    const f: ScoreFailure = { code, message, images: nameSome(images, fallback), count: images.length };
    summary.failures.push(f);
    summary.failed += images.length;
    progress.failed += images.length;
    options.onFailure?.(f);
  };
  /** The images not sent after a stop, as one failure. */
  let notSent: ScoreFailure | undefined;
  const failNotSent = (images: string[]) => {
    if (!notSent) {
      fail(stoppedBy!.code, `not sent: ${stoppedBy!.detail}`, images);
      notSent = summary.failures[summary.failures.length - 1];
      return;
    }
    notSent.images.push(...nameSome(images, ''));
    notSent.count += images.length;
    summary.failed += images.length;
    progress.failed += images.length;
  };
  /** Set when the endpoint refused the key or does not exist: the rest is not sent. */
  let stoppedBy: ConversionError | undefined;

  let latencies = new Float64Array(1024);
  let latencyCount = 0;
  const pending = new Map<number, string>();
  let nextToWrite = 0;
  let lastSync = performance.now();
  /** Lines ready to append, written together at the end of this turn of the event loop (one write, not one a request). */
  let unwritten = '';
  let flushScheduled = false;
  const flush = () => {
    flushScheduled = false;
    if (!unwritten) return;
    file.append(unwritten);
    unwritten = '';
    if (performance.now() - lastSync > 1000) {
      file.sync();
      lastSync = performance.now();
    }
  };
  /** Characters of lines held behind an unfinished earlier request. */
  let pendingChars = 0;
  const complete = (index: number, text: string) => {
    if (index === nextToWrite) {
      // The oldest unfinished request (the usual case): its lines go out now, then any held behind it.
      unwritten += text;
      nextToWrite++;
    } else {
      pending.set(index, text);
      pendingChars += text.length;
    }
    while (pending.size > 0 && pending.has(nextToWrite)) {
      const ready = pending.get(nextToWrite)!;
      unwritten += ready;
      pendingChars -= ready.length;
      pending.delete(nextToWrite);
      nextToWrite++;
    }
    if (unwritten && !flushScheduled) {
      flushScheduled = true;
      setImmediate(flush);
    }
  };

  options.signal?.addEventListener('abort', onUserAbort, { once: true });
  if (options.signal?.aborted) onUserAbort();

  let inFlight = 0;
  let wake: () => void = () => {};
  const changed = () => new Promise<void>((r) => (wake = r));
  const notify = () => {
    const w = wake;
    wake = () => {};
    w();
  };

  const send = async (batch: Batch) => {
    try {
      const exchange = await endpoint.post(batch, {
        signal: stop.signal,
        onRetry: () => {
          summary.retries++;
          progress.retries++;
          report();
        },
      });
      if (latencyCount === latencies.length) {
        const grown = new Float64Array(latencies.length * 2);
        grown.set(latencies);
        latencies = grown;
      }
      latencies[latencyCount++] = exchange.latencyMs;
      const lines = answerLines(batch, exchange.text, o.body, o.key);
      progress.predicted += lines.length;
      complete(batch.index, lines.join(''));
    } catch (e) {
      if (options.signal?.aborted) return; // interrupted: this batch stays unfinished, for --resume
      const urls = batch.images.map((i) => i.imageUrl);
      if (stoppedBy) {
        failNotSent(urls);
      } else if (e instanceof ConversionError) {
        if (STOP_CODES.has(e.code)) {
          stoppedBy = e;
          stop.abort(e);
        }
        fail(e.code, e.message, urls);
      } else throw e;
      complete(batch.index, '');
    } finally {
      inFlight--;
      progress.inFlight -= batch.images.length;
      report();
      notify();
    }
  };

  // How far ahead of the oldest unfinished request new ones may go: far enough that one slow request
  // (retries, backoff) does not stall the others, near enough that the lines held behind it stay small.
  const window = Math.max(MAX_AHEAD_REQUESTS, o.concurrency * 4);
  const full = (batch: Batch) => batch.index - nextToWrite >= window || pendingChars > MAX_HELD_CHARS;
  let failure: unknown;
  const running = new Set<Promise<void>>();
  try {
    const items = async function* (): AsyncGenerator<InputItem> {
      for await (const item of listImages(inputs, { imagesRoot: options.imagesRoot, baseUrl: options.baseUrl, signal: options.signal })) {
        summary.images++;
        if (item.ok && o.resume) {
          const left = file.done.get(item.image.imageUrl);
          if (left) {
            if (left === 1) file.done.delete(item.image.imageUrl);
            else file.done.set(item.image.imageUrl, left - 1);
            continue;
          }
        }
        progress.listed++;
        yield item;
      }
      progress.listingDone = true;
    };
    const onBad = (bad: BadItem) => fail(bad.error.code, bad.error.message, [bad.imageUrl], bad.error.file);
    for await (const batch of planBatches(items(), { body: o.body, batchSize: o.batchSize, maxBytes: o.maxBytes }, onBad, options.signal, { thread: true })) {
      if (options.signal?.aborted) break;
      while (!stoppedBy && (inFlight >= o.concurrency || full(batch))) await changed();
      if (options.signal?.aborted) break;
      if (stoppedBy) {
        failNotSent(batch.images.map((i) => i.imageUrl));
        complete(batch.index, '');
        continue;
      }
      inFlight++;
      summary.requests++;
      progress.inFlight += batch.images.length;
      const p = send(batch);
      running.add(p);
      void p.then(
        () => running.delete(p),
        (e: unknown) => {
          running.delete(p);
          failure ??= e;
          stop.abort(e);
        },
      );
    }
  } catch (e) {
    failure ??= e;
    stop.abort(e);
  }
  await Promise.allSettled([...running]);
  options.signal?.removeEventListener('abort', onUserAbort);
  await endpoint.close();
  flush();
  file.close();
  const sorted = latencies.slice(0, latencyCount).sort();
  summary.latencyMs = { p50: percentile(sorted, 50), p95: percentile(sorted, 95) };
  summary.seconds = Math.round(performance.now() - started) / 1000;
  summary.imagesPerSecond = summary.seconds > 0 ? Math.round((progress.predicted / summary.seconds) * 10) / 10 : 0;
  summary.predicted = file.kept + progress.predicted;
  summary.ok = summary.failed === 0;
  if (options.signal?.aborted) {
    const written = summary.kept + linesWritten(progress.predicted, pending);
    throw new ConversionError('INTERRUPTED', `interrupted: ${written} prediction${written === 1 ? '' : 's'} kept in ${shownOut}; run the same command with --resume to go on`, {}, { exitCode: 130 });
  }
  if (failure !== undefined) throw failure;
  if (summary.images === 0) {
    if (file.kept === 0) await rm(o.out, { force: true });
    throw new ConversionError(
      'EMPTY_DATASET',
      `no images in ${inputs.map((i) => displayPath(resolve(i))).join(', ')} (image files: jpg jpeg jpe jfif png bmp tif tiff; JSONL lines with an image_url)`,
    );
  }
  return summary;
}

/** Predictions written to the output: those completed less those still held behind an unfinished request. */
function linesWritten(predicted: number, pending: Map<number, string>): number {
  let held = 0;
  for (const text of pending.values()) held += text.split('\n').length - 1;
  return predicted - held;
}
