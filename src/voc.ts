/**
 * Pascal VOC knowledge shared by the VOC converters (`voc-detection`, `voc-mask-to-polygon`).
 *
 * The API, in the order a converter uses it:
 *
 * - {@link findVocLayout}`(root, display)` → {@link VocLayout}: the annotation folder (`Annotations/`,
 *   else `annotations/`) and the image folder (`JPEGImages/`, else `images/`) of a dataset root.
 *   Throws `INPUT_LAYOUT` when the root is not a folder or has no annotation folder.
 *   {@link findSubfolder} finds any other folder the same way (`SegmentationObject/`, `segmentation-masks/`).
 * - {@link listAnnotationFiles}`(dir)` → absolute paths of the `*.xml` files (any case), sorted, hidden files left out.
 * - {@link indexImageFolder}`(dir)` → {@link ImageFolderIndex}: the image files of a folder, by name and by stem.
 * - {@link readVocAnnotation}`(absXml, display)` → {@link VocAnnotation}: reads and parses one XML file.
 *   {@link parseVocAnnotation}`(text, display)` does the same from text.
 *   Problems with the whole file (malformed XML, a DOCTYPE, a bad `<size>`) are thrown as ConversionError
 *   (`XML_PARSE`, `XML_MISSING`, `XML_BAD_VALUE`). Problems with one object are not thrown: they are attached
 *   to that object (`error`, `bndboxError`) so a converter can leave out just that object.
 * - {@link resolveImage}`(layout, index, annotation, absXml, root, display)` → {@link ResolvedImage}: finds the
 *   image by `<filename>`, then by the XML's stem with any image extension (`<path>` is ignored). Throws
 *   `PATH_OUTSIDE_ROOT` when `<filename>` resolves outside the dataset root, `IMAGE_NOT_FOUND` when no file matches.
 *
 * Error messages put the position first: `annotations/104.xml: object[2]/bndbox/xmax: expected a number, got "abc"`
 * (`file` is the display path, `path` the XML element path; objects are numbered from 1 in document order).
 *
 * XML safety: a document with a DOCTYPE (and so any entity declaration) is refused with `XML_PARSE`; only the
 * five predefined entities and numeric character references are decoded; nothing external is ever read.
 */
import { readFile, stat } from 'node:fs/promises';
import { basename, extname, join, resolve } from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ConversionError, describeValue } from './errors.js';
import { isImageName } from './images.js';
import { listFolder, relativeKey } from './paths.js';

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

/** `<size>` of an annotation; only present when both width and height are positive. */
export interface VocSize {
  width: number;
  height: number;
  depth?: number;
}

/** A `<bndbox>` in pixels, as written (no clamping, no ordering check). */
export interface VocBox {
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
}

/** One `<object>` of an annotation. */
export interface VocObject {
  /** 1-based position among the `<object>` elements (pixel value k of a VOC instance mask is object k). */
  index: number;
  /** Its element path, `object[k]`, for messages. */
  path: string;
  /** `<name>`, trimmed (empty when `error` is set). */
  name: string;
  /** `<difficult>`: missing or empty → 0. */
  difficult: 0 | 1;
  /** `<bndbox>`, when present and made of four finite numbers. */
  bndbox?: VocBox;
  /** Why the object cannot be used at all (no `<name>`, a bad `<difficult>`); undefined when it can. */
  error?: ConversionError;
  /** Why `bndbox` is absent: no `<bndbox>`, a missing, non-numeric or non-finite coordinate. */
  bndboxError?: ConversionError;
}

/** What a VOC XML says. */
export interface VocAnnotation {
  /** `<filename>`, trimmed; absent when missing or empty. */
  filename?: string;
  /** `<size>`; absent when missing, or when width or height is missing or 0. */
  size?: VocSize;
  /** `<object>`s in document order (elements of an object may come in any order; `<part>` is ignored). */
  objects: VocObject[];
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
  const entries = await listFolder(dir);
  return entries.filter((e) => e.kind === 'file' && e.name.toLowerCase().endsWith('.xml')).map((e) => join(dir, e.name));
}

/** The image files directly in `dir` (an empty index when `dir` does not exist). */
export async function indexImageFolder(dir: string): Promise<ImageFolderIndex> {
  let entries: Awaited<ReturnType<typeof listFolder>> = [];
  try {
    entries = await listFolder(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  const names = entries.filter((e) => e.kind === 'file' && isImageName(e.name)).map((e) => e.name);
  const byStem = new Map<string, string[]>();
  for (const name of names) {
    const stem = stemOf(name);
    const list = byStem.get(stem);
    if (list) list.push(name);
    else byStem.set(stem, [name]);
  }
  return { dir, names, byStem, nameSet: new Set(names) };
}

/** A file name without its last extension: `2007_000032.xml` → `2007_000032`. */
export function stemOf(name: string): string {
  const base = basename(name);
  const ext = extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}

// ---------------------------------------------------------------------------------------------
// XML

const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  processEntities: true,
  htmlEntities: false,
  commentPropName: false,
  isArray: (_name: string, jpath: unknown) => jpath === 'annotation.object',
});

/** Text → the parsed tree, refusing DOCTYPEs and anything not well-formed. */
function parseXmlTree(text: string, file: string): Record<string, unknown> {
  const doctype = /<!DOCTYPE|<!ENTITY/i.exec(text);
  if (doctype) {
    const line = lineAt(text, doctype.index);
    throw new ConversionError('XML_PARSE', `line ${line}: expected plain XML, got a ${doctype[0].slice(2).toUpperCase()} declaration (DTDs and entities are refused)`, { file });
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) {
    throw new ConversionError('XML_PARSE', `line ${valid.err.line}: ${valid.err.msg}`, { file });
  }
  let tree: unknown;
  try {
    tree = parser.parse(text);
  } catch (e) {
    throw new ConversionError('XML_PARSE', (e as Error).message, { file });
  }
  return tree as Record<string, unknown>;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Decodes numeric character references (`&#233;`, `&#xE9;`), which the parser leaves as they are. */
function decodeCharRefs(s: string): string {
  if (!s.includes('&#')) return s;
  return s.replace(/&#(x[0-9a-fA-F]+|[0-9]+);/g, (m, ref: string) => {
    const code = ref[0] === 'x' ? parseInt(ref.slice(1), 16) : parseInt(ref, 10);
    return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : m;
  });
}

/** Buffer → text: UTF-8 (BOM dropped) or UTF-16 with a BOM; ISO-8859-1 when the declaration says so. */
function decodeXml(buf: Buffer, file: string): string {
  if (buf.length >= 2 && buf[0] === 0xff && buf[1] === 0xfe) return buf.subarray(2).toString('utf16le');
  if (buf.length >= 2 && buf[0] === 0xfe && buf[1] === 0xff) {
    const swapped = Buffer.from(buf.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  const start = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  const head = buf.subarray(start, start + 100).toString('latin1');
  const enc = /^<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/.exec(head)?.[1]?.toLowerCase();
  if (enc === undefined || enc === 'utf-8' || enc === 'utf8' || enc === 'us-ascii' || enc === 'ascii') return buf.toString('utf8', start);
  if (enc === 'iso-8859-1' || enc === 'latin1' || enc === 'latin-1') return buf.toString('latin1', start);
  throw new ConversionError('XML_PARSE', `expected UTF-8, UTF-16 or ISO-8859-1 text, got encoding ${JSON.stringify(enc)}`, { file });
}

type Node = Record<string, unknown>;

const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Thrown inside the readers; carries the element path. */
class FieldError extends Error {
  constructor(
    readonly code: 'XML_MISSING' | 'XML_BAD_VALUE',
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
  toConversionError(file: string): ConversionError {
    return new ConversionError(this.code, this.message, { file, path: this.path });
  }
}

/** The one value of child `name` of `node`: undefined when absent, FieldError when repeated. */
function child(node: Node, name: string, path: string): unknown {
  const v = node[name];
  if (Array.isArray(v)) throw new FieldError('XML_BAD_VALUE', path, `expected one <${name}>, got ${v.length}`);
  return v;
}

/** The text of child `name`, trimmed: undefined when the element is absent. */
function childText(node: Node, name: string, path: string): string | undefined {
  const v = child(node, name, path);
  if (v === undefined) return undefined;
  if (typeof v === 'string') return decodeCharRefs(v);
  if (isNode(v) && Object.keys(v).length === 0) return '';
  throw new FieldError('XML_BAD_VALUE', path, 'expected text, got child elements');
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a VOC number (integer, float, `1e2` forms); undefined when the text is not one. */
export function parseVocNumber(text: string): number | undefined {
  const t = text.trim();
  return NUMBER.test(t) ? Number(t) : undefined;
}

/** A required finite number. */
function numberAt(node: Node, name: string, path: string): number {
  const text = childText(node, name, path);
  if (text === undefined) throw new FieldError('XML_MISSING', path, `expected a number, got no <${name}> element`);
  const n = parseVocNumber(text);
  if (n === undefined) throw new FieldError('XML_BAD_VALUE', path, `expected a number, got ${describeValue(text)}`);
  if (!Number.isFinite(n)) throw new FieldError('XML_BAD_VALUE', path, `expected a finite number, got ${describeValue(text)}`);
  return n;
}

/** An optional size field: undefined when missing, empty or 0; a whole non-negative number otherwise. */
function sizeField(node: Node, name: string, path: string): number | undefined {
  const text = childText(node, name, path);
  if (text === undefined || text === '') return undefined;
  const n = parseVocNumber(text);
  if (n === undefined || !Number.isFinite(n) || n < 0 || !Number.isInteger(n)) {
    throw new FieldError('XML_BAD_VALUE', path, `expected a whole number of pixels, got ${describeValue(text)}`);
  }
  return n === 0 ? undefined : n;
}

function readSize(root: Node): VocSize | undefined {
  const size = child(root, 'size', 'size');
  if (size === undefined || size === '') return undefined;
  if (!isNode(size)) throw new FieldError('XML_BAD_VALUE', 'size', `expected <width> and <height> elements, got ${describeValue(size)}`);
  const width = sizeField(size, 'width', 'size/width');
  const height = sizeField(size, 'height', 'size/height');
  const depth = sizeField(size, 'depth', 'size/depth');
  if (width === undefined || height === undefined) return undefined;
  return depth === undefined ? { width, height } : { width, height, depth };
}

function readDifficult(obj: Node, path: string): 0 | 1 {
  const text = childText(obj, 'difficult', `${path}/difficult`);
  if (text === undefined || text === '') return 0;
  const t = text.toLowerCase();
  if (t === '0' || t === 'false') return 0;
  if (t === '1' || t === 'true') return 1;
  const n = parseVocNumber(t);
  if (n === 0 || n === 1) return n;
  throw new FieldError('XML_BAD_VALUE', `${path}/difficult`, `expected 0 or 1, got ${describeValue(text)}`);
}

function readBox(obj: Node, path: string): VocBox {
  const box = child(obj, 'bndbox', `${path}/bndbox`);
  if (box === undefined) throw new FieldError('XML_MISSING', `${path}/bndbox`, 'expected a <bndbox> element, got none');
  if (!isNode(box)) {
    const got = box === '' ? 'an empty <bndbox>' : describeValue(box);
    throw new FieldError('XML_BAD_VALUE', `${path}/bndbox`, `expected <xmin>, <ymin>, <xmax> and <ymax> elements, got ${got}`);
  }
  const p = `${path}/bndbox`;
  return {
    xmin: numberAt(box, 'xmin', `${p}/xmin`),
    ymin: numberAt(box, 'ymin', `${p}/ymin`),
    xmax: numberAt(box, 'xmax', `${p}/xmax`),
    ymax: numberAt(box, 'ymax', `${p}/ymax`),
  };
}

function readObject(raw: unknown, index: number, file: string): VocObject {
  const path = `object[${index}]`;
  const obj: VocObject = { index, path, name: '', difficult: 0 };
  if (!isNode(raw)) {
    obj.error = new ConversionError('XML_MISSING', `expected <name> and <bndbox> elements, got ${describeValue(raw)}`, { file, path });
    return obj;
  }
  try {
    const name = childText(raw, 'name', `${path}/name`);
    if (name === undefined || name.trim() === '') {
      throw new FieldError('XML_MISSING', `${path}/name`, `expected a class name, got ${name === undefined ? 'no <name> element' : 'an empty <name>'}`);
    }
    obj.name = name.trim();
    obj.difficult = readDifficult(raw, path);
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    obj.error = e.toConversionError(file);
    obj.name = '';
  }
  try {
    obj.bndbox = readBox(raw, path);
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    obj.bndboxError = e.toConversionError(file);
  }
  return obj;
}

/**
 * Parses VOC XML text.
 * @param text the XML
 * @param file the file as messages name it
 * @throws ConversionError `XML_PARSE` (malformed, DOCTYPE/ENTITY, root not `<annotation>`),
 *   `XML_BAD_VALUE` / `XML_MISSING` for file-level fields (`<size>`, `<filename>`)
 */
export function parseVocAnnotation(text: string, file: string): VocAnnotation {
  const tree = parseXmlTree(text, file);
  const roots = Object.keys(tree);
  if (roots.length !== 1 || roots[0] !== 'annotation') {
    const got = roots.length === 0 ? 'no element' : roots.map((r) => `<${r}>`).join(', ');
    throw new ConversionError('XML_PARSE', `expected one root element <annotation>, got ${got}`, { file });
  }
  const root = tree['annotation'];
  if (Array.isArray(root)) throw new ConversionError('XML_PARSE', `expected one root element <annotation>, got ${root.length}`, { file });
  if (!isNode(root)) return { objects: [] }; // `<annotation/>` or text only: nothing in it
  try {
    const ann: VocAnnotation = { objects: [] };
    const filename = childText(root, 'filename', 'filename');
    if (filename !== undefined && filename.trim() !== '') ann.filename = filename.trim();
    const size = readSize(root);
    if (size) ann.size = size;
    const objects = root['object'];
    const list = objects === undefined ? [] : Array.isArray(objects) ? objects : [objects];
    ann.objects = list.map((o, i) => readObject(o, i + 1, file));
    return ann;
  } catch (e) {
    if (e instanceof FieldError) throw e.toConversionError(file);
    throw e;
  }
}

/**
 * Reads and parses one VOC XML file.
 * @param absPath the file
 * @param file the file as messages name it (`ctx.display(absPath)`)
 * @throws ConversionError as {@link parseVocAnnotation}; `XML_PARSE` when the file cannot be read
 */
export async function readVocAnnotation(absPath: string, file: string): Promise<VocAnnotation> {
  let buf: Buffer;
  try {
    buf = await readFile(absPath);
  } catch (e) {
    throw new ConversionError('XML_PARSE', `cannot read the file: ${(e as Error).message}`, { file });
  }
  return parseVocAnnotation(decodeXml(buf, file), file);
}

/** {@link readVocAnnotation} from bytes already read. */
export function parseVocAnnotationBytes(buf: Buffer, file: string): VocAnnotation {
  return parseVocAnnotation(decodeXml(buf, file), file);
}

// ---------------------------------------------------------------------------------------------
// Images

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
export async function resolveImage(
  layout: VocLayout,
  index: ImageFolderIndex,
  annotation: VocAnnotation,
  absXml: string,
  root: string,
  display: (abs: string) => string,
  options: ResolveImageOptions = {},
): Promise<ResolvedImage> {
  const file = display(absXml);
  const mustExist = options.mustExist ?? true;
  const keyOf = (abs: string): string => {
    const key = relativeKey(root, abs);
    if (key === undefined) {
      throw new ConversionError('PATH_OUTSIDE_ROOT', `expected an image inside the dataset root ${display(root)}, got ${display(abs)}`, { file, path: 'filename' });
    }
    return key;
  };
  let byName: string | undefined;
  if (annotation.filename !== undefined) {
    const rel = annotation.filename.replace(/\\/g, '/');
    const abs = resolve(layout.images, rel);
    if (relativeKey(layout.images, abs) === undefined) {
      throw new ConversionError('PATH_OUTSIDE_ROOT', `expected a file name inside ${display(layout.images)}, got ${describeValue(annotation.filename)}`, { file, path: 'filename' });
    }
    byName = abs;
    const key = keyOf(abs);
    if (!rel.includes('/')) {
      if (index.nameSet.has(rel)) return { abs, key, exists: true, via: 'filename' };
    } else if (await isFile(abs)) {
      return { abs, key, exists: true, via: 'filename' };
    }
  }
  const candidates = index.byStem.get(stemOf(absXml));
  if (candidates && candidates.length > 0) {
    const abs = join(index.dir, candidates[0]!);
    return { abs, key: keyOf(abs), exists: true, via: 'stem' };
  }
  if (!mustExist && byName !== undefined) return { abs: byName, key: keyOf(byName), exists: false, via: 'filename' };
  if (!mustExist) {
    throw new ConversionError('XML_MISSING', `expected a <filename> naming the image (no image named ${stemOf(absXml)}.* in ${display(layout.images)}), got none`, { file, path: 'filename' });
  }
  const named = annotation.filename !== undefined ? `${describeValue(annotation.filename)} or ` : '';
  const got = layout.imagesExist ? 'no such file' : 'no JPEGImages/ or images/ folder';
  throw new ConversionError('IMAGE_NOT_FOUND', `expected an image ${named}${stemOf(absXml)}.<image extension> in ${display(layout.images)}, got ${got}`, { file, path: 'filename' });
}

async function isFile(abs: string): Promise<boolean> {
  try {
    return (await stat(abs)).isFile();
  } catch {
    return false;
  }
}
