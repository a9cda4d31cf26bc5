/**
 * folder-to-jsonl (alias `folder`): class-per-folder → multi-class.
 *
 * @example
 *   fridgeObjects/can/1.jpg        →  {"image_url":"can/1.jpg","image_details":{"format":"jpg","width":499,"height":666},"label":"can"}
 *
 * The class is the name of the folder directly under `<dir>`. Image files are those with an image
 * extension (SPEC §4, any case); other files and images lying at the root are reported and left
 * out; hidden files and folders are ignored. Folders inside a class folder are searched only
 * down to `--depth` levels (default 1: images sit directly in their class folder); a deeper
 * folder is a bad item.
 */
import { InvalidArgumentError } from 'commander';
import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import { mapOrdered } from '../src/concurrency.js';
import { ConversionError } from '../src/errors.js';
import { isImageName, readImageDetails } from '../src/images.js';
import { listFolder, relativeKey } from '../src/paths.js';
import type { Converter, ConverterContext, ImageRecord } from '../src/types.js';

/** How many image headers are read at once. */
export const IO_CONCURRENCY = 64;

interface Found {
  abs: string;
  label: string;
}

function parseDepth(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected an integer of 1 or more');
  return n;
}

/** Every image under the class folders, sorted by path; reports what is left out. */
async function findImages(ctx: ConverterContext, depth: number): Promise<Found[]> {
  const root = ctx.input;
  const s = await stat(root);
  if (!s.isDirectory()) {
    throw new ConversionError('INPUT_LAYOUT', 'expected a folder of class folders, got a file', { file: ctx.inputArg });
  }
  const found: Found[] = [];
  const walk = async (dir: string, label: string, level: number): Promise<void> => {
    for (const entry of await listFolder(dir)) {
      const abs = join(dir, entry.name);
      if (entry.kind === 'dir') {
        if (level < depth) await walk(abs, label, level + 1);
        else {
          ctx.bad(
            new ConversionError('NESTED_FOLDER', `folder nested deeper than --depth ${depth} allows; use --depth ${level + 1} to include its images`, {
              file: ctx.display(abs),
            }),
          );
        }
      } else if (entry.kind === 'file' && isImageName(entry.name)) {
        found.push({ abs, label });
      } else {
        ctx.warn('NOT_AN_IMAGE', 'not an image file (by its extension): left out', { file: ctx.display(abs) });
      }
    }
  };
  for (const entry of await listFolder(root)) {
    const abs = join(root, entry.name);
    if (entry.kind === 'dir') await walk(abs, entry.name, 1);
    else if (entry.kind === 'file' && isImageName(entry.name)) {
      ctx.warn('IMAGE_OUTSIDE_CLASS', 'image outside any class folder: left out', { file: ctx.display(abs) });
    } else {
      ctx.warn('NOT_AN_IMAGE', 'not a class folder: left out', { file: ctx.display(abs) });
    }
  }
  return found;
}

async function* run(ctx: ConverterContext): AsyncGenerator<ImageRecord> {
  const depth = (ctx.extra['depth'] as number | undefined) ?? 1;
  const root = ctx.options.root ?? ctx.input;
  const images = await findImages(ctx, depth);
  let done = 0;
  const records = mapOrdered(images, IO_CONCURRENCY, async (img): Promise<ImageRecord | undefined> => {
    const key = relativeKey(root, img.abs);
    if (key === undefined) {
      ctx.bad(new ConversionError('PATH_OUTSIDE_ROOT', `image lies outside --root ${ctx.display(root)}`, { file: ctx.display(img.abs) }));
      return undefined;
    }
    if (!ctx.options.imageDetails) return { path: key, label: img.label };
    try {
      return { path: key, details: await readImageDetails(img.abs, ctx.display(img.abs)), label: img.label };
    } catch (e) {
      if (e instanceof ConversionError) {
        ctx.bad(e);
        return undefined;
      }
      throw e;
    }
  });
  for await (const record of records) {
    ctx.progress(++done, images.length);
    if (record) yield record;
  }
}

const converter: Converter = {
  name: 'folder-to-jsonl',
  alias: 'folder',
  description: 'class-per-folder → multi-class',
  argument: '<dir>',
  example: 'automl-img convert folder ./fridgeObjects -o out/',
  task: 'multi-class',
  options: [
    {
      flags: '--depth <n>',
      key: 'depth',
      description: 'folder levels searched for images: 1 = <class>/<image>, 2 also <class>/<sub>/<image>, ...',
      defaultValue: 1,
      parse: parseDepth,
    },
  ],
  run,
};

export default converter;
