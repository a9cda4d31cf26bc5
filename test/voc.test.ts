/**
 * src/voc/ (layout.ts, annotation.ts) and src/xml.ts: layout finding, XML listing, the strict XML parser (well-formedness, entities, DOCTYPE
 * refusal), reading annotations with element paths, and image resolution.
 */
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { ConversionError } from '../src/errors.js';
import { parseVocAnnotation, parseVocAnnotationBytes, parseVocNumber, readVocAnnotation, readVocAnnotationSync, type VocAnnotation } from '../src/voc/annotation.js';
import { findVocLayout, indexImageFolder, listAnnotationFiles, resolveImage, stemOf } from '../src/voc/layout.js';
import { parseXml } from '../src/xml.js';
import { useTempDir, writeTree } from './helpers/fs.js';
import { jpeg } from './helpers/images.js';
import { thrown } from './helpers/convert.js';

const tmp = useTempDir('voc-module-');
const FILE = 'annotations/104.xml';
const show = (abs: string) => abs.replace(tmp.path + '/', '');

const box = (x0: string, y0: string, x1: string, y1: string) => `<bndbox><xmin>${x0}</xmin><ymin>${y0}</ymin><xmax>${x1}</xmax><ymax>${y1}</ymax></bndbox>`;
const doc = (inner: string) => `<annotation>${inner}</annotation>`;
const obj = (inner: string) => `<object>${inner}</object>`;

describe('parseVocAnnotation: fields', () => {
  test('reads filename, size and objects in order with 1-based indexes', () => {
    const ann = parseVocAnnotation(
      `<?xml version="1.0" encoding="utf-8"?>
<annotation verified="yes">
  <folder>images</folder>
  <filename> 104.jpg </filename>
  <path>C:\\Users\\me\\104.jpg</path>
  <size><width>499</width><height>666</height><depth>3</depth></size>
  <object><name>can</name><difficult>0</difficult>${box('175', '253', '355', '416')}</object>
  <object><name> milk bottle </name><difficult>1</difficult>${box('1.5', '2.25', '1e2', '3E1')}</object>
</annotation>`,
      FILE,
    );
    expect(ann).toEqual({
      filename: '104.jpg',
      size: { width: 499, height: 666, depth: 3 },
      objects: [
        { index: 1, path: 'object[1]', name: 'can', difficult: 0, bndbox: { xmin: 175, ymin: 253, xmax: 355, ymax: 416 } },
        { index: 2, path: 'object[2]', name: 'milk bottle', difficult: 1, bndbox: { xmin: 1.5, ymin: 2.25, xmax: 100, ymax: 30 } },
      ],
    } satisfies VocAnnotation);
  });

  test('elements in any order, <height> before <width>, <segmented> after <object>, <part> ignored, empty tags', () => {
    const ann = parseVocAnnotation(
      doc(
        obj(`${box('1', '2', '3', '4')}<truncated/><difficult/><pose/><name>person</name>` + `<part><name>hand</name>${box('9', '9', '10', '10')}</part>`) +
          '<size><depth/><height>10</height><width>20</width></size><segmented/><filename>a.jpg</filename>',
      ),
      FILE,
    );
    expect(ann.size).toEqual({ width: 20, height: 10 });
    expect(ann.filename).toBe('a.jpg');
    expect(ann.objects).toEqual([{ index: 1, path: 'object[1]', name: 'person', difficult: 0, bndbox: { xmin: 1, ymin: 2, xmax: 3, ymax: 4 } }]);
  });

  test('missing, empty or zero <size> fields mean "no size"', () => {
    expect(parseVocAnnotation(doc('<filename>a.jpg</filename>'), FILE).size).toBeUndefined();
    expect(parseVocAnnotation(doc('<size/>'), FILE).size).toBeUndefined();
    expect(parseVocAnnotation(doc('<size><width>0</width><height>0</height></size>'), FILE).size).toBeUndefined();
    expect(parseVocAnnotation(doc('<size><width>5</width></size>'), FILE).size).toBeUndefined();
    expect(parseVocAnnotation(doc('<size><width>5.0</width><height>7</height></size>'), FILE).size).toEqual({ width: 5, height: 7 });
  });

  test('no objects, an empty <annotation/>, an empty <filename/>', () => {
    expect(parseVocAnnotation('<annotation/>', FILE)).toEqual({ objects: [] });
    expect(parseVocAnnotation(doc('<filename/>'), FILE)).toEqual({ objects: [] });
  });

  test('<difficult> accepts 0, 1, true, false, 1.0 and empty', () => {
    const d = (v: string) => parseVocAnnotation(doc(obj(`<name>a</name><difficult>${v}</difficult>${box('1', '1', '2', '2')}`)), FILE).objects[0]!.difficult;
    expect([d('0'), d('1'), d('true'), d('False'), d('1.0'), d(''), d(' 1 ')]).toEqual([0, 1, 1, 0, 1, 0, 1]);
  });

  test('entities, character references, CDATA, comments and attributes', () => {
    const ann = parseVocAnnotation(
      `<!-- made by hand -->\n<annotation><filename>a&amp;b &#233;&#x4E2D;&lt;&gt;&quot;&apos;.jpg</filename>` +
        `<object a="1" b='x &amp; y'><name><![CDATA[x<y>]]></name><!-- c -->${box('1', '1', '2', '2')}</object></annotation>`,
      FILE,
    );
    expect(ann.filename).toBe('a&b é中<>"\'.jpg');
    expect(ann.objects[0]!.name).toBe('x<y>');
  });

  test('byte order marks and declared encodings', () => {
    const text = doc('<filename>é.jpg</filename>');
    expect(parseVocAnnotationBytes(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]), FILE).filename).toBe('é.jpg');
    expect(parseVocAnnotationBytes(Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]), FILE).filename).toBe('é.jpg');
    const latin = Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${text}`, 'latin1');
    expect(parseVocAnnotationBytes(latin, FILE).filename).toBe('é.jpg');
    const e = thrown(() => parseVocAnnotationBytes(Buffer.from(`<?xml version="1.0" encoding="Shift_JIS"?>${text}`), FILE));
    expect([e.code, e.message]).toEqual(['XML_PARSE', 'annotations/104.xml: expected UTF-8, UTF-16 or ISO-8859-1 text, got encoding "shift_jis"']);
  });
});

describe('parseVocAnnotation: per-object problems are attached, not thrown', () => {
  const first = (inner: string, n = 1) => parseVocAnnotation(doc(obj(`<name>a</name>${box('1', '1', '2', '2')}`) + obj(inner)), FILE).objects[n];

  test.each([
    ['non-numeric xmax', `<name>a</name>${box('1', '1', 'abc', '2')}`, 'XML_BAD_VALUE', 'annotations/104.xml: object[2]/bndbox/xmax: expected a number, got "abc"'],
    ['non-finite xmin', `<name>a</name>${box('1e999', '1', '2', '2')}`, 'XML_BAD_VALUE', 'annotations/104.xml: object[2]/bndbox/xmin: expected a finite number, got "1e999"'],
    ['NaN ymin', `<name>a</name>${box('1', 'NaN', '2', '2')}`, 'XML_BAD_VALUE', 'annotations/104.xml: object[2]/bndbox/ymin: expected a number, got "NaN"'],
    ['empty ymax', `<name>a</name>${box('1', '1', '2', '')}`, 'XML_BAD_VALUE', 'annotations/104.xml: object[2]/bndbox/ymax: expected a number, got an empty string'],
    ['no ymax', '<name>a</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>2</xmax></bndbox>', 'XML_MISSING', 'annotations/104.xml: object[2]/bndbox/ymax: expected a number, got no <ymax> element'],
    ['no bndbox', '<name>a</name>', 'XML_MISSING', 'annotations/104.xml: object[2]/bndbox: expected a <bndbox> element, got none'],
    ['empty bndbox', '<name>a</name><bndbox/>', 'XML_BAD_VALUE', 'annotations/104.xml: object[2]/bndbox: expected <xmin>, <ymin>, <xmax> and <ymax> elements, got an empty <bndbox>'],
    [
      'two xmin',
      '<name>a</name><bndbox><xmin>1</xmin><xmin>2</xmin><ymin>1</ymin><xmax>2</xmax><ymax>2</ymax></bndbox>',
      'XML_BAD_VALUE',
      'annotations/104.xml: object[2]/bndbox/xmin: expected one <xmin>, got 2',
    ],
  ])('%s → bndboxError', (_what, inner, code, message) => {
    const o = first(inner)!;
    expect(o.bndbox).toBeUndefined();
    expect(o.error).toBeUndefined();
    expect([o.bndboxError?.code, o.bndboxError?.message, o.bndboxError?.path]).toEqual([code, message, message.split(': ')[1]]);
  });

  test.each([
    ['no name', box('1', '1', '2', '2'), 'XML_MISSING', 'annotations/104.xml: object[2]/name: expected a class name, got no <name> element'],
    ['empty name', `<name> </name>${box('1', '1', '2', '2')}`, 'XML_MISSING', 'annotations/104.xml: object[2]/name: expected a class name, got an empty <name>'],
    ['name with elements', `<name><b>x</b></name>${box('1', '1', '2', '2')}`, 'XML_BAD_VALUE', 'annotations/104.xml: object[2]/name: expected text, got child elements <b>'],
    ['difficult 2', `<name>a</name><difficult>2</difficult>${box('1', '1', '2', '2')}`, 'XML_BAD_VALUE', 'annotations/104.xml: object[2]/difficult: expected 0 or 1, got "2"'],
  ])('%s → error', (_what, inner, code, message) => {
    const o = first(inner)!;
    expect([o.error?.code, o.error?.message]).toEqual([code, message]);
  });

  test('the other objects are unaffected', () => {
    const ann = parseVocAnnotation(doc(obj(`<name>a</name>${box('1', '1', 'x', '2')}`) + obj(`<name>b</name>${box('1', '1', '2', '2')}`)), FILE);
    expect(ann.objects[1]).toEqual({ index: 2, path: 'object[2]', name: 'b', difficult: 0, bndbox: { xmin: 1, ymin: 1, xmax: 2, ymax: 2 } });
  });
});

describe('parseVocAnnotation: file-level problems are thrown', () => {
  test.each([
    ['bad width', doc('<size><width>wide</width><height>5</height></size>'), 'XML_BAD_VALUE', 'annotations/104.xml: size/width: expected a whole number of pixels, got "wide"'],
    ['negative height', doc('<size><width>5</width><height>-5</height></size>'), 'XML_BAD_VALUE', 'annotations/104.xml: size/height: expected a whole number of pixels, got "-5"'],
    ['fractional width', doc('<size><width>5.5</width><height>5</height></size>'), 'XML_BAD_VALUE', 'annotations/104.xml: size/width: expected a whole number of pixels, got "5.5"'],
    ['two sizes', doc('<size/><size/>'), 'XML_BAD_VALUE', 'annotations/104.xml: size: expected one <size>, got 2'],
    ['size as text', doc('<size>500x375</size>'), 'XML_BAD_VALUE', 'annotations/104.xml: size: expected <width> and <height> elements, got "500x375"'],
    ['two filenames', doc('<filename>a</filename><filename>b</filename>'), 'XML_BAD_VALUE', 'annotations/104.xml: filename: expected one <filename>, got 2'],
    ['wrong root', '<annotations/>', 'XML_PARSE', 'annotations/104.xml: expected the root element <annotation>, got <annotations>'],
  ])('%s', (_what, text, code, message) => {
    const e = thrown(() => parseVocAnnotation(text, FILE));
    expect([e.code, e.message, e.file]).toEqual([code, message, FILE]);
  });
});

describe('the XML parser is strict', () => {
  test.each([
    ['mismatched end tag', '<annotation>\n<object>\n<name>x</name>\n</annotation>', 'line 4: expected </object>, got </annotation>'],
    ['unclosed element', '<annotation>\n<filename>a</filename>\n', 'line 3: expected </annotation>, got the end of the file'],
    ['end tag with nothing open', '<annotation/></annotation>', 'line 1: expected no end tag, got </annotation> with no element open'],
    ['text outside the root', 'hello <annotation/>', 'line 1: expected markup, got text "hello" outside the root element'],
    ['two roots', '<annotation/>\n<annotation/>', 'line 2: expected one root element, got <annotation> after </annotation>'],
    ['empty file', '', 'line 1: expected a root element, got none'],
    ['unquoted attribute', '<annotation a=1/>', 'line 1: expected a quoted value for attribute a of <annotation>, got "1/>"'],
    ['stray <', '<annotation>< name</annotation>', 'line 1: expected an element name after "<", got "< name</anno"'],
    ['bare &', '<annotation><filename>a & b</filename></annotation>', 'line 1: expected an entity reference ending in ";" or "&amp;", got "& b"'],
    [
      'unknown entity',
      '<annotation><filename>&nbsp;</filename></annotation>',
      'line 1: expected one of the predefined entities (&amp; &lt; &gt; &quot; &apos;) or a character reference, got "&nbsp;"',
    ],
    ['unclosed comment', '<annotation><!-- x', 'line 1: expected "-->" closing a comment, got the end of the file'],
    ['unclosed CDATA', '<annotation><![CDATA[x', 'line 1: expected "]]>" closing a CDATA section, got the end of the file'],
  ])('%s → XML_PARSE', (_what, text, detail) => {
    const e = thrown(() => parseXml(text, FILE));
    expect([e.code, e.message]).toEqual(['XML_PARSE', `${FILE}: ${detail}`]);
  });

  test('billion laughs: the DOCTYPE is refused before any entity is expanded', () => {
    const lol = [
      '<?xml version="1.0"?>',
      '<!DOCTYPE lolz [',
      ' <!ENTITY lol "lol">',
      ...Array.from({ length: 9 }, (_, i) => ` <!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`),
      ']>',
      '<annotation><filename>&lol9;</filename></annotation>',
    ].join('\n');
    const e = thrown(() => parseVocAnnotation(lol, FILE));
    expect([e.code, e.message]).toEqual(['XML_PARSE', `${FILE}: line 2: expected plain XML, got a DOCTYPE declaration (DTDs and entities are refused)`]);
  });

  test('external entities are never resolved', () => {
    const xxe = '<?xml version="1.0"?>\n<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n<annotation><filename>&xxe;</filename></annotation>';
    const e = thrown(() => parseVocAnnotation(xxe, FILE));
    expect(e.code).toBe('XML_PARSE');
    expect(e.message).not.toContain('root:');
    // without the DOCTYPE the reference is an unknown entity, refused as such
    const bare = thrown(() => parseVocAnnotation('<annotation><filename>&xxe;</filename></annotation>', FILE));
    expect(bare.message).toBe(`${FILE}: line 1: expected one of the predefined entities (&amp; &lt; &gt; &quot; &apos;) or a character reference, got "&xxe;"`);
  });

  test('an ENTITY declaration outside a DOCTYPE is refused too', () => {
    const e = thrown(() => parseXml('<!ENTITY x "y"><annotation/>', FILE));
    expect(e.message).toBe(`${FILE}: line 1: expected plain XML, got a ENTITY declaration (DTDs and entities are refused)`);
  });

  test('parseVocNumber', () => {
    expect(['12', '-3', '+4', '1.5', '.5', '5.', '1e2', '2E-1', ' 7 '].map(parseVocNumber)).toEqual([12, -3, 4, 1.5, 0.5, 5, 100, 0.2, 7]);
    expect(['', 'abc', '1,5', '0x10', 'Infinity', 'NaN', '1e', '--1'].map(parseVocNumber)).toEqual(Array(8).fill(undefined));
    expect(parseVocNumber('1e999')).toBe(Infinity);
  });
});

describe('element names', () => {
  /** XML's Name as the parser has always checked it (code units, as a regular expression without the u flag). */
  const NAME = /^[A-Za-z_:\u00C0-\uFFFF][\w.:\-\u00B7\u00C0-\uFFFF]*$/;
  const unit = fc.oneof(
    fc.constantFrom('a', 'Z', '_', ':', '-', '.', '0', '9', '\u00B7', '\u00B6', '\u00BF', '\u00C0', '\uFFFF', '\uD83D', '$', '<', '=', '"', '@', '[', '`', '{', '~'),
    fc.integer({ min: 0x21, max: 0xffff }).map((c) => String.fromCharCode(c)),
  );
  test('an element name is accepted exactly when it matches NAME', () => {
    fc.assert(
      fc.property(
        fc.array(unit, { minLength: 1, maxLength: 6 }).map((u) => u.join('')),
        (name) => {
          if (/[\s/>]/.test(name)) return; // those end the name: another test
          let accepted: boolean;
          try {
            parseXml(`<${name}></${name}>`, 'f.xml');
            accepted = true;
          } catch (e) {
            if (!(e instanceof ConversionError)) throw e;
            accepted = false;
          }
          expect(accepted).toBe(NAME.test(name));
        },
      ),
      { numRuns: 20000 },
    );
  });
  test('an empty name is refused', () => {
    expect(thrown(() => parseXml('< a></a>', 'f.xml')).message).toBe('f.xml: line 1: expected an element name after "<", got "< a></a>"');
  });
});

describe('layout and listing', () => {
  test('official layout', async () => {
    await writeTree(tmp.path, { 'Annotations/a.xml': '<annotation/>', 'JPEGImages/a.jpg': jpeg(2, 2) });
    expect(await findVocLayout(tmp.path, show)).toEqual({
      root: tmp.path,
      annotations: join(tmp.path, 'Annotations'),
      images: join(tmp.path, 'JPEGImages'),
      imagesExist: true,
      kind: 'official',
    });
  });

  test('Azure layout; a missing image folder is reported by imagesExist', async () => {
    await writeTree(tmp.path, { 'annotations/a.xml': '<annotation/>' });
    expect(await findVocLayout(tmp.path, show)).toMatchObject({ annotations: join(tmp.path, 'annotations'), images: join(tmp.path, 'images'), imagesExist: false, kind: 'azure' });
  });

  test('no annotation folder, a file, nothing', async () => {
    await writeTree(tmp.path, { 'images/a.jpg': jpeg(2, 2), 'file.txt': 'x' });
    const e1 = (await findVocLayout(tmp.path, show).catch((e: unknown) => e)) as ConversionError;
    expect([e1.code, e1.message]).toEqual(['INPUT_LAYOUT', `${tmp.path}: expected an Annotations/ or annotations/ folder of VOC XML files, got none`]);
    const e2 = (await findVocLayout(join(tmp.path, 'file.txt'), show).catch((e: unknown) => e)) as ConversionError;
    expect([e2.code, e2.message]).toEqual(['INPUT_LAYOUT', 'file.txt: expected a VOC dataset folder, got a file']);
    const e3 = (await findVocLayout(join(tmp.path, 'nope'), show).catch((e: unknown) => e)) as ConversionError;
    expect(e3.code).toBe('INPUT_NOT_FOUND');
  });

  test('listAnnotationFiles: *.xml in any case, sorted, hidden files and others left out', async () => {
    await writeTree(tmp.path, { 'A/b.xml': '', 'A/a.XML': '', 'A/.c.xml': '', 'A/notes.txt': '', 'A/10.xml': '', 'A/9.xml': '', 'A/sub/d.xml': '' });
    expect((await listAnnotationFiles(join(tmp.path, 'A'))).map(show)).toEqual(['A/10.xml', 'A/9.xml', 'A/a.XML', 'A/b.xml']);
  });

  test('indexImageFolder: image files by name and stem; a missing folder is empty', async () => {
    await writeTree(tmp.path, { 'i/a.jpg': '', 'i/a.PNG': '', 'i/b.tif': '', 'i/c.txt': '', 'i/.d.jpg': '' });
    const idx = await indexImageFolder(join(tmp.path, 'i'));
    expect(idx.names).toEqual(['a.PNG', 'a.jpg', 'b.tif']);
    expect([...idx.byStem]).toEqual([
      ['a', ['a.PNG', 'a.jpg']],
      ['b', ['b.tif']],
    ]);
    expect((await indexImageFolder(join(tmp.path, 'none'))).names).toEqual([]);
    expect(stemOf('x/2007_000032.xml')).toBe('2007_000032');
  });

  test('a file larger than the reused 64 KiB read buffer is read whole', async () => {
    const objects = Array.from({ length: 900 }, (_, i) => obj(`<name>o${i}</name>${box('1', '1', String(i + 2), '2')}`)).join('\n');
    const text = doc(`<filename>big.jpg</filename>${objects}`);
    expect(text.length).toBeGreaterThan(70_000);
    await writeTree(tmp.path, { 'big.xml': text, 'small.xml': doc('<filename>s.jpg</filename>') });
    const big = readVocAnnotationSync(join(tmp.path, 'big.xml'), 'big.xml');
    expect(big.objects).toHaveLength(900);
    expect(big.objects[899]).toMatchObject({ index: 900, name: 'o899', bndbox: { xmax: 901 } });
    // the buffer is reused: a small file read afterwards is not polluted by the big one
    expect(readVocAnnotationSync(join(tmp.path, 'small.xml'), 'small.xml')).toEqual({ filename: 's.jpg', objects: [] });
  });

  test('readVocAnnotation and its sync twin read the same; an unreadable file is XML_PARSE', async () => {
    await writeTree(tmp.path, { 'a.xml': doc('<filename>a.jpg</filename>') });
    expect(await readVocAnnotation(join(tmp.path, 'a.xml'), 'a.xml')).toEqual({ filename: 'a.jpg', objects: [] });
    expect(readVocAnnotationSync(join(tmp.path, 'a.xml'), 'a.xml')).toEqual({ filename: 'a.jpg', objects: [] });
    const e = (await readVocAnnotation(join(tmp.path, 'b.xml'), 'b.xml').catch((x: unknown) => x)) as ConversionError;
    expect(e.code).toBe('XML_PARSE');
    expect(e.message).toMatch(/^b\.xml: cannot read the file: ENOENT/);
  });
});

describe('resolveImage', () => {
  async function setup(tree: Record<string, string | Buffer>) {
    await writeTree(tmp.path, { 'Annotations/.keep': '', ...tree });
    const layout = await findVocLayout(tmp.path, show);
    const index = await indexImageFolder(layout.images);
    return (xml: string, ann: VocAnnotation, root = tmp.path, mustExist = true) => resolveImage(layout, index, ann, join(tmp.path, 'Annotations', xml), root, show, { mustExist });
  }

  test('by <filename>, else by the XML stem with any image extension; <path> plays no part', async () => {
    const find = await setup({ 'JPEGImages/a.jpg': '', 'JPEGImages/b.png': '', 'JPEGImages/sub/c.jpg': '' });
    expect(find('x.xml', { filename: 'a.jpg', objects: [] })).toEqual({ abs: join(tmp.path, 'JPEGImages/a.jpg'), key: 'JPEGImages/a.jpg', exists: true, via: 'filename' });
    expect(find('b.xml', { filename: 'b.jpg', objects: [] })).toMatchObject({ key: 'JPEGImages/b.png', via: 'stem' });
    expect(find('b.xml', { objects: [] })).toMatchObject({ key: 'JPEGImages/b.png', via: 'stem' });
    expect(find('x.xml', { filename: 'sub/c.jpg', objects: [] })).toMatchObject({ key: 'JPEGImages/sub/c.jpg', via: 'filename' });
    expect(find('x.xml', { filename: 'sub\\c.jpg', objects: [] })).toMatchObject({ key: 'JPEGImages/sub/c.jpg', via: 'filename' });
  });

  test('finds <filename> in JPEGImages/ of the official layout', async () => {
    await writeTree(tmp.path, { 'Annotations/.keep': '', 'JPEGImages/a.jpg': '' });
    const layout = await findVocLayout(tmp.path, show);
    const index = await indexImageFolder(layout.images);
    const r = resolveImage(layout, index, { filename: 'a.jpg', objects: [] }, join(tmp.path, 'Annotations/a.xml'), tmp.path, show);
    expect(r.key).toBe('JPEGImages/a.jpg');
  });

  test('a <filename> leading out of the image folder is PATH_OUTSIDE_ROOT', async () => {
    const find = await setup({ 'JPEGImages/a.jpg': '', 'secret.jpg': '' });
    for (const filename of ['../secret.jpg', '../../etc/passwd', '/etc/passwd', '..\\secret.jpg']) {
      const e = thrown(() => find('a.xml', { filename, objects: [] }));
      expect([e.code, e.message]).toEqual(['PATH_OUTSIDE_ROOT', `Annotations/a.xml: filename: expected a file name inside JPEGImages, got ${JSON.stringify(filename)}`]);
    }
  });

  test('an image outside --root is PATH_OUTSIDE_ROOT', async () => {
    const find = await setup({ 'JPEGImages/a.jpg': '' });
    mkdirSync(join(tmp.path, 'elsewhere'));
    const e = thrown(() => find('a.xml', { filename: 'a.jpg', objects: [] }, join(tmp.path, 'elsewhere')));
    expect([e.code, e.message]).toEqual(['PATH_OUTSIDE_ROOT', 'Annotations/a.xml: filename: expected an image inside the dataset root elsewhere, got JPEGImages/a.jpg']);
  });

  test('nothing found: IMAGE_NOT_FOUND; with mustExist false the named path, or XML_MISSING without a name', async () => {
    const find = await setup({ 'JPEGImages/z.jpg': '' });
    const e = thrown(() => find('a.xml', { filename: 'a.jpg', objects: [] }));
    expect([e.code, e.message]).toEqual(['IMAGE_NOT_FOUND', 'Annotations/a.xml: filename: expected an image "a.jpg" or a.<image extension> in JPEGImages, got no such file']);
    expect(find('a.xml', { filename: 'a.jpg', objects: [] }, tmp.path, false)).toMatchObject({ key: 'JPEGImages/a.jpg', exists: false, via: 'filename' });
    const m = thrown(() => find('a.xml', { objects: [] }, tmp.path, false));
    expect([m.code, m.message]).toEqual(['XML_MISSING', 'Annotations/a.xml: filename: expected a <filename> naming the image (no image named a.* in JPEGImages), got none']);
  });

  test('no image folder at all is said so', async () => {
    const find = await setup({});
    const e = thrown(() => find('a.xml', { filename: 'a.jpg', objects: [] }));
    expect(e.message).toBe('Annotations/a.xml: filename: expected an image "a.jpg" or a.<image extension> in JPEGImages, got no JPEGImages/ or images/ folder');
  });

  test('a symlinked image folder works like a real one', async () => {
    await writeTree(tmp.path, { 'real/a.jpg': '', 'Annotations/.keep': '' });
    symlinkSync(join(tmp.path, 'real'), join(tmp.path, 'JPEGImages'));
    writeFileSync(join(tmp.path, 'Annotations/a.xml'), '<annotation/>');
    const layout = await findVocLayout(tmp.path, show);
    const index = await indexImageFolder(layout.images);
    expect(resolveImage(layout, index, { objects: [] }, join(tmp.path, 'Annotations/a.xml'), tmp.path, show).key).toBe('JPEGImages/a.jpg');
  });
});
