/**
 * Temporary folders and file trees for tests.
 *
 *   const tmp = useTempDir();            // in a describe/file: fresh folder per test, removed after
 *   await writeTree(tmp.path, { 'can/1.jpg': jpeg(4, 3), 'labels.csv': 'filename,labels\n' });
 *   expect(await listTree(tmp.path)).toEqual(['can/1.jpg', 'labels.csv']);
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { afterEach, beforeEach } from 'vitest';

/** Makes a fresh folder under the OS temp dir (the caller removes it, or use {@link useTempDir}). */
export function makeTempDir(prefix = 'automl-img-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Removes a folder and everything in it (no error when missing). */
export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * Registers beforeEach/afterEach hooks: each test gets a fresh empty folder at `.path`,
 * removed after the test. Call at the top of a file or inside a `describe`.
 */
export function useTempDir(prefix?: string): { readonly path: string } {
  let current: string | undefined;
  beforeEach(() => {
    current = makeTempDir(prefix);
  });
  afterEach(() => {
    if (current) removeDir(current);
    current = undefined;
  });
  return {
    get path(): string {
      if (!current) throw new Error('useTempDir: .path read outside a test');
      return current;
    },
  };
}

/** A file tree: relative path (with `/`) → content. A `null` content makes an empty folder. */
export type Tree = Record<string, string | Uint8Array | null>;

/** Writes `tree` under `root`, creating folders as needed. Files are written in the order given. */
export async function writeTree(root: string, tree: Tree): Promise<void> {
  for (const [rel, content] of Object.entries(tree)) {
    const abs = join(root, ...rel.split('/'));
    if (content === null) {
      await mkdir(abs, { recursive: true });
      continue;
    }
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, content);
  }
}

/** Writes the same tree in reverse order (for "the same dataset created in reverse order" tests). */
export async function writeTreeReversed(root: string, tree: Tree): Promise<void> {
  await writeTree(root, Object.fromEntries(Object.entries(tree).reverse()));
}

/**
 * Every file under `root` (hidden ones included), as sorted `/`-separated relative paths.
 * Empty folders are listed with a trailing `/`. Returns [] when `root` does not exist.
 */
export async function listTree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, prefix: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && prefix === '') return;
      throw e;
    }
    if (entries.length === 0 && prefix !== '') out.push(prefix);
    for (const d of entries) {
      if (d.isDirectory()) await walk(join(dir, d.name), `${prefix}${d.name}/`);
      else out.push(prefix + d.name);
    }
  };
  await walk(root, '');
  return out.sort();
}

/** Every file under `dir` with its bytes, by `/`-separated relative path, sorted. */
export async function readTree(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const paths = entries.filter((e) => e.isFile()).map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'));
  for (const p of paths.sort()) files.set(p, await readFile(join(dir, p)));
  return files;
}

/** Paths whose bytes differ between two trees of {@link readTree}, or that only one of them has. */
export function treeDifferences(a: Map<string, Buffer>, b: Map<string, Buffer>): string[] {
  const names = new Set([...a.keys(), ...b.keys()]);
  return [...names].filter((n) => !a.has(n) || !b.has(n) || !a.get(n)!.equals(b.get(n)!)).sort();
}

/** `text` with `root` (a temporary folder) written as `<root>`, so that messages naming it can be pinned. */
export function scrubRoot(text: string, root: string): string {
  return text
    .split(root + '/')
    .join('<root>/')
    .split(root)
    .join('<root>');
}
