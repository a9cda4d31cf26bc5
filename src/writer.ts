/**
 * The one JSONL writer every converter feeds.
 *
 * Records stream in from a converter (any order). Each is serialised at once and appended to a
 * spill file; only its key, labels and byte range stay in memory. When the input ends, the split
 * (SPEC §3) is decided from the keys, and the lines are copied from the spill file, sorted by key,
 * into temporary files beside the targets, which are renamed into place at the very end. Any
 * failure or abort removes every temporary file: outputs appear whole or not at all.
 */
import { createWriteStream, rmSync, type WriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, writeFile, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ConversionError } from './errors.js';
import { labelNames, objectCount, recordToJson } from './format.js';
import { splitItems } from './split.js';
import type { ImageRecord, ResolvedOptions } from './types.js';

export const TRAIN_FILE = 'train_annotations.jsonl';
export const VALIDATION_FILE = 'validation_annotations.jsonl';
/** With `--mltable`, each JSONL goes into its own folder beside its `MLTable` (Azure ML's layout). */
export const TRAIN_MLTABLE_DIR = 'training-mltable-folder';
export const VALIDATION_MLTABLE_DIR = 'validation-mltable-folder';

/** Temporary files alive in this process, removed by {@link removeTempFilesSync} on a signal. */
const liveTempFiles = new Set<string>();

/** Removes every temporary file this process still has (for SIGINT/SIGTERM handlers). */
export function removeTempFilesSync(): void {
  for (const f of liveTempFiles) {
    try {
      rmSync(f, { force: true });
    } catch {
      // already gone
    }
  }
  liveTempFiles.clear();
}

function tempNameFor(target: string): string {
  return join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

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
}

/** What the writer wrote. */
export interface WriteResult {
  train: number;
  validation: number;
  outputs: string[];
  labels: Record<string, number>;
  objects: number;
}

interface Entry {
  key: string;
  offset: number;
  length: number;
  labels: number[];
}

/** Writes `data` to a stream, waiting for 'drain' when its buffer is full. */
async function writeWithBackpressure(target: WriteStream | NodeJS.WritableStream, data: string | Buffer): Promise<void> {
  const stream = target as NodeJS.WritableStream;
  if (stream.write(data)) return;
  await new Promise<void>((resolve, reject) => {
    const onDrain = () => {
      stream.off('error', onError);
      resolve();
    };
    const onError = (e: Error) => {
      stream.off('drain', onDrain);
      reject(e);
    };
    stream.once('drain', onDrain);
    stream.once('error', onError);
  });
}

async function closeStream(stream: WriteStream): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    stream.once('error', reject);
    stream.end(() => resolve());
  });
}

/** Reads byte ranges of a file through a 1 MiB window (sequential reads cost one syscall a MiB). */
class RangeReader {
  private buf = Buffer.alloc(1 << 20);
  private start = 0;
  private end = 0;
  constructor(private readonly fh: FileHandle) {}

  async read(offset: number, length: number): Promise<Buffer> {
    if (offset >= this.start && offset + length <= this.end) {
      return this.buf.subarray(offset - this.start, offset - this.start + length);
    }
    if (length > this.buf.length) this.buf = Buffer.alloc(length);
    const { bytesRead } = await this.fh.read(this.buf, 0, this.buf.length, offset);
    this.start = offset;
    this.end = offset + bytesRead;
    if (bytesRead < length) throw new Error(`spill file shorter than expected at ${offset}`);
    return this.buf.subarray(0, length);
  }
}

/**
 * Consumes `records`, then writes the split outputs (or stdout, or nothing for a dry run).
 * Throws ConversionError for bad input; removes every temporary file on any failure.
 */
export async function writeDataset(
  records: AsyncIterable<ImageRecord>,
  options: ResolvedOptions,
  hooks: WriterHooks,
  stdout: NodeJS.WritableStream = process.stdout,
): Promise<WriteResult> {
  const toStdout = options.out === '-';
  const outDir = toStdout || options.out === undefined ? undefined : options.out;
  const targets = outDir !== undefined ? plannedOutputs(outDir, options) : [];

  if (!options.dryRun && outDir !== undefined && !options.force) {
    for (const t of targets) {
      if (await exists(t)) {
        throw new ConversionError('OUTPUT_EXISTS', `${hooks.display(t)} exists; use --force to overwrite it`, { file: hooks.display(t) });
      }
    }
  }

  const temps: string[] = [];
  const track = (f: string) => {
    temps.push(f);
    liveTempFiles.add(f);
    return f;
  };
  const cleanup = async () => {
    for (const f of temps) {
      await rm(f, { force: true, recursive: true });
      liveTempFiles.delete(f);
    }
  };

  try {
    // 1. Spill every line, keep the index.
    let spillPath: string | undefined;
    let spill: WriteStream | undefined;
    if (!options.dryRun) {
      const spillDir = outDir ?? tmpdir();
      await mkdir(spillDir, { recursive: true });
      spillPath = track(join(spillDir, `.automl-img-spill.${process.pid}.${randomBytes(4).toString('hex')}.tmp`));
      spill = createWriteStream(spillPath);
    }
    const entries: Entry[] = [];
    const seen = new Set<string>();
    const labelIds = new Map<string, number>();
    const labelNamesById: string[] = [];
    let offset = 0;
    let objects = 0;
    for await (const record of records) {
      if (hooks.signal?.aborted) throw new ConversionError('INTERRUPTED', 'interrupted', {}, { exitCode: 130 });
      if (seen.has(record.path)) {
        hooks.bad(new ConversionError('DUPLICATE_IMAGE', `image ${JSON.stringify(record.path)} appears more than once; the later one is left out`, { path: record.path }));
        continue;
      }
      seen.add(record.path);
      const line = Buffer.from(recordToJson(record, options.baseUrl, options.precision) + '\n', 'utf8');
      const ids = labelNames(record.label).map((l) => {
        let id = labelIds.get(l);
        if (id === undefined) {
          id = labelNamesById.length;
          labelIds.set(l, id);
          labelNamesById.push(l);
        }
        return id;
      });
      entries.push({ key: record.path, offset, length: line.length, labels: ids });
      offset += line.length;
      objects += objectCount(record.label);
      if (spill) await writeWithBackpressure(spill, line);
    }
    if (spill) await closeStream(spill);
    if (entries.length === 0) {
      throw new ConversionError('EMPTY_DATASET', 'nothing to convert: no image was read (or every one was left out)');
    }

    // 2. Decide the split from the keys alone; sort each side by key.
    const isValidation = splitItems(
      entries.map((e) => ({ key: e.key, labels: e.labels.map((i) => labelNamesById[i]!) })),
      { ratio: toStdout ? 0 : options.validationRatio, seed: options.seed, stratify: options.stratify },
    );
    const labels: Record<string, number> = {};
    for (const name of [...labelNamesById].sort()) labels[name] = 0;
    for (const e of entries) for (const i of e.labels) labels[labelNamesById[i]!]!++;
    const order = entries.map((_, i) => i).sort((a, b) => (entries[a]!.key < entries[b]!.key ? -1 : entries[a]!.key > entries[b]!.key ? 1 : 0));
    const validation = isValidation.filter(Boolean).length;
    const train = entries.length - validation;
    const result: WriteResult = { train, validation, outputs: [], labels, objects };
    if (options.dryRun) return result;

    // 3. Copy lines out of the spill file in order.
    const fh = await open(spillPath!, 'r');
    try {
      const reader = new RangeReader(fh);
      if (toStdout) {
        for (const i of order) {
          const e = entries[i]!;
          await writeWithBackpressure(stdout, Buffer.from(await reader.read(e.offset, e.length)));
        }
        return result;
      }
      const [trainTarget, , validationTarget] = options.mltable ? [targets[0]!, targets[1], targets[2]] : [targets[0]!, undefined, targets[1]];
      for (const t of targets) await mkdir(dirname(t), { recursive: true });
      const trainTemp = track(tempNameFor(trainTarget));
      const trainStream = createWriteStream(trainTemp);
      const validationTemp = validationTarget !== undefined ? track(tempNameFor(validationTarget)) : undefined;
      const validationStream = validationTemp !== undefined ? createWriteStream(validationTemp) : undefined;
      for (const i of order) {
        const e = entries[i]!;
        const stream = isValidation[i] && validationStream ? validationStream : trainStream;
        await writeWithBackpressure(stream, Buffer.from(await reader.read(e.offset, e.length)));
        if (hooks.signal?.aborted) throw new ConversionError('INTERRUPTED', 'interrupted', {}, { exitCode: 130 });
      }
      await closeStream(trainStream);
      if (validationStream) await closeStream(validationStream);
      const renames: [string, string][] = [[trainTemp, trainTarget]];
      if (validationTemp !== undefined && validationTarget !== undefined) renames.push([validationTemp, validationTarget]);
      if (options.mltable) {
        for (const [target, jsonl] of [[targets[1]!, TRAIN_FILE], [targets[3], VALIDATION_FILE]] as const) {
          if (target === undefined) continue;
          const temp = track(tempNameFor(target));
          await writeFile(temp, mltableText(jsonl));
          renames.push([temp, target]);
        }
      }
      for (const [from, to] of renames) {
        await rename(from, to);
        liveTempFiles.delete(from);
        result.outputs.push(to);
      }
      return result;
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof Error && 'code' in e && (e.code === 'ENOSPC' || e.code === 'EACCES' || e.code === 'EROFS' || e.code === 'EEXIST' || e.code === 'ENOTDIR' || e.code === 'EISDIR')) {
      const file = 'path' in e && typeof e.path === 'string' ? hooks.display(e.path) : undefined;
      throw new ConversionError('OUTPUT_WRITE', `cannot write output: ${e.message}`, { file }, { cause: e });
    }
    throw e;
  } finally {
    await cleanup();
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}
