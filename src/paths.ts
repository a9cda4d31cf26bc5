/**
 * Paths as they appear in `image_url`: relative to the dataset root, `/`-separated, exactly the
 * characters of the file name (no percent-encoding, no Unicode normalisation).
 */
import { isAbsolute, relative, sep } from 'node:path';
import type { Dirent } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConversionError } from './errors.js';

/** `abs` relative to `root` with `/` separators, or undefined when it lies outside `root`. */
export function relativeKey(root: string, abs: string): string | undefined {
  const rel = relative(root, abs);
  if (rel === '' || rel === '..' || rel.startsWith('..' + sep) || isAbsolute(rel)) return undefined;
  return sep === '/' ? rel : rel.split(sep).join('/');
}

/** Formats a path for messages: relative to the current directory when inside it, with `/`. */
export function displayPath(absPath: string, cwd: string = process.cwd()): string {
  const rel = relative(cwd, absPath);
  const shown = rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : absPath;
  return sep === '/' ? shown : shown.split(sep).join('/');
}

/** Compares strings by UTF-16 code units: the one sort order used for every listing. */
export function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A folder entry, with symlinks resolved to what they point at. */
export interface ListedEntry {
  /** The name; for an `unusable` entry, its bytes shown with `\xNN` for those that are not UTF-8 (`cr\xe8me`). */
  name: string;
  /** `unusable`: a name that is not UTF-8, which Node's string paths cannot name (report it; never open it). */
  kind: 'file' | 'dir' | 'other' | 'unusable';
}

/** What {@link listFolder} leaves out. */
export interface ListFolderOptions {
  /** Keep hidden entries (`.name`). */
  includeHidden?: boolean | undefined;
  /** Leaves out the entries (absolute paths) it accepts: `ctx.isOwnOutput` (src/kit/own-outputs.ts). */
  skip?: ((abs: string) => boolean) | undefined;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** The name as a string when its bytes are UTF-8, else undefined. */
function utf8Name(bytes: Buffer): string | undefined {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Bytes for messages: UTF-8 sequences as text, other bytes and control characters as `\xNN`. */
export function showBytes(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 1;
    const text = n > 1 ? utf8Name(Buffer.from(bytes.subarray(i, i + n))) : undefined;
    if (text !== undefined && text.length > 0) {
      out += text;
      i += n;
    } else {
      out += b >= 0x20 && b < 0x7f && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`;
      i++;
    }
  }
  return out;
}

/**
 * The entries of a folder sorted by name (UTF-16 order), symlinks resolved to what they point at.
 * Hidden ones (`.name`) are left out unless `includeHidden` (for callers that report some of them),
 * and those `skip` accepts. Names are read as bytes: one that is not UTF-8 comes back as `unusable`.
 * @throws ConversionError `PATH_UNUSABLE` when `dir` is longer than the system allows (ENAMETOOLONG)
 */
export async function listFolder(dir: string, options: ListFolderOptions = {}): Promise<ListedEntry[]> {
  let dirents: Dirent[] | Dirent<Buffer>[];
  try {
    // Names as strings first (the common case, and cheaper); Node shows bytes that are not UTF-8 as
    // U+FFFD, so only a listing that holds one is read again as bytes to tell the two apart.
    dirents = await readdir(dir, { withFileTypes: true });
    if (dirents.some((d) => d.name.includes('\uFFFD'))) dirents = await readdir(dir, { withFileTypes: true, encoding: 'buffer' });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENAMETOOLONG') {
      const bytes = Buffer.byteLength(dir);
      throw new ConversionError('PATH_UNUSABLE', `expected a path the system can open, got one of ${bytes} bytes (too long: ENAMETOOLONG); move the folder up or leave it out`, {
        file: displayPath(dir),
      });
    }
    throw e;
  }
  // join(dir, name) for every entry, as one normalised prefix plus the name (a name holds no separator).
  const inDir = join(dir, 'x').slice(0, -1);
  const out: ListedEntry[] = [];
  for (const d of dirents) {
    const bytes = d.name;
    const name = typeof bytes === 'string' ? bytes : utf8Name(bytes);
    if (name === undefined) {
      out.push({ name: showBytes(bytes as Buffer), kind: 'unusable' });
      continue;
    }
    if (!options.includeHidden && name.startsWith('.')) continue;
    if (options.skip?.(inDir + name)) continue;
    let kind: ListedEntry['kind'] = d.isFile() ? 'file' : d.isDirectory() ? 'dir' : 'other';
    if (d.isSymbolicLink()) {
      try {
        const s = await stat(inDir + name);
        kind = s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
      } catch {
        kind = 'other';
      }
    }
    out.push({ name, kind });
  }
  return out.sort((a, b) => compareKeys(a.name, b.name));
}
