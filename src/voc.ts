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
 * - {@link readVocAnnotation}`(absXml, display)` → {@link VocAnnotation}: reads and parses one XML file
 *   ({@link readVocAnnotationSync} the same with a synchronous read, faster for many small files).
 *   {@link parseVocAnnotation}`(text, display)` does the same from text.
 *   Problems with the whole file (malformed XML, a DOCTYPE, a bad `<size>`) are thrown as ConversionError
 *   (`XML_PARSE`, `XML_MISSING`, `XML_BAD_VALUE`). Problems with one object are not thrown: they are attached
 *   to that object (`error`, `bndboxError`) so a converter can leave out just that object.
 * - {@link resolveImage}`(layout, index, annotation, absXml, root, display)` (synchronous: it touches the disk only for a `<filename>` with folders in it) →
 *   {@link ResolvedImage}: finds the image by `<filename>`, then by the XML's stem with any image extension
 *   (`<path>` is ignored). Throws `PATH_OUTSIDE_ROOT` when `<filename>` resolves outside the dataset root,
 *   `IMAGE_NOT_FOUND` when no file matches.
 * - {@link parseXml}`(text, file)` → {@link XmlElement}: the strict XML parser itself, for other XML files.
 *
 * Error messages put the position first: `annotations/104.xml: object[2]/bndbox/xmax: expected a number, got "abc"`
 * (`file` is the display path, `path` the XML element path; objects are numbered from 1 in document order).
 *
 * XML safety: a document with a DOCTYPE (and so any entity declaration) is refused with `XML_PARSE`; only the
 * five predefined entities and numeric character references are decoded; nothing external is ever read.
 * The parser is this module's own (see the XML section): fast-xml-parser was measured at 60 µs a file.
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, join, resolve, sep } from 'node:path';
import { ConversionError, describeValue } from './errors.js';
import { isImageName } from './images.js';
import { relativeKey } from './paths.js';

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

// ---------------------------------------------------------------------------------------------
// XML
//
// A small strict XML parser, enough for annotation files and much faster than a general one (fast-xml-parser
// took 60 µs a file, more than the whole per-file budget of the 3x-the-baseline goal; see bench/voc/RESULTS.md).
// It checks well-formedness (matching tags, one root, quoted attributes, no stray `<`/`&`), skips comments,
// processing instructions and the XML declaration, keeps CDATA as text, ignores attributes, reads CR LF and
// CR as LF, decodes the five predefined entities and character references to characters XML allows, and
// refuses a DOCTYPE (so no entity can be declared, expanded or fetched) and any other entity reference.
// test/voc-xml-differential.test.ts checks its readings against fast-xml-parser's.

/** An element of a parsed XML document. */
export interface XmlElement {
  name: string;
  /** Child elements in document order. */
  children: XmlElement[];
  /**
   * The element's own text: its text and CDATA runs joined, entities decoded, line ends read as LF; runs
   * of only whitespace are left out until the element has some text (indentation between child elements),
   * so only a trimmed value is meaningful.
   */
  text: string;
}

const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Thrown by the parser with the offset where the problem is. */
class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

function decodeEntities(s: string, offset: number): string {
  return s.replace(/&([^;&<\s]*);?/g, (m, ref: string, at: number) => {
    if (!m.endsWith(';')) throw new XmlSyntaxError(`expected an entity reference ending in ";" or "&amp;", got ${JSON.stringify(s.slice(at, at + 8))}`, offset + at);
    const predefined = PREDEFINED[ref];
    if (predefined !== undefined) return predefined;
    const num = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(ref);
    if (num) {
      const code = num[1] !== undefined ? parseInt(num[1], 16) : parseInt(num[2]!, 10);
      if (isXmlChar(code)) return String.fromCodePoint(code);
    }
    throw new XmlSyntaxError(`expected one of the predefined entities (&amp; &lt; &gt; &quot; &apos;) or a character reference, got ${JSON.stringify(m)}`, offset + at);
  });
}

/** XML 1.0 `Char`: what a character reference may stand for (no NUL or other C0 control, no surrogate, no U+FFFE/U+FFFF). */
const isXmlChar = (c: number): boolean =>
  c >= 0x20 ? c <= 0xd7ff || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff) : c === 0x09 || c === 0x0a || c === 0x0d;

/** XML line-end handling: CR LF and a lone CR read as LF (in text and CDATA, before references are decoded). */
const normalizeLineEnds = (t: string): string => (t.includes('\r') ? t.replace(/\r\n?/g, '\n') : t);

const isNameEnd = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f /* / */ || c === 0x3e /* > */;
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const NAME = /^[A-Za-z_:\u00C0-\uFFFF][\w.:\-\u00B7\u00C0-\uFFFF]*$/;
/** NAME's first character, and its others, as UTF-16 code units. */
const isNameStart = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c >= 0xc0;
const isNameChar = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2e || c === 0x3a || c === 0x2d || c === 0xb7 || c >= 0xc0;

/**
 * Parses an XML document into its root element.
 * @throws XmlSyntaxError for anything not well-formed, a DOCTYPE, or an unknown entity
 */
function parseXmlDocument(s: string): XmlElement {
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  let pos = s.charCodeAt(0) === 0xfeff ? 1 : 0;
  const n = s.length;
  /** Line ends need reading as LF only in a document with a CR in it (one scan, not one a text run). */
  const hasCR = s.includes('\r');
  /** The text `raw` (at `from`) stands for: line ends read as LF, then references decoded (a reference to CR stays CR). */
  const textOf = (raw: string, from: number): string => {
    if (!raw.includes('&')) return hasCR ? normalizeLineEnds(raw) : raw;
    if (!hasCR || !raw.includes('\r')) return decodeEntities(raw, from);
    decodeEntities(raw, from); // a bad reference is reported at its offset in the file
    return decodeEntities(normalizeLineEnds(raw), from);
  };
  /**
   * Adds s[from, to) to the open element's text. A whitespace-only run is dropped while the element has no
   * text yet (indentation before child elements; leading whitespace is trimmed anyway), kept after text
   * (`big<!-- -->  <![CDATA[dog]]>` reads "big  dog").
   */
  const addText = (from: number, to: number): void => {
    let i = from;
    while (i < to && isSpace(s.charCodeAt(i))) i++;
    const top = stack[stack.length - 1];
    if (i === to) {
      if (top !== undefined && top.text !== '') top.text += textOf(s.slice(from, to), from);
      return;
    }
    const raw = s.slice(from, to);
    if (!top) throw new XmlSyntaxError(`expected markup, got text ${JSON.stringify(raw.trim().slice(0, 20))} outside the root element`, from);
    top.text += hasCR || raw.includes('&') ? textOf(raw, from) : raw;
  };
  while (pos < n) {
    const lt = s.indexOf('<', pos);
    if (lt === -1) {
      addText(pos, n);
      break;
    }
    if (lt > pos) addText(pos, lt);
    const c1 = s.charCodeAt(lt + 1);
    if (c1 === 0x3f /* ? */) {
      const end = s.indexOf('?>', lt + 2);
      if (end === -1) throw new XmlSyntaxError('expected "?>" closing a processing instruction, got the end of the file', lt);
      pos = end + 2;
    } else if (c1 === 0x21 /* ! */) {
      if (s.startsWith('<!--', lt)) {
        const end = s.indexOf('-->', lt + 4);
        if (end === -1) throw new XmlSyntaxError('expected "-->" closing a comment, got the end of the file', lt);
        pos = end + 3;
      } else if (s.startsWith('<![CDATA[', lt)) {
        const end = s.indexOf(']]>', lt + 9);
        if (end === -1) throw new XmlSyntaxError('expected "]]>" closing a CDATA section, got the end of the file', lt);
        const top = stack[stack.length - 1];
        if (!top) throw new XmlSyntaxError('expected markup, got a CDATA section outside the root element', lt);
        top.text += hasCR ? normalizeLineEnds(s.slice(lt + 9, end)) : s.slice(lt + 9, end);
        pos = end + 3;
      } else {
        const what = /^<!([A-Za-z]*)/.exec(s.slice(lt, lt + 12))?.[1] || '<!';
        throw new XmlSyntaxError(`expected plain XML, got a ${what.toUpperCase()} declaration (DTDs and entities are refused)`, lt);
      }
    } else if (c1 === 0x2f /* / */) {
      const open = stack[stack.length - 1];
      if (open && s.charCodeAt(lt + 2 + open.name.length) === 0x3e && s.startsWith(open.name, lt + 2)) {
        stack.pop(); // the usual `</name>`, checked without slicing
        pos = lt + 3 + open.name.length;
        continue;
      }
      const end = s.indexOf('>', lt + 2);
      if (end === -1) throw new XmlSyntaxError('expected ">" closing an end tag, got the end of the file', lt);
      const name = s.slice(lt + 2, end).trimEnd();
      const top = stack.pop();
      if (!top) throw new XmlSyntaxError(`expected no end tag, got </${name}> with no element open`, lt);
      if (top.name !== name) throw new XmlSyntaxError(`expected </${top.name}>, got </${name}>`, lt);
      pos = end + 1;
    } else {
      // The name, checked as it is scanned (what NAME matches, without a slice to test or to hash).
      let i = lt + 1;
      let valid = isNameStart(c1);
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (isNameEnd(c)) break;
        if (i > lt + 1 && !isNameChar(c)) valid = false;
      }
      if (!valid || i === lt + 1) throw new XmlSyntaxError(`expected an element name after "<", got ${JSON.stringify(s.slice(lt, lt + 12))}`, lt);
      const name = s.slice(lt + 1, i);
      // attributes: name = "value" | 'value', ignored
      let selfClosing = false;
      for (;;) {
        while (i < n && isSpace(s.charCodeAt(i))) i++;
        if (i >= n) throw new XmlSyntaxError(`expected ">" closing <${name}>, got the end of the file`, lt);
        const c = s.charCodeAt(i);
        if (c === 0x3e) {
          i++;
          break;
        }
        if (c === 0x2f) {
          if (s.charCodeAt(i + 1) !== 0x3e) throw new XmlSyntaxError(`expected "/>" in <${name}>, got ${JSON.stringify(s.slice(i, i + 2))}`, i);
          selfClosing = true;
          i += 2;
          break;
        }
        const eq = s.indexOf('=', i);
        const attr = eq === -1 ? '' : s.slice(i, eq).trimEnd();
        if (eq === -1 || !NAME.test(attr)) throw new XmlSyntaxError(`expected an attribute name="value" in <${name}>, got ${JSON.stringify(s.slice(i, i + 12))}`, i);
        let q = eq + 1;
        while (q < n && isSpace(s.charCodeAt(q))) q++;
        const quote = s[q];
        if (quote !== '"' && quote !== "'") throw new XmlSyntaxError(`expected a quoted value for attribute ${attr} of <${name}>, got ${JSON.stringify(s.slice(q, q + 8))}`, q);
        const close = s.indexOf(quote, q + 1);
        if (close === -1) throw new XmlSyntaxError(`expected ${quote} closing attribute ${attr} of <${name}>, got the end of the file`, q);
        const value = s.slice(q + 1, close);
        if (value.includes('<')) throw new XmlSyntaxError(`expected no "<" in attribute ${attr} of <${name}>`, q);
        if (value.includes('&')) decodeEntities(value, q + 1);
        i = close + 1;
        const after = s.charCodeAt(i);
        if (!isSpace(after) && after !== 0x3e && after !== 0x2f) throw new XmlSyntaxError(`expected a space between attributes of <${name}>`, i);
      }
      const el: XmlElement = { name, children: [], text: '' };
      const parent = stack[stack.length - 1];
      if (parent) parent.children.push(el);
      else if (root) throw new XmlSyntaxError(`expected one root element, got <${name}> after </${root.name}>`, lt);
      else root = el;
      if (!selfClosing) stack.push(el);
      pos = i;
    }
  }
  if (stack.length > 0) throw new XmlSyntaxError(`expected </${stack[stack.length - 1]!.name}>, got the end of the file`, n);
  if (!root) throw new XmlSyntaxError('expected a root element, got none', n);
  return root;
}

/**
 * Parses an XML document (any vocabulary) with the rules above.
 * @param text the document
 * @param file the file as messages name it
 * @throws ConversionError `XML_PARSE` naming the line
 */
export function parseXml(text: string, file: string): XmlElement {
  try {
    return parseXmlDocument(text);
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new ConversionError('XML_PARSE', `line ${lineAt(text, e.offset)}: ${e.message}`, { file });
    throw e;
  }
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
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
  if (buf[start] === 0x3c && buf[start + 1] === 0x3f) {
    const head = buf.subarray(start, start + 100).toString('latin1');
    const enc = /^<\?xml[^>]*encoding\s*=\s*["']([^"']+)["']/.exec(head)?.[1]?.toLowerCase();
    if (enc === 'iso-8859-1' || enc === 'latin1' || enc === 'latin-1') return buf.toString('latin1', start);
    if (enc !== undefined && enc !== 'utf-8' && enc !== 'utf8' && enc !== 'us-ascii' && enc !== 'ascii') {
      throw new ConversionError('XML_PARSE', `expected UTF-8, UTF-16 or ISO-8859-1 text, got encoding ${JSON.stringify(enc)}`, { file });
    }
  }
  return buf.toString('utf8', start);
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
  let buf: Buffer;
  try {
    buf = await readFile(absPath);
  } catch (e) {
    throw new ConversionError('XML_PARSE', `cannot read the file: ${(e as Error).message}`, { file });
  }
  return parseVocAnnotation(decodeXml(buf, file), file);
}

/**
 * {@link readVocAnnotation} with a synchronous read: much cheaper per file than the promise API for the
 * small files VOC has, on local disks (see bench/voc/RESULTS.md).
 */
export function readVocAnnotationSync(absPath: string, file: string): VocAnnotation {
  let text: string;
  try {
    // One read into a reused buffer covers nearly every annotation file; larger ones are read whole.
    const fd = openSync(absPath, 'r');
    let n: number;
    try {
      n = readSync(fd, syncBuffer, 0, syncBuffer.length, 0);
    } finally {
      closeSync(fd);
    }
    text = decodeXml(n < syncBuffer.length ? syncBuffer.subarray(0, n) : readFileSync(absPath), file);
  } catch (e) {
    if (e instanceof ConversionError) throw e;
    throw new ConversionError('XML_PARSE', `cannot read the file: ${(e as Error).message}`, { file });
  }
  return parseVocAnnotation(text, file);
}

const syncBuffer = Buffer.allocUnsafe(64 * 1024);

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
    } else if (isFile(abs)) {
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
