/**
 * folder-to-jsonl (alias `folder`): class-per-folder → multi-class.
 *
 * @example
 *   fridgeObjects/can/1.jpg        →  {"image_url":"can/1.jpg","image_details":{"format":"jpg","width":499,"height":666},"label":"can"}
 *
 * The class is the name of the folder directly under `<dir>`. Image files are those with an image
 * extension (SPEC §4, any case). Everything else is reported (a warning) and left out: other files
 * (`.DS_Store`, `.gif`, text files) and images lying at the root. Other hidden files and folders
 * (names starting with `.`) are ignored silently. Folders inside a class folder are searched down to
 * `--depth` levels (default 1: images sit directly in their class folder); a deeper folder is a bad
 * item (the run stops, or with `--on-error skip` the folder is reported and left out).
 *
 * The tree is walked in sorted order and streamed: image headers are read while the walk goes on
 * (src/kit/headers.ts: synchronously while the disk answers fast, else many at once), and bad items
 * are reported in path order, so two runs report the same things.
 *
 * Symlinks are followed (to images or folders outside the dataset too); each real folder is walked
 * once, so a symlink loop or a second link to a folder does not list its images again
 * (`FOLDER_REPEATED`, a warning).
 */
import { stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { ConversionError } from '../src/errors.js';
import { isImageName, readImageDetails } from '../src/images.js';
import { HeaderReader, readInOrder, type InOrderSteps } from '../src/kit/headers.js';
import { listFolder, relativeKey } from '../src/paths.js';
import { defineConverter } from '../src/kit/define.js';
import FOLDER, { OPTIONS } from './declarations/folder-to-jsonl.js';
import type { OptionValues } from '../src/options.js';
import type { ConverterContext, ImageRecord } from '../src/types.js';

/** Hidden files that are reported (they are what a careless conversion would turn into lines). */
const REPORTED_HIDDEN = new Set(['.DS_Store']);

interface Found {
  abs: string;
  /** The image's path relative to the dataset root (undefined when it lies outside `--root`). */
  key: string | undefined;
  label: string;
}

type Item = { kind: 'image'; found: Found } | { kind: 'bad'; error: ConversionError };

/**
 * Walks the class folders in sorted order and yields every image (and every bad item) as it is
 * found, a folder's worth at a time; warnings for what is left out go straight to `ctx.warn`.
 */
async function* walkTree(ctx: ConverterContext, depth: number, keyRoot: string): AsyncGenerator<Item[]> {
  const root = ctx.input;
  if (!(await stat(root)).isDirectory()) {
    throw new ConversionError('INPUT_LAYOUT', 'expected a folder of class folders, got a file', { file: ctx.display(root) });
  }
  const hidden = (name: string, abs: string): boolean => {
    if (!name.startsWith('.')) return false;
    if (REPORTED_HIDDEN.has(name)) ctx.warn('NOT_AN_IMAGE', 'not an image file (a Finder .DS_Store): left out', { file: ctx.display(abs) });
    return true;
  };
  const unusableName = (abs: string) =>
    new ConversionError('PATH_UNUSABLE', 'expected a file or folder name in UTF-8, got other bytes (shown as \\xNN): it cannot be opened; rename it', { file: ctx.display(abs) });
  /** A folder's entries, or the bad item a folder that cannot be listed is (a path too long for the system). */
  const listOrBad = async (dir: string) => {
    try {
      return await listFolder(dir, { includeHidden: true, skip: ctx.isOwnOutput });
    } catch (e) {
      if (e instanceof ConversionError) return e;
      throw e;
    }
  };
  /** The folders walked (device and inode): a folder reached again through a symlink is walked once. */
  const walked = new Set<string>();
  const rootStat = await stat(root, { bigint: true });
  walked.add(`${rootStat.dev}:${rootStat.ino}`);
  async function* walk(dir: string, label: string, level: number): AsyncGenerator<Item[]> {
    const id = await stat(dir, { bigint: true }).then(
      (st) => `${st.dev}:${st.ino}`,
      () => undefined, // listed below, which reports why it cannot be
    );
    if (id !== undefined) {
      if (walked.has(id)) {
        ctx.warn('FOLDER_REPEATED', 'a folder already walked (reached again through a symlink, maybe a loop): left out, its images are listed once', { file: ctx.display(dir) });
        return;
      }
      walked.add(id);
    }
    // Keys are built by appending names to the folder's key (no path arithmetic per image).
    const dirKey = dir === keyRoot ? '' : relativeKey(keyRoot, dir);
    let batch: Item[] = [];
    const entries = await listOrBad(dir);
    if (entries instanceof ConversionError) {
      yield [{ kind: 'bad', error: entries }];
      return;
    }
    for (const entry of entries) {
      const abs = dir + sep + entry.name;
      if (entry.kind === 'unusable') {
        batch.push({ kind: 'bad', error: unusableName(abs) });
        continue;
      }
      if (hidden(entry.name, abs)) continue;
      if (entry.kind === 'dir') {
        if (level < depth) {
          if (batch.length > 0) yield batch;
          batch = [];
          yield* walk(abs, label, level + 1);
        } else {
          const detail =
            `expected images directly in class folder ${JSON.stringify(label)}` +
            (depth > 1 ? ` or in folders at most ${depth - 1} level${depth > 2 ? 's' : ''} below it` : '') +
            `, got a folder ${level} level${level > 1 ? 's' : ''} down; use --depth ${level + 1} to include its images as ${JSON.stringify(label)}, or --on-error skip to leave it out`;
          batch.push({ kind: 'bad', error: new ConversionError('NESTED_FOLDER', detail, { file: ctx.display(abs) }) });
        }
      } else if (entry.kind !== 'file') {
        ctx.warn('NOT_AN_IMAGE', 'not a regular file (a broken link, a socket, ...): left out', { file: ctx.display(abs) });
      } else if (isImageName(entry.name)) {
        batch.push({ kind: 'image', found: { abs, key: dirKey === undefined ? undefined : dirKey === '' ? entry.name : `${dirKey}/${entry.name}`, label } });
      } else {
        ctx.warn('NOT_AN_IMAGE', 'not an image file (by its extension): left out', { file: ctx.display(abs) });
      }
    }
    if (batch.length > 0) yield batch;
  }
  for (const entry of await listFolder(root, { includeHidden: true, skip: ctx.isOwnOutput })) {
    const abs = join(root, entry.name);
    if (entry.kind === 'unusable') {
      yield [{ kind: 'bad', error: unusableName(abs) }];
      continue;
    }
    if (hidden(entry.name, abs)) continue;
    if (entry.kind === 'dir') yield* walk(abs, entry.name, 1);
    else if (entry.kind === 'file' && isImageName(entry.name)) {
      ctx.warn('IMAGE_OUTSIDE_CLASS', 'image outside any class folder (its class would be unknown): left out', { file: ctx.display(abs) });
    } else {
      ctx.warn('NOT_AN_IMAGE', 'not a class folder: left out', { file: ctx.display(abs) });
    }
  }
}

async function* run(ctx: ConverterContext<OptionValues<typeof OPTIONS>>): AsyncGenerator<ImageRecord> {
  const depth = ctx.own.depth;
  const root = ctx.options.root ?? ctx.input;
  const withDetails = ctx.options.imageDetails;
  const headers = withDetails ? await HeaderReader.for(ctx.input, { verify: ctx.options.verifyImages }) : undefined;
  const outside = (abs: string) => new ConversionError('PATH_OUTSIDE_ROOT', `expected an image inside --root ${ctx.display(root)}, got one outside it`, { file: ctx.display(abs) });
  const steps: InOrderSteps<Item, ImageRecord | ConversionError> = {
    quick(item) {
      if (item.kind === 'bad') return item.error;
      const { abs, key, label } = item.found;
      if (key === undefined) return outside(abs);
      if (headers === undefined) return { path: key, label };
      const details = headers.readSync(abs);
      return details && { path: key, details, label };
    },
    // Errors, and their messages, come from here.
    async settle(item) {
      if (item.kind === 'bad') return item.error;
      const { abs, key, label } = item.found;
      if (key === undefined) return outside(abs);
      try {
        return { path: key, details: await readImageDetails(abs, ctx.display(abs), { verify: ctx.options.verifyImages }), label };
      } catch (e) {
        if (e instanceof ConversionError) return e;
        throw e;
      }
    },
  };
  let done = 0;
  for await (const results of readInOrder(walkTree(ctx, depth, root), headers, steps)) {
    for (const r of results) {
      ctx.progress(++done);
      // Bad items are reported here, in walk order, so the report does not depend on I/O timing.
      if (r instanceof ConversionError) ctx.bad(r);
      else yield r;
    }
  }
}

export default defineConverter({ ...FOLDER, run });
