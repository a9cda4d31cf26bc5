/**
 * The images a `request` or `score` run sends, in a stable order: image files as given, folders
 * walked depth-first in name order (image extensions only, hidden entries and other files left
 * out), and JSONL files line by line (each line's `image_url` looked up under `--images-root`).
 * Each image carries the `image_url` its prediction is written under (SPEC §7).
 *
 * @example
 *   for await (const item of listImages(['data/images', 'val.jsonl'], { imagesRoot: 'data' })) {
 *     if (item.ok) console.log(item.image.imageUrl, item.image.path); // images/1.jpg /abs/data/images/1.jpg
 *     else console.error(item.error.message);                          // val.jsonl:3: image_url: ...
 *   }
 */
import { realpath, stat } from 'node:fs/promises';
import { dirname, resolve, sep } from 'node:path';
import { ConversionError, describeValue } from '../errors.js';
import { extensionOf, isImageName } from '../images.js';
import { readJsonlLines } from '../jsonl/read.js';
import { displayPath, listFolder, relativeKey } from '../paths.js';
import { interruptedError } from '../writer.js';

/** One image to send. */
export interface ImageInput {
  /** The file, absolute. */
  path: string;
  /** The string its prediction is written under: the training JSONL's `image_url` for that image. */
  imageUrl: string;
  /** Where it came from, for messages: the JSONL file and line naming it; `{}` for the image itself (`path`). */
  origin: { file?: string; line?: number };
}

/** An image, or an input that cannot be sent (named, with a stable code). */
export type InputItem = { ok: true; image: ImageInput } | { ok: false; error: ConversionError; imageUrl: string | undefined };

/** How inputs become images and `image_url`s. */
export interface InputOptions {
  /**
   * The folder `image_url` paths are relative to: for JSONL inputs, where their `image_url`s are
   * looked up (default: each JSONL's folder); for image files and folders, what their `image_url`
   * is made relative to (default: the current directory).
   */
  imagesRoot?: string | undefined;
  /**
   * A prefix of `image_url` (`azureml://datastores/.../paths/fridge/`): removed from JSONL
   * `image_url`s before the lookup, put before the relative path of image files and folders.
   */
  baseUrl?: string | undefined;
  signal?: AbortSignal | undefined;
}

/** JSONL inputs are recognised by these extensions; anything else given as a file must be an image. */
const JSONL_EXTENSIONS: ReadonlySet<string> = new Set(['jsonl', 'ndjson']);

/** True when `url` starts with a scheme (`azureml://`, `https://`, `wasbs://`...): not a local path. */
function isRemoteUrl(url: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

/**
 * Checks that every input exists, before anything is sent.
 * @throws ConversionError `INPUT_NOT_FOUND`
 */
export async function checkInputs(inputs: readonly string[]): Promise<void> {
  for (const input of inputs) {
    try {
      await stat(input);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new ConversionError('INPUT_NOT_FOUND', code === 'ENOENT' ? 'no such file or folder' : `cannot read it: ${(e as Error).message}`, { file: displayPath(resolve(input)) });
    }
  }
}

/** The images of every input, in order (see the module comment). */
export async function* listImages(inputs: readonly string[], options: InputOptions = {}): AsyncGenerator<InputItem> {
  const urls = new LocalUrls(options);
  for (const input of inputs) {
    if (options.signal?.aborted) throw interruptedError();
    const abs = resolve(input);
    const s = await stat(abs);
    if (s.isDirectory()) yield* walkFolder(abs, urls, options.signal);
    else if (JSONL_EXTENSIONS.has(extensionOf(abs))) yield* jsonlImages(abs, options);
    else yield fileImage(abs, urls);
  }
}

/**
 * The `image_url` of a local image file: its path relative to `--images-root` (default: the current
 * directory), after `--base-url`. The root is resolved once a listing, not once an image.
 */
class LocalUrls {
  private readonly root: string;
  /** The root with a separator after it: a path that starts with it lies inside the root. */
  private readonly rootPrefix: string;
  private readonly baseUrl: string;
  constructor(private readonly options: InputOptions) {
    this.root = resolve(options.imagesRoot ?? '.');
    this.rootPrefix = this.root.endsWith(sep) ? this.root : this.root + sep;
    this.baseUrl = options.baseUrl ?? '';
  }

  of(abs: string): { url: string } | { error: ConversionError } {
    // Paths here are resolved: on POSIX a path lies inside the root exactly when it starts with the root and a
    // separator (no path.relative an image); Windows (case-insensitive, drive letters) goes the long way.
    const inside = abs.startsWith(this.rootPrefix) && abs.length > this.rootPrefix.length;
    const key = inside ? toSlashes(abs.slice(this.rootPrefix.length)) : sep === '/' ? undefined : relativeKey(this.root, abs);
    if (key !== undefined) return { url: this.baseUrl + key };
    if (this.options.imagesRoot !== undefined) {
      return { error: new ConversionError('PATH_OUTSIDE_ROOT', `the image lies outside --images-root ${displayPath(this.root)}`, { file: displayPath(abs) }) };
    }
    return { url: toSlashes(abs) };
  }
}

function toSlashes(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

function fileImage(abs: string, urls: LocalUrls): InputItem {
  const mapped = urls.of(abs);
  if ('error' in mapped) return { ok: false, error: mapped.error, imageUrl: undefined };
  if (!isImageName(abs)) {
    const error = new ConversionError('NOT_AN_IMAGE', `expected an image (jpg, jpeg, png, bmp, tif, tiff...) or a .jsonl file, got a .${extensionOf(abs) || '(no extension)'} file`, {
      file: displayPath(abs),
    });
    return { ok: false, error, imageUrl: mapped.url };
  }
  return { ok: true, image: { path: abs, imageUrl: mapped.url, origin: {} } };
}

/** Image files under `dir`, depth-first in name order; folders reached twice through symlinks are walked once. */
async function* walkFolder(dir: string, urls: LocalUrls, signal: AbortSignal | undefined, seen: Set<string> = new Set()): AsyncGenerator<InputItem> {
  const real = await realpath(dir);
  if (seen.has(real)) return;
  seen.add(real);
  // `dir` is resolved and a listed name holds no separator: joining is putting one between them.
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  for (const entry of await listFolder(dir)) {
    if (signal?.aborted) throw interruptedError();
    if (entry.kind === 'dir') yield* walkFolder(prefix + entry.name, urls, signal, seen);
    else if (entry.kind === 'file' && isImageName(entry.name)) yield fileImage(prefix + entry.name, urls);
  }
}

/** The images a JSONL file's `image_url`s name, line by line. */
async function* jsonlImages(abs: string, options: InputOptions): AsyncGenerator<InputItem> {
  const file = displayPath(abs);
  const root = resolve(options.imagesRoot ?? dirname(abs));
  for await (const { line, text } of readJsonlLines(abs)) {
    if (options.signal?.aborted) throw interruptedError();
    if (text.trim() === '') continue;
    const at = { file, line };
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      yield { ok: false, error: new ConversionError('JSON_PARSE', `expected a JSON object, got malformed JSON (${(e as Error).message})`, at), imageUrl: undefined };
      continue;
    }
    const url = value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)['image_url'] : undefined;
    if (typeof url !== 'string' || url === '') {
      const code = url === undefined ? 'JSON_MISSING' : 'JSON_BAD_VALUE';
      yield { ok: false, error: new ConversionError(code, `expected a non-empty string, got ${describeValue(url)}`, { ...at, path: 'image_url' }), imageUrl: undefined };
      continue;
    }
    const base = options.baseUrl;
    let rel: string;
    if (base && url.startsWith(base)) rel = url.slice(base.length);
    else if (isRemoteUrl(url)) {
      const hint = base
        ? `it does not start with --base-url ${JSON.stringify(base)}: give the prefix up to the dataset root`
        : 'pass --base-url <the prefix up to the dataset root> to remove it, and --images-root <the local copy of that folder>';
      yield { ok: false, error: new ConversionError('URL_NOT_LOCAL', `${describeValue(url)} is not a local path: ${hint}`, { ...at, path: 'image_url' }), imageUrl: url };
      continue;
    } else rel = url;
    rel = rel.replace(/^[/\\]+/, '');
    const imagePath = resolve(root, rel);
    if (relativeKey(root, imagePath) === undefined) {
      const error = new ConversionError('PATH_OUTSIDE_ROOT', `${describeValue(url)} leads outside ${displayPath(root)}`, { ...at, path: 'image_url' });
      yield { ok: false, error, imageUrl: url };
      continue;
    }
    yield { ok: true, image: { path: imagePath, imageUrl: url, origin: at } };
  }
}
