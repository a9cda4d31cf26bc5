/**
 * A CVAT for images XML read one `<image>` at a time: the document's text is cut at its top-level
 * `<image>` elements, the rest (the `<annotations>` root, `<version>`, `<meta>`) is parsed as one
 * small document, and each `<image>` is parsed by src/xml.ts when it is reached, so only one image's
 * elements are in memory at a time (the text itself is held whole).
 *
 * The cut is found by a light scan (comments, CDATA, processing instructions and quoted attribute
 * values skipped). Anything it does not expect (a DOCTYPE, unbalanced tags) makes it give up, and the
 * whole document is parsed at once instead: src/xml.ts then refuses it with its own message, or
 * reads it whole. Errors inside an `<image>` name the line in the whole file.
 *
 * @example
 *   const doc = cvatDocument(text, 'annotations.xml');
 *   doc.root.name;                           // 'annotations' (without its <image> children)
 *   for (const image of doc.images()) image.attributes['name'];
 */
import { ConversionError } from '../errors.js';
import { parseXml, type XmlElement } from '../xml.js';

/** A CVAT document: its skeleton, and its `<image>` elements in order, parsed one at a time. */
export interface CvatDocument {
  /** The root element, without its `<image>` children. */
  root: XmlElement;
  /** How many `<image>` elements the root has. */
  imageCount: number;
  /** The `<image>` elements, in document order, each parsed when reached. @throws ConversionError XML_PARSE */
  images(): Iterable<XmlElement>;
}

/** Where the top-level `<image>` elements lie in the text: `[start, end)` ranges, or undefined to give up. */
export function imageRanges(text: string): [number, number][] | undefined {
  const ranges: [number, number][] = [];
  let pos = 0;
  let depth = 0;
  let imageStart = -1;
  for (;;) {
    const lt = text.indexOf('<', pos);
    if (lt < 0) break;
    const skipTo = (close: string, from: number): boolean => {
      const end = text.indexOf(close, from);
      if (end < 0) return false;
      pos = end + close.length;
      return true;
    };
    if (text.startsWith('<!--', lt)) {
      if (!skipTo('-->', lt + 4)) return undefined;
      continue;
    }
    if (text.startsWith('<![CDATA[', lt)) {
      if (!skipTo(']]>', lt + 9)) return undefined;
      continue;
    }
    if (text.startsWith('<?', lt)) {
      if (!skipTo('?>', lt + 2)) return undefined;
      continue;
    }
    if (text.startsWith('<!', lt)) return undefined; // a DOCTYPE: src/xml.ts refuses it with its message
    if (text.charCodeAt(lt + 1) === 0x2f /* / */) {
      if (!skipTo('>', lt)) return undefined;
      depth--;
      if (depth < 0) return undefined;
      if (depth === 1 && imageStart >= 0) {
        if (!/^<\/image[\s>]/.test(text.slice(lt, lt + 8))) return undefined; // mismatched: let src/xml.ts say so
        ranges.push([imageStart, pos]);
        imageStart = -1;
      }
      continue;
    }
    // A start tag: its end is the first `>` outside quotes.
    let i = lt + 1;
    let quote = 0;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (quote) {
        if (c === quote) quote = 0;
      } else if (c === 0x22 || c === 0x27) quote = c;
      else if (c === 0x3e /* > */) break;
    }
    if (i >= text.length) return undefined;
    const selfClosing = text.charCodeAt(i - 1) === 0x2f;
    const isImage = depth === 1 && text.startsWith('image', lt + 1) && /[\s/>]/.test(text[lt + 6] ?? '');
    if (isImage) {
      if (selfClosing) ranges.push([lt, i + 1]);
      else imageStart = lt;
    }
    if (!selfClosing) depth++;
    pos = i + 1;
  }
  return depth === 0 && imageStart < 0 ? ranges : undefined;
}

/** 1-based line of an offset. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/**
 * Reads a CVAT XML document: its skeleton now, its `<image>` elements one at a time.
 * @throws ConversionError `XML_PARSE` (naming the line) for a document src/xml.ts refuses
 */
export function cvatDocument(text: string, file: string): CvatDocument {
  const ranges = imageRanges(text);
  if (!ranges) {
    const root = parseXml(text, file);
    const images = root.children.filter((c) => c.name === 'image');
    return { root: { ...root, children: root.children.filter((c) => c.name !== 'image') }, imageCount: images.length, images: () => images };
  }
  const pieces: string[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    pieces.push(text.slice(at, start));
    at = end;
  }
  pieces.push(text.slice(at));
  let root: XmlElement;
  try {
    root = parseXml(pieces.join(''), file);
  } catch (e) {
    if (e instanceof ConversionError && e.code === 'XML_PARSE') parseXml(text, file); // throws with the line in the whole file
    throw e;
  }
  return {
    root,
    imageCount: ranges.length,
    *images() {
      for (const [start, end] of ranges) {
        try {
          yield parseXml(text.slice(start, end), file);
        } catch (e) {
          if (!(e instanceof ConversionError) || e.code !== 'XML_PARSE') throw e;
          const shifted = e.detail.replace(/^line (\d+)/, (_, n: string) => `line ${Number(n) + lineOf(text, start) - 1}`);
          throw new ConversionError('XML_PARSE', shifted, { file });
        }
      }
    },
  };
}
