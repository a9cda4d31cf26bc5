/**
 * What a Pascal VOC annotation file says: `<filename>`, `<size>` and the `<object>`s with their `<name>`,
 * `<difficult>` and `<bndbox>`, read from the elements of src/xml.ts.
 *
 * Problems with the whole file (malformed XML, a DOCTYPE, a root other than `<annotation>`, a bad `<size>`)
 * are thrown as ConversionError (`XML_PARSE`, `XML_MISSING`, `XML_BAD_VALUE`). Problems with one object are
 * not thrown: they are attached to that object (`error`, `bndboxError`) so a converter can leave out just
 * that object. Messages put the position first: `annotations/104.xml: object[2]/bndbox/xmax: expected a
 * number, got "abc"` (`file` is the display path, `path` the element path; objects are numbered from 1).
 *
 * @example
 *   const ann = readVocAnnotationSync('/data/voc/Annotations/1.xml', 'Annotations/1.xml');
 *   ann.filename;                 // '1.jpg'
 *   ann.size;                     // { width: 500, height: 375, depth: 3 }
 *   ann.objects[0]!.bndbox;       // { xmin: 48, ymin: 240, xmax: 195, ymax: 371 }
 */
import { ConversionError, describeValue } from '../errors.js';
import { decodeXml, parseXml, readXmlText, readXmlTextSync, type XmlElement } from '../xml.js';

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

/** `parent/name` (element paths are built only when a message needs one). */
const pathOf = (parent: string, name: string): string => (parent ? `${parent}/${name}` : name);

/** The one child element `name` of `el` (whose path is `parent`): undefined when absent, FieldError when repeated. */
function child(el: XmlElement, name: string, parent: string): XmlElement | undefined {
  let found: XmlElement | undefined;
  let count = 0;
  for (const c of el.children) {
    if (c.name === name) {
      found ??= c;
      count++;
    }
  }
  if (count > 1) throw new FieldError('XML_BAD_VALUE', pathOf(parent, name), `expected one <${name}>, got ${count}`);
  return found;
}

/** The text of child `name`, trimmed: undefined when the element is absent. */
function childText(el: XmlElement, name: string, parent: string): string | undefined {
  const c = child(el, name, parent);
  if (c === undefined) return undefined;
  if (c.children.length > 0) throw new FieldError('XML_BAD_VALUE', pathOf(parent, name), `expected text, got child elements <${c.children[0]!.name}>`);
  return c.text.trim();
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a VOC number (integer, float, `1e2` forms); undefined when the text is not one. */
export function parseVocNumber(text: string): number | undefined {
  const t = text.trim();
  return NUMBER.test(t) ? Number(t) : undefined;
}

/** A required finite number. */
function numberAt(el: XmlElement, name: string, parent: string): number {
  const text = childText(el, name, parent);
  if (text === undefined) throw new FieldError('XML_MISSING', pathOf(parent, name), `expected a number, got no <${name}> element`);
  const n = parseVocNumber(text);
  if (n === undefined) throw new FieldError('XML_BAD_VALUE', pathOf(parent, name), `expected a number, got ${describeValue(text)}`);
  if (!Number.isFinite(n)) throw new FieldError('XML_BAD_VALUE', pathOf(parent, name), `expected a finite number, got ${describeValue(text)}`);
  return n;
}

/** An optional size field: undefined when missing, empty or 0; a whole non-negative number otherwise. */
function sizeField(el: XmlElement, name: string, parent: string): number | undefined {
  const text = childText(el, name, parent);
  if (text === undefined || text === '') return undefined;
  const n = parseVocNumber(text);
  if (n === undefined || !Number.isFinite(n) || n < 0 || !Number.isInteger(n)) {
    throw new FieldError('XML_BAD_VALUE', pathOf(parent, name), `expected a whole number of pixels, got ${describeValue(text)}`);
  }
  return n === 0 ? undefined : n;
}

function readSize(root: XmlElement): VocSize | undefined {
  const size = child(root, 'size', '');
  if (size === undefined) return undefined;
  if (size.children.length === 0) {
    if (size.text.trim() === '') return undefined;
    throw new FieldError('XML_BAD_VALUE', 'size', `expected <width> and <height> elements, got ${describeValue(size.text.trim())}`);
  }
  const width = sizeField(size, 'width', 'size');
  const height = sizeField(size, 'height', 'size');
  const depth = sizeField(size, 'depth', 'size');
  if (width === undefined || height === undefined) return undefined;
  return depth === undefined ? { width, height } : { width, height, depth };
}

function readDifficult(obj: XmlElement, path: string): 0 | 1 {
  const text = childText(obj, 'difficult', path);
  if (text === undefined || text === '') return 0;
  const t = text.toLowerCase();
  if (t === '0' || t === 'false') return 0;
  if (t === '1' || t === 'true') return 1;
  const n = parseVocNumber(t);
  if (n === 0 || n === 1) return n;
  throw new FieldError('XML_BAD_VALUE', `${path}/difficult`, `expected 0 or 1, got ${describeValue(text)}`);
}

function readBox(obj: XmlElement, path: string): VocBox {
  const p = `${path}/bndbox`;
  const box = child(obj, 'bndbox', path);
  if (box === undefined) throw new FieldError('XML_MISSING', p, 'expected a <bndbox> element, got none');
  if (box.children.length === 0) {
    const text = box.text.trim();
    throw new FieldError('XML_BAD_VALUE', p, `expected <xmin>, <ymin>, <xmax> and <ymax> elements, got ${text === '' ? 'an empty <bndbox>' : describeValue(text)}`);
  }
  return {
    xmin: numberAt(box, 'xmin', p),
    ymin: numberAt(box, 'ymin', p),
    xmax: numberAt(box, 'xmax', p),
    ymax: numberAt(box, 'ymax', p),
  };
}

function readObject(el: XmlElement, index: number, file: string): VocObject {
  const path = `object[${index}]`;
  const obj: VocObject = { index, path, name: '', difficult: 0 };
  try {
    const name = childText(el, 'name', path);
    if (name === undefined || name === '') {
      throw new FieldError('XML_MISSING', `${path}/name`, `expected a class name, got ${name === undefined ? 'no <name> element' : 'an empty <name>'}`);
    }
    obj.name = name;
    obj.difficult = readDifficult(el, path);
  } catch (e) {
    if (!(e instanceof FieldError)) throw e;
    obj.error = e.toConversionError(file);
    obj.name = '';
  }
  try {
    obj.bndbox = readBox(el, path);
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
  const root = parseXml(text, file);
  if (root.name !== 'annotation') throw new ConversionError('XML_PARSE', `expected the root element <annotation>, got <${root.name}>`, { file });
  try {
    const ann: VocAnnotation = { objects: [] };
    const filename = childText(root, 'filename', '');
    if (filename !== undefined && filename !== '') ann.filename = filename;
    const size = readSize(root);
    if (size) ann.size = size;
    let index = 0;
    for (const c of root.children) {
      if (c.name === 'object') ann.objects.push(readObject(c, ++index, file));
    }
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
  return parseVocAnnotation(await readXmlText(absPath, file), file);
}

/**
 * {@link readVocAnnotation} with a synchronous read: much cheaper per file than the promise API for the
 * small files VOC has, on local disks (see bench/voc/RESULTS.md).
 */
export function readVocAnnotationSync(absPath: string, file: string): VocAnnotation {
  return parseVocAnnotation(readXmlTextSync(absPath, file), file);
}

/** {@link readVocAnnotation} from bytes already read. */
export function parseVocAnnotationBytes(buf: Buffer, file: string): VocAnnotation {
  return parseVocAnnotation(decodeXml(buf, file), file);
}
