/**
 * `preview`: one self-contained HTML page that draws AutoML JSONL annotations (SPEC §1, any of the
 * four tasks) and, optionally, a model's predictions (SPEC §7) over the images (SPEC §8).
 *
 * @example
 *   const summary = await preview(['out/train_annotations.jsonl', 'out/validation_annotations.jsonl'], {
 *     out: 'preview.html', imagesRoot: 'data/', predictions: 'preds.jsonl',
 *   });
 *   summary.images  // images on the page
 *
 * The page is the page script and styles (`./page/`, bundled at build time into `./page-bundle.ts`),
 * and the data as one compact JSON document (`./data.ts`) in a `<script type="application/json">`
 * block; with `embed`, a second block holds each image as a data URL. Lines stream from the JSONL
 * files into the page as they are read; what stays in memory is the predictions (to join them by
 * `image_url`), the label names and, with `embed`, the image paths. The page is written to a
 * temporary file beside the target and renamed at the end.
 */
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, extname, isAbsolute, relative, resolve, sep } from 'node:path';
import { displayPath } from '../paths.js';
import { ConversionError, describeValue, type Location } from '../errors.js';
import { taskOfLabel } from '../jsonl/check.js';
import { displayFile, fileProblem, readJsonlLines } from '../jsonl/read.js';
import { parsePrediction, type Prediction } from '../predictions.js';
import { registerTemp, unregisterTemp } from '../tempfiles.js';
import { BufferedWriter, interruptedError, writeWithBackpressure } from '../writer.js';
import { imageSrc, type GtObject, type PredBox, type PredClass, type PreviewFile, type PreviewImage, type PreviewTask } from './data.js';
import { PAGE_SCRIPT, PAGE_STYLE } from './page-bundle.js';

export { imageSrc, type PreviewData, type PreviewImage, type PreviewFile, type PreviewTask, type GtObject, type PredBox, type PredClass } from './data.js';

/** Options of {@link preview}. Every option is checked by {@link preview} itself (a `USAGE` error naming the flag). */
export interface PreviewOptions {
  /** The page to write. Default `preview.html`. */
  out?: string | undefined;
  /** The folder that `image_url` paths are relative to. Default: the folder of the first JSONL file. */
  imagesRoot?: string | undefined;
  /** A prefix removed from `image_url` before the image is looked up (what `convert --base-url` added). */
  baseUrl?: string | undefined;
  /** A predictions JSONL file (SPEC §7), matched to the images by `image_url`. */
  predictions?: string | undefined;
  /** Embed every image in the page as a data URL (a page that can be mailed, and as large as the images). */
  embed?: boolean | undefined;
  /**
   * Replace `out` when it exists. Without it an existing file is replaced only when it is an
   * earlier preview page (it starts with {@link PAGE_MARKER}); anything else is refused (OUTPUT_EXISTS).
   */
  force?: boolean | undefined;
  /** Aborts the run (an INTERRUPTED ConversionError, exit 130); nothing is written. */
  signal?: AbortSignal | undefined;
}

/** What {@link preview} did. */
export interface PreviewSummary {
  /** The page written, as the user would type it. */
  out: string;
  /** Size of the page in bytes. */
  bytes: number;
  /** Images on the page (lines of the JSONL files, plus predicted images that no file has). */
  images: number;
  /** Ground-truth objects (detection, segmentation). */
  objects: number;
  labels: number;
  /** Images whose file was not found (drawn as placeholders). */
  missingImages: number;
  /** Lines of the predictions file, and how many of them name an image that no JSONL file has. */
  predictions: number;
  unmatchedPredictions: number;
  /** The JSONL files, with their detected task. */
  files: PreviewFile[];
}

/** The first bytes of every page: an existing file that starts with them may be replaced without `force`. */
export const PAGE_MARKER = '<!doctype html>\n<!-- automl-img preview -->\n';

/** Digits kept for normalised coordinates and scores on the page (0.00001 of the image: far below a pixel). */
const DIGITS = 1e5;
/** Classification predictions keep the top labels, the image's own labels, and any label at or above this probability. */
const MIN_KEPT_PROB = 0.01;
const TOP_CLASSES = 5;

const OPTION_FLAGS: Record<keyof PreviewOptions, string> = {
  out: '-o, --out',
  imagesRoot: '--images-root',
  baseUrl: '--base-url',
  predictions: '--predictions',
  embed: '--embed',
  force: '--force',
  signal: 'signal',
};

function usage(message: string): ConversionError {
  return new ConversionError('USAGE', message, {}, { exitCode: 2 });
}

/** Checks the options once, before anything is read: a `USAGE` error (exit 2) naming the flag. */
async function checkOptions(files: unknown, options: PreviewOptions): Promise<void> {
  if (!Array.isArray(files) || files.length === 0) throw usage('expected at least one JSONL file');
  files.forEach((f: unknown, i) => {
    if (typeof f !== 'string' || f === '') throw usage(`file ${i + 1}: expected a path, got ${describeValue(f)}`);
  });
  for (const key of Object.keys(options)) {
    if (!(key in OPTION_FLAGS)) throw usage(`unknown option "${key}"; expected one of ${Object.keys(OPTION_FLAGS).join(', ')}`);
  }
  for (const key of ['out', 'imagesRoot', 'baseUrl', 'predictions'] as const) {
    const v = options[key];
    if (v !== undefined && (typeof v !== 'string' || v === '')) throw usage(`${OPTION_FLAGS[key]}: expected a non-empty string, got ${describeValue(v)}`);
  }
  for (const key of ['embed', 'force'] as const) {
    const v = options[key];
    if (v !== undefined && typeof v !== 'boolean') throw usage(`${OPTION_FLAGS[key]}: expected true or false, got ${describeValue(v)}`);
  }
  if (options.out === '-') throw usage('-o, --out: expected a file for the page, got "-" (the page is not written to standard output)');
  if (options.out !== undefined && (options.out.endsWith('/') || options.out.endsWith(sep))) throw usage(`-o, --out: expected a file name, got the folder "${options.out}"`);
  if (options.imagesRoot !== undefined) {
    const s = await stat(options.imagesRoot).catch(() => undefined);
    if (!s?.isDirectory()) throw usage(`--images-root: expected a folder, got "${options.imagesRoot}" (${s ? 'a file' : 'no such folder'})`);
  }
  if (files.includes('-')) throw usage('"-" (standard input) is not supported by preview: name the JSONL files');
}

const round = (v: number) => Math.round(v * DIGITS) / DIGITS;

/** Escapes JSON for a `<script>` element: no `</script>` or `<!--` can appear, and U+2028/2029 are escaped. */
export function scriptSafeJson(json: string): string {
  return json.replace(/[<\u2028\u2029]/g, (c) => (c === '<' ? '\\u003c' : c === '\u2028' ? '\\u2028' : '\\u2029'));
}

/** Escapes text for HTML content. */
function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]!);
}

/** Assigns stable indices to label names in order of first appearance. */
class Labels {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  id(name: string): number {
    let i = this.index.get(name);
    if (i === undefined) {
      i = this.names.length;
      this.names.push(name);
      this.index.set(name, i);
    }
    return i;
  }
}

function badValue(loc: Location, path: string, expected: string, got: unknown): ConversionError {
  return new ConversionError('JSON_BAD_VALUE', `expected ${expected}, got ${describeValue(got)}`, { ...loc, path });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function coordinate(v: unknown, loc: Location, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badValue(loc, path, 'a number', v);
  return v;
}

function readRings(v: unknown, loc: Location, path: string): number[][] {
  if (!Array.isArray(v)) throw badValue(loc, path, 'a list of rings', v);
  return v.map((ring: unknown, r) => {
    if (!Array.isArray(ring)) throw badValue(loc, `${path}[${r}]`, 'a list of numbers', ring);
    if (ring.length % 2 !== 0) throw badValue(loc, `${path}[${r}]`, 'an even count of numbers (x, y pairs)', `${ring.length} numbers`);
    return ring.map((x: unknown, i) => round(coordinate(x, loc, `${path}[${r}][${i}]`)));
  });
}

/** The box around rings: [x1, y1, x2, y2] (zeros when they hold no point). */
function ringsBox(rings: number[][]): [number, number, number, number] {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const ring of rings) {
    for (let i = 0; i + 1 < ring.length; i += 2) {
      x1 = Math.min(x1, ring[i]!);
      x2 = Math.max(x2, ring[i]!);
      y1 = Math.min(y1, ring[i + 1]!);
      y2 = Math.max(y2, ring[i + 1]!);
    }
  }
  return x1 <= x2 ? [x1, y1, x2, y2] : [0, 0, 0, 0];
}

/**
 * Reads a line's `label` into the page's shapes. Coordinates outside [0, 1] or empty boxes are drawn
 * as they are (seeing them is the point); what cannot be drawn is a JSON_BAD_VALUE with its path.
 */
function readLabel(label: unknown, labels: Labels, loc: Location, fileTask: PreviewTask | null): Pick<PreviewImage, 'c' | 'o'> {
  if (typeof label === 'string') return { c: [labels.id(label)] };
  if (!Array.isArray(label)) throw badValue(loc, 'label', 'a label name or a list', label);
  if (label.length === 0) return fileTask === 'multi-class' || fileTask === 'multi-label' ? { c: [] } : { o: [] };
  if (typeof label[0] === 'string') {
    return {
      c: label.map((l: unknown, i) => {
        if (typeof l !== 'string') throw badValue(loc, `label[${i}]`, 'a label name (as label[0])', l);
        return labels.id(l);
      }),
    };
  }
  return {
    o: label.map((item: unknown, i): GtObject => {
      const path = `label[${i}]`;
      if (!isRecord(item)) throw badValue(loc, path, 'an object {label, topX, ...} (as label[0])', item);
      const name = item['label'];
      if (typeof name !== 'string') throw badValue(loc, `${path}.label`, 'a string', name);
      const crowd = item['isCrowd'] === 1 || item['isCrowd'] === '1' ? 1 : 0;
      if (item['polygon'] !== undefined) {
        const rings = readRings(item['polygon'], loc, `${path}.polygon`);
        return [labels.id(name), crowd, ...ringsBox(rings), rings];
      }
      const box = (['topX', 'topY', 'bottomX', 'bottomY'] as const).map((k) => round(coordinate(item[k], loc, `${path}.${k}`)));
      return [labels.id(name), crowd, box[0]!, box[1]!, box[2]!, box[3]!];
    }),
  };
}

/** A prediction in the page's form (classes: the kept ones, highest probability first). */
function pagePrediction(p: Prediction, labels: Labels, truth: readonly number[] | undefined): Pick<PreviewImage, 'p' | 'q' | 'r'> {
  if (p.kind === 'boxes') {
    return {
      r: 1,
      p: p.boxes.map((b): PredBox => {
        const box: PredBox = [labels.id(b.label), round(b.score), round(b.topX), round(b.topY), round(b.bottomX), round(b.bottomY)];
        if (b.polygon) box.push(b.polygon.map((ring) => ring.map(round)));
        return box;
      }),
    };
  }
  const ranked = p.labels.map((l, i): [string, number] => [l, p.probs[i]!]).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const truthNames = new Set(truth ?? []);
  const q: PredClass[] = [];
  ranked.forEach(([name, prob], rank) => {
    const id = labels.id(name);
    if (rank < TOP_CLASSES || prob >= MIN_KEPT_PROB || truthNames.has(id)) q.push([id, round(prob)]);
  });
  return { r: 1, q };
}

/** Reads the predictions file into a map by `image_url` (a later line for the same image wins). */
async function readPredictions(file: string, signal: AbortSignal | undefined): Promise<{ byUrl: Map<string, Prediction>; order: string[]; lines: number }> {
  const shown = displayFile(file);
  const problem = await fileProblem(resolve(file));
  if (problem) throw new ConversionError('INPUT_NOT_FOUND', problem, { file: shown });
  const byUrl = new Map<string, Prediction>();
  const order: string[] = [];
  let lines = 0;
  for await (const { line, text } of readJsonlLines(resolve(file))) {
    if (line % 1024 === 0 && signal?.aborted) throw interruptedError();
    if (text.trim() === '') continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new ConversionError('JSON_PARSE', `expected a JSON object, got malformed JSON (${(e as Error).message})`, { file: shown, line });
    }
    const p = parsePrediction(value, { file: shown, line });
    if (!byUrl.has(p.imageUrl)) order.push(p.imageUrl);
    byUrl.set(p.imageUrl, p);
    lines++;
  }
  return { byUrl, order, lines };
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Where an image is: its absolute path on this machine, or a web URL the page loads as it is. */
type ImagePlace = { kind: 'file'; abs: string } | { kind: 'web'; url: string } | { kind: 'none' };

function placeOf(url: string, imagesRoot: string, baseUrl: string | undefined): ImagePlace {
  let rel = url;
  if (baseUrl !== undefined && rel.startsWith(baseUrl)) rel = rel.slice(baseUrl.length);
  if (/^https?:\/\//i.test(rel)) return { kind: 'web', url: rel };
  if (SCHEME.test(rel) && !/^[a-z]:[\\/]/i.test(rel)) return { kind: 'none' };
  return { kind: 'file', abs: isAbsolute(rel) ? rel : resolve(imagesRoot, rel) };
}

/** A path relative to the page's folder, as a URL path (`/` separators, each segment percent-encoded). */
function pageHref(pageDir: string, abs: string): string {
  return relative(pageDir, abs).split(sep).map(encodeURIComponent).join('/');
}

const MIME: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.jpe': 'image/jpeg',
  '.png': 'image/png',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.webp': 'image/webp',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.svg': 'image/svg+xml',
  '.avif': 'image/avif',
};

/** Streams one file as base64 (whole 3-byte groups per chunk, so the pieces join into one base64 text). */
async function writeBase64(out: WriteStream, abs: string): Promise<void> {
  let carry = Buffer.alloc(0);
  try {
    for await (const chunk of createReadStream(abs, { highWaterMark: 3 * 65536 })) {
      const buf = carry.length ? Buffer.concat([carry, chunk as Buffer]) : (chunk as Buffer);
      const whole = buf.length - (buf.length % 3);
      if (whole > 0) await writeWithBackpressure(out, buf.subarray(0, whole).toString('base64'));
      carry = Buffer.from(buf.subarray(whole));
    }
  } catch (e) {
    // a read error of the image (not of the page being written)
    if ((e as NodeJS.ErrnoException).path === abs)
      throw new ConversionError('IMAGE_UNREADABLE', `cannot read the image to embed it: ${(e as Error).message}`, { file: displayPath(abs) }, { cause: e });
    throw e;
  }
  if (carry.length) await writeWithBackpressure(out, carry.toString('base64'));
}

/** Image files looked up at once (their `stat`s run in parallel; the page keeps the input order). */
const LOOKUPS_IN_FLIGHT = 64;

async function isPreviousPage(path: string): Promise<boolean> {
  const fh = await open(path, 'r').catch(() => undefined);
  if (!fh) return false;
  try {
    const buf = Buffer.alloc(PAGE_MARKER.length);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return buf.subarray(0, bytesRead).toString('utf8') === PAGE_MARKER;
  } finally {
    await fh.close();
  }
}

async function closeStream(out: WriteStream): Promise<void> {
  await new Promise<void>((res, rej) => {
    out.once('error', rej);
    out.end(() => res());
  });
}

/**
 * Writes the preview page of JSONL files (and predictions) as one self-contained HTML file.
 * @throws ConversionError `USAGE` (a bad option, exit 2), `INPUT_NOT_FOUND`, `JSON_PARSE`,
 *   `JSON_MISSING`, `JSON_BAD_VALUE` (a line, with its file, line and JSON path), `PREDICTION_BAD`,
 *   `IMAGE_UNREADABLE` (with `embed`), `OUTPUT_EXISTS`, `OUTPUT_WRITE`, `INTERRUPTED`. Nothing is
 *   written when it throws.
 */
export async function preview(files: readonly string[], options: PreviewOptions = {}): Promise<PreviewSummary> {
  await checkOptions(files, options);
  const signal = options.signal;
  const outAbs = resolve(options.out ?? 'preview.html');
  const pageDir = dirname(outAbs);
  const imagesRoot = resolve(options.imagesRoot ?? dirname(resolve(files[0]!)));
  const rootHref = pageHref(pageDir, imagesRoot);
  /** The images root relative to the page, as the data's `root`. */
  const root = rootHref === '' ? '' : `${rootHref}/`;
  for (const f of files) {
    const problem = await fileProblem(resolve(f));
    if (problem) throw new ConversionError('INPUT_NOT_FOUND', problem, { file: displayFile(f) });
  }
  const outStat = await stat(outAbs).catch(() => undefined);
  if (outStat?.isDirectory()) throw usage(`-o, --out: expected a file name, got the folder "${options.out ?? 'preview.html'}"`);
  if (outStat && !options.force && !(await isPreviousPage(outAbs))) {
    throw new ConversionError('OUTPUT_EXISTS', 'the file exists and is not an earlier preview page: add --force to replace it', { file: displayPath(outAbs) });
  }
  if (signal?.aborted) throw interruptedError();

  const labels = new Labels();
  const predictions = options.predictions !== undefined ? await readPredictions(options.predictions, signal) : undefined;
  const matched = new Set<string>();
  const summary: PreviewSummary = {
    out: displayPath(outAbs),
    bytes: 0,
    images: 0,
    objects: 0,
    labels: 0,
    missingImages: 0,
    predictions: predictions?.lines ?? 0,
    unmatchedPredictions: 0,
    files: files.map((f) => ({ name: displayFile(f), task: null })),
  };
  /** Absolute paths of the embedded images, in the order of their indices. */
  const embeddedPaths: string[] = [];

  const temp = resolve(pageDir, `.${basename(outAbs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  registerTemp(temp);
  const untrack = () => unregisterTemp(temp);
  let out: WriteStream | undefined;
  try {
    await mkdir(pageDir, { recursive: true });
    out = createWriteStream(temp, { flags: 'wx' });
    await new Promise<void>((res, rej) => {
      out!.once('open', () => res());
      out!.once('error', rej);
    });
    const w = out;
    const page = new BufferedWriter(w);
    const write = (s: string) => page.write(s);
    const title = `automl-img preview: ${summary.files.map((f) => f.name).join(', ')}`;
    await write(
      `${PAGE_MARKER}<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
        `<meta name="generator" content="automl-img preview"><link rel="icon" href="data:,"><title>${escapeHtml(title)}</title>` +
        `<style>${PAGE_STYLE}</style></head><body><noscript>This page needs JavaScript to draw the images.</noscript>\n` +
        `<script type="application/json" id="automl-img-data">{"v":1,"embedded":${options.embed === true},"images":[`,
    );

    /** Images whose files are being looked up (in parallel), written in their order as the lookups end. */
    const pending: { img: PreviewImage; found: Promise<string | undefined> }[] = [];
    const emitFirst = async () => {
      const { img, found } = pending.shift()!;
      const abs = await found;
      if (abs !== undefined && options.embed) {
        img.s = embeddedPaths.length;
        embeddedPaths.push(abs);
      }
      if (img.m === 1) summary.missingImages++;
      await write((summary.images === 0 ? '' : ',\n') + scriptSafeJson(JSON.stringify(img)));
      summary.images++;
    };
    /** Sets where the page loads the image from; resolves to its absolute path when it is a file that exists. */
    const locate = async (img: PreviewImage): Promise<string | undefined> => {
      const place = placeOf(img.u, imagesRoot, options.baseUrl);
      if (place.kind === 'web') img.s = place.url;
      else if (place.kind === 'none') {
        img.s = img.u;
        img.m = 1;
      } else {
        const href = pageHref(pageDir, place.abs);
        if (href !== imageSrc(root, options.baseUrl, img.u)) img.s = href;
        const s = await stat(place.abs).catch(() => undefined);
        if (s?.isFile()) return place.abs;
        img.m = 1;
      }
      return undefined;
    };
    const add = async (img: PreviewImage) => {
      pending.push({ img, found: locate(img) });
      if (pending.length >= LOOKUPS_IN_FLIGHT) await emitFirst();
    };

    for (let fi = 0; fi < files.length; fi++) {
      const file = files[fi]!;
      const shown = summary.files[fi]!.name;
      for await (const { line, text } of readJsonlLines(resolve(file))) {
        if (line % 256 === 0 && signal?.aborted) throw interruptedError();
        if (text.trim() === '') continue;
        const loc = { file: shown, line };
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          throw new ConversionError('JSON_PARSE', `expected a JSON object, got malformed JSON (${(e as Error).message})`, loc);
        }
        if (!isRecord(value)) throw badValue(loc, '', 'a JSON object', value);
        const url = value['image_url'];
        if (url === undefined) throw new ConversionError('JSON_MISSING', 'expected an image_url, got nothing', { ...loc, path: 'image_url' });
        if (typeof url !== 'string' || url === '') throw badValue(loc, 'image_url', 'a non-empty string', url);
        if (!('label' in value)) throw new ConversionError('JSON_MISSING', 'expected a label, got nothing', { ...loc, path: 'label' });
        const fileInfo = summary.files[fi]!;
        fileInfo.task ??= taskOfLabel(value['label']) ?? null;
        const img: PreviewImage = { f: fi, u: url, ...readLabel(value['label'], labels, loc, fileInfo.task) };
        const details = value['image_details'];
        if (isRecord(details) && Number.isInteger(details['width']) && Number.isInteger(details['height']) && (details['width'] as number) > 0 && (details['height'] as number) > 0) {
          img.w = details['width'] as number;
          img.h = details['height'] as number;
        }
        summary.objects += img.o?.length ?? 0;
        const p = predictions?.byUrl.get(url);
        if (p) {
          matched.add(url);
          Object.assign(img, pagePrediction(p, labels, img.c));
        }
        await add(img);
      }
    }
    if (predictions) {
      const unmatched = predictions.order.filter((u) => !matched.has(u));
      summary.unmatchedPredictions = unmatched.length;
      if (unmatched.length) {
        const fi = summary.files.length;
        summary.files.push({ name: `${displayFile(options.predictions!)} (images in no JSONL file)`, task: null });
        for (const url of unmatched) {
          const img: PreviewImage = { f: fi, u: url, ...pagePrediction(predictions.byUrl.get(url)!, labels, undefined) };
          if (img.q !== undefined) img.c = [];
          else img.o = [];
          await add(img);
        }
      }
    }
    while (pending.length) await emitFirst();
    summary.labels = labels.names.length;
    const tail: Record<string, unknown> = { root, files: summary.files, labels: labels.names };
    if (options.baseUrl !== undefined) tail['strip'] = options.baseUrl;
    if (options.predictions !== undefined) tail['predictions'] = displayFile(options.predictions);
    await write(`],\n${scriptSafeJson(JSON.stringify(tail).slice(1))}</script>\n`);
    if (options.embed) {
      await write('<script type="application/json" id="automl-img-embedded">[');
      for (let i = 0; i < embeddedPaths.length; i++) {
        if (i % 64 === 0 && signal?.aborted) throw interruptedError();
        const abs = embeddedPaths[i]!;
        await write(`${i ? ',\n' : ''}"data:${MIME[extname(abs).toLowerCase()] ?? 'application/octet-stream'};base64,`);
        await page.flush();
        await writeBase64(w, abs);
        await write('"');
      }
      await write(']</script>\n');
    }
    await write(`<script>${PAGE_SCRIPT}</script>\n</body></html>\n`);
    await page.flush();
    await closeStream(w);
    out = undefined;
    if (signal?.aborted) throw interruptedError();
    summary.bytes = (await stat(temp)).size;
    await rename(temp, outAbs);
    untrack();
    return summary;
  } catch (e) {
    out?.destroy();
    await rm(temp, { force: true });
    untrack();
    if (e instanceof ConversionError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      throw new ConversionError('OUTPUT_WRITE', `cannot write the page: ${(e as Error).message}`, { file: displayPath(outAbs) }, { cause: e });
    }
    throw e;
  }
}
