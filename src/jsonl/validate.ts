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
import { HeaderReader } from '../kit/headers.js';
import type { Task } from '../types.js';
import { checkLine, FINDING_CODES, isObject, MAX_TRACKED_URLS, TASK_NOUN, type ExpectedTask, type Finding, type FindingCode, type LineCheck } from './check.js';
import { DEFAULT_MAX_LINE_BYTES, displayFile, fileProblem, lineTooLongDetail, readJsonlLines } from './read.js';

/** Options of {@link validateJsonl}. */
export interface ValidateOptions {
  /** The task every line must have. Default: detected per file from its first labelled line. */
  task?: Task | undefined;
  /** Also check that each image exists under this folder and its header can be read. */
  imagesRoot?: string | undefined;
  /** With `imagesRoot`: the prefix removed from `image_url` before it is looked up (as `convert --base-url`). */
  baseUrl?: string | undefined;
  /**
   * With `imagesRoot`: also check that each image file is whole (a cut JPEG, PNG, BMP or TIFF is
   * IMAGE_UNREADABLE, as AutoML's reader fails on it). Default true.
   */
  verifyImages?: boolean | undefined;
  /** Called with each finding as it is found (the CLI prints them). */
  onFinding?: ((f: Finding) => void) | undefined;
  /** Keep every finding in the report's `findings`. Default true; false keeps memory bounded. */
  collect?: boolean | undefined;
  /** Aborts the run (an INTERRUPTED ConversionError, exit 130). */
  signal?: AbortSignal | undefined;
  /** What the file name `-` reads. Default `process.stdin`. */
  stdin?: NodeJS.ReadableStream | undefined;
  /** The longest line read, in bytes (a longer one is a LINE_TOO_LONG finding). Default 256 MiB. */
  maxLineBytes?: number | undefined;
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
  const imagesRoot = options.imagesRoot === undefined ? undefined : resolve(options.imagesRoot);
  if (imagesRoot !== undefined) {
    const isFolder = await stat(imagesRoot).then(
      (st) => (st.isDirectory() ? true : 'a file'),
      () => 'nothing',
    );
    if (isFolder !== true) throw new ConversionError('USAGE', `--images-root must be a folder, got ${isFolder}: ${options.imagesRoot}`, {}, { exitCode: 2 });
  }
  const verify = options.verifyImages ?? true;
  const headers = imagesRoot === undefined ? new HeaderReader({ verify }) : await HeaderReader.for(imagesRoot, { verify });
  const run = new Validation(files, options, imagesRoot, headers);
  for (let fi = 0; fi < files.length; fi++) await run.file(fi);
  run.report.ok = run.report.counts.errors === 0;
  return run.report;
}

/** One run of {@link validateJsonl}: the report, and what is tracked across files (duplicate image_urls). */
class Validation {
  readonly report: ValidationReport;
  private readonly displays: string[];
  /** image_url → where it was first seen: line × files + file index. */
  private readonly seen = new Map<string, number>();
  constructor(
    private readonly files: readonly string[],
    private readonly options: ValidateOptions,
    private readonly imagesRoot: string | undefined,
    private readonly headers: HeaderReader,
  ) {
    this.displays = files.map(displayFile);
    this.report = {
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
  }

  emit(file: string, line: number | undefined, code: FindingCode, path: string | undefined, detail: string): void {
    const { severity } = FINDING_CODES[code];
    // Keys in the order SPEC §6 lists them: file, line, path, code, severity, message.
    const f = { file, ...(line === undefined ? {} : { line }), ...(path === undefined ? {} : { path }), code, severity, message: `${formatLocation({ file, line, path })}: ${detail}` } as Finding;
    const counts = this.report.counts;
    if (severity === 'error') counts.errors++;
    else counts.warnings++;
    counts.byCode[code] = (counts.byCode[code] ?? 0) + 1;
    if (this.options.collect ?? true) this.report.findings.push(f);
    this.options.onFinding?.(f);
  }

  failLoad(file: string): void {
    if (!this.report.failedLoads.includes(file)) this.report.failedLoads.push(file);
  }

  /** Checks file `fi`: its lines in order, the findings of each line after its image's (with --images-root). */
  async file(fi: number): Promise<void> {
    const file = this.displays[fi]!;
    const abs = this.files[fi] === '-' ? '-' : resolve(this.files[fi]!);
    const problem = await fileProblem(abs);
    if (problem) {
      this.emit(file, undefined, 'FILE_UNREADABLE', undefined, problem);
      this.failLoad(file);
      return;
    }
    const state = new FileState(this, file, fi, this.options.task ? { task: this.options.task, reason: '--task' } : undefined);
    try {
      const max = this.options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
      for await (const { line, text, bom, tooLong } of readJsonlLines(abs === '-' ? (this.options.stdin ?? process.stdin) : abs, { maxLineBytes: max, tooLong: 'yield' })) {
        state.lines = line;
        this.report.lines++;
        if (line % 1024 === 0 && this.options.signal?.aborted) throw new ConversionError('INTERRUPTED', 'interrupted', {}, { exitCode: 130 });
        if (tooLong !== undefined) {
          await state.drain();
          for (const b of state.pendingBlank) this.emit(file, b, 'BLANK_LINE', undefined, BLANK_DETAIL);
          state.pendingBlank = [];
          this.emit(file, line, 'LINE_TOO_LONG', undefined, `${lineTooLongDetail(tooLong, max)}; the data load fails`);
          this.failLoad(file);
          continue;
        }
        await this.line(state, line, text, bom === true);
      }
      await state.drain();
    } catch (e) {
      if (e instanceof ConversionError) throw e;
      await state.drain();
      this.emit(file, undefined, 'FILE_UNREADABLE', undefined, `cannot read the file: ${(e as Error).message}`);
      this.failLoad(file);
      return;
    }
    if (state.lines === 0 || state.pendingBlank.length === state.lines) {
      this.emit(file, undefined, 'EMPTY_FILE', undefined, 'expected one JSON line per image, got no lines: AutoML has no images to load from it');
    } else for (const b of state.pendingBlank) this.emit(file, b, 'BLANK_LINE', undefined, BLANK_DETAIL);
    this.report.tasks[file] = state.expected?.task ?? null;
  }

  /** Checks one line of a file (blank lines wait: only those before a non-blank line are inside the file). */
  private async line(state: FileState, line: number, text: string, bom: boolean): Promise<void> {
    if (text.trim() === '') {
      state.pendingBlank.push(line);
      return;
    }
    const { file } = state;
    const found: PendingLine['findings'] = [];
    if (bom) found.push([line, 'BOM', undefined, 'expected JSON, got a byte-order mark first: readers that do not expect one fail on this line']);
    // The decoder turns bytes that are not UTF-8 into U+FFFD (a real U+FFFD in a dataset is unlikely).
    if (text.includes('\ufffd')) {
      found.push([line, 'NOT_UTF8', undefined, `expected UTF-8 text, got bytes that are not UTF-8 (at column ${text.indexOf('\ufffd') + 1}): the data load fails`]);
      this.failLoad(file);
    }
    for (const b of state.pendingBlank) found.push([b, 'BLANK_LINE', undefined, BLANK_DETAIL]);
    state.pendingBlank = [];
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      found.push([line, 'JSON_MALFORMED', undefined, `expected a JSON object, got malformed JSON (${(e as Error).message}): the data load fails`]);
      this.failLoad(file);
      await state.report({ line, findings: found, check: EMPTY_CHECK, image: undefined });
      return;
    }
    const check = checkLine(value, state.expected);
    if (isObject(value)) this.report.images++;
    for (const lf of check.findings) found.push([line, lf.code, lf.path, lf.detail]);
    if (check.findings.some((lf) => FINDING_CODES[lf.code].effect === 'load')) this.failLoad(file);
    if (state.expected === undefined) this.learnTask(state, line, value, check, found);
    const dropped = this.report.dropped;
    if (check.imageDropped) dropped.images++;
    dropped.objects += check.objectsDropped;
    dropped.rings += check.ringsDropped;
    if (check.imageUrl !== undefined) this.checkDuplicate(state, line, check.imageUrl, found);
    const image =
      this.imagesRoot === undefined || check.imageUrl === undefined
        ? undefined
        : checkImage(check.imageUrl, (value as Record<string, unknown>)['image_details'], this.imagesRoot, this.options.baseUrl ?? '', this.headers);
    image?.catch(() => undefined); // awaited in order by flush; no unhandled rejection meanwhile
    await state.report({ line, findings: found, check, image });
  }

  /** The file's task, from its first labelled line; `label: []` before it fits every task but multi-class. */
  private learnTask(state: FileState, line: number, value: unknown, check: LineCheck, found: PendingLine['findings']): void {
    if (check.task !== undefined) {
      state.expected = { task: check.task, reason: `as on line ${line}` };
      if (check.task === 'multi-class') {
        for (const early of state.emptyBefore) {
          found.push([early, 'MIXED_TASKS', 'label', `expected ${TASK_NOUN['multi-class']} (${state.expected.reason}), got an empty list: the image is dropped`]);
          this.report.dropped.images++;
        }
      }
      state.emptyBefore = [];
    } else if (isObject(value) && Array.isArray(value['label']) && value['label'].length === 0) state.emptyBefore.push(line);
  }

  private checkDuplicate(state: FileState, line: number, url: string, found: PendingLine['findings']): void {
    const n = this.files.length;
    const first = this.seen.get(url);
    if (first === undefined) {
      if (this.seen.size < MAX_TRACKED_URLS) this.seen.set(url, line * n + state.index);
      return;
    }
    const firstFile = first % n;
    const firstLine = Math.floor(first / n);
    const where = firstFile === state.index ? `line ${firstLine}` : `${this.displays[firstFile]}:${firstLine}`;
    found.push([line, 'DUPLICATE_IMAGE_URL', 'image_url', `expected each image once, got ${fmt(url)} again (first on ${where})`]);
  }

  /** Emits a line's findings and then its image's; an image AutoML cannot open is dropped with its objects. */
  async flush(file: string, p: PendingLine): Promise<void> {
    for (const [l, code, path, detail] of p.findings) this.emit(file, l, code, path, detail);
    if (!p.image) return;
    const found = await p.image;
    for (const [code, path, detail] of found) this.emit(file, p.line, code, path, detail);
    if (found.some(([code]) => FINDING_CODES[code].effect === 'image') && !p.check.imageDropped) {
      const dropped = this.report.dropped;
      dropped.images++;
      dropped.objects -= p.check.objectsDropped;
      dropped.rings -= p.check.ringsDropped;
    }
  }
}

/** What is known while one file is read. */
class FileState {
  lines = 0;
  pendingBlank: number[] = [];
  /** Lines with `label: []` before the file's task is known. */
  emptyBefore: number[] = [];
  /**
   * Lines whose image is being read (with --images-root): their findings wait here so that every
   * finding comes out in line order while up to IMAGE_READS_IN_FLIGHT headers are read at once.
   */
  private readonly queue: PendingLine[] = [];

  constructor(
    private readonly run: Validation,
    readonly file: string,
    readonly index: number,
    public expected: ExpectedTask | undefined,
  ) {}

  /** A line checked: emitted now, or queued behind the lines whose images are still being read. */
  async report(p: PendingLine): Promise<void> {
    if (p.image === undefined && this.queue.length === 0) return this.run.flush(this.file, p);
    this.queue.push(p);
    if (this.queue.length > IMAGE_READS_IN_FLIGHT) await this.run.flush(this.file, this.queue.shift()!);
  }

  async drain(): Promise<void> {
    while (this.queue.length > 0) await this.run.flush(this.file, this.queue.shift()!);
  }
}

/** The findings about the image an `image_url` names (with --images-root). */
async function checkImage(url: string, details: unknown, imagesRoot: string, baseUrl: string, headers: HeaderReader): Promise<[FindingCode, string, string][]> {
  const out: [FindingCode, string, string][] = [];
  const add = (code: FindingCode, path: string, detail: string) => void out.push([code, path, detail]);
  let rel = url;
  if (baseUrl && rel.startsWith(baseUrl)) rel = rel.slice(baseUrl.length);
  else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rel)) {
    add('IMAGE_NOT_FOUND', 'image_url', `expected a path under --images-root, got the URL ${fmt(url)}: pass --base-url with the prefix to remove`);
    return out;
  }
  const abs = resolve(imagesRoot, rel.replace(/^\/+/, ''));
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
