/**
 * The one owner of this process's temporary files: every temporary file or folder (the writer's
 * spill and output temporaries, coco-to-jsonl's spilled buckets) is registered here while it exists,
 * and so is every folder a running write created for its outputs. {@link removeAllTempSync} removes
 * them all: the CLI's SIGINT/SIGTERM handler calls it, and so does one `exit` hook (installed with the
 * first registration), so neither a Ctrl-C nor a `process.exit` elsewhere leaves one behind.
 *
 * @example
 *   const dir = mkdtempSync(join(parent, '.automl-img-coco-'));
 *   registerTemp(dir);            // removed (with its content) if the process ends now
 *   ...
 *   rmSync(dir, { recursive: true, force: true });
 *   unregisterTemp(dir);
 */
import { rmdirSync, rmSync } from 'node:fs';

/** Temporary files and folders: removed whole. */
const temps = new Set<string>();
/** Folders made for outputs by running writes: removed only when empty, deepest first, after the temporaries. */
const createdDirs = new Set<string>();
let exitHook = false;

function hookExit(): void {
  if (exitHook) return;
  exitHook = true;
  process.on('exit', removeAllTempSync);
}

/** Registers a temporary file or folder (removed with its content by {@link removeAllTempSync}). */
export function registerTemp(path: string): void {
  hookExit();
  temps.add(path);
}

/** Forgets a temporary that was removed, or renamed into place. */
export function unregisterTemp(path: string): void {
  temps.delete(path);
}

/** Registers a folder a running write created (removed by {@link removeAllTempSync} only when empty). */
export function registerCreatedDir(dir: string): void {
  hookExit();
  createdDirs.add(dir);
}

/** Forgets a created folder (the write that made it has ended). */
export function unregisterCreatedDir(dir: string): void {
  createdDirs.delete(dir);
}

/**
 * Removes every registered temporary, then every registered folder that is now empty (deepest
 * first), and forgets them all. Synchronous: for signal handlers and the exit hook.
 */
export function removeAllTempSync(): void {
  for (const p of temps) {
    try {
      rmSync(p, { recursive: true, force: true });
    } catch {
      // already gone, or cannot be removed: nothing more to do while exiting
    }
  }
  temps.clear();
  for (const d of [...createdDirs].sort((a, b) => b.length - a.length)) {
    try {
      rmdirSync(d);
    } catch {
      // not empty, or gone
    }
  }
  createdDirs.clear();
}

/** Temporaries registered and not yet removed (for tests). */
export function liveTempCount(): number {
  return temps.size;
}
