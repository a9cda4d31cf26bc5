/**
 * Differential test of our own XML parser (src/xml.ts, read as VOC by src/voc/annotation.ts) against
 * fast-xml-parser (the library it replaced, see bench/voc/RESULTS.md): on generated annotation files both
 * must read the same filename, size and objects (and that reading must be what the generator wrote) and
 * the same elements (names, attributes, texts); on malformed files ours must refuse with XML_PARSE where
 * fast-xml-parser's validator does too; on every real XML file (VOC, CVAT) both must read the same
 * elements, and the VOC ones the same annotation. Where the two disagree on purpose, the case says why.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { readWithFastXmlParser, readWithOurs, type Outcome } from '../bench/voc/xml.js';
import { ConversionError } from '../src/errors.js';
import { parseVocAnnotation } from '../src/voc/annotation.js';
import { parseXml, type XmlElement } from '../src/xml.js';

const FILE = 'annotations/1.xml';
const REAL = new URL('../../shared/realdata', import.meta.url).pathname;

// ---------------------------------------------------------------------------------------------
// Elements as both readers give them

/** An element: name, attributes, trimmed text, child elements. */
interface Element {
  name: string;
  attributes: Record<string, string>;
  text: string;
  children: Element[];
}

const ourElements = (el: XmlElement): Element => ({ name: el.name, attributes: { ...el.attributes }, text: el.text.trim(), children: el.children.map(ourElements) });

/** fast-xml-parser keeping document order and attributes (unprefixed), values as text, entities as ours (see bench/voc/xml.ts). */
const ordered = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  htmlEntities: true,
  processEntities: { enabled: true, maxEntityCount: 1, maxEntitySize: 1, maxExpansionDepth: 1 },
});

type OrderedNode = Record<string, unknown>;

function theirElement(node: OrderedNode): Element {
  const name = Object.keys(node).find((k) => k !== ':@')!;
  const attributes = { ...((node[':@'] as Record<string, string> | undefined) ?? {}) };
  let text = '';
  const children: Element[] = [];
  for (const c of node[name] as OrderedNode[]) {
    if ('#text' in c) text += String(c['#text']);
    else children.push(theirElement(c));
  }
  return { name, attributes, text: text.trim(), children };
}

/** The root element as fast-xml-parser reads it (after its validator accepts the document). */
function theirElements(xml: string): Element {
  expect(XMLValidator.validate(xml)).toBe(true);
  const roots = (ordered.parse(xml) as OrderedNode[]).filter((n) => !('#text' in n));
  expect(roots).toHaveLength(1);
  return theirElement(roots[0]!);
}

// ---------------------------------------------------------------------------------------------
// Generated annotation files

/**
 * XML content as units: a character written raw, a character written as a reference (predefined entity or
 * character reference), or markup standing for no text (comment, PI, CDATA brackets). A raw CR followed
 * directly by a raw LF is one line end (XML normalizes CR LF and a lone CR to LF; references are not normalized).
 */
type Unit = { ch: string; raw: true } | { ch: string; ref: string } | { markup: string };

/** The XML text of units. */
const encode = (units: Unit[]): string => units.map((u) => ('markup' in u ? u.markup : 'ref' in u ? u.ref : u.ch)).join('');

/** The text units stand for. */
function decode(units: Unit[]): string {
  let out = '';
  units.forEach((u, i) => {
    if ('markup' in u) return;
    if ('raw' in u && u.ch === '\r') {
      const next = units[i + 1];
      out += next && 'raw' in next && next.ch === '\n' ? '' : '\n';
    } else out += u.ch;
  });
  return out;
}

/** XML 1.0 Chars: some that matter to XML or to trimming, and any of every plane. */
const charArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...'abcXYZ019 _-/.', '&', '<', '>', '"', "'", ']', '\t', '\n', '\r', 'é', 'ß', '中', '文', '😀', '\u00a0') },
  { weight: 1, arbitrary: fc.integer({ min: 0x20, max: 0xd7ff }).map((c) => String.fromCodePoint(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0xe000, max: 0xfffd }).map((c) => String.fromCodePoint(c)) },
  { weight: 1, arbitrary: fc.integer({ min: 0x10000, max: 0x10ffff }).map((c) => String.fromCodePoint(c)) },
);

const PREDEFINED: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };
type Style = 'raw' | 'dec' | 'hex' | 'named';
const styleArb = fc.constantFrom<Style>('raw', 'raw', 'raw', 'dec', 'hex', 'named');

/** One character written raw, as a predefined entity or as a decimal/hex character reference (`<` and `&` never raw). */
function charUnit(ch: string, style: Style): Unit {
  const cp = ch.codePointAt(0)!;
  const named = PREDEFINED[ch];
  if ((style === 'named' || ch === '<' || ch === '&') && named !== undefined) return { ch, ref: named };
  if (style === 'dec') return { ch, ref: `&#${cp};` };
  if (style === 'hex') return { ch, ref: `&#x${cp.toString(16)};` };
  return { ch, raw: true };
}

/** Content that stands for the text `chars` make: cut into pieces of text or CDATA, comments or PIs between some. */
const contentArb = (chars: fc.Arbitrary<string[]>) =>
  fc
    .tuple(
      chars,
      fc.array(
        fc.record({
          cut: fc.nat(),
          styles: fc.array(styleArb, { minLength: 12, maxLength: 12 }),
          cdata: fc.boolean(),
          before: fc.constantFrom('', '', '', '<!-- note -->', '<!---->', '<?pi x?>'),
        }),
        { minLength: 1, maxLength: 3 },
      ),
    )
    .map(([cs, pieces]) => {
      const cuts = pieces.map((p, k) => (k === 0 ? 0 : p.cut % (cs.length + 1))).sort((a, b) => a - b);
      const units: Unit[] = [];
      pieces.forEach((p, k) => {
        const piece = cs.slice(cuts[k], k + 1 < cuts.length ? cuts[k + 1] : cs.length);
        if (p.before) units.push({ markup: p.before });
        const raw = piece.join('');
        if (p.cdata && raw !== '' && !raw.includes(']]>')) {
          units.push({ markup: '<![CDATA[' });
          for (const ch of piece) units.push({ ch, raw: true });
          units.push({ markup: ']]>' });
        } else {
          piece.forEach((ch, i) => units.push(charUnit(ch, p.styles[i % p.styles.length]!)));
        }
      });
      return units;
    });

const padArb = fc.constantFrom('', '', ' ', '\n\t', '\r\n\t\t', '  \t');
/** A text value with whitespace around it: `[xml, value]`. */
const textArb = (chars: fc.Arbitrary<string[]>) =>
  fc.tuple(padArb, contentArb(chars), padArb).map(([a, units, b]) => {
    const all: Unit[] = [...[...a].map((ch): Unit => ({ ch, raw: true })), ...units, ...[...b].map((ch): Unit => ({ ch, raw: true }))];
    return [encode(all), decode(all)] as const;
  });

const nameChars = fc.array(charArb, { minLength: 0, maxLength: 5 });
const NUMBERS = fc.oneof(
  fc.integer({ min: -50, max: 5000 }).map(String),
  fc.tuple(fc.integer({ min: 0, max: 999 }), fc.integer({ min: 0, max: 99999 })).map(([a, b]) => `${a}.${b}`),
  fc.constantFrom('1e2', '1.5E+1', '2e-1', '+4', '.5', '5.', '007', '-0', '1E0'),
);
/** A number written with the same encodings (digits may be character references). */
const numberArb = NUMBERS.chain((n) => textArb(fc.constant([...n])).map(([xml]) => [xml, Number(n)] as const));

const attrsArb = fc.constantFrom('', '', '', ' id="3"', " verified='yes'", ' a = "x &amp; y" b="&#65;"', ' xml:lang="en"');
const ws = fc.constantFrom('', '\n', '\n\t', '  ', '\r\n\t\t', '<!-- between -->');
const closeArb = fc.constantFrom('>', '>', ' >', '\n>');

/** `<tag attrs>content</tag>`, or an empty tag form when the content is empty. */
const element = (tag: string, content: fc.Arbitrary<string>) =>
  fc
    .tuple(attrsArb, content, closeArb, fc.constantFrom('/>', ' />', 'pair'))
    .map(([attrs, body, close, empty]) => (body === '' && empty !== 'pair' ? `<${tag}${attrs}${empty}` : `<${tag}${attrs}>${body}</${tag}${close}`));

/** Children in any order, whitespace and comments between them. */
const children = (parts: fc.Arbitrary<string>[]) =>
  fc
    .tuple(...parts)
    .chain((xs) =>
      fc
        .tuple(fc.shuffledSubarray(xs, { minLength: xs.length, maxLength: xs.length }), fc.array(ws, { minLength: xs.length + 1, maxLength: xs.length + 1 }))
        .map(([order, gaps]) => gaps.map((g, i) => g + (order[i] ?? '')).join('')),
    );

const optional = (a: fc.Arbitrary<string>) => fc.option(a, { nil: '', freq: 4 });

interface GenBox {
  xml: string;
  box: { xmin: number; ymin: number; xmax: number; ymax: number };
}
const boxArb: fc.Arbitrary<GenBox> = fc.tuple(numberArb, numberArb, numberArb, numberArb).chain(([a, b, c, d]) =>
  element('bndbox', children([fc.constant(`<xmin>${a[0]}</xmin>`), fc.constant(`<ymin>${b[0]}</ymin>`), fc.constant(`<xmax>${c[0]}</xmax>`), fc.constant(`<ymax>${d[0]}</ymax>`)])).map((xml) => ({
    xml,
    box: { xmin: a[1], ymin: b[1], xmax: c[1], ymax: d[1] },
  })),
);

const DIFFICULT: [string, 0 | 1][] = [
  ['', 0],
  ['<difficult/>', 0],
  ['<difficult />', 0],
  ['<difficult></difficult>', 0],
  ['<difficult>0</difficult>', 0],
  ['<difficult>1</difficult>', 1],
  ['<difficult> 1 </difficult>', 1],
  ['<difficult>true</difficult>', 1],
  ['<difficult>False</difficult>', 0],
  ['<difficult>&#49;</difficult>', 1],
  ['<difficult><![CDATA[1]]></difficult>', 1],
];

interface GenObject {
  xml: string;
  name: string;
  difficult: 0 | 1;
  box: GenBox['box'];
}
const objectArb: fc.Arbitrary<GenObject> = fc
  .tuple(textArb(nameChars), fc.constantFrom(...DIFFICULT), boxArb, fc.array(boxArb, { maxLength: 2 }), textArb(nameChars))
  .chain(([[nameXml, name], [diffXml, difficult], box, parts, [partName]]) =>
    element(
      'object',
      children([
        element('name', fc.constant(nameXml)),
        optional(element('pose', fc.constantFrom('Unspecified', 'Left', ''))),
        optional(element('truncated', fc.constantFrom('0', '1', ''))),
        fc.constant(diffXml),
        optional(element('occluded', fc.constantFrom('0', ''))),
        fc.constant(box.xml),
        ...parts.map((p) => element('part', children([fc.constant(`<name>${partName}</name>`), fc.constant(p.xml)]))),
      ]),
    ).map((xml) => ({ xml, name, difficult, box: box.box })),
  );

interface GenDoc {
  xml: string;
  filename?: string;
  size?: { width: number; height: number; depth?: number };
  objects: GenObject[];
}

const sizeArb = fc.tuple(fc.integer({ min: 1, max: 9000 }), fc.integer({ min: 1, max: 9000 }), fc.option(fc.constantFrom(1, 3), { nil: undefined })).chain(([width, height, depth]) =>
  element('size', children([fc.constant(`<width>${width}</width>`), fc.constant(`<height>${height}</height>`), fc.constant(depth === undefined ? '' : `<depth>${depth}</depth>`)])).map((xml) => ({
    xml,
    size: depth === undefined ? { width, height } : { width, height, depth },
  })),
);

const docArb: fc.Arbitrary<GenDoc> = fc
  .tuple(
    fc.option(textArb(nameChars), { nil: undefined }),
    fc.option(sizeArb, { nil: undefined }),
    fc.array(objectArb, { maxLength: 4 }),
    fc.constantFrom('', '<?xml version="1.0" encoding="utf-8"?>\n', '<?xml version="1.0"?><!-- made by a tool -->\n'),
    fc.constantFrom('', '\n', '\n<!-- end -->\n', '<?pi after?>'),
    fc.constantFrom('', ' verified="yes"'),
  )
  .chain(([filename, size, objects, prolog, epilog, rootAttrs]) => {
    const others = [
      optional(element('folder', fc.constantFrom('images', 'VOC2012', ''))),
      fc.constant(filename === undefined ? '' : `<filename>${filename[0]}</filename>`),
      optional(element('path', fc.constant('C:\\Users\\x\\images\\1.jpg'))),
      optional(fc.constant('<source><database>Unknown</database><annotation>PASCAL VOC2007</annotation></source>')),
      fc.constant(size?.xml ?? ''),
      optional(element('segmented', fc.constantFrom('0', '1', ''))),
    ];
    // objects keep their order; the other elements go anywhere around them
    return fc
      .tuple(children(others), fc.array(fc.nat(objects.length), { minLength: 1, maxLength: 1 }), fc.array(ws, { minLength: objects.length + 1, maxLength: objects.length + 1 }))
      .map(([rest, [at], gaps]) => {
        const objs = objects.map((o, i) => gaps[i] + o.xml);
        objs.splice(at!, 0, rest);
        const xml = `${prolog}<annotation${rootAttrs}>${objs.join('')}${gaps[objects.length]}</annotation>${epilog}`;
        const doc: GenDoc = { xml, objects };
        const fn = filename?.[1].trim();
        if (fn) doc.filename = fn;
        if (size) doc.size = size.size;
        return doc;
      });
  });

const reading = (o: Outcome) => {
  if (!('reading' in o)) throw new Error(`refused: ${o.refused}`);
  return o.reading;
};

describe('generated annotation files: ours reads what fast-xml-parser reads, and what was written', () => {
  test('filename, size, objects (name, difficult, bndbox) agree', () => {
    fc.assert(
      fc.property(docArb, (doc) => {
        const ours = readWithOurs(doc.xml, FILE);
        const theirs = readWithFastXmlParser(doc.xml);
        expect(ours).toEqual(theirs);
        expect(ourElements(parseXml(doc.xml, FILE))).toEqual(theirElements(doc.xml));
        const r = reading(ours);
        expect(r.filename).toBe(doc.filename);
        expect(r.size).toEqual(doc.size);
        expect(r.objects.length).toBe(doc.objects.length);
        doc.objects.forEach((o, i) => {
          const got = r.objects[i]!;
          const name = o.name.trim();
          if (name === '') {
            expect(got.error).toBe(`XML_MISSING object[${i + 1}]/name`);
          } else {
            expect([got.name, got.difficult, got.error]).toEqual([name, o.difficult, undefined]);
          }
          expect(got.bndbox).toEqual(o.box);
        });
      }),
      { numRuns: 400 },
    );
  }, 60_000);

  test('a document cut anywhere before its end tag is refused by both', () => {
    fc.assert(
      fc.property(docArb, fc.double({ min: 0, max: 1, noNaN: true }), (doc, f) => {
        const end = doc.xml.lastIndexOf('</annotation');
        const cut = doc.xml.slice(0, Math.floor(f * end));
        expect(readWithOurs(cut, FILE)).toEqual({ refused: 'XML_PARSE' });
        expect(XMLValidator.validate(cut)).not.toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

// ---------------------------------------------------------------------------------------------
// What this test found in our parser (each fixed in the parser, now src/xml.ts)

/** The object names ours reads, after checking fast-xml-parser reads the same. */
function names(xml: string): string[] {
  const ours = readWithOurs(xml, FILE);
  expect(ours).toEqual(readWithFastXmlParser(xml));
  return reading(ours).objects.map((o) => o.name);
}
const withName = (inner: string) => `<annotation><object>${inner}<bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox></object></annotation>`;

describe('fixed: readings that differed from fast-xml-parser', () => {
  test('whitespace between comments or CDATA sections is text (was dropped: "bigdog")', () => {
    expect(names(withName('<name>big<!-- x --> <![CDATA[dog]]></name>'))).toEqual(['big dog']);
    expect(names(withName('<name><![CDATA[a]]>\t<?pi?>\n<![CDATA[b]]></name>'))).toEqual(['a\t\nb']);
    expect(names(withName('<name> <!-- x --> <![CDATA[dog]]> </name>'))).toEqual(['dog']);
  });

  test('CR LF and a lone CR read as LF; references to CR are kept (was: CR kept)', () => {
    expect(names(withName('<name>a\r\nb\rc</name>'))).toEqual(['a\nb\nc']);
    expect(names(withName('<name><![CDATA[x\r\ny]]></name>'))).toEqual(['x\ny']);
    expect(names(withName('<name>a&#13;&#10;b&#xD;</name>'))).toEqual(['a\r\nb']);
    expect(names(withName('<name>a\r\n&amp;\rb</name>'))).toEqual(['a\n&\nb']);
  });

  test.each([
    ['&#1;', 'a C0 control'],
    ['&#x1F;', 'a C0 control'],
    ['&#xFFFE;', 'U+FFFE'],
    ['&#65535;', 'U+FFFF'],
  ])('a reference to a character XML does not allow (%s, %s) is XML_PARSE (was: read)', (ref) => {
    let e: unknown;
    try {
      parseVocAnnotation(`<annotation>\r\n<object><name>a\r\n${ref}</name></object></annotation>`, FILE);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(ConversionError);
    expect([(e as ConversionError).code, (e as ConversionError).message]).toEqual([
      'XML_PARSE',
      `${FILE}: line 3: expected one of the predefined entities (&amp; &lt; &gt; &quot; &apos;) or a character reference, got ${JSON.stringify(ref)}`,
    ]);
  });

  test('references to the allowed characters next to those limits are read', () => {
    expect(names(withName('<name>a&#9;&#xA;&#xD;&#x20;&#xD7FF;&#xE000;&#xFFFD;&#x10000;&#x10FFFF;b</name>'))).toEqual(['a\t\n\r \ud7ff\ue000\ufffd\u{10000}\u{10ffff}b']);
  });
});

// ---------------------------------------------------------------------------------------------
// Malformed files

/** [what, XML, does fast-xml-parser's validator accept it, and why that is fine]. */
const MALFORMED: [string, string, 'rejects' | string][] = [
  ['mismatched end tag', '<annotation><name>a</nmae></annotation>', 'rejects'],
  ['crossed tags', '<annotation><object><name>a</object></name></annotation>', 'rejects'],
  ['unclosed element', '<annotation><object><name>a</name></annotation>', 'rejects'],
  ['unclosed root', '<annotation><name>a</name>', 'rejects'],
  ['end tag with nothing open', '</annotation>', 'rejects'],
  ['space after </', '<annotation><name>a</ name></annotation>', 'rejects'],
  ['two roots', '<annotation></annotation><annotation></annotation>', 'rejects'],
  ['text after the root', '<annotation></annotation>text', 'rejects'],
  ['text before the root', 'text<annotation></annotation>', 'rejects'],
  ['stray < in text', '<annotation><name>a < b</name></annotation>', 'rejects'],
  ['stray < before an end tag', '<annotation><name><</name></annotation>', 'rejects'],
  ['bare &', '<annotation><name>a & b</name></annotation>', 'rejects'],
  ['entity without ;', '<annotation><name>&amp</name></annotation>', 'rejects'],
  ['bad hex reference', '<annotation><name>&#xZZ;</name></annotation>', 'rejects'],
  ['unquoted attribute', '<annotation><object id=3></object></annotation>', 'rejects'],
  ['attributes without a space', '<annotation><object a="1"b="2"></object></annotation>', 'rejects'],
  ['element name starting with a digit', '<annotation><1name>a</1name></annotation>', 'rejects'],
  ['unclosed comment', '<annotation><!-- x </annotation>', 'rejects'],
  ['unclosed CDATA', '<annotation><name><![CDATA[x</name></annotation>', 'rejects'],
  ['empty document', '', 'rejects'],
  // The validator accepts these; the XML 1.0 rules ours follows do not.
  ['undeclared entity', '<annotation><name>&foo;</name></annotation>', 'accepts it (WFC Entity Declared); its parser then leaves "&foo;" as text'],
  ['HTML entity', '<annotation><name>&nbsp;</name></annotation>', 'accepts it; only the five predefined entities exist without a DTD'],
  ['reference to NUL', '<annotation><name>&#0;</name></annotation>', 'accepts it (WFC Legal Character); its parser drops the character'],
  ['reference to a C0 control', '<annotation><name>a&#1;b</name></annotation>', 'accepts it (WFC Legal Character); its parser drops the character'],
  ['reference to U+FFFE', '<annotation><name>&#xFFFE;</name></annotation>', 'accepts it (WFC Legal Character); its parser keeps the character'],
  ['reference to a surrogate', '<annotation><name>&#xD800;</name></annotation>', 'accepts it (WFC Legal Character); its parser drops the character'],
  ['reference beyond U+10FFFF', '<annotation><name>&#x110000;</name></annotation>', 'accepts it (WFC Legal Character); its parser leaves it as text'],
  ['< in an attribute value', '<annotation><object a="<"></object></annotation>', 'accepts it (AttValue excludes "<")'],
  // Declarations: the validator accepts them, so a converter on fast-xml-parser must refuse them itself
  // (readWithFastXmlParser does); ours refuses them as a rule (no entity is ever declared or expanded).
  ['DOCTYPE', '<!DOCTYPE annotation>\n<annotation></annotation>', 'accepts it; the reader refuses every DOCTYPE first'],
  ['DOCTYPE with an entity', '<!DOCTYPE a [<!ENTITY e "x">]><annotation><name>&e;</name></annotation>', 'accepts it and its parser expands &e;; the reader refuses it first'],
  ['DOCTYPE inside the root', '<annotation><!DOCTYPE a><name>a</name></annotation>', 'accepts it; the reader refuses it first'],
  ['ENTITY declaration inside the root', '<annotation><!ENTITY e "x"><name>a</name></annotation>', 'accepts it; the reader refuses it first'],
];

describe('malformed files: ours refuses with XML_PARSE', () => {
  test.each(MALFORMED)('%s', (_what, xml, validator) => {
    let e: unknown;
    try {
      parseVocAnnotation(xml, FILE);
    } catch (err) {
      e = err;
    }
    expect(e).toBeInstanceOf(ConversionError);
    expect((e as ConversionError).code).toBe('XML_PARSE');
    expect((e as ConversionError).message).toMatch(/^annotations\/1\.xml: line \d+: expected /);
    expect(XMLValidator.validate(xml) === true ? 'accepts' : 'rejects').toBe(validator === 'rejects' ? 'rejects' : 'accepts');
    if (/DOCTYPE|ENTITY/.test(xml)) expect(readWithFastXmlParser(xml)).toEqual({ refused: 'XML_PARSE' });
  });
});

// ---------------------------------------------------------------------------------------------
// Real files

function xmlFilesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const abs = join(dir, e.name);
    if (e.isDirectory()) return xmlFilesUnder(abs);
    return e.isFile() && e.name.toLowerCase().endsWith('.xml') ? [abs] : [];
  });
}

describe.skipIf(!existsSync(REAL))('real XML files under ../shared/realdata', () => {
  const files = existsSync(REAL) ? xmlFilesUnder(REAL).sort() : [];

  test('there are some, VOC and other vocabularies', () => {
    expect(files.length).toBeGreaterThan(10);
    const roots = new Set(files.map((f) => parseXml(readFileSync(f, 'utf8'), f).name));
    expect(roots).toContain('annotation');
  });

  // Not every XML file is a VOC annotation (CVAT's root is <annotations>, its fields are attributes): all
  // are read to the same elements; the VOC ones to the same annotation.
  test.each(files.map((f) => [relative(REAL, f)]))('%s: both read the same', (rel) => {
    const text = readFileSync(join(REAL, rel), 'utf8').replace(/^\uFEFF/, '');
    const elements = ourElements(parseXml(text, rel));
    expect(elements).toEqual(theirElements(text));
    if (elements.name !== 'annotation') return;
    const ours = readWithOurs(text, rel);
    expect(ours).toEqual(readWithFastXmlParser(text));
    expect('reading' in ours).toBe(true);
  });
});
