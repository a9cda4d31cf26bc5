/**
 * The XML reader of automl-img: a small strict parser from a document to its elements (name, attributes,
 * children, text), for annotation files of any vocabulary (Pascal VOC, CVAT), and the reading of XML
 * files into text.
 *
 * Safety rules: a document with a DOCTYPE (and so any entity declaration) is refused; only the five
 * predefined entities and character references to characters XML allows are decoded; nothing external
 * is ever read. Well-formedness is checked (matching tags, one root, quoted and unique attributes, no
 * stray `<` or `&`); comments, processing instructions and the XML declaration are skipped; CDATA is
 * text; CR LF and a lone CR read as LF. Every refusal is a ConversionError `XML_PARSE` naming the line.
 *
 * It is our own because fast-xml-parser, used safely, took ~19× its time (~100 µs a VOC file against
 * ~6; bench/voc/RESULTS.md). test/voc-xml-differential.test.ts checks its readings against fast-xml-parser's.
 *
 * @example
 *   const root = parseXml('<image name="a.jpg" width="8"><box label="cat"/></image>', 'train.xml');
 *   root.attributes.name;          // 'a.jpg'
 *   root.children[0]!.name;        // 'box'
 *   parseXml(readXmlTextSync('/data/ann/1.xml', 'ann/1.xml'), 'ann/1.xml');
 */
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isUtf8 } from 'node:buffer';
import { ConversionError } from './errors.js';

/** An element of a parsed XML document. */
export interface XmlElement {
  name: string;
  /**
   * Its attributes by name (a prototype-less object), values decoded and normalised as XML says
   * (each literal tab, line end or CR LF is one space; references are decoded after).
   */
  attributes: Readonly<Record<string, string>>;
  /** Child elements in document order. */
  children: XmlElement[];
  /**
   * The element's own text: its text and CDATA runs joined, entities decoded, line ends read as LF; runs
   * of only whitespace are left out until the element has some text (indentation between child elements),
   * so only a trimmed value is meaningful.
   */
  text: string;
}

/**
 * Parses an XML document with the rules above.
 * @param text the document (a leading BOM is skipped)
 * @param file the file as messages name it
 * @throws ConversionError `XML_PARSE` naming the line
 */
export function parseXml(text: string, file: string): XmlElement {
  try {
    return new Parser(text).document();
  } catch (e) {
    if (e instanceof XmlSyntaxError) throw new ConversionError('XML_PARSE', `line ${lineAt(text, e.offset)}: ${e.message}`, { file });
    throw e;
  }
}

/**
 * The text of an XML file's bytes: UTF-8 (BOM dropped) or UTF-16 with a BOM; ISO-8859-1 when the
 * declaration says so. Bytes that are not UTF-8 in a file read as UTF-8 make it not well-formed
 * (XML 1.0 §4.3.3): an error naming the byte offset, never a label with U+FFFD in it.
 * @throws ConversionError `XML_PARSE` for any other declared encoding, or bytes that are not UTF-8
 */
export function decodeXml(buf: Buffer, file: string): string {
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
  const body = start === 0 ? buf : buf.subarray(start);
  if (!isUtf8(body)) {
    const at = start + firstInvalidUtf8(body);
    throw new ConversionError(
      'XML_PARSE',
      `expected UTF-8 text (no other encoding declared), got the byte 0x${buf[at]!.toString(16).padStart(2, '0')} at byte offset ${at}, which is not UTF-8: save the file as UTF-8, or declare <?xml version="1.0" encoding="ISO-8859-1"?>`,
      { file },
    );
  }
  return body.toString('utf8');
}

/** The offset of the first byte of `buf` that does not belong to a well-formed UTF-8 sequence. */
function firstInvalidUtf8(buf: Uint8Array): number {
  for (let i = 0; i < buf.length; ) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    const n = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > buf.length || !isUtf8(buf.subarray(i, i + n))) return i;
    i += n;
  }
  return buf.length;
}

/**
 * Reads an XML file's text ({@link decodeXml}).
 * @throws ConversionError `XML_PARSE` when the file cannot be read or its encoding is not supported
 */
export async function readXmlText(absPath: string, file: string): Promise<string> {
  let buf: Buffer;
  try {
    buf = await readFile(absPath);
  } catch (e) {
    throw cannotRead(e, file);
  }
  return decodeXml(buf, file);
}

/**
 * {@link readXmlText} with a synchronous read into a reused buffer: far cheaper per file than the
 * promise API for the many small files of an annotation folder (bench/voc/RESULTS.md).
 */
export function readXmlTextSync(absPath: string, file: string): string {
  try {
    // One read into a reused buffer covers nearly every annotation file; larger ones are read whole.
    const fd = openSync(absPath, 'r');
    let n: number;
    try {
      n = readSync(fd, syncBuffer, 0, syncBuffer.length, 0);
    } finally {
      closeSync(fd);
    }
    return decodeXml(n < syncBuffer.length ? syncBuffer.subarray(0, n) : readFileSync(absPath), file);
  } catch (e) {
    if (e instanceof ConversionError) throw e;
    throw cannotRead(e, file);
  }
}

const syncBuffer = Buffer.allocUnsafe(64 * 1024);

const cannotRead = (e: unknown, file: string): ConversionError => new ConversionError('XML_PARSE', `cannot read the file: ${(e as Error).message}`, { file });

// ---------------------------------------------------------------------------------------------
// The parser

/** Thrown by the parser with the offset where the problem is. */
class XmlSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

const PREDEFINED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The attributes of every element that has none. */
const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze(Object.create(null) as Record<string, string>);

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
const isXmlChar = (c: number): boolean => (c >= 0x20 ? c <= 0xd7ff || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff) : c === 0x09 || c === 0x0a || c === 0x0d);

/** XML line-end handling: CR LF and a lone CR read as LF (in text and CDATA, before references are decoded). */
const normalizeLineEnds = (t: string): string => (t.includes('\r') ? t.replace(/\r\n?/g, '\n') : t);

const isNameEnd = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x2f /* / */ || c === 0x3e; /* > */
const isSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const NAME = /^[A-Za-z_:\u00C0-\uFFFF][\w.:\-\u00B7\u00C0-\uFFFF]*$/;
/** NAME's first character, and its others, as UTF-16 code units. */
const isNameStart = (c: number): boolean => (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || c >= 0xc0;
const isNameChar = (c: number): boolean =>
  (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x5f || c === 0x2e || c === 0x3a || c === 0x2d || c === 0xb7 || c >= 0xc0;

/** One pass over a document: each kind of markup read by its own method, which returns where reading goes on. */
class Parser {
  private readonly stack: XmlElement[] = [];
  private root: XmlElement | undefined;
  /** Line ends need reading as LF only in a document with a CR in it (one scan, not one a text run). */
  private readonly hasCR: boolean;

  constructor(private readonly s: string) {
    this.hasCR = s.includes('\r');
  }

  /** The root element. @throws XmlSyntaxError for anything not well-formed, a DOCTYPE, or an unknown entity */
  document(): XmlElement {
    const s = this.s;
    const n = s.length;
    let pos = s.charCodeAt(0) === 0xfeff ? 1 : 0;
    while (pos < n) {
      const lt = s.indexOf('<', pos);
      if (lt === -1) {
        this.addText(pos, n);
        break;
      }
      if (lt > pos) this.addText(pos, lt);
      const c1 = s.charCodeAt(lt + 1);
      if (c1 === 0x3f /* ? */) pos = this.skipTo('?>', lt, 2, 'a processing instruction');
      else if (c1 === 0x21 /* ! */) pos = this.bang(lt);
      else if (c1 === 0x2f /* / */) pos = this.endTag(lt);
      else pos = this.startTag(lt, c1);
    }
    if (this.stack.length > 0) throw new XmlSyntaxError(`expected </${this.stack[this.stack.length - 1]!.name}>, got the end of the file`, n);
    if (!this.root) throw new XmlSyntaxError('expected a root element, got none', n);
    return this.root;
  }

  /** The offset after `close`, searched from `at + skip`. */
  private skipTo(close: string, at: number, skip: number, what: string): number {
    const end = this.s.indexOf(close, at + skip);
    if (end === -1) throw new XmlSyntaxError(`expected "${close}" closing ${what}, got the end of the file`, at);
    return end + close.length;
  }

  /** `<!`: a comment, a CDATA section, or a declaration (refused). */
  private bang(lt: number): number {
    const s = this.s;
    if (s.startsWith('<!--', lt)) return this.skipTo('-->', lt, 4, 'a comment');
    if (s.startsWith('<![CDATA[', lt)) {
      const after = this.skipTo(']]>', lt, 9, 'a CDATA section');
      const top = this.stack[this.stack.length - 1];
      if (!top) throw new XmlSyntaxError('expected markup, got a CDATA section outside the root element', lt);
      const raw = s.slice(lt + 9, after - 3);
      top.text += this.hasCR ? normalizeLineEnds(raw) : raw;
      return after;
    }
    const what = /^<!([A-Za-z]*)/.exec(s.slice(lt, lt + 12))?.[1] || '<!';
    throw new XmlSyntaxError(`expected plain XML, got a ${what.toUpperCase()} declaration (DTDs and entities are refused)`, lt);
  }

  private endTag(lt: number): number {
    const s = this.s;
    const open = this.stack[this.stack.length - 1];
    if (open && s.charCodeAt(lt + 2 + open.name.length) === 0x3e && s.startsWith(open.name, lt + 2)) {
      this.stack.pop(); // the usual `</name>`, checked without slicing
      return lt + 3 + open.name.length;
    }
    const end = s.indexOf('>', lt + 2);
    if (end === -1) throw new XmlSyntaxError('expected ">" closing an end tag, got the end of the file', lt);
    const name = s.slice(lt + 2, end).trimEnd();
    const top = this.stack.pop();
    if (!top) throw new XmlSyntaxError(`expected no end tag, got </${name}> with no element open`, lt);
    if (top.name !== name) throw new XmlSyntaxError(`expected </${top.name}>, got </${name}>`, lt);
    return end + 1;
  }

  private startTag(lt: number, c1: number): number {
    const s = this.s;
    const n = s.length;
    // The name, checked as it is scanned (what NAME matches, without a slice to test or to hash).
    let i = lt + 1;
    let valid = isNameStart(c1);
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (isNameEnd(c)) break;
      if (i > lt + 1 && !isNameChar(c)) valid = false;
    }
    if (!valid || i === lt + 1) throw new XmlSyntaxError(`expected an element name after "<", got ${JSON.stringify(s.slice(lt, lt + 12))}`, lt);
    const el: XmlElement = { name: s.slice(lt + 1, i), attributes: NO_ATTRIBUTES, children: [], text: '' };
    for (;;) {
      while (i < n && isSpace(s.charCodeAt(i))) i++;
      if (i >= n) throw new XmlSyntaxError(`expected ">" closing <${el.name}>, got the end of the file`, lt);
      const c = s.charCodeAt(i);
      if (c === 0x3e /* > */) {
        this.open(el, lt, false);
        return i + 1;
      }
      if (c === 0x2f /* / */) {
        if (s.charCodeAt(i + 1) !== 0x3e) throw new XmlSyntaxError(`expected "/>" in <${el.name}>, got ${JSON.stringify(s.slice(i, i + 2))}`, i);
        this.open(el, lt, true);
        return i + 2;
      }
      i = this.attribute(el, i);
    }
  }

  /** Reads `name = "value"` (or `'value'`) at `i` into `el.attributes`; returns the offset after it. */
  private attribute(el: XmlElement, i: number): number {
    const s = this.s;
    const n = s.length;
    const eq = s.indexOf('=', i);
    const name = eq === -1 ? '' : s.slice(i, eq).trimEnd();
    if (eq === -1 || !NAME.test(name)) throw new XmlSyntaxError(`expected an attribute name="value" in <${el.name}>, got ${JSON.stringify(s.slice(i, i + 12))}`, i);
    let q = eq + 1;
    while (q < n && isSpace(s.charCodeAt(q))) q++;
    const quote = s[q];
    if (quote !== '"' && quote !== "'") throw new XmlSyntaxError(`expected a quoted value for attribute ${name} of <${el.name}>, got ${JSON.stringify(s.slice(q, q + 8))}`, q);
    const close = s.indexOf(quote, q + 1);
    if (close === -1) throw new XmlSyntaxError(`expected ${quote} closing attribute ${name} of <${el.name}>, got the end of the file`, q);
    const raw = s.slice(q + 1, close);
    if (raw.includes('<')) throw new XmlSyntaxError(`expected no "<" in attribute ${name} of <${el.name}>`, q);
    if (el.attributes === NO_ATTRIBUTES) el.attributes = Object.create(null) as Record<string, string>;
    else if (el.attributes[name] !== undefined) throw new XmlSyntaxError(`expected each attribute once in <${el.name}>, got ${name} again`, i);
    (el.attributes as Record<string, string>)[name] = attributeValue(raw, q + 1);
    const after = s.charCodeAt(close + 1);
    if (!isSpace(after) && after !== 0x3e && after !== 0x2f) throw new XmlSyntaxError(`expected a space between attributes of <${el.name}>`, close + 1);
    return close + 1;
  }

  private open(el: XmlElement, lt: number, selfClosing: boolean): void {
    const parent = this.stack[this.stack.length - 1];
    if (parent) parent.children.push(el);
    else if (this.root) throw new XmlSyntaxError(`expected one root element, got <${el.name}> after </${this.root.name}>`, lt);
    else this.root = el;
    if (!selfClosing) this.stack.push(el);
  }

  /**
   * Adds s[from, to) to the open element's text. A whitespace-only run is dropped while the element has no
   * text yet (indentation before child elements; leading whitespace is trimmed anyway), kept after text
   * (`big<!-- -->  <![CDATA[dog]]>` reads "big  dog").
   */
  private addText(from: number, to: number): void {
    const s = this.s;
    let i = from;
    while (i < to && isSpace(s.charCodeAt(i))) i++;
    const top = this.stack[this.stack.length - 1];
    if (i === to) {
      if (top !== undefined && top.text !== '') top.text += this.textOf(s.slice(from, to), from);
      return;
    }
    const raw = s.slice(from, to);
    if (!top) throw new XmlSyntaxError(`expected markup, got text ${JSON.stringify(raw.trim().slice(0, 20))} outside the root element`, from);
    top.text += this.hasCR || raw.includes('&') ? this.textOf(raw, from) : raw;
  }

  /** The text `raw` (at `from`) stands for: line ends read as LF, then references decoded (a reference to CR stays CR). */
  private textOf(raw: string, from: number): string {
    if (!raw.includes('&')) return this.hasCR ? normalizeLineEnds(raw) : raw;
    if (!this.hasCR || !raw.includes('\r')) return decodeEntities(raw, from);
    decodeEntities(raw, from); // a bad reference is reported at its offset in the file
    return decodeEntities(normalizeLineEnds(raw), from);
  }
}

/** An attribute's value (XML 1.0 §3.3.3): each literal tab, LF, CR or CR LF one space, then references decoded. */
function attributeValue(raw: string, offset: number): string {
  const spaced = /[\t\n\r]/.test(raw) ? raw.replace(/\r\n|[\t\n\r]/g, ' ') : raw;
  if (!raw.includes('&')) return spaced;
  const decoded = decodeEntities(raw, offset); // a bad reference is reported at its offset in the file
  return spaced === raw ? decoded : decodeEntities(spaced, offset);
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
