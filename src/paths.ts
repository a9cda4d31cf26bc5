/**
 * Paths as they appear in `image_url`: relative to the dataset root, `/`-separated, exactly the
 * characters of the file name (no percent-encoding, no Unicode normalisation).
 */
import { isAbsolute, relative, sep } from 'node:path';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

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
  name: string;
  kind: 'file' | 'dir' | 'other';
}

/** What {@link listFolder} leaves out. */
export interface ListFolderOptions {
  /** Keep hidden entries (`.name`). */
  includeHidden?: boolean | undefined;
  /** Leaves out the entries (absolute paths) it accepts: `ctx.isOwnOutput` (src/kit/own-outputs.ts). */
  skip?: ((abs: string) => boolean) | undefined;
}

/**
 * The entries of a folder sorted by name (UTF-16 order), symlinks resolved to what they point at.
 * Hidden ones (`.name`) are left out unless `includeHidden` (for callers that report some of them),
 * and those `skip` accepts.
 */
export async function listFolder(dir: string, options: ListFolderOptions = {}): Promise<ListedEntry[]> {
  const dirents = await readdir(dir, { withFileTypes: true });
  const out: ListedEntry[] = [];
  for (const d of dirents) {
    if (!options.includeHidden && d.name.startsWith('.')) continue;
    if (options.skip?.(join(dir, d.name))) continue;
    let kind: ListedEntry['kind'] = d.isFile() ? 'file' : d.isDirectory() ? 'dir' : 'other';
    if (d.isSymbolicLink()) {
      try {
        const s = await stat(join(dir, d.name));
        kind = s.isFile() ? 'file' : s.isDirectory() ? 'dir' : 'other';
      } catch {
        kind = 'other';
      }
    }
    out.push({ name: d.name, kind });
  }
  return out.sort((a, b) => compareKeys(a.name, b.name));
}
