/**
 * The one JSONL writer every converter feeds.
 *
 * Records stream in from a converter (any order). Each is serialised at once and appended to a
 * spill file; only its key, labels and byte range stay in memory. When the input ends, the split
 * (SPEC §3) is decided from the keys, and the lines are copied from the spill file, sorted by key,
 * into temporary files beside the targets, which are renamed into place at the very end. Any
 * failure or abort removes every temporary file, and every folder the writer created that is
 * still empty: outputs appear whole or not at all, and a failed run leaves the disk as it was. Files
 * a record brings with it (`ImageRecord.files`: LabelMe's extracted images) go to temporaries beside
 * their places as they arrive and are renamed in the same final step.
 *
 * Where the spill file goes: in the output folder for `-o <dir>` (same disk as the outputs, so a
 * large dataset does not fill a small /tmp), in the OS temp folder for `-o -`; a dry run has none.
 */
import { createWriteStream, linkSync, renameSync, unlinkSync, type WriteStream } from 'node:fs';
import { mkdir, open, readFile, rm, rmdir, stat, writeFile, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConversionError, type ErrorCode, type Location } from './errors.js';
import { labelNames, objectCount, recordToJson } from './format.js';
import { splitItems } from './split.js';
import { registerCreatedDir, registerTemp, unregisterCreatedDir, unregisterTemp } from './tempfiles.js';
import type { ImageRecord, RecordFile, ResolvedOptions } from './types.js';

export const TRAIN_FILE = 'train_annotations.jsonl';
export const VALIDATION_FILE = 'validation_annotations.jsonl';
/** With `--mltable`, each JSONL goes into its own folder beside its `MLTable` (Azure ML's layout). */
export const TRAIN_MLTABLE_DIR = 'training-mltable-folder';
export const VALIDATION_MLTABLE_DIR = 'validation-mltable-folder';

/**
 * Removes every temporary file this process still has, then every folder a running write created
 * that is now empty (for SIGINT/SIGTERM handlers, which exit right after): src/tempfiles.ts owns them.
 */
export { removeAllTempSync as removeTempFilesSync, liveTempCount as liveTempFileCount } from './tempfiles.js';

function tempNameFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * Puts every finished file in place as one step, or none: the renames (and the removal of `stale`
 * files) run synchronously, so a Ctrl-C cannot fall between two of them (signal handlers run between
 * tasks), and each file they replace is kept under a hard link until all are in place, so that when
 * one fails every earlier target is put back as it was (or removed, if it did not exist) and a new
 * train file never sits beside an old validation file. Where hard links are not possible (FAT, some
 * network shares) a replaced file cannot be put back; the error is still thrown.
 * @throws the first failure, after the rollback
 */
export function replaceAll(renames: readonly (readonly [string, string])[], stale: readonly string[] = []): void {
  /** What to undo, in order: a target and how it was before (a hard link to its old content, absent, or lost). */
  const undo: { target: string; before: string | 'absent' | 'lost' }[] = [];
  const keepOld = (target: string): string | 'absent' | 'lost' => {
    const backup = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.old`);
    try {
      linkSync(target, backup);
      return backup;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'absent' : 'lost';
    }
  };
  let failure: unknown;
  try {
    for (const [from, to] of renames) {
      const before = keepOld(to);
      try {
        replaceHooks.rename(from, to);
      } catch (e) {
        if (before !== 'absent' && before !== 'lost') unlinkSync(before);
        throw e;
      }
      undo.push({ target: to, before });
    }
    for (const t of stale) {
      const before = keepOld(t);
      if (before === 'absent') continue;
      try {
        replaceHooks.unlink(t);
      } catch (e) {
        if (before !== 'lost') unlinkSync(before);
        throw e;
      }
      undo.push({ target: t, before });
    }
  } catch (e) {
    failure = e;
  }
  for (const { target, before } of undo.reverse()) {
    try {
      if (failure === undefined) {
        if (before !== 'absent' && before !== 'lost') unlinkSync(before);
      } else if (before === 'absent') unlinkSync(target);
      else if (before !== 'lost') renameSync(before, target);
    } catch {
      // best effort: the first failure is what the user hears about
    }
  }
  if (failure !== undefined) throw failure;
}

/** The two file operations of {@link replaceAll}, replaceable by tests to make one fail. */
export const replaceHooks = {
  rename: (from: string, to: string): void => renameSync(from, to),
  unlink: (path: string): void => unlinkSync(path),
};

/** The MLTable document for a JSONL file in the same folder. */
export function mltableText(jsonlName: string): string {
  return [
    '$schema: https://azuremlschemas.azureedge.net/latest/MLTable.schema.json',
    'type: mltable',
    'paths:',
    `  - file: ./${jsonlName}`,
    'transformations:',
    '  - read_json_lines:',
    '      encoding: utf8',
    '      invalid_lines: error',
    '      include_path_column: false',
    '  - convert_column_types:',
    '      - columns: image_url',
    '        column_type: stream_info',
    '',
  ].join('\n');
}

/** The files a conversion into `out` writes, final paths. */
export function plannedOutputs(out: string, options: Pick<ResolvedOptions, 'mltable' | 'validationRatio'>): string[] {
  const withValidation = options.validationRatio > 0;
  if (options.mltable) {
    const files = [join(out, TRAIN_MLTABLE_DIR, TRAIN_FILE), join(out, TRAIN_MLTABLE_DIR, 'MLTable')];
    if (withValidation) files.push(join(out, VALIDATION_MLTABLE_DIR, VALIDATION_FILE), join(out, VALIDATION_MLTABLE_DIR, 'MLTable'));
    return files;
  }
  return withValidation ? [join(out, TRAIN_FILE), join(out, VALIDATION_FILE)] : [join(out, TRAIN_FILE)];
}

/** What the writer needs from the conversion around it. */
export interface WriterHooks {
  /** Reports a bad item (throws with --on-error fail). */
  bad(error: ConversionError): void;
  /** Formats a path for messages. */
  display(absPath: string): string;
  signal?: AbortSignal | undefined;
  /** The input as messages name it (EMPTY_DATASET names it). */
  input?: string | undefined;
  /** Reports something that is not an error (an earlier run's output removed with --force). */
  warn?: ((code: ErrorCode, message: string, loc?: Location) => void) | undefined;
  /** Files the input consists of (absolute): an output that is one of them is refused (OUTPUT_IS_INPUT), even with --force. */
  inputFiles?: readonly string[] | undefined;
}

/** What the writer wrote. */
export interface WriteResult {
  train: number;
  validation: number;
  outputs: string[];
  labels: Record<string, number>;
  objects: number;
  /** With `-o -`: the reader closed stdout (EPIPE) before every line was written. */
  stdoutClosed?: boolean;
}

/** Elements per chunk of a {@link Column}. */
const COLUMN_SHIFT = 14;
const COLUMN_CHUNK = 1 << COLUMN_SHIFT;
const COLUMN_MASK = COLUMN_CHUNK - 1;

/**
 * A growing list of numbers kept in fixed-size typed-array chunks: a few bytes an element, outside
 * V8's heap, and no copy (nor garbage) when it grows, unlike an array of a million elements.
 */
class Column {
  private readonly chunks: (Float64Array | Uint32Array)[] = [];
  length = 0;

  constructor(private readonly wide: boolean) {}

  push(v: number): void {
    const c = this.length >>> COLUMN_SHIFT;
    if (c === this.chunks.length) this.chunks.push(this.wide ? new Float64Array(COLUMN_CHUNK) : new Uint32Array(COLUMN_CHUNK));
    this.chunks[c]![this.length & COLUMN_MASK] = v;
    this.length++;
  }

  get(i: number): number {
    return this.chunks[i >>> COLUMN_SHIFT]![i & COLUMN_MASK]!;
  }
}

/**
 * What the writer keeps per line, as columns rather than an object per line (it is the one thing
 * that grows with the dataset). Line `i` is `keys[i]`, at `offsets[i]` in the spill file,
 * `lengths[i]` bytes with its newline. Its label ids, `labelIds[labelStarts[i] .. labelStarts[i + 1])`,
 * are kept only for a stratified split (the summary's counts are taken as lines arrive).
 */
interface LineIndex {
  keys: string[];
  offsets: Column;
  lengths: Column;
  labelStarts: Column | undefined;
  labelIds: Column | undefined;
  /**
   * Per line: 0 when the split decides, {@link FIXED_TRAIN} or {@link FIXED_VALIDATION} when the record
   * said; made at the first line that says (undefined while none has).
   */
  fixed: Column | undefined;
}

/** {@link LineIndex.fixed} values. */
const FIXED_TRAIN = 1;
const FIXED_VALIDATION = 2;

/**
 * Writes `data` to a stream, waiting for 'drain' when its buffer is full. Rejects when the stream
 * fails or closes instead of draining (never waits forever on a dead stream).
 */
export async function writeWithBackpressure(target: NodeJS.WritableStream, data: string | Buffer): Promise<void> {
  const stream = target as NodeJS.WritableStream & { errored?: Error | null; destroyed?: boolean; writableEnded?: boolean };
  if (stream.errored) throw stream.errored;
  if (stream.destroyed || stream.writableEnded) throw Object.assign(new Error('write after the stream closed'), { code: 'ERR_STREAM_DESTROYED' });
  if (stream.write(data)) return;
  await new Promise<void>((resolve, reject) => {
    const done = (e?: Error) => {
      stream.off('drain', onDrain);
      stream.off('error', onError);
      stream.off('close', onClose);
      if (e) reject(e);
      else resolve();
    };
    const onDrain = () => done();
    const onError = (e: Error) => done(e);
    const onClose = () => done(stream.errored ?? Object.assign(new Error('the stream closed before draining'), { code: 'ERR_STREAM_DESTROYED' }));
    stream.on('drain', onDrain);
    stream.on('error', onError);
    stream.on('close', onClose);
  });
}

/**
 * Collects small pieces of text into writes of about 64 KB (a write per piece is slow), with backpressure;
 * `bytes` counts what it has written. Used by the writers of one file (preview's page, export coco).
 */
export class BufferedWriter {
  private parts: string[] = [];
  private size = 0;
  bytes = 0;
  constructor(private readonly out: NodeJS.WritableStream) {}
  async write(s: string): Promise<void> {
    this.parts.push(s);
    this.size += s.length;
    if (this.size >= 65536) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.size === 0) return;
    const text = this.parts.join('');
    this.parts = [];
    this.size = 0;
    this.bytes += Buffer.byteLength(text);
    await writeWithBackpressure(this.out, text);
  }
}
async function closeStream(stream: WriteStream): Promise<void> {
  if (stream.errored) throw stream.errored;
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => {
      stream.off('error', reject);
      resolve();
    });
  });
}

/**
 * Lines read back from the spill file per batch (bounds memory in the copy phase): large when the
 * output order jumps around the spill file (fewer batches, so fewer passes over it), small when it
 * mostly follows it (records that arrived sorted), where a batch is one read and a small batch buffer,
 * reused, spares touching fresh memory (first touches of fresh pages are most of the copy's cost,
 * and costly on virtual machines: 8 MiB costs 20-30 ms on the benchmark machine).
 */
const BATCH_BYTES = 8 << 20;
const IN_ORDER_BATCH_BYTES = 1 << 20;
/** Neighbouring lines closer than this in the spill file are read with one call. */
const MERGE_GAP = 64 << 10;
/** Output is written in pieces of this size: small for stdout (a slow reader), larger for files. */
const STDOUT_PIECE = 64 << 10;
const FILE_PIECE = 1 << 20;
/** The largest single read (the size of the reused read buffer). */
const MAX_RANGE = 4 << 20;
/** Bytes of lines gathered before one write to the spill file. */
const SPILL_BATCH = 1 << 20;

async function readFully(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  for (let done = 0; done < buf.length; ) {
    const { bytesRead } = await fh.read(buf, done, buf.length - done, position + done);
    if (bytesRead === 0) throw new Error(`spill file shorter than expected at ${position + done}`);
    done += bytesRead;
  }
}

/**
 * The spill file's lines in output `order`, as pieces of `pieceBytes` (not cut at line ends) for
 * each side (`side(i)` 0 or 1). Lines are fetched a batch of about {@link BATCH_BYTES} at a time:
 * the batch is sorted by spill offset and read with few large reads into one reused buffer, and
 * each line is copied to its place in its side's piece, so output order costs no random 1-line
 * reads even when records arrived in a very different order (CSV, COCO). Memory is one batch plus
 * one read buffer whatever the order; the batch buffer is reused when `canReuse()` says that every
 * piece yielded so far has been written.
 */
async function* piecesInOrder(fh: FileHandle, index: LineIndex, order: readonly number[], side: (i: number) => 0 | 1, pieceBytes: number, canReuse: () => boolean): AsyncGenerator<[0 | 1, Buffer]> {
  const { offsets, lengths } = index;
  let readBuf: Buffer | undefined;
  let batchBuf: Buffer | undefined;
  const batchBytes = mostlyInSpillOrder(index, order) ? IN_ORDER_BATCH_BYTES : BATCH_BYTES;
  for (let s = 0; s < order.length; ) {
    let e = s;
    let bytes = 0;
    while (e < order.length && (e === s || bytes + lengths.get(order[e]!) <= batchBytes)) bytes += lengths.get(order[e++]!);
    // Where each line of the batch goes (by its position in the batch): its side's piece, in output order.
    const count = e - s;
    const sides = new Uint8Array(count);
    const dest = new Float64Array(count);
    const sizes = [0, 0];
    for (let k = 0; k < count; k++) {
      const i = order[s + k]!;
      const sd = side(i);
      sides[k] = sd;
      dest[k] = sizes[sd]!;
      sizes[sd]! += lengths.get(i);
    }
    // Both sides' pieces in one buffer, reused for the next batch when the consumer has written
    // everything it was given (otherwise a stream may still hold a piece of it).
    if (!batchBuf || batchBuf.length < bytes || !canReuse()) batchBuf = Buffer.allocUnsafe(Math.max(bytes, batchBytes));
    const pieces = [batchBuf.subarray(0, sizes[0]!), batchBuf.subarray(sizes[0]!, sizes[0]! + sizes[1]!)] as const;
    const byOffset = Array.from({ length: count }, (_, k) => k).sort((a, b) => offsets.get(order[s + a]!) - offsets.get(order[s + b]!));
    for (let k = 0; k < count; ) {
      const first = order[s + byOffset[k]!]!;
      const start = offsets.get(first);
      let stop = start + lengths.get(first);
      let j = k + 1;
      for (; j < count; j++) {
        const next = order[s + byOffset[j]!]!;
        if (offsets.get(next) - stop > MERGE_GAP || offsets.get(next) + lengths.get(next) - start > MAX_RANGE) break;
        stop = Math.max(stop, offsets.get(next) + lengths.get(next));
      }
      const size = stop - start;
      let buf: Buffer;
      if (size > MAX_RANGE) buf = Buffer.allocUnsafe(size);
      else {
        readBuf ??= Buffer.allocUnsafe(MAX_RANGE);
        buf = readBuf.subarray(0, size);
      }
      await readFully(fh, buf, start);
      // One copy for each run of lines that follow each other both in the read and in their piece
      // (records that arrived sorted: most of them).
      for (let m = k; m < j; ) {
        const b = byOffset[m]!;
        const sd = sides[b]!;
        const from = offsets.get(order[s + b]!) - start;
        let to = from + lengths.get(order[s + b]!);
        let at = dest[b]! + (to - from);
        for (m++; m < j; m++) {
          const next = byOffset[m]!;
          const i = order[s + next]!;
          if (sides[next] !== sd || dest[next] !== at || offsets.get(i) - start !== to) break;
          to += lengths.get(i);
          at += lengths.get(i);
        }
        buf.copy(pieces[sd as 0 | 1], dest[b]!, from, to);
      }
      k = j;
    }
    for (const sd of [0, 1] as const) for (let at = 0; at < pieces[sd].length; at += pieceBytes) yield [sd, pieces[sd].subarray(at, at + pieceBytes)];
    s = e;
  }
}

/** True when at most one line in 16 of `order` comes before its predecessor in the spill file. */
function mostlyInSpillOrder(index: LineIndex, order: readonly number[]): boolean {
  let back = 0;
  for (let k = 1; k < order.length; k++) if (index.offsets.get(order[k]!) < index.offsets.get(order[k - 1]!)) back++;
  return back * 16 <= order.length;
}

/** The error a writer throws when its signal aborts (exit 130). */
export function interruptedError(): ConversionError {
  return new ConversionError('INTERRUPTED', 'interrupted: nothing written', {}, { exitCode: 130 });
}

/** fs error codes that mean an output cannot be written (mapped to OUTPUT_WRITE). */
const OUTPUT_ERRNO = new Set(['ENOSPC', 'EACCES', 'EPERM', 'EROFS', 'EEXIST', 'ENOTDIR', 'EISDIR', 'EDQUOT', 'EFBIG', 'ENAMETOOLONG', 'EIO']);

/** Marks an error that came from the records (the converter), not from writing: never remapped. */
class FromRecords {
  constructor(readonly error: unknown) {}
}

/** Creates `dir` (and parents); returns the folders it created, outermost first. */
async function makeDir(dir: string): Promise<string[]> {
  const first = await mkdir(dir, { recursive: true });
  if (first === undefined) return [];
  const created: string[] = [];
  for (let d = dir; ; d = dirname(d)) {
    created.unshift(d);
    if (d === first || dirname(d) === d) break;
  }
  return created;
}

/** One output line as the writer core takes it (see {@link writeLines}). */
export interface LineItem {
  /** Split key and sort key (the image path, or `image_url` for `split`); unique. */
  key: string;
  /** The JSON line, without its newline. */
  line: string;
  /** Label names (for stratifying and the summary), without repeats. */
  labels: readonly string[];
  /** Objects on the line (0 for classification). */
  objects: number;
  /** Where the item came from, for the duplicate message (e.g. `{ file, line }` of a JSONL). */
  loc?: Location | undefined;
  /** The file the dataset itself puts the line in (see `ImageRecord.split`); the hash decides when absent. */
  split?: 'train' | 'validation' | undefined;
  /** Files the line brings with it (see `ImageRecord.files`): committed with the outputs. */
  files?: readonly RecordFile[] | undefined;
}

/** C0 control characters and DEL: never part of a class name (a CSV or XML parse gone wrong). */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/**
 * Consumes `records`, then writes the split outputs (or stdout, or nothing for a dry run). A record
 * whose label holds a control character is a bad item (`LABEL_BAD`).
 * Throws ConversionError for bad input; on any failure or abort, removes every temporary file and
 * every folder it created that is empty, and leaves existing files untouched.
 */
export async function writeDataset(records: AsyncIterable<ImageRecord>, options: ResolvedOptions, hooks: WriterHooks, stdout: NodeJS.WritableStream = process.stdout): Promise<WriteResult> {
  // Each record becomes its line as the writer takes it (no generator in between: a step less per record).
  const lineOf = (record: ImageRecord): LineItem | undefined => {
    const labels = labelNames(record.label);
    const control = labels.find((l) => CONTROL_CHARACTER.test(l));
    if (control !== undefined) {
      hooks.bad(
        new ConversionError('LABEL_BAD', `expected a label without control characters (NUL, newline, tab...), got ${JSON.stringify(control)}: a class name cannot hold one`, { file: record.path }),
      );
      return undefined;
    }
    return {
      key: record.path,
      line: recordToJson(record, options.baseUrl, options.precision),
      labels,
      objects: objectCount(record.label),
      split: record.split,
      files: record.files,
    };
  };
  return writeItems(records, lineOf, options, hooks, stdout);
}

/** The options the writer core reads. */
type WriteOptions = Pick<ResolvedOptions, 'out' | 'validationRatio' | 'seed' | 'stratify' | 'mltable' | 'dryRun' | 'force'>;

/**
 * The writer core: takes ready lines with their keys, spills, splits, sorts and writes them
 * (what {@link writeDataset} and the `split` command share). Same guarantees as writeDataset.
 */
export async function writeLines(items: AsyncIterable<LineItem>, options: WriteOptions, hooks: WriterHooks, stdout: NodeJS.WritableStream = process.stdout): Promise<WriteResult> {
  return writeItems(items, (item) => item, options, hooks, stdout);
}

/**
 * {@link writeLines} for items that `lineOf` turns into lines (undefined: left out, after reporting
 * it). `lineOf` runs as part of reading the items: what it throws is the items' error.
 */
async function writeItems<T>(items: AsyncIterable<T>, lineOf: (item: T) => LineItem | undefined, options: WriteOptions, hooks: WriterHooks, stdout: NodeJS.WritableStream): Promise<WriteResult> {
  const tx = new OutputTransaction(options, hooks);
  if (hooks.signal?.aborted) throw interruptedError();
  await tx.refuseExisting();
  try {
    // 1. Spill every line, keep the index; 2. decide the split from the keys alone; 3. copy the lines out in order.
    const spilled = await spillLines(items, lineOf, tx, options, hooks);
    const split = decideSplit(spilled, options, tx.toStdout);
    const result: WriteResult = { train: split.train, validation: split.validation, outputs: [], labels: split.labels, objects: spilled.objects };
    if (!options.dryRun) {
      const written = await writeOutputs(tx, spilled, split, options, hooks.signal, stdout);
      if (written === 'stdout closed') result.stdoutClosed = true;
      else result.outputs = written;
    }
    tx.done();
    return result;
  } catch (e) {
    if (e instanceof FromRecords) throw e.error;
    if (e instanceof Error && 'code' in e && typeof e.code === 'string' && OUTPUT_ERRNO.has(e.code)) {
      const file = 'path' in e && typeof e.path === 'string' ? hooks.display(e.path) : undefined;
      throw new ConversionError('OUTPUT_WRITE', `cannot write the output: ${e.message}`, { file }, { cause: e });
    }
    throw e;
  } finally {
    await tx.close();
  }
}

/**
 * The files of one write: the targets it will put in place, the temporary files and folders it makes
 * on the way (registered with src/tempfiles.ts while they exist), and the one step that commits them.
 * Unless {@link done} is called, {@link close} removes every temporary file and every folder it created.
 */
class OutputTransaction {
  readonly toStdout: boolean;
  readonly outDir: string | undefined;
  /** The outputs, in {@link plannedOutputs} order. */
  readonly targets: string[];
  /**
   * The files this writer writes in either layout (plain, `--mltable`) that this run does not: an
   * earlier run's validation file beside a `--validation-ratio 0` train file, the other layout's
   * outputs. They would no longer match the new train file (two splits on disk), so they count as
   * outputs: refused without --force, removed with it (and reported: `OUTPUT_REMOVED`).
   */
  readonly stale: string[];
  private readonly temps: string[] = [];
  private readonly streams: WriteStream[] = [];
  private readonly createdDirs: string[] = [];
  /** The records' files (`ImageRecord.files`) written so far: [temporary, target], renamed at {@link commit}. */
  private readonly files: [string, string][] = [];
  /** Every target of a record's file, written or found there already: one target, one file. */
  private readonly fileTargets = new Set<string>();
  private ok = false;

  constructor(
    private readonly options: WriteOptions,
    private readonly hooks: WriterHooks,
  ) {
    this.toStdout = options.out === '-';
    this.outDir = this.toStdout || options.out === undefined ? undefined : options.out;
    const outDir = this.outDir;
    this.targets = outDir !== undefined ? plannedOutputs(outDir, options) : [];
    this.stale = outDir === undefined ? [] : [false, true].flatMap((mltable) => plannedOutputs(outDir, { mltable, validationRatio: 0.5 })).filter((t) => !this.targets.includes(t));
  }

  /** Refuses outputs that exist without --force, and anything but a file in an output's place. */
  async refuseExisting(): Promise<void> {
    if (this.options.dryRun || this.outDir === undefined) return;
    const inputs: Stats[] = [];
    for (const f of this.hooks.inputFiles ?? []) {
      const s = await statOrUndefined(f);
      if (s !== undefined) inputs.push(s);
    }
    for (const t of [...this.targets, ...this.stale]) {
      const s = await statOrUndefined(t);
      if (s === undefined) continue;
      if (inputs.some((i) => i.dev === s.dev && i.ino === s.ino)) {
        throw new ConversionError('OUTPUT_IS_INPUT', 'the output would replace a file of the input; choose another -o', { file: this.hooks.display(t) }, { exitCode: 2 });
      }
      // Checked before any rename, so that one output cannot be replaced while another then fails.
      if (!s.isFile()) throw new ConversionError('OUTPUT_WRITE', 'cannot write the output: a folder or special file is in the way', { file: this.hooks.display(t) });
      if (!this.options.force) throw new ConversionError('OUTPUT_EXISTS', 'the output exists; use --force to overwrite it', { file: this.hooks.display(t) });
    }
  }

  /** True when records brought files to commit. */
  get hasFiles(): boolean {
    return this.files.length > 0;
  }

  /**
   * A file a record brings (`ImageRecord.files`): written now to a temporary beside its target (none in
   * a dry run), put in place by {@link commit} with the outputs. A target that holds the same bytes
   * already is left as it is (a second run writes nothing new); other bytes are refused without --force
   * (the folder may hold the user's own files), and anything but a file is in the way.
   */
  async addFile(file: RecordFile): Promise<void> {
    const { target, data } = file;
    const shown = this.hooks.display(target);
    if (this.fileTargets.has(target)) throw new ConversionError('OUTPUT_WRITE', 'cannot write the file: two lines bring a file to this same place', { file: shown });
    this.fileTargets.add(target);
    const s = await statOrUndefined(target);
    if (s !== undefined) {
      if (!s.isFile()) throw new ConversionError('OUTPUT_WRITE', 'cannot write the file: a folder or special file is in the way', { file: shown });
      if (s.size === data.byteLength && Buffer.from(data.buffer, data.byteOffset, data.byteLength).equals(await readFile(target))) return;
      if (!this.options.force) throw new ConversionError('OUTPUT_EXISTS', 'the file exists with other bytes; use --force to overwrite it', { file: shown });
    }
    if (this.options.dryRun) return;
    await this.mkdirs(dirname(target));
    const temp = this.track(tempNameFor(target));
    await writeFile(temp, data, { flag: 'wx' });
    this.files.push([temp, target]);
  }

  /** A temporary file of this write (removed by {@link close} unless committed). */
  track(f: string): string {
    this.temps.push(f);
    registerTemp(f);
    return f;
  }

  openStream(f: string): WriteStream {
    const ws = createWriteStream(this.track(f));
    ws.on('error', () => undefined); // reported through writeWithBackpressure/closeStream
    this.streams.push(ws);
    return ws;
  }

  async mkdirs(dir: string): Promise<void> {
    for (const d of await makeDir(dir)) {
      this.createdDirs.push(d);
      registerCreatedDir(d);
    }
  }

  /**
   * Puts the finished temporaries, and the records' files, in place in one synchronous step (see
   * {@link replaceAll}), after checking again that no output appeared meanwhile (still never overwritten
   * without --force). Returns the targets of `renames` (the records' files are not listed).
   */
  async commit(renames: readonly (readonly [string, string])[]): Promise<string[]> {
    await this.refuseExisting();
    if (!this.options.force) {
      for (const [, target] of this.files) {
        if ((await statOrUndefined(target)) !== undefined)
          throw new ConversionError('OUTPUT_EXISTS', 'the file appeared during the run; use --force to overwrite it', { file: this.hooks.display(target) });
      }
    }
    if (this.hooks.signal?.aborted) throw interruptedError();
    const removed: string[] = [];
    for (const t of this.stale) if ((await statOrUndefined(t)) !== undefined) removed.push(t);
    replaceAll([...renames, ...this.files], this.stale);
    for (const [from] of [...renames, ...this.files]) unregisterTemp(from);
    // The other layout's folders, emptied (kept when anything else is in them).
    for (const dir of new Set(this.stale.map((t) => dirname(t)))) {
      if (dir !== this.outDir) await rmdir(dir).catch(() => undefined);
    }
    for (const t of removed) {
      this.hooks.warn?.('OUTPUT_REMOVED', 'removed (--force): an earlier run wrote it and this run does not, so it would no longer match the new split', { file: this.hooks.display(t) });
    }
    return renames.map(([, to]) => to);
  }

  /** The write succeeded: the folders it created stay. */
  done(): void {
    this.ok = true;
  }

  /** Removes what is left of the temporaries (and, after a failure, the folders this write created). */
  async close(): Promise<void> {
    // Streams first (an unopened stream would otherwise create its file after the rm).
    for (const ws of this.streams) {
      if (!ws.closed) {
        await new Promise<void>((resolve) => {
          ws.once('close', () => resolve());
          ws.destroy();
        });
      }
    }
    for (const f of this.temps) {
      await rm(f, { force: true, recursive: true });
      unregisterTemp(f);
    }
    for (const d of [...this.createdDirs].reverse()) {
      if (!this.ok) {
        try {
          await rmdir(d);
        } catch {
          // not empty (someone else wrote there): leave it
        }
      }
      unregisterCreatedDir(d);
    }
  }
}

/** Every line spilled to a file, and what is kept in memory of each: its key, byte range and labels. */
interface Spilled {
  spillPath: string | undefined;
  index: LineIndex;
  labelNamesById: string[];
  /** Lines per label id. */
  labelCounts: number[];
  objects: number;
}

/**
 * Step 1: reads every line (stopping at once on abort), refuses repeated keys, appends the lines to a
 * spill file (none for a dry run) and indexes them.
 */
async function spillLines<T>(items: AsyncIterable<T>, lineOf: (item: T) => LineItem | undefined, tx: OutputTransaction, options: WriteOptions, hooks: WriterHooks): Promise<Spilled> {
  let spill: WriteStream | undefined;
  let spillPath: string | undefined;
  if (!options.dryRun) {
    if (tx.outDir !== undefined) await tx.mkdirs(tx.outDir);
    spillPath = join(tx.outDir ?? tmpdir(), `.automl-img-spill.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    spill = tx.openStream(spillPath);
  }
  const index: LineIndex = {
    keys: [],
    offsets: new Column(true),
    lengths: new Column(false),
    labelStarts: options.stratify ? new Column(false) : undefined,
    labelIds: options.stratify ? new Column(false) : undefined,
    fixed: undefined,
  };
  index.labelStarts?.push(0);
  const out: Spilled = { spillPath, index, labelNamesById: [], labelCounts: [], objects: 0 };
  const labelIds = new Map<string, number>();
  const seen = new Set<string>();
  const batch = spill ? new SpillBatch(spill) : undefined;
  let offset = 0;
  const steps = new AbortableSteps(items, hooks.signal);
  try {
    for (;;) {
      const next = await steps.next();
      if (next === undefined) break;
      if (hooks.signal?.aborted) throw interruptedError();
      let item: LineItem | undefined;
      try {
        item = lineOf(next.value);
      } catch (e) {
        // As a loop over the items would: they are closed (and their cleanup done) before the error goes on.
        await steps.close();
        throw new FromRecords(e);
      }
      if (item === undefined) continue;
      if (seen.has(item.key)) {
        try {
          hooks.bad(new ConversionError('DUPLICATE_IMAGE', `image ${JSON.stringify(item.key)} appears more than once; the later one is left out`, item.loc ?? { path: item.key }));
        } catch (e) {
          throw new FromRecords(e);
        }
        continue;
      }
      seen.add(item.key);
      if (item.files) for (const file of item.files) await tx.addFile(file);
      const length = Buffer.byteLength(item.line, 'utf8') + 1;
      for (const l of item.labels) {
        let id = labelIds.get(l);
        if (id === undefined) {
          id = out.labelNamesById.length;
          labelIds.set(l, id);
          out.labelNamesById.push(l);
          out.labelCounts.push(0);
        }
        out.labelCounts[id]!++;
        index.labelIds?.push(id);
      }
      if (item.split !== undefined && index.fixed === undefined) {
        index.fixed = new Column(false);
        for (let k = 0; k < index.keys.length; k++) index.fixed.push(0);
      }
      index.fixed?.push(item.split === undefined ? 0 : item.split === 'validation' ? FIXED_VALIDATION : FIXED_TRAIN);
      index.keys.push(item.key);
      index.offsets.push(offset);
      index.lengths.push(length);
      if (index.labelIds) index.labelStarts!.push(index.labelIds.length);
      offset += length;
      out.objects += item.objects;
      if (batch) {
        const flushing = batch.add(item.line, length);
        if (flushing) await flushing;
      }
    }
    await batch?.flush();
  } catch (e) {
    steps.stop();
    throw e;
  } finally {
    steps.release();
    seen.clear(); // its table is as large as the index: free it before the split
  }
  if (spill) await closeStream(spill);
  if (index.keys.length === 0) {
    throw new FromRecords(new ConversionError('EMPTY_DATASET', 'nothing to convert: no image was read (or every one was left out)', { file: hooks.input }));
  }
  return out;
}

/**
 * Lines go to the spill file in batches: one write a MiB instead of one a line. They are encoded
 * straight into a buffer (joining them into one string would put a MiB string in V8's large-object
 * space per batch: garbage that only a full GC frees, which let the heap grow to three times what is live).
 */
class SpillBatch {
  private pending = Buffer.allocUnsafe(SPILL_BATCH);
  private bytes = 0;
  constructor(private readonly stream: WriteStream) {}

  /** Adds a line; a promise only when the batch is written first (no promise per line). */
  add(line: string, length: number): Promise<void> | undefined {
    if (this.bytes + length > this.pending.length) {
      return this.flush().then(() => {
        if (length > this.pending.length) this.pending = Buffer.allocUnsafe(length);
        this.append(line);
      });
    }
    this.append(line);
    return undefined;
  }

  private append(line: string): void {
    this.bytes += this.pending.write(line, this.bytes, 'utf8');
    this.pending[this.bytes++] = 0x0a;
  }

  async flush(): Promise<void> {
    if (this.bytes === 0) return;
    const full = this.pending.subarray(0, this.bytes);
    this.bytes = 0;
    await writeWithBackpressure(this.stream, full);
    // Reused once the stream has written it (a MiB is above its high-water mark, so the wait
    // above was for 'drain'); a new one otherwise.
    if (this.stream.writableLength > 0 || this.pending.length !== SPILL_BATCH) this.pending = Buffer.allocUnsafe(SPILL_BATCH);
  }
}

/**
 * The converter's records one step at a time, each step rejected with INTERRUPTED as soon as the
 * signal aborts (the converter may be busy for a long time). One 'abort' listener for the whole read
 * rejects the step in progress: a race against one long-lived promise would keep every record alive
 * until the end, and a listener added and removed per step churns the signal's listener map (garbage
 * that only full GCs free). A converter's own error comes out wrapped in {@link FromRecords}.
 */
class AbortableSteps<T> {
  private readonly iterator: AsyncIterator<T>;
  private failStep: (() => void) | undefined;
  private readonly onAbort = () => this.failStep?.();

  constructor(
    items: AsyncIterable<T>,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.iterator = items[Symbol.asyncIterator]();
    signal?.addEventListener('abort', this.onAbort);
  }

  /** The next step (its item in `value`), or undefined at the end. */
  async next(): Promise<IteratorYieldResult<T> | undefined> {
    try {
      const step = await this.orAbort(this.iterator.next());
      return step.done ? undefined : step;
    } catch (e) {
      throw new FromRecords(e);
    }
  }

  /** Ends the items and waits for their cleanup (they are not busy: between two steps). */
  async close(): Promise<void> {
    try {
      await this.iterator.return?.();
    } catch {
      // as in a loop: the error that ended it is the one that counts
    }
  }

  private orAbort<R>(next: Promise<R>): Promise<R> {
    const signal = this.signal;
    if (!signal) return next;
    return new Promise<R>((resolve, reject) => {
      if (signal.aborted) return reject(interruptedError());
      this.failStep = () => reject(interruptedError());
      next.then(
        (v) => {
          this.failStep = undefined;
          resolve(v);
        },
        (e: unknown) => {
          this.failStep = undefined;
          reject(e);
        },
      );
    });
  }

  /** Stops the converter (without waiting: it may be busy; its own finally blocks run when it settles). */
  stop(): void {
    void Promise.resolve(this.iterator.return?.()).catch(() => undefined);
  }

  release(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
    this.failStep = undefined;
  }
}

/** Step 2: which lines go to validation, the order of the lines, and the counts. */
interface SplitDecision {
  isValidation: boolean[];
  /** Line numbers (in spill order) sorted by key. */
  order: number[];
  labels: Record<string, number>;
  train: number;
  validation: number;
}

function decideSplit(spilled: Spilled, options: WriteOptions, toStdout: boolean): SplitDecision {
  const { keys, labelStarts, labelIds: lineLabels, fixed } = spilled.index;
  const { labelNamesById, labelCounts } = spilled;
  const ratio = toStdout ? 0 : options.validationRatio;
  // Lines whose record named its file keep it (unless everything goes to one file); the others are split among themselves.
  const honoured = fixed !== undefined && ratio > 0 ? fixed : undefined;
  const free: number[] = [];
  for (let i = 0; i < keys.length; i++) if (honoured === undefined || honoured.get(i) === 0) free.push(i);
  const freeIsValidation = splitItems(
    // Labels only matter to a stratified split.
    free.map((i) => {
      const key = keys[i]!;
      if (!lineLabels || !labelStarts) return { key };
      const names: string[] = [];
      for (let k = labelStarts.get(i); k < labelStarts.get(i + 1); k++) names.push(labelNamesById[lineLabels.get(k)]!);
      return { key, labels: names };
    }),
    { ratio, seed: options.seed, stratify: options.stratify },
  );
  const isValidation = honoured === undefined ? freeIsValidation : keys.map((_, i) => honoured.get(i) === FIXED_VALIDATION);
  if (honoured !== undefined) free.forEach((i, k) => (isValidation[i] = freeIsValidation[k]!));
  // No prototype: a label may be called `__proto__` or `constructor`.
  const labels: Record<string, number> = Object.create(null) as Record<string, number>;
  for (const name of [...labelNamesById].sort()) labels[name] = 0;
  labelNamesById.forEach((name, id) => (labels[name] = labelCounts[id]!));
  const order = keys.map((_, i) => i);
  // Records that arrived sorted (most converters walk in order) need no sort: one look at each key.
  if (!keys.every((k, i) => i === 0 || keys[i - 1]! < k)) order.sort((a, b) => (keys[a]! < keys[b]! ? -1 : keys[a]! > keys[b]! ? 1 : 0));
  const validation = isValidation.filter(Boolean).length;
  return { isValidation, order, labels, train: keys.length - validation, validation };
}

/** Step 3: copies the lines out of the spill file in order, to stdout or to the outputs; returns the outputs written. */
async function writeOutputs(
  tx: OutputTransaction,
  spilled: Spilled,
  split: SplitDecision,
  options: WriteOptions,
  signal: AbortSignal | undefined,
  stdout: NodeJS.WritableStream,
): Promise<string[] | 'stdout closed'> {
  const { index } = spilled;
  const { order, isValidation } = split;
  const fh = await open(spilled.spillPath!, 'r');
  try {
    if (tx.toStdout) {
      const complete = await copyToStdout(
        stdout,
        piecesInOrder(
          fh,
          index,
          order,
          () => 0,
          STDOUT_PIECE,
          () => false,
        ),
        signal,
      );
      if (tx.hasFiles) await tx.commit([]);
      return complete ? [] : 'stdout closed';
    }
    const targets = tx.targets;
    const [trainTarget, , validationTarget] = options.mltable ? [targets[0]!, targets[1], targets[2]] : [targets[0]!, undefined, targets[1]];
    for (const t of targets) await tx.mkdirs(dirname(t));
    const trainTemp = tempNameFor(trainTarget);
    const trainStream = tx.openStream(trainTemp);
    const validationTemp = validationTarget !== undefined ? tempNameFor(validationTarget) : undefined;
    const validationStream = validationTemp !== undefined ? tx.openStream(validationTemp) : undefined;
    const drained = () => trainStream.writableLength === 0 && (validationStream?.writableLength ?? 0) === 0;
    for await (const [sd, piece] of piecesInOrder(fh, index, order, (i) => (isValidation[i] && validationStream ? 1 : 0), FILE_PIECE, drained)) {
      await writeWithBackpressure(sd === 1 ? validationStream! : trainStream, piece);
      if (signal?.aborted) throw interruptedError();
    }
    await closeStream(trainStream);
    if (validationStream) await closeStream(validationStream);
    const renames: [string, string][] = [[trainTemp, trainTarget]];
    if (validationTemp !== undefined && validationTarget !== undefined) renames.push([validationTemp, validationTarget]);
    if (options.mltable) {
      for (const [target, jsonl] of [
        [targets[1]!, TRAIN_FILE],
        [targets[3], VALIDATION_FILE],
      ] as const) {
        if (target === undefined) continue;
        const temp = tx.track(tempNameFor(target));
        await writeFile(temp, mltableText(jsonl));
        renames.push([temp, target]);
      }
    }
    return await tx.commit(renames);
  } finally {
    await fh.close();
  }
}

/**
 * Copies the sorted lines to stdout. A reader that goes away (`| head`: EPIPE) ends the copy
 * quietly: what it read is what it wanted. Returns false when it did (not every line was read).
 */
async function copyToStdout(stdout: NodeJS.WritableStream, pieces: AsyncIterable<[0 | 1, Buffer]>, signal: AbortSignal | undefined): Promise<boolean> {
  let closed = false;
  const onError = (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') closed = true;
  };
  stdout.on('error', onError);
  try {
    for await (const [, piece] of pieces) {
      if (closed) return false;
      try {
        await writeWithBackpressure(stdout, piece);
      } catch (err) {
        if (closed || (err as NodeJS.ErrnoException).code === 'EPIPE') return false;
        throw err;
      }
      if (signal?.aborted) throw interruptedError();
    }
  } finally {
    stdout.off('error', onError);
  }
  return !closed;
}

async function statOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await stat(p);
  } catch {
    return undefined;
  }
}
