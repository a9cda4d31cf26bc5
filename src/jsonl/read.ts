/**
 * Reading JSONL files and standard input line by line (bounded memory), and how messages name them.
 *
 * @example
 *   for await (const { line, text } of readJsonlLines('out/train_annotations.jsonl')) JSON.parse(text);
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { displayPath } from '../paths.js';

/** One line of a JSONL file as read: its 1-based number and its text (BOM of line 1 removed). */
export interface JsonlLine {
  line: number;
  text: string;
  /** Line 1 started with a byte-order mark (removed from `text`). */
  bom?: true;
}

/** The file name `-` reads standard input; messages name it {@link STDIN_NAME}. */
export const STDIN_NAME = '<stdin>';

/** How messages name a file argument: `<stdin>` for `-`, else relative to the current directory when inside it. */
export function displayFile(arg: string): string {
  return arg === '-' ? STDIN_NAME : displayPath(resolve(arg));
}

/**
 * The lines of a file (or of a stream: standard input), streamed (bounded memory). Accepts LF
 * and CRLF; a BOM at the start is removed.
 * @throws the read error (ENOENT...) on the first iteration
 */
export async function* readJsonlLines(source: string | NodeJS.ReadableStream): AsyncGenerator<JsonlLine> {
  const input = typeof source === 'string' ? createReadStream(source, { encoding: 'utf8' }) : source;
  if (typeof source !== 'string') (input as NodeJS.ReadableStream).setEncoding('utf8');
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const raw of rl) {
      n++;
      if (n === 1 && raw.charCodeAt(0) === 0xfeff) yield { line: n, text: raw.slice(1), bom: true };
      else yield { line: n, text: raw };
    }
  } finally {
    rl.close();
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
