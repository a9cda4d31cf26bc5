/**
 * Reading the top-level arrays of a JSON file of any size, chunk by chunk, with
 * {@link TopLevelArrayScanner}; and reading a value back by its byte span.
 *
 * @example
 *   // Pass 1: images and categories; annotations are stepped over.
 *   const pass1 = readTopLevelArrays('instances.json', { images: 'parse', categories: 'parse' }, { required: ['images', 'categories'] });
 *   for await (const { key, index, value } of pass1) ...        // value: unknown, path `${key}[${index}]`
 *   // Pass 2: annotations, by batches (one per chunk read: less overhead per element).
 *   for await (const batch of readTopLevelArrays('instances.json', { annotations: 'parse' }).batches()) ...
 */
import { open, type FileHandle } from 'node:fs/promises';
import { readSync } from 'node:fs';
import { ConversionError } from '../../errors.js';
import { parseJsonBytes, TopLevelArrayScanner, type ArrayInfo, type ArraySpec, type ByteSpan, type ElementRange, type JsonArrayElement, type WantedArrays } from './scanner.js';

/** Options of {@link readTopLevelArrays}. */
export interface ReadArraysOptions {
  /** The file as messages name it; default: the path as given. */
  file?: string | undefined;
  /** Bytes read at a time; default 256 KiB ({@link DEFAULT_CHUNK_SIZE}). Memory holds about three chunks plus the largest element. */
  chunkSize?: number | undefined;
  /**
   * Wanted keys the file must have: when the end of the file is reached without one, `JSON_MISSING`
   * (located at that key) is thrown — after the elements of the other arrays have been yielded.
   */
  required?: readonly string[] | undefined;
}

/**
 * 256 KiB. On a 460 MB COCO file, 128 KiB–1 MiB read at about the same speed and 4 MiB a quarter
 * slower: the values parsed from one chunk should stay few enough to die young (bench/json/RESULTS.md).
 */
export const DEFAULT_CHUNK_SIZE = 256 << 10;

/**
 * The elements of the wanted top-level arrays of a JSON file, in file order, read with bounded
 * memory. Iterate it once, element by element or with {@link batches}; afterwards {@link arrays}
 * tells which arrays the file had and how many elements each held.
 */
export class TopLevelArrays implements AsyncIterable<JsonArrayElement> {
  private readonly scanner: TopLevelArrayScanner;
  private readonly file: string;
  private readonly chunkSize: number;
  private readonly required: readonly string[];
  private started = false;

  constructor(
    readonly path: string,
    arrays: WantedArrays,
    options: ReadArraysOptions = {},
  ) {
    this.file = options.file ?? path;
    this.scanner = new TopLevelArrayScanner(arrays, { file: this.file });
    this.chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    if (!(this.chunkSize >= 1)) throw new RangeError(`chunkSize must be at least 1, got ${this.chunkSize}`);
    this.required = options.required ?? [];
  }

  /** Wanted arrays seen so far, by key, in file order (complete once iteration has ended). */
  get arrays(): ReadonlyMap<string, ArrayInfo> {
    return this.scanner.arrays;
  }

  /** Wanted keys not seen so far (after a full iteration: the ones the file does not have). */
  missing(): string[] {
    return this.scanner.missing();
  }

  /** Bytes read so far (for progress). */
  get bytesRead(): number {
    return this.scanner.bytesRead;
  }

  private stop: ((at: number) => Promise<boolean>) | undefined;

  /**
   * Stops before the element of a `'count'` array that starts at byte `offset` (if one does) and calls
   * `atStop`: when it resolves to true, the reading ends there (no check of the rest, no `required`
   * check: the caller reads the rest another way); false goes on as if nothing had happened.
   */
  stopBefore(offset: number, atStop: (at: number) => Promise<boolean>): void {
    this.scanner.stopBefore(offset);
    this.stop = atStop;
  }

  /** True when the reading ended at a stop (see {@link stopBefore}). */
  endedAtStop = false;

  /** The elements, one non-empty batch per chunk read. The next chunk is read while a batch is consumed. */
  async *batches(): AsyncGenerator<JsonArrayElement[], void, undefined> {
    if (this.started) throw new Error('TopLevelArrays can be iterated only once');
    this.started = true;
    const handle = await openForReading(this.path, this.file);
    const buffers = [Buffer.allocUnsafe(this.chunkSize), Buffer.allocUnsafe(this.chunkSize)] as const;
    let which = 0;
    let position = 0;
    const readInto = (buffer: Buffer): Promise<number> =>
      handle.read(buffer, 0, buffer.length, position).then(
        (r) => r.bytesRead,
        (e: unknown) => {
          throw new ConversionError('INPUT_NOT_FOUND', `cannot be read: ${(e as Error).message}`, { file: this.file }, { cause: e });
        },
      );
    let pending: Promise<number> | undefined = readInto(buffers[0]);
    try {
      for (;;) {
        const n = await pending;
        pending = undefined;
        if (n === 0) break;
        const chunk = buffers[which]!;
        position += n;
        which ^= 1;
        pending = readInto(buffers[which]!);
        const out: JsonArrayElement[] = [];
        try {
          this.scanner.push(chunk.subarray(0, n), out);
          if (this.scanner.stopped) {
            if (out.length > 0) yield out.splice(0);
            if (await this.stop!(this.scanner.position)) {
              this.endedAtStop = true;
              return;
            }
            this.scanner.resumeScan(out);
          }
        } catch (e) {
          // The elements before the problem come first (errors are reported in file order).
          if (out.length > 0) yield out;
          throw e;
        }
        if (out.length > 0) yield out;
      }
      this.scanner.end();
      const absent = this.required.filter((k) => !this.scanner.arrays.has(k));
      if (absent.length > 0) {
        const names = absent.map((k) => JSON.stringify(k)).join(', ');
        throw new ConversionError('JSON_MISSING', `expected ${names} at the top level, found nothing`, { file: this.file, path: absent[0] });
      }
    } finally {
      if (pending) await pending.catch(() => undefined);
      await handle.close();
    }
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<JsonArrayElement, void, undefined> {
    for await (const batch of this.batches()) {
      for (const element of batch) yield element;
    }
  }
}

/** The elements of the top-level arrays `arrays` names, from the JSON file at `path`. See {@link TopLevelArrays}. */
export function readTopLevelArrays(path: string, arrays: WantedArrays, options: ReadArraysOptions = {}): TopLevelArrays {
  return new TopLevelArrays(path, arrays, options);
}

/**
 * Reads one range of elements of the top-level array `key` (found by a `'count'` pass, see
 * {@link elementRanges}) from an open file, synchronously, chunk by chunk: `onBatch` gets each chunk's
 * elements in order. A problem throws `JSON_PARSE` after the elements before it have been handed over.
 * `io.chunk` is where the chunks are read (its length is the chunk size); `io.scanner` (optional) the
 * scanner's buffer, kept there for the next range (so that many ranges allocate nothing).
 */
export function readRangeSync(
  fd: number,
  key: string,
  spec: ArraySpec,
  range: ElementRange,
  io: { chunk: Buffer; scanner?: Buffer | undefined },
  onBatch: (batch: JsonArrayElement[]) => void,
  options: { file?: string | undefined } = {},
): void {
  const scanner = new TopLevelArrayScanner(new Map([[key, spec]]), { file: options.file, buffer: io.scanner });
  io.scanner = undefined;
  try {
    scanRange(fd, scanner, key, range, io.chunk, onBatch);
  } finally {
    io.scanner = scanner.buffer;
  }
}

function scanRange(fd: number, scanner: TopLevelArrayScanner, key: string, range: ElementRange, buffer: Buffer, onBatch: (batch: JsonArrayElement[]) => void): void {
  scanner.resume(key, range);
  let position = range.offset;
  while (position < range.end) {
    const n = readSync(fd, buffer, 0, Math.min(buffer.length, range.end - position), position);
    if (n === 0) break;
    position += n;
    const out: JsonArrayElement[] = [];
    try {
      scanner.push(buffer.subarray(0, n), out);
    } catch (e) {
      if (out.length > 0) onBatch(out);
      throw e;
    }
    if (out.length > 0) onBatch(out);
  }
  scanner.endRange();
}

/**
 * The first byte, at or after `from`, of what looks like an element of an array of objects: a `{`
 * after `}` and `,` (spaces allowed), found in the 64 KiB read there; undefined when none. Only a
 * guess (the bytes may lie in a string): a scan that stops there ({@link TopLevelArrays.stopBefore})
 * is what tells.
 */
export function guessElementStart(fd: number, from: number): number | undefined {
  const bytes = Buffer.allocUnsafe(1 << 16);
  const n = readSync(fd, bytes, 0, bytes.length, from);
  const text = bytes.toString('latin1', 0, n);
  const m = /\}[ \t\r\n]*,[ \t\r\n]*\{/.exec(text);
  return m ? from + m.index + m[0].length - 1 : undefined;
}

/** What {@link scanRestSync} found. */
export interface RestOfFile {
  /** The wanted arrays seen from `offset` on (the resumed one first, its indices counted from 0 there). */
  arrays: [string, ArrayInfo][];
  /** The elements of the other wanted arrays, in file order. */
  elements: JsonArrayElement[];
}

/**
 * Scans a file from byte `offset` to its end as if an element of the wanted array `key` started there
 * (see {@link TopLevelArrayScanner.resume}: indices, counts and checkpoints of `key` count from 0 there),
 * synchronously. Throws like a full scan would, for what it sees.
 */
export function scanRestSync(fd: number, arrays: WantedArrays, key: string, offset: number, chunk: Buffer, options: { file?: string | undefined } = {}): RestOfFile {
  const scanner = new TopLevelArrayScanner(arrays, { file: options.file });
  scanner.resume(key, { index: 0, offset, count: 0, end: Number.MAX_SAFE_INTEGER, last: true });
  const elements: JsonArrayElement[] = [];
  let position = offset;
  for (;;) {
    const n = readSync(fd, chunk, 0, chunk.length, position);
    if (n === 0) break;
    position += n;
    scanner.push(chunk.subarray(0, n), elements);
  }
  scanner.end();
  return { arrays: [...scanner.arrays], elements };
}

/** Where a problem in a value read back would be reported. */
export interface JsonLocation {
  file?: string | undefined;
  /** JSON path of the value: `annotations[12]`, `annotations[12].segmentation`. */
  path?: string | undefined;
}

/**
 * Reads a value back from an open file by its position (an element's `offset` and `length`, or a
 * deferred member's span) and parses it; `JSON_PARSE` at `where` when it is malformed or cut short.
 */
export async function readJsonAt(handle: FileHandle, span: ByteSpan, where: JsonLocation = {}): Promise<unknown> {
  const bytes = Buffer.allocUnsafe(span.length);
  const { bytesRead } = await handle.read(bytes, 0, span.length, span.offset);
  return parseRead(bytes, bytesRead, span, where);
}

/** {@link readJsonAt} on a file descriptor, synchronously. */
export function readJsonAtSync(fd: number, span: ByteSpan, where: JsonLocation = {}): unknown {
  const bytes = Buffer.allocUnsafe(span.length);
  const bytesRead = readSync(fd, bytes, 0, span.length, span.offset);
  return parseRead(bytes, bytesRead, span, where);
}

function parseRead(bytes: Buffer, bytesRead: number, span: ByteSpan, where: JsonLocation): unknown {
  if (bytesRead < span.length) {
    throw new ConversionError('JSON_PARSE', `unexpected end of file at byte ${span.offset + bytesRead} (has the file changed?)`, where);
  }
  return parseJsonBytes(bytes, { ...where, offset: span.offset });
}

async function openForReading(path: string, file: string): Promise<FileHandle> {
  try {
    return await open(path, 'r');
  } catch (e) {
    throw new ConversionError('INPUT_NOT_FOUND', `cannot be read: ${(e as Error).message}`, { file }, { cause: e });
  }
}
