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
 * `images/1.jpg`), or to `--root`. The CSV is streamed through csv-parse; image headers are read as
 * rows arrive (src/kit/headers.ts: synchronously while the disk answers fast, else many at once) and
 * results come out in CSV order. A bad row (missing or unreadable image, empty
 * filename, duplicate, ragged row, bad 0/1 cell, a path leaving the images folder) is a bad item;
 * a CSV syntax error (an unterminated quote) is fatal for the file.
 */
import type { CsvError, Options } from 'csv-parse';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { finished } from 'node:stream/promises';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { ConversionError, describeValue } from '../src/errors.js';
import { extensionOf, isImageName, readImageDetails } from '../src/images.js';
import { HeaderReader, readInOrder, type InOrderSteps } from '../src/kit/headers.js';
import { compareKeys, relativeKey } from '../src/paths.js';
import { defineConverter } from '../src/kit/define.js';
import CSV, { FILENAME_NAMES, LABELS_NAMES, OPTIONS } from './declarations/csv-multilabel.js';
import type { OptionValues } from '../src/options.js';
import type { ConverterContext, ImageRecord } from '../src/types.js';

/**
 * The CSV is read in chunks of this size, each parsed into one batch of rows. Small, so that fewer
 * short-lived objects (records, rows) outlive a young-generation collection: measured on 20,000
 * rows through csv-parse (bench/classify/ab.js, 15 runs each), 64 KiB chunks cost ~160 ms more CPU
 * than 16 KiB ones, and 4 KiB ones 30-50 ms less.
 */
export const CSV_CHUNK_BYTES = 4 * 1024;

/** The file looked for when the input is a folder. */
export const DEFAULT_CSV_NAME = 'labels.csv';

/** How the header was read: which column holds what. */
export type CsvLayout = { form: 'list'; columns: string[]; filename: number; labels: number } | { form: 'one-hot'; columns: string[]; filename: number; labelColumns: number[] };

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
    let labels =
      opts.labelsColumn !== undefined
        ? named('--labels-column', opts.labelsColumn)
        : findColumn(
            columns.map((c, i) => (i === filename ? '' : c)),
            LABELS_NAMES,
          );
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
type Row = { kind: 'ok'; line: number; abs: string; key: string; labels: string[] } | { kind: 'bad'; error: ConversionError } | { kind: 'fatal'; error: ConversionError };

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

/** One CSV record (not all of its fields empty) and the line it starts on. */
interface CsvRecord {
  fields: string[];
  line: number;
}

/**
 * csv-parse's options for our CSVs: fields trimmed, any line ending. No record is skipped by the
 * parser (every line ends one, empty lines too), so that lines can be counted record by record:
 * {@link csvRecords} leaves out the records whose fields are all empty.
 */
function csvParseOptions(delimiter: string): Options {
  return { bom: true, delimiter, record_delimiter: ['\r\n', '\n', '\r'], trim: true, relax_column_count: true };
}

const NEWLINES = /\r\n|\n|\r/g;

/** Line breaks inside a record's (quoted) fields. */
function lineBreaksIn(fields: readonly string[]): number {
  let breaks = 0;
  for (const cell of fields) if (cell.length > 0 && (cell.includes('\n') || cell.includes('\r'))) breaks += cell.match(NEWLINES)?.length ?? 0;
  return breaks;
}

/** What csv-parse's `skip_records_with_empty_values` leaves out: a record whose fields are all blank. */
const isBlankRecord = (fields: readonly string[]): boolean => fields.every((f) => f.trim() === '');

/** Resolves with the error a stream operation ends with, or undefined. */
const settled = (start: (done: (e?: Error | null) => void) => void): Promise<Error | undefined> => new Promise((resolve) => start((e) => resolve(e ?? undefined)));

/**
 * The CSV's records, each with the line it starts on, a batch per chunk of {@link CSV_CHUNK_BYTES}
 * read (so rows cost no stream round trip each), parsed by csv-parse's stream. Every line break
 * outside quotes ends a record, so a record starts one line after the one before it ends: its start
 * line plus the line breaks inside its quoted fields.
 * @throws ConversionError `CSV_PARSE` for a syntax error, after every record before it; a file system error
 */
async function* csvRecords(csvPath: string, delimiter: string, file: string): AsyncGenerator<CsvRecord[]> {
  // csv-parse is loaded by a run, not by every start of the CLI (the registry loads this file).
  const { CsvError, parse } = await import('csv-parse');
  const parser = parse(csvParseOptions(delimiter));
  let parsed: string[][] = [];
  const onData = (fields: string[]): void => void parsed.push(fields);
  parser.on('data', onData);
  // Errors come to the write callback and to `finished`; the event alone would be unhandled.
  parser.on('error', () => {});
  let line = 1;
  let taken = 0;
  const take = (): CsvRecord[] => {
    const records: CsvRecord[] = [];
    for (const fields of parsed) {
      if (!isBlankRecord(fields)) records.push({ fields, line });
      line += 1 + lineBreaksIn(fields);
    }
    taken += parsed.length;
    parsed = [];
    return records;
  };
  const input = createReadStream(csvPath, { highWaterMark: CSV_CHUNK_BYTES });
  try {
    let error: Error | undefined;
    for await (const chunk of input as AsyncIterable<Buffer>) {
      error = await settled((done) => parser.write(chunk, done));
      if (error !== undefined) break;
      const records = take();
      if (records.length > 0) yield records;
    }
    if (error === undefined) {
      parser.end();
      error = await finished(parser).then(
        () => undefined,
        (e: Error) => e,
      );
    }
    if (error === undefined) {
      const records = take();
      if (records.length > 0) yield records;
      return;
    }
    if (!(error instanceof CsvError)) throw error;
    parser.off('data', onData);
    const again = await parseToError(csvPath, delimiter, taken);
    parsed = again.rest;
    const records = take();
    if (records.length > 0) yield records;
    throw await csvSyntaxError(again.error, file, csvPath, again.last);
  } finally {
    input.destroy();
    parser.destroy();
  }
}

/** Where a record ends: the line as an editor counts it, csv-parse's own line count, and the byte after it. */
interface RecordEnd {
  line: number;
  parserLine: number;
  byte: number;
}

/**
 * After a syntax error only: parses the CSV again, each record with its position (`on_record`), up to
 * the error. Gives the error, where the last record before it ends, and the records after the first
 * `skip` (those the first pass had not delivered when it stopped).
 */
async function parseToError(csvPath: string, delimiter: string, skip: number): Promise<{ error: CsvError; last: RecordEnd | undefined; rest: string[][] }> {
  const lines = new LineCounter();
  const rest: string[][] = [];
  let last: RecordEnd | undefined;
  let count = 0;
  const { CsvError, parse } = await import('csv-parse');
  const parser = parse({
    ...csvParseOptions(delimiter),
    on_record: (fields: string[], info) => {
      last = { line: lines.lineEndingAt(info.bytes), parserLine: info.lines, byte: info.bytes };
      if (count++ >= skip) rest.push(fields);
      return null;
    },
  });
  parser.on('error', () => {});
  let error: Error | undefined;
  try {
    for await (const chunk of createReadStream(csvPath, { highWaterMark: CSV_CHUNK_BYTES }) as AsyncIterable<Buffer>) {
      lines.add(chunk);
      error = await settled((done) => parser.write(chunk, done));
      if (error !== undefined) break;
    }
    error ??= await settled((done) => parser.end(done));
  } finally {
    parser.destroy();
  }
  if (!(error instanceof CsvError)) throw new Error(`csv-parse: expected the syntax error again, got ${error === undefined ? 'none' : error.message}`);
  return { error, last, rest };
}

/** A CSV syntax error as `CSV_PARSE`, on its line: counted from `last`, the last complete record (if any). */
async function csvSyntaxError(err: CsvError, file: string, csvPath: string, last: RecordEnd | undefined): Promise<ConversionError> {
  const lastLine = last?.line ?? 0;
  if (err.code === 'CSV_QUOTE_NOT_CLOSED') {
    const line = await quoteLine(csvPath, last?.byte ?? 0, lastLine);
    return new ConversionError('CSV_PARSE', 'unterminated quote: expected a closing " before the end of the file, got none (nothing after this line can be read)', { file, line }, { cause: err });
  }
  // csv-parse's line numbers drift after a CRLF inside quotes: count from the last good record.
  const line = typeof err.lines === 'number' ? lastLine + (err.lines - (last?.parserLine ?? 0)) : undefined;
  const what = err.message.replace(/ at line \d+/, '').replace(/^[^:]*: /, '');
  return new ConversionError('CSV_PARSE', `malformed CSV: ${what}`, { file, line }, { cause: err });
}

/** A file system error reading the CSV as `INPUT_NOT_FOUND`; other errors as they are. */
function csvReadError(e: unknown, file: string): unknown {
  const errno = (e as NodeJS.ErrnoException).code;
  if (errno === 'ENOENT' || errno === 'EACCES' || errno === 'EISDIR' || errno === 'EIO') {
    return new ConversionError('INPUT_NOT_FOUND', `cannot read the CSV: ${(e as Error).message}`, { file });
  }
  return e;
}

/**
 * Streams the CSV's rows, a batch per chunk read: the header decides the layout; each data row
 * becomes a {@link Row} located at the line it starts on. A syntax error ends the rows with a fatal one.
 * @throws ConversionError `CSV_HEADER`, `EMPTY_DATASET`, `INPUT_NOT_FOUND`
 */
async function* readRows(csvPath: string, opts: CsvOptions, rc: RowContext): AsyncGenerator<Row[]> {
  let layout: CsvLayout | undefined;
  try {
    for await (const records of csvRecords(csvPath, opts.delimiter, rc.file)) {
      const rows: Row[] = [];
      for (const { fields, line } of records) {
        if (layout === undefined) layout = csvLayout(fields, opts, rc.file);
        else rows.push(rowOf(fields, line, layout, opts, rc));
      }
      if (rows.length > 0) yield rows;
    }
  } catch (e) {
    // Only csvRecords throws CSV_PARSE: a syntax error, fatal for the file.
    if (e instanceof ConversionError && e.code === 'CSV_PARSE') {
      yield [{ kind: 'fatal', error: e }];
      return;
    }
    throw csvReadError(e, rc.file);
  }
  if (layout === undefined) {
    throw new ConversionError('EMPTY_DATASET', 'the CSV is empty: expected a header row and one row per image', { file: rc.file });
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

/** A row's outcome once its image is read: the record to write, or the row (bad or fatal) as it was. */
type Result = Row | { kind: 'record'; record: ImageRecord };

/**
 * How a row becomes its result (see {@link readInOrder}): its header read synchronously when it can
 * be, else asynchronously, where errors get their messages and a name without its extension is
 * looked up by its stem. `headers` undefined: no image is opened.
 */
function rowSteps(ctx: ConverterContext<CsvOptions>, headers: HeaderReader | undefined, csvFile: string, named: Map<string, number>): InOrderSteps<Row, Result> {
  const stems = new StemIndex();
  return {
    quick(row) {
      if (row.kind !== 'ok') return row;
      if (headers === undefined) return { kind: 'record', record: { path: row.key, label: row.labels } };
      const details = headers.readSync(row.abs);
      return details && { kind: 'record', record: { path: row.key, details, label: row.labels } };
    },
    async settle(row) {
      if (row.kind !== 'ok') return row;
      let abs = row.abs;
      let key = row.key;
      let note = '';
      for (let attempt = 0; ; attempt++) {
        try {
          const details = await readImageDetails(abs, ctx.display(abs), { verify: ctx.options.verifyImages });
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
    },
  };
}

/** @throws ConversionError `INPUT_LAYOUT` when the images folder is missing */
async function checkImagesFolder(ctx: ConverterContext<CsvOptions>, imagesDir: string, csvPath: string): Promise<void> {
  const isDir = await stat(imagesDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) {
    const how = ctx.own.images !== undefined ? '--images' : `the default images/ beside ${basename(csvPath)}`;
    throw new ConversionError('INPUT_LAYOUT', `expected an images folder at ${ctx.display(imagesDir)} (${how}), got none; name it with --images <dir>`, {
      file: ctx.display(imagesDir),
    });
  }
}

async function* run(ctx: ConverterContext<CsvOptions>): AsyncGenerator<ImageRecord> {
  const opts = ctx.own;
  const csvPath = await locateCsv(ctx);
  const csvDir = dirname(csvPath);
  const imagesDir = opts.images !== undefined ? resolve(opts.images) : join(csvDir, 'images');
  const root = ctx.options.root ?? (imagesDir === csvDir || relativeKey(csvDir, imagesDir) !== undefined ? csvDir : dirname(imagesDir));
  const withDetails = ctx.options.imageDetails;
  if (withDetails) await checkImagesFolder(ctx, imagesDir, csvPath);
  /** Each image's key → the line of the row that named it. */
  const named = new Map<string, number>();
  const csvFile = ctx.display(csvPath);
  const rows = readRows(csvPath, opts, { file: csvFile, imagesDir, root, imagesPrefix: imagesPrefixOf(root, imagesDir), firstLine: named, ctx });
  const headers = withDetails ? await HeaderReader.for(imagesDir, { verify: ctx.options.verifyImages }) : undefined;
  let done = 0;
  for await (const results of readInOrder(rows, headers, rowSteps(ctx, headers, csvFile, named))) {
    for (const r of results) {
      ctx.progress(++done);
      if (r.kind === 'fatal') throw r.error;
      if (r.kind === 'bad') ctx.bad(r.error);
      else if (r.kind === 'record') {
        if ((r.record.label as string[]).length === 0) ctx.count('imagesWithoutLabels');
        yield r.record;
      }
    }
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
      .filter((d) => !d.name.startsWith('.') && !ctx.isOwnOutput(dir + sep + d.name) && (d.isDirectory() || (isImageName(d.name) && !named.has(keyPrefix + d.name))))
      .sort((a, b) => compareKeys(a.name, b.name));
    for (const d of entries) {
      const abs = dir + sep + d.name;
      if (d.isDirectory()) await walk(abs, `${keyPrefix}${d.name}/`);
      else ctx.warn('MISSING_ANNOTATION', 'image in no CSV row: left out', { file: ctx.display(abs) });
    }
  };
  await walk(imagesDir, prefix);
}

export default defineConverter({ ...CSV, run });
