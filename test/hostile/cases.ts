/**
 * The hostile corpus (issue 12, "The suite"): generated bad inputs for every converter and command,
 * each with the exit code, error code and message (a regex for the variable part) it must give.
 * A case gets a fresh workspace holding a copy of `samples/` at `in/`; its `setup` spoils something
 * and returns the argv; the runner (test/hostile/hostile.test.ts) compares the input and output folders
 * before and after the run: the input is never modified, nothing partial is left.
 *
 * @example
 *   { name: 'voc: DTD', setup: (w) => (w.write('voc/annotations/1.xml', '<!DOCTYPE a>...'), ['convert', 'voc', w.in('voc'), '-o', w.out]),
 *     exit: 1, code: 'XML_PARSE', message: /1\.xml: line 1: expected plain XML, got a DOCTYPE/ }
 */
import { cpSync, existsSync, mkdirSync, statSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ErrorCode } from '../../src/errors.js';

/** The repository's samples (one small dataset per converter). */
export const SAMPLES = fileURLToPath(new URL('../../samples/', import.meta.url));

/** A case's folder: `in/` (a copy of samples/, spoiled by the case) and `out` (not created). */
export class Workspace {
  readonly input: string;
  readonly out: string;
  constructor(readonly root: string) {
    this.input = join(root, 'in');
    this.out = join(root, 'out');
    mkdirSync(this.input, { recursive: true });
  }
  private copied = new Set<string>();
  /** A path under `in/`; the sample folder it is in (its first segment) is copied there on first use. */
  in(rel: string): string {
    const top = rel.split('/')[0]!;
    if (!this.copied.has(top)) {
      this.copied.add(top);
      if (existsSync(join(SAMPLES, top)) && statSync(join(SAMPLES, top)).isDirectory()) cpSync(join(SAMPLES, top), join(this.input, top), { recursive: true });
    }
    return join(this.input, rel);
  }
  write(rel: string, content: string | Uint8Array): string {
    const path = this.in(rel);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, content);
    return path;
  }
  read(rel: string): string {
    return readFileSync(this.in(rel), 'utf8');
  }
  edit(rel: string, change: (text: string) => string): string {
    const text = this.read(rel);
    const changed = change(text);
    if (changed === text) throw new Error(`case setup: ${rel} unchanged`);
    return this.write(rel, changed);
  }
  /** Replaces a file by a folder of the same name. */
  folderInstead(rel: string): string {
    rmSync(this.in(rel));
    mkdirSync(this.in(rel));
    return this.in(rel);
  }
  /** Edits the COCO sample's document. */
  coco(change: (doc: CocoDoc) => void): string {
    const doc = JSON.parse(this.read('coco/annotations.json')) as CocoDoc;
    change(doc);
    return this.write('coco/annotations.json', JSON.stringify(doc));
  }
  /** A JSONL made from the voc sample's conversion would need a run; this is a small valid one. */
  jsonl(rel: string, lines: readonly unknown[]): string {
    return this.write(rel, lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n');
  }
}

export interface CocoDoc {
  images: Record<string, unknown>[];
  annotations: Record<string, unknown>[];
  categories: Record<string, unknown>[];
  [key: string]: unknown;
}

export interface HostileCase {
  name: string;
  /** Spoils the workspace; returns the argv (after `automl-img`). */
  setup: (w: Workspace) => string[];
  exit: 1 | 2;
  /** The error code (validate and stats have their own, see src/jsonl/check.ts). */
  code: ErrorCode | string;
  /** Matched against the error's message, with the workspace root written `<ws>`. */
  message: RegExp;
}

const convert = (converter: string, input: string, w: Workspace, ...more: string[]) => ['convert', converter, input, '-o', w.out, ...more];
const vocArgs = (w: Workspace, ...more: string[]) => convert('voc', w.in('voc'), w, ...more);
const maskArgs = (w: Workspace, ...more: string[]) => convert('voc-mask', w.in('voc-mask'), w, ...more);
const cocoArgs = (w: Workspace, ...more: string[]) => convert('coco', w.in('coco/annotations.json'), w, ...more);
const csvArgs = (w: Workspace, ...more: string[]) => convert('csv', w.in('csv/labels.csv'), w, ...more);
const folderArgs = (w: Workspace, ...more: string[]) => convert('folder', w.in('folder'), w, ...more);

const GARBAGE = Uint8Array.from({ length: 512 }, (_, i) => (i * 151 + 7) & 0xff);
const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<annotation><filename>&lol2;</filename></annotation>`;
const XXE = `<?xml version="1.0"?>
<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<annotation><filename>&xxe;</filename></annotation>`;
/** An XInclude element: read as a plain (unknown) element, never followed. */
export const XINCLUDE = `<annotation xmlns:xi="http://www.w3.org/2001/XInclude"><xi:include href="file:///etc/passwd" parse="text"/><filename>1.jpg</filename></annotation>`;

/** One voc object as XML. */
const vocObject = (name: string, box: [string, string, string, string]) =>
  `<object><name>${name}</name><bndbox><xmin>${box[0]}</xmin><ymin>${box[1]}</ymin><xmax>${box[2]}</xmax><ymax>${box[3]}</ymax></bndbox></object>`;
const vocXml = (body: string, filename = '1.jpg') => `<annotation><filename>${filename}</filename><size><width>120</width><height>90</height><depth>3</depth></size>${body}</annotation>`;

const box = { image_url: 'a.jpg', label: [{ label: 'cat', topX: 0.1, topY: 0.1, bottomX: 0.5, bottomY: 0.5, isCrowd: 0 }] };

export const CASES: HostileCase[] = [
  // --- XML attacks and malformed XML (voc, voc-mask) ---
  ...(['voc', 'voc-mask'] as const).flatMap((c): HostileCase[] => {
    const xml = c === 'voc' ? 'voc/annotations/1.xml' : 'voc-mask/Annotations/2026_000001.xml';
    const args = c === 'voc' ? vocArgs : maskArgs;
    return [
      {
        name: `${c}: entity expansion (billion laughs)`,
        setup: (w) => (w.write(xml, BILLION_LAUGHS), args(w)),
        exit: 1,
        code: 'XML_PARSE',
        message: /\.xml: line 2: expected plain XML, got a DOCTYPE declaration \(DTDs and entities are refused\)$/,
      },
      { name: `${c}: external entity (XXE)`, setup: (w) => (w.write(xml, XXE), args(w)), exit: 1, code: 'XML_PARSE', message: /\.xml: line 2: expected plain XML, got a DOCTYPE declaration/ },
      {
        name: `${c}: DTD without entities`,
        setup: (w) => (w.write(xml, '<!DOCTYPE annotation SYSTEM "http://127.0.0.1:9/a.dtd">\n<annotation/>'), args(w)),
        exit: 1,
        code: 'XML_PARSE',
        message: /\.xml: line 1: expected plain XML, got a DOCTYPE declaration/,
      },
      {
        name: `${c}: entity reference without a DTD`,
        setup: (w) => (w.write(xml, vocXml('', '&xxe;.jpg')), args(w)),
        exit: 1,
        code: 'XML_PARSE',
        message: /\.xml: line 1: expected one of the predefined entities \(&amp; &lt; &gt; &quot; &apos;\) or a character reference, got "&xxe;"$/,
      },
      {
        name: `${c}: binary garbage as XML`,
        setup: (w) => (w.write(xml, GARBAGE), args(w)),
        exit: 1,
        code: 'XML_PARSE',
        // Not UTF-8 and no other encoding declared: refused before it is parsed (issue 12.8).
        message: /\.xml: expected UTF-8 text \(no other encoding declared\), got the byte 0x[0-9a-f]{2} at byte offset \d+, which is not UTF-8/,
      },
      { name: `${c}: empty XML file`, setup: (w) => (w.write(xml, ''), args(w)), exit: 1, code: 'XML_PARSE', message: /\.xml: line 1: expected a root element, got none$/ },
      {
        name: `${c}: truncated XML`,
        setup: (w) => (w.write(xml, w.read(xml).slice(0, 60)), args(w)),
        exit: 1,
        code: 'XML_PARSE',
        message: /\.xml: line 3: expected (">" closing an end tag|<\/filename>), got the end of the file$/,
      },
      {
        name: `${c}: two root elements`,
        setup: (w) => (w.write(xml, w.read(xml) + '<annotation/>'), args(w)),
        exit: 1,
        code: 'XML_PARSE',
        message: /\.xml: line 38: expected one root element, got <annotation> after <\/annotation>$/,
      },
      {
        name: `${c}: path traversal in <filename>`,
        setup: (w) => (w.edit(xml, (t) => t.replace(/<filename>[^<]*<\/filename>/, '<filename>../../../../etc/passwd</filename>')), args(w)),
        exit: 1,
        code: 'PATH_OUTSIDE_ROOT',
        message: /\.xml: filename: expected a file name inside <ws>\/in\/voc(-mask)?\/(images|JPEGImages), got "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd"$/,
      },
    ];
  }),
  {
    name: 'voc: absolute <filename>',
    setup: (w) => (w.edit('voc/annotations/1.xml', (t) => t.replace('<filename>1.jpg', '<filename>/etc/passwd')), vocArgs(w)),
    exit: 1,
    code: 'PATH_OUTSIDE_ROOT',
    message: /^<ws>\/in\/voc\/annotations\/1\.xml: filename: expected a file name inside <ws>\/in\/voc\/images, got "\/etc\/passwd"$/,
  },
  {
    name: 'voc: BOM then a DOCTYPE',
    setup: (w) => (w.write('voc/annotations/1.xml', '\ufeff<!DOCTYPE a [<!ENTITY b "c">]><annotation/>'), vocArgs(w)),
    exit: 1,
    code: 'XML_PARSE',
    message: /^<ws>\/in\/voc\/annotations\/1\.xml: line 1: expected plain XML, got a DOCTYPE declaration \(DTDs and entities are refused\)$/,
  },
  {
    name: 'voc: NaN coordinate',
    setup: (w) => (w.write('voc/annotations/1.xml', vocXml(vocObject('cat', ['NaN', '1', '5', '5']))), vocArgs(w)),
    exit: 1,
    code: 'XML_BAD_VALUE',
    message: /^<ws>\/in\/voc\/annotations\/1\.xml: object\[1\]\/bndbox\/xmin: expected a number, got "NaN"$/,
  },
  {
    name: 'voc: Infinity coordinate',
    setup: (w) => (w.write('voc/annotations/1.xml', vocXml(vocObject('cat', ['1', '1', 'Infinity', '5']))), vocArgs(w)),
    exit: 1,
    code: 'XML_BAD_VALUE',
    message: /^<ws>\/in\/voc\/annotations\/1\.xml: object\[1\]\/bndbox\/xmax: expected a number, got "Infinity"$/,
  },
  {
    name: 'voc: huge coordinate',
    setup: (w) => (w.write('voc/annotations/1.xml', vocXml(vocObject('cat', ['1', '1', '1e400', '5']))), vocArgs(w)),
    exit: 1,
    code: 'XML_BAD_VALUE',
    message: /^<ws>\/in\/voc\/annotations\/1\.xml: object\[1\]\/bndbox\/xmax: expected a finite number, got "1e400"$/,
  },
  {
    name: 'voc: negative size',
    setup: (w) => (w.write('voc/annotations/1.xml', vocXml('').replace('<width>120', '<width>-120')), vocArgs(w)),
    exit: 1,
    code: 'XML_BAD_VALUE',
    message: /^<ws>\/in\/voc\/annotations\/1\.xml: size\/width: expected a whole number of pixels, got "-120"$/,
  },
  {
    name: 'voc: xmax before xmin',
    setup: (w) => (w.write('voc/annotations/1.xml', vocXml(vocObject('cat', ['50', '1', '10', '5']))), vocArgs(w)),
    exit: 1,
    code: 'EMPTY_BOX',
    message: /^<ws>\/in\/voc\/annotations\/1\.xml: object\[1\]\/bndbox: expected a box with area \(min < max\), got xmin 50, xmax 10$/,
  },
  {
    name: 'voc: object without a name',
    setup: (w) => (w.write('voc/annotations/1.xml', vocXml('<object><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>5</xmax><ymax>5</ymax></bndbox></object>')), vocArgs(w)),
    exit: 1,
    code: 'XML_MISSING',
    message: /^<ws>\/in\/voc\/annotations\/1\.xml: object\[1\]\/name: expected a class name, got no <name> element$/,
  },
  {
    name: 'voc: an image file is a folder',
    setup: (w) => (w.folderInstead('voc/images/1.jpg'), vocArgs(w)),
    exit: 1,
    code: 'IMAGE_NOT_FOUND',
    message: /^<ws>\/in\/voc\/annotations\/1\.xml: filename: expected an image "1\.jpg" or 1\.<image extension> in <ws>\/in\/voc\/images, got no such file$/,
  },
  {
    name: 'voc: image missing',
    setup: (w) => (rmSync(w.in('voc/images/2.jpg')), vocArgs(w)),
    exit: 1,
    code: 'IMAGE_NOT_FOUND',
    message: /^<ws>\/in\/voc\/annotations\/2\.xml: filename: expected an image "2\.jpg" or 2\.<image extension> in <ws>\/in\/voc\/images, got no such file$/,
  },
  {
    name: 'voc: image is binary garbage',
    setup: (w) => (w.write('voc/images/1.jpg', GARBAGE), vocArgs(w)),
    exit: 1,
    code: 'IMAGE_UNREADABLE',
    message: /^<ws>\/in\/voc\/images\/1\.jpg: not an image: unrecognised file header$/,
  },
  {
    name: 'voc: input folder missing',
    setup: (w) => ['convert', 'voc', w.in('nothing-here'), '-o', w.out],
    exit: 1,
    code: 'INPUT_NOT_FOUND',
    message: /^<ws>\/in\/nothing-here: expected a dataset here, got nothing \(it does not exist or cannot be read\)$/,
  },
  {
    name: 'voc: input is a file',
    setup: (w) => ['convert', 'voc', w.in('voc/annotations/1.xml'), '-o', w.out],
    exit: 1,
    code: 'INPUT_LAYOUT',
    message: /^<ws>\/in\/voc\/annotations\/1\.xml: expected a VOC dataset folder, got a file$/,
  },

  // --- voc-mask ---
  {
    name: 'voc-mask: mask is binary garbage',
    setup: (w) => (w.write('voc-mask/SegmentationObject/2026_000001.png', GARBAGE), maskArgs(w)),
    exit: 1,
    code: 'MASK_UNREADABLE',
    message: /^<ws>\/in\/voc-mask\/SegmentationObject\/2026_000001\.png: expected a PNG mask, got a file without the PNG signature$/,
  },
  {
    name: 'voc-mask: empty mask',
    setup: (w) => (w.write('voc-mask/SegmentationObject/2026_000001.png', ''), maskArgs(w)),
    exit: 1,
    code: 'MASK_UNREADABLE',
    message: /^<ws>\/in\/voc-mask\/SegmentationObject\/2026_000001\.png: expected a PNG mask, got an empty file$/,
  },
  {
    name: 'voc-mask: truncated mask',
    setup: (w) => (w.write('voc-mask/SegmentationObject/2026_000002.png', readFileSync(w.in('voc-mask/SegmentationObject/2026_000002.png')).subarray(0, 80)), maskArgs(w)),
    exit: 1,
    code: 'MASK_UNREADABLE',
    message: /^<ws>\/in\/voc-mask\/SegmentationObject\/2026_000002\.png: expected a PNG mask, got a corrupt PNG \(Offset is outside the bounds of the DataView\)$/,
  },
  {
    name: 'voc-mask: 20000×20000 mask header',
    setup: (w) => (w.write('voc-mask/SegmentationObject/2026_000001.png', bigHeader(readFileSync(w.in('voc-mask/SegmentationObject/2026_000001.png')))), maskArgs(w)),
    exit: 1,
    code: 'MASK_TOO_LARGE',
    message: /^<ws>\/in\/voc-mask\/SegmentationObject\/2026_000001\.png: expected a mask of at most 67,108,864 pixels and 67,108,864 bytes decoded, got 20000×20000 \(400,000,000 pixels\)$/,
  },

  // --- coco ---
  { name: 'coco: empty file', setup: (w) => (w.write('coco/annotations.json', ''), cocoArgs(w)), exit: 1, code: 'JSON_PARSE', message: /^<ws>\/in\/coco\/annotations\.json: the file is empty$/ },
  {
    name: 'coco: binary garbage',
    setup: (w) => (w.write('coco/annotations.json', GARBAGE), cocoArgs(w)),
    exit: 1,
    code: 'JSON_PARSE',
    message: /^<ws>\/in\/coco\/annotations\.json: expected '\{', found byte 0x07 at byte 0$/,
  },
  {
    name: 'coco: truncated JSON',
    setup: (w) => (w.write('coco/annotations.json', w.read('coco/annotations.json').slice(0, 900)), cocoArgs(w)),
    exit: 1,
    code: 'JSON_PARSE',
    message: /^<ws>\/in\/coco\/annotations\.json: annotations\[2\]: unexpected end of file after 900 bytes$/,
  },
  {
    name: 'coco: a top-level array',
    setup: (w) => (w.write('coco/annotations.json', '[]'), cocoArgs(w)),
    exit: 1,
    code: 'JSON_BAD_VALUE',
    message: /^<ws>\/in\/coco\/annotations\.json: expected an object at the top level, found an array$/,
  },
  {
    name: 'coco: BOM before the document',
    setup: (w) => (w.write('coco/annotations.json', '\ufeff' + JSON.stringify({ images: [{ id: 1, file_name: '../x.jpg' }], categories: [] })), cocoArgs(w)),
    exit: 1,
    code: 'IMAGE_NOT_FOUND',
    message: /^<ws>\/in\/coco\/annotations\.json: images not found: looked for "\.\.\/x\.jpg" in <ws>\/in\/coco, <ws>\/in\/coco\/images, <ws>\/in, <ws>\/in\/images; use --images <dir>$/,
  },
  {
    name: 'coco: path traversal in file_name',
    setup: (w) => (w.coco((d) => (d.images[0]!['file_name'] = '../../../../etc/passwd')), cocoArgs(w)),
    exit: 1,
    code: 'PATH_OUTSIDE_ROOT',
    message: /^<ws>\/in\/coco\/annotations\.json: images\[0\]\.file_name: expected a file under <ws>\/in\/coco, got "\.\.\/\.\.\/\.\.\/\.\.\/etc\/passwd"$/,
  },
  {
    name: 'coco: absolute file_name',
    setup: (w) => (w.coco((d) => (d.images[1]!['file_name'] = '/etc/passwd')), cocoArgs(w)),
    exit: 1,
    code: 'PATH_OUTSIDE_ROOT',
    message: /^<ws>\/in\/coco\/annotations\.json: images\[1\]\.file_name: expected a file under <ws>\/in\/coco, got "\/etc\/passwd"$/,
  },
  {
    name: 'coco: backslash traversal in file_name',
    setup: (w) => (w.coco((d) => (d.images[1]!['file_name'] = '..\\..\\x.jpg')), cocoArgs(w)),
    exit: 1,
    code: 'PATH_OUTSIDE_ROOT',
    message: /^<ws>\/in\/coco\/annotations\.json: images\[1\]\.file_name: expected a file under <ws>\/in\/coco, got "\.\.\/\.\.\/x\.jpg"$/,
  },
  {
    name: 'coco: duplicate image id',
    setup: (w) => (w.coco((d) => (d.images[1]!['id'] = 1)), cocoArgs(w)),
    exit: 1,
    code: 'DUPLICATE_ID',
    message: /^<ws>\/in\/coco\/annotations\.json: images\[1\]\.id: expected a unique image id, got 1 again \(images\[0\] has it\)$/,
  },
  {
    name: 'coco: duplicate category id, other name',
    setup: (w) => (w.coco((d) => d.categories.push({ id: d.categories[0]!['id'], name: 'other' })), cocoArgs(w)),
    exit: 1,
    code: 'DUPLICATE_ID',
    message: /^<ws>\/in\/coco\/annotations\.json: categories\[3\]\.id: expected a unique category id, got 1 again with the name "circle" \(categories\[0\]\)$/,
  },
  {
    name: 'coco: unknown image id',
    setup: (w) => (w.coco((d) => (d.annotations[0]!['image_id'] = 999)), cocoArgs(w)),
    exit: 1,
    code: 'UNKNOWN_IMAGE_ID',
    message: /^<ws>\/in\/coco\/annotations\.json: annotations\[0\]\.image_id: expected the id of an entry of "images", got 999$/,
  },
  {
    name: 'coco: unknown category id',
    setup: (w) => (w.coco((d) => (d.annotations[1]!['category_id'] = 999)), cocoArgs(w)),
    exit: 1,
    code: 'UNKNOWN_CATEGORY_ID',
    message: /^<ws>\/in\/coco\/annotations\.json: annotations\[1\]\.category_id: expected the id of an entry of "categories", got 999$/,
  },
  {
    name: 'coco: annotation id an object',
    setup: (w) => (w.coco((d) => (d.annotations[0]!['id'] = { x: 1 })), cocoArgs(w)),
    exit: 1,
    code: 'JSON_BAD_VALUE',
    message: /^<ws>\/in\/coco\/annotations\.json: annotations\[0\]\.id: expected an annotation id \(a number or a non-empty string\), got an object$/,
  },
  {
    name: 'coco: image id an array',
    setup: (w) => (w.coco((d) => (d.images[0]!['id'] = [1])), cocoArgs(w)),
    exit: 1,
    code: 'JSON_BAD_VALUE',
    message: /^<ws>\/in\/coco\/annotations\.json: images\[0\]\.id: expected an id \(a number or a non-empty string\), got an array of 1$/,
  },
  {
    name: 'coco: huge width',
    setup: (w) => (w.write('coco/annotations.json', w.read('coco/annotations.json').replace('"width":120', '"width":1e400')), cocoArgs(w)),
    exit: 1,
    code: 'JSON_BAD_VALUE',
    message: /^<ws>\/in\/coco\/annotations\.json: images\[0\]\.width: expected the width in pixels as a positive integer, got Infinity$/,
  },
  {
    name: 'coco: NaN in bbox (as a string)',
    setup: (w) => (w.coco((d) => (d.annotations[0]!['bbox'] = ['NaN', 1, 2, 3])), cocoArgs(w)),
    exit: 1,
    code: 'JSON_BAD_VALUE',
    message: /^<ws>\/in\/coco\/annotations\.json: annotations\[0\]\.bbox: expected \[x, y, width, height\] as 4 numbers, got \["NaN", 1, 2, 3\]$/,
  },
  {
    name: 'coco: NaN literal (not JSON)',
    setup: (w) => (w.write('coco/annotations.json', w.read('coco/annotations.json').replace('"width":120', '"width":NaN')), cocoArgs(w)),
    exit: 1,
    code: 'JSON_PARSE',
    message: /^<ws>\/in\/coco\/annotations\.json: images\[0\]: malformed element \(bytes 109–161\): Unexpected token 'N', \.\.\."","width":NaN,"heigh"\.\.\. is not valid JSON$/,
  },
  {
    name: 'coco: negative bbox height',
    setup: (w) => (w.coco((d) => (d.annotations[0]!['bbox'] = [1, 1, 5, -5])), cocoArgs(w)),
    exit: 1,
    code: 'JSON_BAD_VALUE',
    message: /^<ws>\/in\/coco\/annotations\.json: annotations\[0\]\.bbox: expected a width and height >= 0, got \[1, 1, 5, -5\]$/,
  },
  {
    name: 'coco: negative image height',
    setup: (w) => (w.coco((d) => (d.images[0]!['height'] = -90)), cocoArgs(w)),
    exit: 1,
    code: 'JSON_BAD_VALUE',
    message: /^<ws>\/in\/coco\/annotations\.json: images\[0\]\.height: expected the height in pixels as a positive integer, got -90$/,
  },
  {
    name: 'coco: image listed but missing',
    setup: (w) => (rmSync(w.in('coco/images/1.jpg')), cocoArgs(w)),
    exit: 1,
    code: 'IMAGE_NOT_FOUND',
    message: /^<ws>\/in\/coco\/images\/1\.jpg: image not found$/,
  },
  {
    name: 'coco: image is a folder',
    setup: (w) => (w.folderInstead('coco/images/1.jpg'), cocoArgs(w)),
    exit: 1,
    code: 'IMAGE_UNREADABLE',
    message: /^<ws>\/in\/coco\/images\/1\.jpg: cannot read image: EISDIR: illegal operation on a directory, read$/,
  },
  {
    name: 'coco: JSON file is a folder',
    setup: (w) => (w.folderInstead('coco/annotations.json'), cocoArgs(w)),
    exit: 1,
    code: 'INPUT_LAYOUT',
    message: /^<ws>\/in\/coco\/annotations\.json: expected a COCO JSON file, got a folder$/,
  },
  {
    name: 'coco: __proto__ keys are plain data, an empty segmentation list',
    setup: (w) => (w.coco((d) => (d.annotations[0]!['segmentation'] = [])), cocoArgs(w, '--task', 'instance-segmentation')),
    exit: 1,
    code: 'BAD_POLYGON',
    message: /^<ws>\/in\/coco\/annotations\.json: annotations\[0\]\.segmentation: expected at least one polygon, got an empty list$/,
  },
  {
    name: 'coco: RLE counts not adding up',
    setup: (w) => (w.coco((d) => (d.annotations[0]!['segmentation'] = { size: [90, 120], counts: [1, 2, 3] })), cocoArgs(w, '--task', 'instance-segmentation')),
    exit: 1,
    code: 'BAD_RLE',
    message: /^<ws>\/in\/coco\/annotations\.json: annotations\[0\]\.segmentation\.counts: run lengths add up to 6, expected height × width = 90 × 120 = 10800$/,
  },

  {
    name: 'coco: RLE of a 100000 × 100000 image (was a RangeError crash)',
    setup: (w) => (
      w.coco((d) => {
        Object.assign(d.images[0]!, { width: 100000, height: 100000 });
        d.annotations[0]!['segmentation'] = { size: [100000, 100000], counts: [1e10] };
      }),
      cocoArgs(w, '--task', 'instance-segmentation', '--no-image-details')
    ),
    exit: 1,
    code: 'MASK_TOO_LARGE',
    message: /^<ws>\/in\/coco\/annotations\.json: annotations\[0\]\.segmentation\.size: expected an RLE mask of at most 67,108,864 pixels to trace, got 100000 × 100000$/,
  },

  // --- csv ---
  {
    name: 'csv: empty file',
    setup: (w) => (w.write('csv/labels.csv', ''), csvArgs(w)),
    exit: 1,
    code: 'EMPTY_DATASET',
    message: /^<ws>\/in\/csv\/labels\.csv: the CSV is empty: expected a header row and one row per image$/,
  },
  {
    name: 'csv: binary garbage',
    setup: (w) => (w.write('csv/labels.csv', GARBAGE), csvArgs(w)),
    exit: 1,
    code: 'CSV_PARSE',
    message: /^<ws>\/in\/csv\/labels\.csv:1: malformed CSV: a quote is found on field 0, value is ".*/,
  },
  {
    name: 'csv: path traversal in a row',
    setup: (w) => (w.edit('csv/labels.csv', (t) => t.replace('01.jpg', '../../../etc/passwd')), csvArgs(w)),
    exit: 1,
    code: 'PATH_OUTSIDE_ROOT',
    message: /^<ws>\/in\/csv\/labels\.csv:2: expected a file inside the images folder <ws>\/in\/csv\/images, got "\.\.\/\.\.\/\.\.\/etc\/passwd"$/,
  },
  {
    name: 'csv: absolute path in a row',
    setup: (w) => (w.edit('csv/labels.csv', (t) => t.replace('02.jpg', '/etc/passwd')), csvArgs(w)),
    exit: 1,
    code: 'PATH_OUTSIDE_ROOT',
    message: /^<ws>\/in\/csv\/labels\.csv:3: expected a file inside the images folder <ws>\/in\/csv\/images, got "\/etc\/passwd"$/,
  },
  {
    name: 'csv: image missing',
    setup: (w) => (w.edit('csv/labels.csv', (t) => t.replace('01.jpg', '404.jpg')), csvArgs(w)),
    exit: 1,
    code: 'IMAGE_NOT_FOUND',
    message: /^<ws>\/in\/csv\/labels\.csv:2: expected an image file at <ws>\/in\/csv\/images\/404\.jpg, got no such file$/,
  },
  {
    name: 'csv: unclosed quote',
    setup: (w) => (w.edit('csv/labels.csv', (t) => t.replace('01.jpg', '"01.jpg')), csvArgs(w)),
    exit: 1,
    code: 'CSV_PARSE',
    message: /^<ws>\/in\/csv\/labels\.csv:2: unterminated quote: expected a closing " before the end of the file, got none \(nothing after this line can be read\)$/,
  },
  {
    name: 'csv: CRLF with a traversal',
    setup: (w) => (w.write('csv/labels.csv', 'filename,labels\r\n01.jpg,circle\r\n..\\..\\x.jpg,ring\r\n'), csvArgs(w)),
    exit: 1,
    code: 'PATH_OUTSIDE_ROOT',
    message: /^<ws>\/in\/csv\/labels\.csv:3: expected a file inside the images folder <ws>\/in\/csv\/images, got "\.\.\\+\.\.\\+x\.jpg"$/,
  },
  {
    name: 'csv: BOM, then a missing image',
    setup: (w) => (w.write('csv/labels.csv', '\ufefffilename,labels\n01.jpg,circle\nnope.jpg,ring\n'), csvArgs(w)),
    exit: 1,
    code: 'IMAGE_NOT_FOUND',
    message: /^<ws>\/in\/csv\/labels\.csv:3: expected an image file at <ws>\/in\/csv\/images\/nope\.jpg, got no such file$/,
  },
  {
    name: 'csv: a row with an image that is a folder',
    setup: (w) => (w.folderInstead('csv/images/01.jpg'), csvArgs(w)),
    exit: 1,
    code: 'IMAGE_UNREADABLE',
    message: /^<ws>\/in\/csv\/labels\.csv:2: <ws>\/in\/csv\/images\/01\.jpg: cannot read image: EISDIR: illegal operation on a directory, read$/,
  },
  {
    name: 'csv: the CSV is a folder',
    setup: (w) => (w.folderInstead('csv/labels.csv'), csvArgs(w)),
    exit: 1,
    code: 'INPUT_LAYOUT',
    message: /^<ws>\/in\/csv\/labels\.csv: expected a CSV file, or a folder with labels\.csv, got a folder without labels\.csv$/,
  },
  {
    name: 'csv: duplicate row',
    setup: (w) => (w.edit('csv/labels.csv', (t) => t + '01.jpg,ring\n'), csvArgs(w)),
    exit: 1,
    code: 'CSV_DUPLICATE_ROW',
    message: /^<ws>\/in\/csv\/labels\.csv:10: expected each image once, got "01\.jpg" again \(first on line 2\); this row is left out$/,
  },

  // --- folder ---
  {
    name: 'folder: an image is binary garbage',
    setup: (w) => (w.write('folder/circle/1.png', GARBAGE), folderArgs(w)),
    exit: 1,
    code: 'IMAGE_UNREADABLE',
    message: /^<ws>\/in\/folder\/circle\/1\.png: not an image: unrecognised file header$/,
  },
  {
    name: 'folder: an empty image',
    setup: (w) => (w.write('folder/circle/1.png', ''), folderArgs(w)),
    exit: 1,
    code: 'IMAGE_UNREADABLE',
    message: /^<ws>\/in\/folder\/circle\/1\.png: not an image: the file is empty$/,
  },
  {
    name: 'folder: the input is missing',
    setup: (w) => ['convert', 'folder', w.in('missing'), '-o', w.out],
    exit: 1,
    code: 'INPUT_NOT_FOUND',
    message: /^<ws>\/in\/missing: expected a dataset here, got nothing \(it does not exist or cannot be read\)$/,
  },
  {
    name: 'folder: no class folders',
    setup: (w) => (mkdirSync(w.in('empty')), ['convert', 'folder', w.in('empty'), '-o', w.out]),
    exit: 1,
    code: 'EMPTY_DATASET',
    message: /^<ws>\/in\/empty: nothing to convert: no image was read \(or every one was left out\)$/,
  },

  // --- output locations ---
  {
    name: 'output: the output folder is a file',
    setup: (w) => (writeFileSync(w.out, 'x'), vocArgs(w)),
    exit: 1,
    code: 'OUTPUT_WRITE',
    message: /^<ws>\/out: cannot write the output: EEXIST: file already exists, mkdir '<ws>\/out'$/,
  },
  {
    name: 'output: exists without --force',
    setup: (w) => (mkdirSync(w.out), writeFileSync(join(w.out, 'train_annotations.jsonl'), 'old\n'), vocArgs(w)),
    exit: 1,
    code: 'OUTPUT_EXISTS',
    message: /^<ws>\/out\/train_annotations\.jsonl: the output exists; use --force to overwrite it$/,
  },
  {
    name: 'output: train file is a folder, even with --force',
    setup: (w) => (mkdirSync(join(w.out, 'train_annotations.jsonl'), { recursive: true }), vocArgs(w, '--force')),
    exit: 1,
    code: 'OUTPUT_WRITE',
    message: /^<ws>\/out\/train_annotations\.jsonl: cannot write the output: a folder or special file is in the way$/,
  },
  {
    name: 'output: under a file',
    setup: (w) => (writeFileSync(w.out, 'x'), ['convert', 'voc', w.in('voc'), '-o', join(w.out, 'sub')]),
    exit: 1,
    code: 'OUTPUT_WRITE',
    message: /^<ws>\/out\/sub: cannot write the output: ENOTDIR: not a directory, mkdir '<ws>\/out\/sub'$/,
  },

  // --- validate, split, stats ---
  {
    name: 'validate: binary garbage',
    setup: (w) => ['validate', w.write('a.jsonl', GARBAGE)],
    exit: 1,
    code: 'JSON_MALFORMED',
    // Lines end at \n only (a lone \r inside the garbage does not end one).
    message: /^<ws>\/in\/a\.jsonl:3: expected a JSON object, got malformed JSON \(Unexpected token '.*/,
  },
  {
    name: 'validate: truncated JSON line',
    setup: (w) => ['validate', w.jsonl('a.jsonl', [JSON.stringify(box).slice(0, 30)])],
    exit: 1,
    code: 'JSON_MALFORMED',
    message: /^<ws>\/in\/a\.jsonl:1: expected a JSON object, got malformed JSON \(Unexpected end of JSON input\): the data load fails$/,
  },
  {
    name: 'validate: NaN coordinate',
    setup: (w) => ['validate', w.jsonl('a.jsonl', [JSON.stringify(box).replace('0.1', 'NaN')])],
    exit: 1,
    code: 'JSON_MALFORMED',
    message: /^<ws>\/in\/a\.jsonl:1: expected a JSON object, got malformed JSON \(Unexpected token 'N', \.\.\."t","topX":NaN,"topY""\.\.\. is not valid JSON\): the data load fails$/,
  },
  {
    name: 'validate: huge coordinate',
    setup: (w) => ['validate', w.jsonl('a.jsonl', [JSON.stringify(box).replace('0.5', '1e400')])],
    exit: 1,
    code: 'BOX_OUT_OF_RANGE',
    message: /^<ws>\/in\/a\.jsonl:1: label\[0\]\.bottomX: expected a number in \[0, 1\], got Infinity: the object is dropped$/,
  },
  {
    name: 'validate: the file is a folder',
    setup: (w) => (mkdirSync(w.in('a.jsonl')), ['validate', w.in('a.jsonl')]),
    exit: 1,
    code: 'FILE_UNREADABLE',
    message: /^<ws>\/in\/a\.jsonl: expected a JSONL file, got a folder$/,
  },
  {
    name: 'validate: a missing file',
    setup: (w) => ['validate', w.in('none.jsonl')],
    exit: 1,
    code: 'FILE_UNREADABLE',
    message: /^<ws>\/in\/none\.jsonl: expected a JSONL file, got nothing \(no such file\)$/,
  },
  {
    name: 'split: duplicate image_url',
    setup: (w) => ['split', w.jsonl('a.jsonl', [box, box]), '-o', w.out],
    exit: 1,
    code: 'DUPLICATE_IMAGE',
    message: /^<ws>\/in\/a\.jsonl:2: image "a\.jpg" appears more than once; the later one is left out$/,
  },
  {
    name: 'split: binary garbage',
    setup: (w) => ['split', w.write('a.jsonl', GARBAGE), '-o', w.out],
    exit: 1,
    code: 'JSON_PARSE',
    message: /^<ws>\/in\/a\.jsonl:1: expected a JSON object, got malformed JSON \(Unexpected token '.*/,
  },
  {
    name: 'split: output exists without --force',
    setup: (w) => (mkdirSync(w.out), writeFileSync(join(w.out, 'validation_annotations.jsonl'), ''), ['split', w.jsonl('a.jsonl', [box]), '-o', w.out]),
    exit: 1,
    code: 'OUTPUT_EXISTS',
    message: /^<ws>\/out\/validation_annotations\.jsonl: the output exists; use --force to overwrite it$/,
  },
  {
    name: 'split: input is a folder',
    setup: (w) => (mkdirSync(w.in('a.jsonl')), ['split', w.in('a.jsonl'), '-o', w.out]),
    exit: 1,
    code: 'INPUT_LAYOUT',
    message: /^<ws>\/in\/a\.jsonl: expected a JSONL file, got a folder$/,
  },
  {
    name: 'stats: a missing file',
    setup: (w) => ['stats', w.in('none.jsonl')],
    exit: 1,
    code: 'INPUT_NOT_FOUND',
    message: /^<ws>\/in\/none\.jsonl: expected a JSONL file, got nothing \(no such file\)$/,
  },

  // --- usage errors ---
  { name: 'usage: unknown converter', setup: () => ['convert', 'yaml', 'x'], exit: 2, code: 'USAGE', message: /^unknown command 'yaml'$/ },
  { name: 'usage: unknown command', setup: () => ['frobnicate'], exit: 2, code: 'USAGE', message: /^unknown command 'frobnicate'$/ },
  { name: 'usage: convert without -o', setup: (w) => ['convert', 'voc', w.in('voc')], exit: 2, code: 'USAGE', message: /^an output is required: -o <dir>, or -o - for stdout, or --dry-run$/ },
  {
    name: 'usage: validation ratio NaN',
    setup: (w) => vocArgs(w, '--validation-ratio', 'NaN'),
    exit: 2,
    code: 'USAGE',
    message: /^option '--validation-ratio <r>' argument 'NaN' is invalid\. expected a number from 0 up to \(not including\) 1$/,
  },
  {
    name: 'usage: validation ratio above 1',
    setup: (w) => vocArgs(w, '--validation-ratio', '1.5'),
    exit: 2,
    code: 'USAGE',
    message: /^option '--validation-ratio <r>' argument '1\.5' is invalid\. expected a number from 0 up to \(not including\) 1$/,
  },
  { name: 'usage: negative --jobs', setup: (w) => maskArgs(w, '--jobs', '-1'), exit: 2, code: 'USAGE', message: /^option '--jobs <n>' argument '-1' is invalid\. expected an integer of 1 or more$/ },
  {
    name: 'usage: huge --precision',
    setup: (w) => vocArgs(w, '--precision', '1e400'),
    exit: 2,
    code: 'USAGE',
    message: /^option '--precision <digits>' argument '1e400' is invalid\. expected an integer from 0 to 15$/,
  },
  { name: 'usage: unknown option', setup: (w) => vocArgs(w, '--frobnicate'), exit: 2, code: 'USAGE', message: /^unknown option '--frobnicate'$/ },
  {
    name: 'usage: bad --on-error',
    setup: (w) => vocArgs(w, '--on-error', 'ignore'),
    exit: 2,
    code: 'USAGE',
    message: /^option '--on-error <mode>' argument 'ignore' is invalid\. Allowed choices are fail, skip\.$/,
  },
  {
    name: 'usage: coco --task unknown',
    setup: (w) => cocoArgs(w, '--task', 'classification'),
    exit: 2,
    code: 'USAGE',
    message: /^option '--task <task>' argument 'classification' is invalid\. Allowed choices are object-detection, instance-segmentation\.$/,
  },
  { name: 'usage: split without a file', setup: () => ['split'], exit: 2, code: 'USAGE', message: /^missing required argument 'file\.jsonl'$/ },
];

/** The first mask's bytes with its header saying 20000×20000 (CRC fixed): refused before decoding. */
function bigHeader(png: Buffer): Buffer {
  const out = Buffer.from(png);
  out.writeUInt32BE(20000, 16);
  out.writeUInt32BE(20000, 20);
  out.writeUInt32BE(crc32Of(out.subarray(12, 29)), 29);
  return out;
}

function crc32Of(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & -(c & 1));
  }
  return ~c >>> 0;
}
