/**
 * Reading JSONL files and standard input line by line (bounded memory), and how messages name them.
 *
 * @example
 *   for await (const { line, text } of readJsonlLines('out/train_annotations.jsonl')) JSON.parse(text);
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ConversionError } from '../errors.js';
import { displayPath } from '../paths.js';

/** One line of a JSONL file as read: its 1-based number and its text (BOM of line 1 removed). */
export interface JsonlLine {
  line: number;
  text: string;
  /** Line 1 started with a byte-order mark (removed from `text`). */
  bom?: true;
  /** Set (to the line's length in bytes) when the line is longer than `maxLineBytes`; `text` is then `''`. */
  tooLong?: number;
}

/** The longest line read by default, in bytes without its newline (256 MiB). */
export const DEFAULT_MAX_LINE_BYTES = 256 << 20;

/** How {@link readJsonlLines} reads. */
export interface ReadJsonlOptions {
  /** The longest line read, in bytes without its newline. Default {@link DEFAULT_MAX_LINE_BYTES}. */
  maxLineBytes?: number | undefined;
  /**
   * A longer line: `'throw'` (default) a `LINE_TOO_LONG` ConversionError naming the file and line, or
   * `'yield'` it as `{ line, text: '', tooLong: bytes }` and go on with the next line. Either way the
   * long line is skipped as bytes: it is never built as a string.
   */
  tooLong?: 'throw' | 'yield' | undefined;
}

/** The file name `-` reads standard input; messages name it {@link STDIN_NAME}. */
export const STDIN_NAME = '<stdin>';

/** How messages name a file argument: `<stdin>` for `-`, else relative to the current directory when inside it. */
export function displayFile(arg: string): string {
  return arg === '-' ? STDIN_NAME : displayPath(resolve(arg));
}

/** The message of a line longer than the cap. */
export function lineTooLongDetail(bytes: number, max: number): string {
  return `expected a line of at most ${max} bytes (--max-line-bytes), got ${bytes} bytes: the line is skipped`;
}

/**
 * The lines of a file (or of a stream: standard input), streamed (bounded memory): the bytes are split
 * at LF (a CR before it is removed), and each line is decoded as UTF-8 (bytes that are not UTF-8 become
 * U+FFFD); a BOM at the start is removed. A line longer than `maxLineBytes` is never held whole (see
 * {@link ReadJsonlOptions.tooLong}).
 * @throws the read error (ENOENT...) on the first iteration; `LINE_TOO_LONG` (unless `tooLong: 'yield'`)
 */
export async function* readJsonlLines(source: string | NodeJS.ReadableStream, options: ReadJsonlOptions = {}): AsyncGenerator<JsonlLine> {
  const max = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const input = typeof source === 'string' ? createReadStream(source) : source;
  /** The pieces of the current line (none once it is known to be too long), and its length so far. */
  let parts: Buffer[] = [];
  let bytes = 0;
  let n = 0;
  const finish = (): JsonlLine => {
    n++;
    const length = bytes;
    const pieces = parts;
    parts = [];
    bytes = 0;
    let buf = length > max + 1 ? undefined : pieces.length === 1 ? pieces[0]! : Buffer.concat(pieces, length);
    if (buf !== undefined && buf.length > 0 && buf[buf.length - 1] === 0x0d) buf = buf.subarray(0, buf.length - 1);
    if (buf === undefined || buf.length > max) {
      if (options.tooLong !== 'yield') {
        const file = typeof source === 'string' ? displayFile(source) : STDIN_NAME;
        throw new ConversionError('LINE_TOO_LONG', lineTooLongDetail(length, max), { file, line: n });
      }
      return { line: n, text: '', tooLong: length };
    }
    const text = buf.toString('utf8');
    if (n === 1 && text.charCodeAt(0) === 0xfeff) return { line: n, text: text.slice(1), bom: true };
    return { line: n, text };
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer | string>) {
      const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      for (let start = 0; start < buf.length; ) {
        const nl = buf.indexOf(0x0a, start);
        const end = nl === -1 ? buf.length : nl;
        // Up to max + 1 bytes are kept (a CR before the LF may be the extra byte); beyond that, only counted.
        if (bytes + (end - start) <= max + 1) parts.push(buf.subarray(start, end));
        else parts = [];
        bytes += end - start;
        if (nl === -1) break;
        yield finish();
        start = nl + 1;
      }
    }
    if (bytes > 0) yield finish();
  } finally {
    if (typeof source === 'string') (input as ReturnType<typeof createReadStream>).destroy();
  }
}

/** Checks that a path is a readable file (`-`, standard input, always is); a message for FILE_UNREADABLE otherwise. */
export async function fileProblem(absPath: string): Promise<string | undefined> {
  if (absPath === '-') return undefined;
  try {
    const s = await stat(absPath);
    return s.isFile() ? undefined : 'expected a JSONL file, got a folder';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'expected a JSONL file, got nothing (no such file)' : `cannot read the file: ${(e as Error).message}`;
  }
}
