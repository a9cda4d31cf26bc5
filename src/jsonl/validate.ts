/**
 * Checking AutoML JSONL files (`automl-img validate`): every line against SPEC §1, and what the
 * AutoML runtime would do with it.
 *
 * @example
 *   const report = await validateJsonl(['out/train_annotations.jsonl', 'out/validation_annotations.jsonl']);
 *   report.counts.errors  // 0 when AutoML would load every line as written
 *
 * Files are read as streams, line by line: memory grows only with the number of distinct
 * `image_url`s (for the duplicate check) and, when `collect` is on, with the findings kept.
 * Each finding carries one code of the closed set {@link FINDING_CODES}, whose severity and
 * effect are fixed per code.
 */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConversionError, describeValue as fmt, formatLocation } from '../errors.js';
import { displayPath } from '../paths.js';
import { HeaderReader } from '../images.js';
import type { Task } from '../types.js';
import { checkLine, FINDING_CODES, isObject, MAX_TRACKED_URLS, TASK_NOUN, TASKS, type ExpectedTask, type Finding, type FindingCode, type LineCheck } from './check.js';
import { displayFile, fileProblem, readJsonlLines } from './read.js';

/** Options of {@link validateJsonl}. */
export interface ValidateOptions {
  /** The task every line must have. Default: detected per file from its first labelled line. */
  task?: Task | undefined;
  /** Also check that each image exists under this folder and its header can be read. */
  imagesRoot?: string | undefined;
  /** With `imagesRoot`: the prefix removed from `image_url` before it is looked up (as `convert --base-url`). */
  baseUrl?: string | undefined;
  /** Called with each finding as it is found (the CLI prints them). */
  onFinding?: ((f: Finding) => void) | undefined;
  /** Keep every finding in the report's `findings`. Default true; false keeps memory bounded. */
  collect?: boolean | undefined;
  /** Aborts the run (an INTERRUPTED ConversionError, exit 130). */
  signal?: AbortSignal | undefined;
  /** What the file name `-` reads. Default `process.stdin`. */
  stdin?: NodeJS.ReadableStream | undefined;
}

/** What `validate --json` prints. */
export interface ValidationReport {
  /** Files given. */
  files: number;
  /** Lines read, blank ones included. */
  lines: number;
  /** Lines that are JSON objects (one image each). */
  images: number;
  findings: Finding[];
  counts: { errors: number; warnings: number; byCode: Partial<Record<FindingCode, number>> };
  /** The task of each file (`null` when no line shows it, e.g. only `label: []`). */
  tasks: Record<string, Task | null>;
  /** What AutoML would drop: whole images, objects of kept images, rings of kept objects. */
  dropped: { images: number; objects: number; rings: number };
  /** Files whose data load would fail (malformed lines, unreadable files). */
  failedLoads: string[];
  /** No finding is an error. */
  ok: boolean;
}

const sameFormat = (a: string, b: string) => {
  const norm = (s: string) => {
    const t = s.toLowerCase();
    return t === 'jpeg' ? 'jpg' : t === 'tif' ? 'tiff' : t;
  };
  return norm(a) === norm(b);
};

/** Image headers read at once with --images-root (they overlap when storage is slow). */
const IMAGE_READS_IN_FLIGHT = 16;

const BLANK_DETAIL = 'expected a JSON object, got a blank line: some readers fail on it';

/** A line checked, its findings waiting for its image's (see `flush` in {@link validateJsonl}). */
interface PendingLine {
  line: number;
  /** [line, code, path, detail]: a line's findings, and blank or early lines reported with it. */
  findings: [number, FindingCode, string | undefined, string][];
  check: LineCheck;
  image: Promise<[FindingCode, string, string][]> | undefined;
}

const EMPTY_CHECK: LineCheck = { task: undefined, imageUrl: undefined, findings: [], imageDropped: false, objectsDropped: 0, ringsDropped: 0 };

/**
 * Checks JSONL files line by line (SPEC §6 validate).
 * @param files the files, as the user typed them (messages name them relative to the cwd); `-` is standard input
 * @returns the report; never throws for bad input (findings say it), only INTERRUPTED or USAGE
 */
export async function validateJsonl(files: readonly string[], options: ValidateOptions = {}): Promise<ValidationReport> {
  const collect = options.collect ?? true;
  const report: ValidationReport = {
    files: files.length,
    lines: 0,
    images: 0,
    findings: [],
    counts: { errors: 0, warnings: 0, byCode: {} },
    tasks: {},
    dropped: { images: 0, objects: 0, rings: 0 },
    failedLoads: [],
    ok: true,
  };
  const imagesRoot = options.imagesRoot === undefined ? undefined : resolve(options.imagesRoot);
  if (imagesRoot !== undefined) {
    const isFolder = await stat(imagesRoot).then((st) => (st.isDirectory() ? true : 'a file'), () => 'nothing');
    if (isFolder !== true) throw new ConversionError('USAGE', `--images-root must be a folder, got ${isFolder}: ${options.imagesRoot}`, {}, { exitCode: 2 });
  }
  const baseUrl = options.baseUrl ?? '';
  const headers = new HeaderReader();
  const displays = files.map(displayFile);
  /** image_url → where it was first seen: line × files + file index. */
  const seen = new Map<string, number>();

  const emit = (file: string, line: number | undefined, code: FindingCode, path: string | undefined, detail: string) => {
    const { severity } = FINDING_CODES[code];
    // Keys in the order SPEC §6 lists them: file, line, path, code, severity, message.
    const f = { file, ...(line === undefined ? {} : { line }), ...(path === undefined ? {} : { path }), code, severity, message: `${formatLocation({ file, line, path })}: ${detail}` } as Finding;
    if (severity === 'error') report.counts.errors++;
    else report.counts.warnings++;
    report.counts.byCode[code] = (report.counts.byCode[code] ?? 0) + 1;
    if (collect) report.findings.push(f);
    options.onFinding?.(f);
  };

  for (let fi = 0; fi < files.length; fi++) {
    const file = displays[fi]!;
    const abs = files[fi] === '-' ? '-' : resolve(files[fi]!);
    const failLoad = () => {
      if (!report.failedLoads.includes(file)) report.failedLoads.push(file);
    };
    const problem = await fileProblem(abs);
    if (problem) {
      emit(file, undefined, 'FILE_UNREADABLE', undefined, problem);
      failLoad();
      continue;
    }
    let expected: ExpectedTask | undefined = options.task ? { task: options.task, reason: '--task' } : undefined;
    let lines = 0;
    let pendingBlank: number[] = [];
    /** Lines with `label: []` before the file's task is known. */
    let emptyBefore: number[] = [];
    /**
     * Lines whose image is being read (with --images-root): their findings wait here so that every
     * finding comes out in line order while up to IMAGE_READS_IN_FLIGHT headers are read at once.
     */
    const queue: PendingLine[] = [];
    const emitAll = (findings: PendingLine['findings']) => {
      for (const [l, code, path, detail] of findings) emit(file, l, code, path, detail);
    };
    const flush = async (p: PendingLine) => {
      emitAll(p.findings);
      if (!p.image) return;
      const found = await p.image;
      for (const [code, path, detail] of found) emit(file, p.line, code, path, detail);
      if (found.some(([code]) => FINDING_CODES[code].effect === 'image') && !p.check.imageDropped) {
        // An image AutoML cannot open is dropped, with the objects and rings counted for it.
        report.dropped.images++;
        report.dropped.objects -= p.check.objectsDropped;
        report.dropped.rings -= p.check.ringsDropped;
      }
    };
    const drain = async () => {
      while (queue.length > 0) await flush(queue.shift()!);
    };
    try {
      for await (const { line, text, bom } of readJsonlLines(abs === '-' ? (options.stdin ?? process.stdin) : abs)) {
        lines = line;
        report.lines++;
        if (line % 1024 === 0 && options.signal?.aborted) throw new ConversionError('INTERRUPTED', 'interrupted', {}, { exitCode: 130 });
        if (text.trim() === '') {
          pendingBlank.push(line);
          continue;
        }
        const found: PendingLine['findings'] = [];
        if (bom) found.push([line, 'BOM', undefined, 'expected JSON, got a byte-order mark first: readers that do not expect one fail on this line']);
        // The decoder turns bytes that are not UTF-8 into U+FFFD (a real U+FFFD in a dataset is unlikely).
        if (text.includes('\ufffd')) {
          found.push([line, 'NOT_UTF8', undefined, `expected UTF-8 text, got bytes that are not UTF-8 (at column ${text.indexOf('\ufffd') + 1}): the data load fails`]);
          failLoad();
        }
        // Blank lines before a non-blank one are inside the file (trailing ones are reported at the end).
        for (const b of pendingBlank) found.push([b, 'BLANK_LINE', undefined, BLANK_DETAIL]);
        pendingBlank = [];
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          found.push([line, 'JSON_MALFORMED', undefined, `expected a JSON object, got malformed JSON (${(e as Error).message}): the data load fails`]);
          failLoad();
          if (imagesRoot === undefined) emitAll(found);
          else {
            queue.push({ line, findings: found, check: EMPTY_CHECK, image: undefined });
            if (queue.length > IMAGE_READS_IN_FLIGHT) await flush(queue.shift()!);
          }
          continue;
        }
        const check = checkLine(value, expected);
        if (isObject(value)) report.images++;
        for (const lf of check.findings) found.push([line, lf.code, lf.path, lf.detail]);
        if (check.findings.some((lf) => FINDING_CODES[lf.code].effect === 'load')) failLoad();
        if (expected === undefined) {
          if (check.task !== undefined) {
            expected = { task: check.task, reason: `as on line ${line}` };
            // `label: []` before the first labelled line fits every task but multi-class.
            if (check.task === 'multi-class') {
              for (const early of emptyBefore) {
                found.push([early, 'MIXED_TASKS', 'label', `expected ${TASK_NOUN['multi-class']} (${expected.reason}), got an empty list: the image is dropped`]);
                report.dropped.images++;
              }
            }
            emptyBefore = [];
          } else if (isObject(value) && Array.isArray(value['label']) && value['label'].length === 0) emptyBefore.push(line);
        }
        if (check.imageDropped) report.dropped.images++;
        report.dropped.objects += check.objectsDropped;
        report.dropped.rings += check.ringsDropped;

        const url = check.imageUrl;
        if (url !== undefined) {
          const first = seen.get(url);
          if (first === undefined) {
            if (seen.size < MAX_TRACKED_URLS) seen.set(url, line * files.length + fi);
          } else {
            const firstFile = first % files.length;
            const firstLine = Math.floor(first / files.length);
            const where = firstFile === fi ? `line ${firstLine}` : `${displays[firstFile]}:${firstLine}`;
            found.push([line, 'DUPLICATE_IMAGE_URL', 'image_url', `expected each image once, got ${fmt(url)} again (first on ${where})`]);
          }
        }
        if (imagesRoot === undefined) {
          emitAll(found);
          continue;
        }
        const image = url === undefined ? undefined : checkImage(url, (value as Record<string, unknown>)['image_details']);
        image?.catch(() => undefined); // awaited in order by flush; no unhandled rejection meanwhile
        queue.push({ line, findings: found, check, image });
        if (queue.length > IMAGE_READS_IN_FLIGHT) await flush(queue.shift()!);
      }
      await drain();
    } catch (e) {
      if (e instanceof ConversionError) throw e;
      await drain();
      emit(file, undefined, 'FILE_UNREADABLE', undefined, `cannot read the file: ${(e as Error).message}`);
      failLoad();
      continue;
    }
    if (lines === 0 || pendingBlank.length === lines) {
      emit(file, undefined, 'EMPTY_FILE', undefined, 'expected one JSON line per image, got no lines: AutoML has no images to load from it');
    } else for (const b of pendingBlank) emit(file, b, 'BLANK_LINE', undefined, BLANK_DETAIL);
    report.tasks[file] = expected?.task ?? null;
  }
  report.ok = report.counts.errors === 0;
  return report;

  /** The findings about the image an `image_url` names (with --images-root). */
  async function checkImage(url: string, details: unknown): Promise<[FindingCode, string, string][]> {
    const out: [FindingCode, string, string][] = [];
    const add = (code: FindingCode, path: string, detail: string) => void out.push([code, path, detail]);
    let rel = url;
    if (baseUrl && rel.startsWith(baseUrl)) rel = rel.slice(baseUrl.length);
    else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rel)) {
      add('IMAGE_NOT_FOUND', 'image_url', `expected a path under --images-root, got the URL ${fmt(url)}: pass --base-url with the prefix to remove`);
      return out;
    }
    const abs = resolve(imagesRoot!, rel.replace(/^\/+/, ''));
    let header;
    try {
      header = await headers.read(abs, () => displayPath(abs));
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      if (e.code === 'IMAGE_NOT_FOUND') add('IMAGE_NOT_FOUND', 'image_url', `expected an image at ${displayPath(abs)}, got nothing`);
      else add('IMAGE_UNREADABLE', 'image_url', `expected a readable image at ${displayPath(abs)}, got: ${e.detail}`);
      return out;
    }
    if (!isObject(details)) return out;
    const format = details['format'];
    if (typeof format === 'string' && format !== '' && !sameFormat(format, header.format)) {
      add('DETAILS_MISMATCH', 'image_details.format', `expected ${fmt(header.format)} (the image header), got ${fmt(format)}`);
    }
    for (const key of ['width', 'height'] as const) {
      const v = details[key];
      if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v !== header[key]) {
        add('DETAILS_MISMATCH', `image_details.${key}`, `expected ${header[key]} (the image header), got ${v}`);
      }
    }
    return out;
  }
}
