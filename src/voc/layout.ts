/**
 * The folders of a Pascal VOC dataset: the annotation folder (`Annotations/`, else `annotations/`) and the
 * image folder (`JPEGImages/`, else `images/`) of a root, the annotation files in it, the image files of a
 * folder indexed by name and stem, and the image an annotation names.
 *
 * - {@link findVocLayout}`(root, display)` → {@link VocLayout}; {@link findSubfolder} finds any other folder
 *   the same way (`SegmentationObject/`, `segmentation-masks/`).
 * - {@link listAnnotationFiles}`(dir)` → absolute paths of the `*.xml` files (any case), sorted, hidden files left out.
 * - {@link indexImageFolder}`(dir)` → {@link ImageFolderIndex}: the image files of a folder, by name and by stem.
 * - {@link resolveImage}`(layout, index, annotation, absXml, root, display)` → {@link ResolvedImage}: by
 *   `<filename>`, then by the XML's stem with any image extension (`<path>` is ignored).
 *
 * @example
 *   const layout = await findVocLayout('/data/VOC2012', display);   // { annotations: '/data/VOC2012/Annotations', images: '.../JPEGImages', ... }
 *   const [xmls, index] = await Promise.all([listAnnotationFiles(layout.annotations), indexImageFolder(layout.images)]);
 *   const image = resolveImage(layout, index, readVocAnnotationSync(xmls[0]!, 'a.xml'), xmls[0]!, layout.root, display);
 */
import { statSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { ConversionError, describeValue } from '../errors.js';
import { isImageName } from '../images.js';
import { relativeKey } from '../paths.js';
import type { VocAnnotation } from './annotation.js';

/** The folders of a VOC dataset. */
export interface VocLayout {
  /** The dataset root (absolute). */
  root: string;
  /** The annotation folder (absolute): `<root>/Annotations` or `<root>/annotations`. */
  annotations: string;
  /** The image folder (absolute): `<root>/JPEGImages` or `<root>/images`; when neither exists, the one the layout implies. */
  images: string;
  /** False when the image folder does not exist. */
  imagesExist: boolean;
  /** `official` for `Annotations/` (+ `JPEGImages/`), `azure` for the lower-case `annotations/` (+ `images/`). */
  kind: 'official' | 'azure';
}

/** The image files of one folder. */
export interface ImageFolderIndex {
  /** The folder (absolute). */
  dir: string;
  /** Every image file name (by extension, any case), sorted. */
  names: string[];
  /** Image file names by stem (name without its last extension), each list sorted. */
  byStem: Map<string, string[]>;
  /** `names` as a set. */
  nameSet: Set<string>;
}

/** Where an annotation's image is. */
export interface ResolvedImage {
  /** Absolute path. */
  abs: string;
  /** Path relative to the dataset root with `/` separators (the record's `path`). */
  key: string;
  /** True when it was found (false only with `mustExist: false`). */
  exists: boolean;
  /** How it was found: by `<filename>` or by the XML's stem. */
  via: 'filename' | 'stem';
}

/** The first of `names` that is a folder under `root`, as an absolute path; undefined when none is. */
export async function findSubfolder(root: string, names: readonly string[]): Promise<string | undefined> {
  for (const name of names) {
    const abs = join(root, name);
    try {
      if ((await stat(abs)).isDirectory()) return abs;
    } catch {
      // not there: try the next name
    }
  }
  return undefined;
}

/**
 * The annotation and image folders of a VOC dataset root.
 * @throws ConversionError `INPUT_LAYOUT` when `root` is not a folder or has no `Annotations/`/`annotations/`
 */
export async function findVocLayout(root: string, display: (abs: string) => string): Promise<VocLayout> {
  let isDir = false;
  try {
    isDir = (await stat(root)).isDirectory();
  } catch {
    throw new ConversionError('INPUT_NOT_FOUND', 'the dataset folder does not exist or cannot be read', { file: display(root) });
  }
  if (!isDir) throw new ConversionError('INPUT_LAYOUT', 'expected a VOC dataset folder, got a file', { file: display(root) });
  const annotations = await findSubfolder(root, ['Annotations', 'annotations']);
  if (annotations === undefined) {
    throw new ConversionError('INPUT_LAYOUT', 'expected an Annotations/ or annotations/ folder of VOC XML files, got none', { file: display(root) });
  }
  const kind = basename(annotations) === 'Annotations' ? 'official' : 'azure';
  const found = await findSubfolder(root, kind === 'official' ? ['JPEGImages', 'images'] : ['images', 'JPEGImages']);
  return {
    root,
    annotations,
    images: found ?? join(root, kind === 'official' ? 'JPEGImages' : 'images'),
    imagesExist: found !== undefined,
    kind,
  };
}

/** Absolute paths of the `*.xml` files (any case) directly in `dir`, sorted by name; hidden files left out. */
export async function listAnnotationFiles(dir: string): Promise<string[]> {
  const names = await listFileNames(dir, hasXmlExtension);
  const prefix = join(dir, sep); // names from a listing hold no separator: no join per file
  for (let i = 0; i < names.length; i++) names[i] = prefix + names[i];
  return names;
}

const hasXmlExtension = (name: string): boolean => {
  const n = name.length;
  return n > 4 && name.charCodeAt(n - 4) === 0x2e && name.slice(n - 3).toLowerCase() === 'xml';
};

/**
 * The names of the files directly in `dir` (symlinks followed) that `keep` accepts, hidden ones left
 * out, sorted by UTF-16 code units: what `listFolder` of src/paths.ts gives, filtered, without an entry
 * object per name (folders of VOC datasets hold tens of thousands of files).
 */
async function listFileNames(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const names: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true })) {
    const name = d.name;
    if (name.charCodeAt(0) === 0x2e /* . */ || !keep(name)) continue;
    if (d.isFile() || (d.isSymbolicLink() && isFile(join(dir, name)))) names.push(name);
  }
  // The default sort compares strings by UTF-16 code units, as compareKeys does.
  return names.sort();
}

/** The image files directly in `dir` (an empty index when `dir` does not exist). */
export async function indexImageFolder(dir: string): Promise<ImageFolderIndex> {
  let names: string[] = [];
  try {
    names = await listFileNames(dir, isImageName);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return imageIndexOf(dir, names);
}

/** An {@link ImageFolderIndex} from names already listed (sorted image file names of `dir`). */
export function imageIndexOf(dir: string, names: string[]): ImageFolderIndex {
  let byStem: Map<string, string[]> | undefined;
  return {
    dir,
    names,
    // Built on first use: only an XML whose <filename> is not in the folder needs it.
    get byStem(): Map<string, string[]> {
      if (!byStem) {
        byStem = new Map();
        for (const name of names) {
          const stem = stemOf(name);
          const list = byStem.get(stem);
          if (list) list.push(name);
          else byStem.set(stem, [name]);
        }
      }
      return byStem;
    },
    nameSet: new Set(names),
  };
}

/** A file name without its last extension: `2007_000032.xml` → `2007_000032`. */
export function stemOf(name: string): string {
  const slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  const dot = name.lastIndexOf('.');
  // as path.extname: a leading dot (`.hidden`) is part of the name, not an extension
  return dot > slash + 1 ? name.slice(slash + 1, dot) : name.slice(slash + 1);
}

/** Options of {@link resolveImage}. */
export interface ResolveImageOptions {
  /**
   * When false, a missing image is not an error: the path `<filename>` names is returned with
   * `exists: false` (for `--no-image-details`, which opens no image). Default true.
   */
  mustExist?: boolean;
}

/**
 * Finds the image of an annotation: `<filename>` in the image folder (a name with folders in it is
 * taken relative to the image folder; `\` counts as `/`), else a file in the image folder whose stem
 * is the XML's stem, with any image extension (the first in name order when several match).
 * `<path>` is never used: real files carry foreign absolute paths there.
 *
 * @param layout the dataset's folders
 * @param index the image folder's files ({@link indexImageFolder} of `layout.images`)
 * @param annotation the parsed XML
 * @param absXml the XML file (for its stem)
 * @param root the dataset root `image_url` is relative to (`--root`, default `layout.root`)
 * @param display formats paths for messages
 * @throws ConversionError `PATH_OUTSIDE_ROOT` (path `filename`) when `<filename>` leads outside `root` or the
 *   image folder; `IMAGE_NOT_FOUND` when nothing matches (with `mustExist`); `XML_MISSING` when nothing matches,
 *   `mustExist` is false and there is no `<filename>` to name the image by
 */
export function resolveImage(
  layout: VocLayout,
  index: ImageFolderIndex,
  annotation: VocAnnotation,
  absXml: string,
  root: string,
  display: (abs: string) => string,
  options: ResolveImageOptions = {},
): ResolvedImage {
  const plain = annotation.filename;
  if (plain !== undefined && index.nameSet.has(plain)) {
    // The common case: a name listed in the image folder (so no folders, no `..`), no path arithmetic.
    const prefix = keyPrefix(root, index.dir);
    if (prefix !== undefined) return { abs: index.dir + sep + plain, key: prefix + plain, exists: true, via: 'filename' };
  }
  const file = display(absXml);
  const keyOf = (abs: string): string => {
    const key = relativeKey(root, abs);
    if (key === undefined) {
      throw new ConversionError('PATH_OUTSIDE_ROOT', `expected an image inside the dataset root ${display(root)}, got ${display(abs)}`, { file, path: 'filename' });
    }
    return key;
  };
  let byName: { abs: string; key: string } | undefined;
  if (annotation.filename !== undefined) {
    const named = imageNamed(layout, index, annotation.filename, display, file);
    byName = { abs: named.abs, key: keyOf(named.abs) };
    if (named.exists) return { ...byName, exists: true, via: 'filename' };
  }
  const candidates = index.byStem.get(stemOf(absXml));
  if (candidates && candidates.length > 0) {
    const abs = join(index.dir, candidates[0]!);
    return { abs, key: keyOf(abs), exists: true, via: 'stem' };
  }
  if (options.mustExist ?? true) {
    const named = annotation.filename !== undefined ? `${describeValue(annotation.filename)} or ` : '';
    const got = layout.imagesExist ? 'no such file' : 'no JPEGImages/ or images/ folder';
    throw new ConversionError('IMAGE_NOT_FOUND', `expected an image ${named}${stemOf(absXml)}.<image extension> in ${display(layout.images)}, got ${got}`, { file, path: 'filename' });
  }
  if (byName !== undefined) return { ...byName, exists: false, via: 'filename' };
  throw new ConversionError('XML_MISSING', `expected a <filename> naming the image (no image named ${stemOf(absXml)}.* in ${display(layout.images)}), got none`, { file, path: 'filename' });
}

/**
 * The file `<filename>` names in the image folder (`\` read as `/`) and whether it is there.
 * @throws ConversionError `PATH_OUTSIDE_ROOT` when the name leads outside the image folder
 */
function imageNamed(layout: VocLayout, index: ImageFolderIndex, filename: string, display: (abs: string) => string, file: string): { abs: string; exists: boolean } {
  const rel = filename.replace(/\\/g, '/');
  const abs = resolve(layout.images, rel);
  if (relativeKey(layout.images, abs) === undefined) {
    throw new ConversionError('PATH_OUTSIDE_ROOT', `expected a file name inside ${display(layout.images)}, got ${describeValue(filename)}`, { file, path: 'filename' });
  }
  return { abs, exists: rel.includes('/') ? isFile(abs) : index.nameSet.has(rel) };
}

let prefixCache: { root: string; dir: string; prefix: string | undefined } | undefined;

/** The key of `dir` under `root` followed by `/` (undefined when outside), remembered for the last pair. */
function keyPrefix(root: string, dir: string): string | undefined {
  if (prefixCache?.root !== root || prefixCache.dir !== dir) {
    const key = relativeKey(root, dir);
    prefixCache = { root, dir, prefix: key === undefined ? undefined : key + '/' };
  }
  return prefixCache.prefix;
}

function isFile(abs: string): boolean {
  try {
    return statSync(abs).isFile();
  } catch {
    return false;
  }
}
