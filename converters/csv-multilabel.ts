/**
 * csv-multilabel (alias `csv`): a labels CSV + an images folder → multi-label.
 *
 * @example
 *   multilabelFridgeObjects/labels.csv   filename,labels
 *                                        1.jpg,can milk_bottle
 *   →  {"image_url":"images/1.jpg","image_details":{"format":"jpg","width":499,"height":666},"label":["can","milk_bottle"]}
 *
 * Two forms of CSV, both with a header row:
 * - list form (the official `labels.csv`): a filename column and a labels column whose labels are
 *   separated by runs of whitespace (or by `--label-separator`);
 * - one-hot form (`image,dog,cat,person`): a filename column and one 0/1 column per label.
 *
 * Columns are found by name (see {@link FILENAME_NAMES}, {@link LABELS_NAMES}) or named with
 * `--filename-column` / `--labels-column` / `--one-hot`. Images are looked up in `--images`
 * (default: `images/` beside the CSV); `image_url` is relative to the CSV's folder (so
 * `images/1.jpg`), or to `--root`. The CSV is streamed; image headers are read as rows arrive
 * (synchronously while the disk answers fast, else up to {@link IO_CONCURRENCY} at once: see
 * HeaderReader) and results come out in CSV order. A bad row (missing or unreadable image, empty
 * filename, duplicate, ragged row, bad 0/1 cell, a path leaving the images folder) is a bad item;
 * a CSV syntax error (an unterminated quote) is fatal for the file.
 */
import { CsvError, parse } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { mapOrdered } from '../src/concurrency.js';
import { ConversionError, describeValue } from '../src/errors.js';
import { extensionOf, HeaderReader, isImageName, readImageDetails } from '../src/images.js';
import { compareKeys, relativeKey } from '../src/paths.js';
import { defineConverter } from '../src/kit/define.js';
import { flag, OptionValueError, text, type OptionValues } from '../src/options.js';
import type { ConverterContext, ImageRecord } from '../src/types.js';

/**
 * The CSV is read in chunks of this size, each parsed into one batch of rows. Small, so that fewer
 * short-lived objects (records, rows) outlive a young-generation collection: measured, 64 KiB
 * chunks cost ~45 ms more CPU than 16 KiB (or 4 KiB) ones on 20,000 rows.
 */
export const CSV_CHUNK_BYTES = 16 * 1024;

/** How many image headers are read at once. */
export const IO_CONCURRENCY = 64;

/** Header names taken as the filename column, in order of preference (case-insensitive). */
export const FILENAME_NAMES = ['filename', 'file_name', 'file', 'image', 'image_name', 'image_path', 'image_url', 'path', 'img', 'name'];
/** Header names taken as the labels column of the list form, in order of preference (case-insensitive). */
export const LABELS_NAMES = ['labels', 'label', 'tags', 'tag', 'label_names', 'label_name', 'classes', 'class', 'categories', 'category'];

/** The file looked for when the input is a folder. */
export const DEFAULT_CSV_NAME = 'labels.csv';

/** How the header was read: which column holds what. */
export type CsvLayout =
  | { form: 'list'; columns: string[]; filename: number; labels: number }
  | { form: 'one-hot'; columns: string[]; filename: number; labelColumns: number[] };

/** The converter's own options, checked. */
type CsvOptions = OptionValues<typeof OPTIONS>;

const norm = (s: string) => s.trim().toLowerCase();

function findColumn(columns: readonly string[], names: readonly string[]): number {
  const lower = columns.map(norm);
  for (const n of names) {
    const i = lower.indexOf(n);
    if (i >= 0) return i;
  }
  return -1;
}

/**
 * Decides the form and the columns from the header row and the options.
 *
 * - filename column: `--filename-column`, else the first header named like {@link FILENAME_NAMES},
 *   else the first column;
 * - list form when `--labels-column` is given, or a header is named like {@link LABELS_NAMES}, or
 *   the header has exactly two columns (and `--one-hot` is not given); the labels column is then
 *   that one (or the column that is not the filename);
 * - one-hot form otherwise (or with `--one-hot`): every other column is a label named by its header.
 *
 * @throws ConversionError `CSV_HEADER`
 */
export function csvLayout(header: readonly string[], opts: Pick<CsvOptions, 'filenameColumn' | 'labelsColumn' | 'oneHot' | 'delimiter'>, file: string): CsvLayout {
  const columns = header.map((c) => c.trim());
  const loc = { file, line: 1 };
  const shown = JSON.stringify(columns.join(opts.delimiter));
  if (columns.length < 2) {
    const hint = /[;\t|]/.test(columns[0] ?? '') ? `; if the columns are separated by something else than ${JSON.stringify(opts.delimiter)}, use --delimiter` : '';
    throw new ConversionError('CSV_HEADER', `expected a header with a filename column and labels (e.g. "filename,labels"), got 1 column ${shown}${hint}`, loc);
  }
  const named = (flag: string, name: string): number => {
    const i = columns.findIndex((c) => c === name.trim());
    const j = i >= 0 ? i : columns.findIndex((c) => norm(c) === norm(name));
    if (j < 0) throw new ConversionError('CSV_HEADER', `${flag}: expected one of the header's columns ${shown}, got ${JSON.stringify(name)}`, loc);
    return j;
  };
  let filename = opts.filenameColumn !== undefined ? named('--filename-column', opts.filenameColumn) : findColumn(columns, FILENAME_NAMES);
  if (filename < 0) filename = 0;
  if (isImageName(columns[filename]!)) {
    throw new ConversionError('CSV_HEADER', `expected a header row first (e.g. "filename,labels"), got what looks like an image row ${shown}`, loc);
  }
  if (opts.oneHot && opts.labelsColumn !== undefined) {
    throw new ConversionError('USAGE', '--one-hot and --labels-column exclude each other: a one-hot CSV has one column per label', {}, { exitCode: 2 });
  }
  if (!opts.oneHot) {
    let labels = opts.labelsColumn !== undefined ? named('--labels-column', opts.labelsColumn) : findColumn(columns.map((c, i) => (i === filename ? '' : c)), LABELS_NAMES);
    if (labels < 0 && columns.length === 2) labels = 1 - filename;
    if (labels === filename) {
      throw new ConversionError('CSV_HEADER', `expected different filename and labels columns, got ${JSON.stringify(columns[filename])} for both`, loc);
    }
    if (labels >= 0) return { form: 'list', columns, filename, labels };
  }
  const labelColumns = columns.map((_, i) => i).filter((i) => i !== filename);
  const seen = new Map<string, number>();
  for (const i of labelColumns) {
    const name = columns[i]!;
    if (name === '') throw new ConversionError('CSV_HEADER', `one-hot header: expected a label name for column ${i + 1}, got an empty name`, loc);
    const before = seen.get(name);
    if (before !== undefined) {
      throw new ConversionError('CSV_HEADER', `one-hot header: expected each label once, got ${JSON.stringify(name)} in columns ${before + 1} and ${i + 1}`, loc);
    }
    seen.set(name, i);
  }
  return { form: 'one-hot', columns, filename, labelColumns };
}

/** Whitespace other than the space character. */
const OTHER_WHITESPACE = /[^\S ]/;

/** Labels of a list-form cell: split on runs of whitespace (or `separator`), trimmed, no empties, no repeats. */
export function splitLabels(cell: string, separator?: string): string[] {
  // Split on single spaces when no other whitespace is there (the same parts, but for empty ones,
  // which are dropped below): a string split costs less than a regex split per row.
  const parts = separator !== undefined && separator !== '' ? cell.split(separator) : OTHER_WHITESPACE.test(cell) ? cell.split(/\s+/) : cell.split(' ');
  const out: string[] = [];
  // A few labels per cell as a rule: a linear search beats a Set per row; a Set for long cells.
  const seen = parts.length > 16 ? new Set<string>() : undefined;
  for (const p of parts) {
    const l = p.trim();
    if (l === '' || (seen ? seen.has(l) : out.includes(l))) continue;
    seen?.add(l);
    out.push(l);
  }
  return out;
}

/** One data row, read and checked against the header (images not yet opened). */
type Row =
  | { kind: 'ok'; line: number; abs: string; key: string; labels: string[] }
  | { kind: 'bad'; error: ConversionError }
  | { kind: 'fatal'; error: ConversionError };

const NEWLINES = /\r\n|\n|\r/g;

/**
 * The line on which an unterminated quote opens: the first `"` after the last complete record
 * (which ended on `lastEndLine`, at byte `fromByte`). Read again from the file, only on this error.
 */
async function quoteLine(csvPath: string, fromByte: number, lastEndLine: number): Promise<number> {
  let line = lastEndLine + 1;
  let prevCR = false;
  for await (const chunk of createReadStream(csvPath, { start: fromByte }) as AsyncIterable<Buffer>) {
    for (const b of chunk) {
      if (b === 0x22) return line;
      if (b === 0x0a) {
        if (!prevCR) line++;
      } else if (b === 0x0d) line++;
      prevCR = b === 0x0d;
    }
  }
  return line;
}

/** Where the last complete record ended: our line count, csv-parse's own, and the byte after it. */
interface LastRecord {
  line: number;
  parserLine: number;
  byte: number;
}

async function csvSyntaxError(err: CsvError, file: string, csvPath: string, last: LastRecord): Promise<ConversionError> {
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
    const line = await quoteLine(csvPath, last.byte, last.line);
    return new ConversionError('CSV_PARSE', 'unterminated quote: expected a closing " before the end of the file, got none (nothing after this line can be read)', { file, line }, { cause: err });
  }
  // csv-parse's line numbers drift after a CRLF inside quotes: count from the last good record.
  const line = typeof err.lines === 'number' ? last.line + (err.lines - last.parserLine) : undefined;
  const what = err.message.replace(/ at line \d+/, '').replace(/^[^:]*: /, '');
  return new ConversionError('CSV_PARSE', `malformed CSV: ${what}`, { file, line }, { cause: err });
}

/** A parsed record and the byte offset just after it (its record delimiter included). */
interface Parsed {
  record: string[];
  endByte: number;
  /** csv-parse's line count at the end of the record. */
  parserLine: number;
}

/**
 * Line numbers as an editor shows them (CRLF, LF or CR each end one line), from byte offsets that
 * only grow. Holds the chunks not yet scanned.
 */
class LineCounter {
  private chunks: Buffer[] = [];
  /** Offset of the next unscanned byte in `chunks[0]`. */
  private offset = 0;
  private pos = 0;
  private breaks = 0;
  private prevCR = false;
  private lastByte = -1;

  add(chunk: Buffer): void {
    this.chunks.push(chunk);
  }

  /** The line of the record that ends (delimiter included) just before byte `end`. */
  lineEndingAt(end: number): number {
    while (this.pos < end && this.chunks.length > 0) {
      const c = this.chunks[0]!;
      const start = this.offset;
      const stop = Math.min(c.length, start + (end - this.pos));
      let breaks = this.breaks;
      let prevCR = this.prevCR;
      for (let i = start; i < stop; i++) {
        const b = c[i]!;
        if (b === 0x0a) {
          if (!prevCR) breaks++;
          prevCR = false;
        } else if (b === 0x0d) {
          breaks++;
          prevCR = true;
        } else prevCR = false;
      }
      this.breaks = breaks;
      this.prevCR = prevCR;
      this.lastByte = c[stop - 1]!;
      this.pos += stop - start;
      if (stop === c.length) {
        this.chunks.shift();
        this.offset = 0;
      } else this.offset = stop;
    }
    // A record closed by a line break ends on the line before it; the last one may have none.
    return this.lastByte === 0x0a || this.lastByte === 0x0d ? this.breaks : this.breaks + 1;
  }
}

/**
 * csv-parse's synchronous core, which its stream wraps (`parser.api`, csv-parse 6): `parse` takes a
 * chunk (or `undefined` with `end`), calls `push` for each record, and returns the syntax error, if
 * any; `info` holds the bytes and lines read so far, current when `push` is called.
 */
interface CsvCore {
  info: { bytes: number; lines: number };
  parse(chunk: Buffer | undefined, end: boolean, push: (record: string[]) => void, close: () => void): Error | undefined;
}

/**
 * Streams the CSV's rows: the header decides the layout; each data row becomes a {@link Row}.
 * The file is read in {@link CSV_CHUNK_BYTES} chunks and each chunk is parsed in one go (split
 * here while the file holds no quote, else by csv-parse's core, which calls `push` synchronously)
 * and yielded as one batch, so rows cost no stream round trip each.
 */
async function* readRows(ctx: ConverterContext, csvPath: string, opts: CsvOptions, imagesDir: string, root: string, firstLine: Map<string, number>): AsyncGenerator<Row[]> {
  const file = ctx.display(csvPath);
  let batch: Parsed[] = [];
  // Quote-free input (the usual case) is split here, record by record, with csv-parse's semantics
  // for these options (see fastRecord); at the first chunk holding a `"` (or a UTF-16 BOM), the rest
  // of the file, from the end of the last record, goes to csv-parse.
  const delimiter = opts.delimiter;
  let fast = delimiter.charCodeAt(0) < 0x80;
  let first = true;
  /** Bytes after the last complete record (fast path), and the file offset of their first byte. */
  let pending: Buffer | undefined;
  let base = 0;
  let parser: ReturnType<typeof parse> | undefined;
  let core: CsvCore | undefined;
  let coreBase = 0;
  const noClose = (): void => {};
  const push = (record: string[]): void => {
    batch.push({ record, endByte: coreBase + core!.info.bytes, parserLine: core!.info.lines });
  };
  /** csv-parse from file offset `from` (a record boundary; `from` 0: BOM detection on). */
  const startCore = (from: number): CsvCore => {
    parser = parse({
      bom: from === 0,
      delimiter,
      record_delimiter: ['\r\n', '\n', '\r'],
      trim: true,
      skip_empty_lines: true,
      skip_records_with_empty_values: true,
      relax_column_count: true,
    });
    // The parser's synchronous core, fed chunk by chunk: each record comes to `push` with no stream
    // round trip and no per-record info object (`on_record` builds one for every record); the byte
    // and line counts are read off `info` as the record arrives. See {@link CsvCore}.
    const api = (parser as unknown as { api?: CsvCore }).api;
    if (api === undefined || typeof api.parse !== 'function' || typeof api.info !== 'object') {
      throw new Error('csv-parse: expected the parser to expose its synchronous core (api.parse, api.info); its internals changed');
    }
    coreBase = from;
    // Lines count from 1 again: the last record (if any) ended on line 0 of this parser.
    last.parserLine = 0;
    return api;
  };
  /**
   * One quote-free record, bytes `s` to `e` of `data`, as csv-parse gives it with `trim`: each field
   * loses leading spaces, tabs and form feeds and trailing whitespace (String#trimEnd); a record whose
   * fields are all empty (an empty line too) is skipped. Decoded as UTF-8 line by line, which gives
   * the same text as field by field since the delimiter is ASCII.
   */
  const fastRecord = (data: Buffer, s: number, e: number, endByte: number): void => {
    if (s === e) return;
    const record = data.toString('utf8', s, e).split(delimiter);
    let empty = true;
    for (let k = 0; k < record.length; k++) {
      const f = record[k]!;
      let j = 0;
      for (let c = f.charCodeAt(0); c === 0x20 || c === 0x09 || c === 0x0c; c = f.charCodeAt(++j));
      const t = (j > 0 ? f.slice(j) : f).trimEnd();
      record[k] = t;
      if (t !== '') empty = false;
    }
    if (!empty) batch.push({ record, endByte, parserLine: 0 });
  };
  /** The complete records of `data` (file offset `base`) from `start`; returns where the rest begins. */
  const fastRecords = (data: Buffer, start: number, end: boolean): number => {
    let s = start;
    const n = data.length;
    for (let i = start; i < n; i++) {
      const b = data[i]!;
      if (b !== 0x0a && b !== 0x0d) continue;
      let len = 1;
      if (b === 0x0d) {
        if (i + 1 < n) {
          if (data[i + 1] === 0x0a) len = 2;
        } else if (!end) return s; // a CR last: a CRLF may continue in the next chunk
      }
      fastRecord(data, s, i, base + i + len);
      i += len - 1;
      s = i + 1;
    }
    if (end && s < n) {
      fastRecord(data, s, n, base + n);
      s = n;
    }
    return s;
  };
  let failure: unknown;
  const input = createReadStream(csvPath, { highWaterMark: CSV_CHUNK_BYTES });
  const rc: RowContext = { file, imagesDir, root, imagesPrefix: imagesPrefixOf(root, imagesDir), firstLine, ctx };
  let layout: CsvLayout | undefined;
  const last: LastRecord = { line: 0, parserLine: 0, byte: 0 };
  const lines = new LineCounter();
  function drain(): Row[] {
    const records = batch;
    const rows: Row[] = [];
    batch = [];
    for (const { record, endByte, parserLine } of records) {
      // csv-parse counts a CRLF inside quotes as two lines; count lines as an editor shows them.
      const endLine = lines.lineEndingAt(endByte);
      let inside = 0;
      for (const cell of record) if (cell.length > 0 && (cell.includes('\n') || cell.includes('\r'))) inside += cell.match(NEWLINES)?.length ?? 0;
      last.line = endLine;
      last.parserLine = parserLine;
      last.byte = endByte;
      if (layout === undefined) layout = csvLayout(record, opts, file);
      else rows.push(rowOf(record, endLine - inside, layout, opts, rc));
    }
    return rows;
  }
  try {
    try {
      for await (const chunk of input as AsyncIterable<Buffer>) {
        lines.add(chunk);
        if (core !== undefined) failure = core.parse(chunk, false, push, noClose);
        else {
          const data = pending === undefined || pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
          let start = 0;
          if (first) {
            first = false;
            if (data.length < 3 || (data[0] === 0xff && data[1] === 0xfe)) fast = false;
            else if (data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf) start = 3;
          }
          if (fast && data.indexOf(0x22, start) >= 0) fast = false;
          if (fast) {
            const used = fastRecords(data, start, false);
            pending = data.subarray(used);
            base += used;
          } else {
            pending = undefined;
            core = startCore(base);
            failure = core.parse(data, false, push, noClose);
          }
        }
        const rows = drain();
        if (rows.length > 0) yield rows;
        if (failure !== undefined) break;
      }
      if (failure === undefined) {
        if (core !== undefined) failure = core.parse(undefined, true, push, noClose);
        else if (pending !== undefined && pending.length > 0) fastRecords(pending, 0, true);
        const rows = drain();
        if (rows.length > 0) yield rows;
      }
    } catch (e) {
      const errno = (e as NodeJS.ErrnoException).code;
      if (errno === 'ENOENT' || errno === 'EACCES' || errno === 'EISDIR' || errno === 'EIO') {
        throw new ConversionError('INPUT_NOT_FOUND', `cannot read the CSV: ${(e as Error).message}`, { file });
      }
      throw e;
    }
    if (failure !== undefined) {
      if (failure instanceof CsvError) {
        yield [{ kind: 'fatal', error: await csvSyntaxError(failure, file, csvPath, last) }];
        return;
      }
      throw failure;
    }
  } finally {
    input.destroy();
    parser?.destroy();
  }
  if (layout === undefined) {
    throw new ConversionError('EMPTY_DATASET', 'the CSV is empty: expected a header row and one row per image', { file });
  }
}

/** `images/` when the images folder is `<root>/images`; `''` when it is the root; undefined when outside. */
function imagesPrefixOf(root: string, imagesDir: string): string | undefined {
  if (root === imagesDir) return '';
  const rel = relativeKey(root, imagesDir);
  return rel === undefined ? undefined : rel + '/';
}

interface RowContext {
  file: string;
  imagesDir: string;
  root: string;
  /** The images folder relative to the root, with a trailing `/` (see {@link imagesPrefixOf}). */
  imagesPrefix: string | undefined;
  firstLine: Map<string, number>;
  ctx: ConverterContext;
}

/** A bad row: its error, located at the CSV line. */
function badRow(code: ConstructorParameters<typeof ConversionError>[0], detail: string, file: string, line: number): Row {
  return { kind: 'bad', error: new ConversionError(code, detail, { file, line }) };
}

function rowOf(record: string[], line: number, layout: CsvLayout, opts: CsvOptions, rc: RowContext): Row {
  const n = layout.columns.length;
  if (record.length !== n) {
    const hint = record.length > n && layout.form === 'list' ? `; quote a field that contains ${JSON.stringify(opts.delimiter)}, and separate labels with spaces` : '';
    return badRow('CSV_PARSE', `expected ${n} fields (${layout.columns.join(opts.delimiter)}), got ${record.length}${hint}`, rc.file, line);
  }
  const name = record[layout.filename]!;
  if (name === '') return badRow('CSV_EMPTY_FILENAME', `expected a file name in column ${JSON.stringify(layout.columns[layout.filename])}, got an empty cell`, rc.file, line);
  let labels: string[];
  if (layout.form === 'list') {
    labels = splitLabels(record[layout.labels]!, opts.labelSeparator);
  } else {
    labels = [];
    for (const i of layout.labelColumns) {
      const v = record[i]!;
      if (v === '1') labels.push(layout.columns[i]!);
      else if (v !== '0') return badRow('CSV_BAD_VALUE', `column ${JSON.stringify(layout.columns[i])}: expected 0 or 1, got ${describeValue(v)}`, rc.file, line);
    }
  }
  let abs: string;
  let key: string | undefined;
  if (rc.imagesPrefix !== undefined && isPlainName(name)) {
    // The usual case, a bare file name: no path arithmetic needed.
    abs = rc.imagesDir + sep + name;
    key = rc.imagesPrefix + name;
  } else {
    // CSV paths are portable: a Windows `\` separates folders as `/` does.
    abs = resolve(rc.imagesDir, name.replaceAll('\\', '/'));
    if (relativeKey(rc.imagesDir, abs) === undefined) {
      return badRow('PATH_OUTSIDE_ROOT', `expected a file inside the images folder ${rc.ctx.display(rc.imagesDir)}, got ${describeValue(name)}`, rc.file, line);
    }
    key = relativeKey(rc.root, abs);
  }
  if (key === undefined) {
    return badRow('PATH_OUTSIDE_ROOT', `expected an image inside --root ${rc.ctx.display(rc.root)}, got ${describeValue(name)} (in ${rc.ctx.display(rc.imagesDir)})`, rc.file, line);
  }
  const before = rc.firstLine.get(key);
  if (before !== undefined) {
    return badRow('CSV_DUPLICATE_ROW', `expected each image once, got ${describeValue(name)} again (first on line ${before}); this row is left out`, rc.file, line);
  }
  rc.firstLine.set(key, line);
  return { kind: 'ok', line, abs, key, labels };
}

/** A file name without folders or dots-only names, that joins to the images folder as it is. */
function isPlainName(name: string): boolean {
  return !name.includes('/') && !name.includes('\\') && name !== '.' && name !== '..';
}

/** The CSV to read: the input file, or `labels.csv` in the input folder. */
async function locateCsv(ctx: ConverterContext): Promise<string> {
  const s = await stat(ctx.input);
  if (s.isFile()) return ctx.input;
  if (s.isDirectory()) {
    const inside = join(ctx.input, DEFAULT_CSV_NAME);
    try {
      if ((await stat(inside)).isFile()) return inside;
    } catch {
      // reported below
    }
    throw new ConversionError('INPUT_LAYOUT', `expected a CSV file, or a folder with ${DEFAULT_CSV_NAME}, got a folder without ${DEFAULT_CSV_NAME}`, { file: ctx.display(ctx.input) });
  }
  throw new ConversionError('INPUT_LAYOUT', 'expected a CSV file, got something else', { file: ctx.display(ctx.input) });
}

async function* run(ctx: ConverterContext<CsvOptions>): AsyncGenerator<ImageRecord> {
  const opts = ctx.own;
  const csvPath = await locateCsv(ctx);
  const csvDir = dirname(csvPath);
  const imagesDir = opts.images !== undefined ? resolve(opts.images) : join(csvDir, 'images');
  const root = ctx.options.root ?? (imagesDir === csvDir || relativeKey(csvDir, imagesDir) !== undefined ? csvDir : dirname(imagesDir));
  const withDetails = ctx.options.imageDetails;
  if (withDetails) {
    let isDir = false;
    try {
      isDir = (await stat(imagesDir)).isDirectory();
    } catch {
      isDir = false;
    }
    if (!isDir) {
      const how = opts.images !== undefined ? '--images' : `the default images/ beside ${basename(csvPath)}`;
      throw new ConversionError('INPUT_LAYOUT', `expected an images folder at ${ctx.display(imagesDir)} (${how}), got none; name it with --images <dir>`, {
        file: ctx.display(imagesDir),
      });
    }
  }
  const named = new Map<string, number>();
  const rows = readRows(ctx, csvPath, opts, imagesDir, root, named);
  const stems = new StemIndex();
  const headers = withDetails ? await HeaderReader.for(imagesDir) : new HeaderReader();
  const csvFile = ctx.display(csvPath);
  type Result = Row | { kind: 'record'; record: ImageRecord };
  /** The result without waiting, when the header reads synchronously (or is not read); else undefined. */
  const quick = (row: Row): Result | undefined => {
    if (row.kind !== 'ok') return row;
    if (!withDetails) return { kind: 'record', record: { path: row.key, label: row.labels } };
    const details = headers.readSync(row.abs);
    return details && { kind: 'record', record: { path: row.key, details, label: row.labels } };
  };
  /** The result, reading the header asynchronously (errors, and names without an extension, come here). */
  const settle = async (row: Row): Promise<Result> => {
    if (row.kind !== 'ok') return row;
    if (!withDetails) return { kind: 'record', record: { path: row.key, label: row.labels } };
    let abs = row.abs;
    let key = row.key;
    let note = '';
    for (let attempt = 0; ; attempt++) {
      try {
        const details = await readImageDetails(abs, ctx.display(abs));
        if (attempt > 0) {
          ctx.count('extensionsAdded');
          named.set(key, row.line);
        }
        return { kind: 'record', record: { path: key, details, label: row.labels } };
      } catch (e) {
        if (!(e instanceof ConversionError)) throw e;
        if (e.code === 'IMAGE_NOT_FOUND' && attempt === 0 && extensionOf(row.abs) === '') {
          // A name without its extension (datumaro's Kaggle CSVs): the one image file with that stem.
          const found = await stems.lookup(row.abs);
          if (found.length === 1) {
            abs = found[0]!;
            key = row.key + abs.slice(row.abs.length);
            continue;
          }
          if (found.length > 1) note = ` (several files are named like it: ${found.map((f) => basename(f)).join(', ')}; name one with its extension)`;
        }
        // Name the CSV line that points at the image, and the image itself.
        const shown = ctx.display(row.abs);
        const detail = e.code === 'IMAGE_NOT_FOUND' ? `expected an image file at ${shown}, got no such file${note}` : `${shown}: ${e.detail}`;
        return { kind: 'bad', error: new ConversionError(e.code, detail, { file: csvFile, line: row.line }, { cause: e }) };
      }
    }
  };
  let done = 0;
  /** Reports a result in CSV order; the record to write, if any. */
  const take = (r: Result): ImageRecord | undefined => {
    ctx.progress(++done);
    if (r.kind === 'fatal') throw r.error;
    if (r.kind === 'bad') {
      ctx.bad(r.error);
      return undefined;
    }
    if (r.kind !== 'record') return undefined;
    if ((r.record.label as string[]).length === 0) ctx.count('imagesWithoutLabels');
    return r.record;
  };
  try {
    for (;;) {
      const next = await rows.next();
      if (next.done) break;
      const batch = next.value;
      // While headers read synchronously, rows go one by one with no promise each.
      let i = 0;
      for (; i < batch.length && (!withDetails || headers.synchronous); i++) {
        const record = take(quick(batch[i]!) ?? (await settle(batch[i]!)));
        if (record) yield record;
      }
      if (i < batch.length) {
        // Slow storage: the rest with up to IO_CONCURRENCY reads in flight, still in CSV order.
        const rest = async function* (): AsyncGenerator<Row> {
          yield* batch.slice(i);
          for (let n = await rows.next(); !n.done; n = await rows.next()) yield* n.value;
        };
        for await (const r of mapOrdered(rest(), IO_CONCURRENCY, settle)) {
          const record = take(r);
          if (record) yield record;
        }
        break;
      }
    }
  } finally {
    await rows.return(undefined);
  }
  if (withDetails) await reportUnlisted(ctx, imagesDir, root, named);
}

/** The image files of each folder by name without extension, read once per folder when needed. */
class StemIndex {
  private readonly dirs = new Map<string, Promise<Map<string, string[]>>>();

  /** The image files in `abs`'s folder whose name is `abs`'s name plus an image extension, sorted. */
  async lookup(abs: string): Promise<string[]> {
    const dir = dirname(abs);
    let index = this.dirs.get(dir);
    if (index === undefined) {
      index = readdir(dir).then(
        (names) => {
          const byStem = new Map<string, string[]>();
          for (const n of names.sort(compareKeys)) {
            if (n.startsWith('.') || !isImageName(n)) continue;
            const stem = n.slice(0, n.lastIndexOf('.'));
            const list = byStem.get(stem);
            if (list) list.push(n);
            else byStem.set(stem, [n]);
          }
          return byStem;
        },
        () => new Map<string, string[]>(),
      );
      this.dirs.set(dir, index);
    }
    return ((await index).get(basename(abs)) ?? []).map((n) => dir + sep + n);
  }
}

/** Warns about each image in the images folder (and its sub-folders) that no row names. */
async function reportUnlisted(ctx: ConverterContext, imagesDir: string, root: string, named: ReadonlyMap<string, number>): Promise<void> {
  const prefix = imagesPrefixOf(root, imagesDir);
  if (prefix === undefined) return; // every row failed already: the images folder lies outside the root
  const walk = async (dir: string, keyPrefix: string): Promise<void> => {
    // Only folders and unlisted images are sorted (usually few): every row's image drops out first.
    const entries = (await readdir(dir, { withFileTypes: true }))
      .filter((d) => !d.name.startsWith('.') && (d.isDirectory() || (isImageName(d.name) && !named.has(keyPrefix + d.name))))
      .sort((a, b) => compareKeys(a.name, b.name));
    for (const d of entries) {
      const abs = dir + sep + d.name;
      if (d.isDirectory()) await walk(abs, `${keyPrefix}${d.name}/`);
      else ctx.warn('MISSING_ANNOTATION', 'image in no CSV row: left out', { file: ctx.display(abs) });
    }
  };
  await walk(imagesDir, prefix);
}

function parseDelimiter(value: string): string {
  const v = value === '\\t' || value.toLowerCase() === 'tab' ? '\t' : value;
  if (v.length !== 1 || v === '"' || v === '\n' || v === '\r') throw new OptionValueError('expected one character (or "tab"), not a quote or a newline');
  return v;
}

function nonEmpty(value: string): string {
  if (value.trim() === '') throw new OptionValueError('expected a non-empty value');
  return value;
}

const OPTIONS = {
  images: text('--images <dir>', 'the folder the CSV file names are relative to (default: images/ beside the CSV)'),
  filenameColumn: text(
    '--filename-column <name>',
    `header of the file name column (default: the first of ${FILENAME_NAMES.slice(0, 5).join(', ')}, ..., else the first column)`,
    { check: nonEmpty },
  ),
  labelsColumn: text(
    '--labels-column <name>',
    `header of the space-separated labels column (default: the first of ${LABELS_NAMES.slice(0, 4).join(', ')}, ..., or the other column of a two-column CSV)`,
    { check: nonEmpty },
  ),
  oneHot: flag('--one-hot', 'one 0/1 column per label (detected when there is no labels column and more than two columns)'),
  labelSeparator: text('--label-separator <s>', 'split the labels cell on this string instead of runs of whitespace (e.g. ";")'),
  delimiter: text('--delimiter <c>', 'the CSV field delimiter (one character, or "tab")', { default: ',', check: parseDelimiter }),
};

export default defineConverter({
  name: 'csv-multilabel',
  alias: 'csv',
  description: 'labels CSV + images → multi-label',
  argument: '<csv>',
  example: 'automl-img convert csv ./multilabelFridgeObjects/labels.csv -o out/',
  samples: [{ input: 'samples/csv/labels.csv' }],
  task: 'multi-label',
  options: OPTIONS,
  run,
});
