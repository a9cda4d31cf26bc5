/**
 * Our strict XML parser (src/xml.ts, as voc-detection reads an annotation) against fast-xml-parser, the
 * well-kept library it replaced, on the same annotation files held in memory, so only parsing is timed.
 *
 *   A  ours: `parseVocAnnotationBytes(buf, file)` — decode, parse, read filename/size/objects
 *   B  fast-xml-parser configured as a converter would need it ({@link readWithFastXmlParser}): DOCTYPE/ENTITY
 *      refused, `XMLValidator.validate`, `XMLParser.parse`, the same reading of filename/size/objects
 *   C  `XMLParser.parse` alone (no validation, no reading): the library's floor
 *
 * Rounds run A B C A B C ... in one process after a warm-up pass of each; prints the medians per file and
 * the ratios, and checks first that A and B read every file the same (and every real VOC XML under
 * ../shared/realdata when it is there).
 *
 *   node dist/bench/voc/xml.js [bench/data/voc-20k] [--rounds 7]
 *
 * The data set is made with bench/voc/gen.ts when absent. The fast-xml-parser reader is exported for the
 * differential test (test/voc-xml-differential.test.ts).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { isDeepStrictEqual } from 'node:util';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ConversionError } from '../../src/errors.js';
import { parseVocAnnotation, parseVocAnnotationBytes, parseVocNumber, type VocAnnotation, type VocBox, type VocSize } from '../../src/voc/annotation.js';
import { SHARED } from '../paths.js';

/** What a reader makes of one annotation: the fields the converters use, errors as `code path`. */
export interface Reading {
  filename?: string;
  size?: VocSize;
  objects: ReadObject[];
}

export interface ReadObject {
  name: string;
  difficult: 0 | 1;
  bndbox?: VocBox;
  /** `code path` of the object's error (no/empty name, bad difficult). */
  error?: string;
  /** `code path` of its box error. */
  bndboxError?: string;
}

/** A reading, or the `code path` of the error that refused the whole file. */
export type Outcome = { reading: Reading } | { refused: string };

const where = (e: ConversionError): string => (e.path === undefined ? e.code : `${e.code} ${e.path}`);

/** Our reading of annotation text (src/voc/annotation.ts). */
export function readWithOurs(text: string, file: string): Outcome {
  try {
    return { reading: readingOf(parseVocAnnotation(text, file)) };
  } catch (e) {
    if (e instanceof ConversionError) return { refused: where(e) };
    throw e;
  }
}

/** A {@link VocAnnotation} as a {@link Reading}. */
export function readingOf(ann: VocAnnotation): Reading {
  const r: Reading = { objects: [] };
  if (ann.filename !== undefined) r.filename = ann.filename;
  if (ann.size !== undefined) r.size = ann.size;
  for (const o of ann.objects) {
    const x: ReadObject = { name: o.name, difficult: o.difficult };
    if (o.bndbox !== undefined) x.bndbox = o.bndbox;
    if (o.error !== undefined) x.error = where(o.error);
    if (o.bndboxError !== undefined) x.bndboxError = where(o.bndboxError);
    r.objects.push(x);
  }
  return r;
}

// ---------------------------------------------------------------------------------------------
// fast-xml-parser, configured as a converter would need it

/**
 * The parser: attributes, declaration, processing instructions and comments dropped; values kept as text
 * (no number guessing), untrimmed so text split by comments/CDATA joins as XML says, then trimmed by the
 * reader; `<object>` always a list. Entities: the library decodes numeric character references only with
 * `htmlEntities` on (which also decodes HTML names such as `&nbsp;`); entity declarations are limited to
 * the minimum, though a DOCTYPE never reaches the parser (see {@link readWithFastXmlParser}).
 */
const parser = new XMLParser({
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  htmlEntities: true,
  processEntities: { enabled: true, maxEntityCount: 1, maxEntitySize: 1, maxExpansionDepth: 1 },
  isArray: (_name: string, jpath: unknown) => jpath === 'annotation.object',
});

/** The same parser with its defaults (C: the library's own floor). */
const plainParser = new XMLParser();

type Tree = string | { [name: string]: Tree | Tree[] };
type Node = { [name: string]: Tree | Tree[] };

class Refused extends Error {
  constructor(
    readonly code: string,
    readonly path: string,
  ) {
    super(`${code} ${path}`);
  }
}

/** An element's node: an element with no child elements (`''` or text) has no children. */
const nodeOf = (v: Tree): Node => (typeof v === 'string' ? {} : v);
const childPath = (parent: string, name: string): string => (parent ? `${parent}/${name}` : name);

function one(node: Node, name: string, parent: string): Tree | undefined {
  const v = node[name];
  if (Array.isArray(v)) throw new Refused('XML_BAD_VALUE', childPath(parent, name));
  return v;
}

/** Trimmed text of child `name`; undefined when absent; refused when it has child elements. */
function text(node: Node, name: string, parent: string): string | undefined {
  const v = one(node, name, parent);
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v.trim();
  if (Object.keys(v).some((k) => k !== '#text')) throw new Refused('XML_BAD_VALUE', childPath(parent, name));
  return String(v['#text'] ?? '').trim();
}

const hasChildElements = (v: Tree): v is Node => typeof v !== 'string' && Object.keys(v).some((k) => k !== '#text');

function sizeField(node: Node, name: string): number | undefined {
  const t = text(node, name, 'size');
  if (t === undefined || t === '') return undefined;
  const n = parseVocNumber(t);
  if (n === undefined || !Number.isFinite(n) || n < 0 || !Number.isInteger(n)) throw new Refused('XML_BAD_VALUE', `size/${name}`);
  return n === 0 ? undefined : n;
}

function coordinate(box: Node, name: string, p: string): number {
  const t = text(box, name, p);
  if (t === undefined) throw new Refused('XML_MISSING', `${p}/${name}`);
  const n = parseVocNumber(t);
  if (n === undefined || !Number.isFinite(n)) throw new Refused('XML_BAD_VALUE', `${p}/${name}`);
  return n;
}

function readObject(raw: Tree, index: number): ReadObject {
  const path = `object[${index}]`;
  const node = nodeOf(raw);
  const obj: ReadObject = { name: '', difficult: 0 };
  try {
    const name = text(node, 'name', path);
    if (name === undefined || name === '') throw new Refused('XML_MISSING', `${path}/name`);
    obj.name = name;
    const d = text(node, 'difficult', path)?.toLowerCase();
    if (d === undefined || d === '' || d === '0' || d === 'false') obj.difficult = 0;
    else if (d === '1' || d === 'true') obj.difficult = 1;
    else {
      const n = parseVocNumber(d);
      if (n !== 0 && n !== 1) throw new Refused('XML_BAD_VALUE', `${path}/difficult`);
      obj.difficult = n;
    }
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    obj.error = e.message;
    obj.name = '';
    obj.difficult = 0;
  }
  try {
    const p = `${path}/bndbox`;
    const box = one(node, 'bndbox', path);
    if (box === undefined) throw new Refused('XML_MISSING', p);
    if (!hasChildElements(box)) throw new Refused('XML_BAD_VALUE', p);
    obj.bndbox = { xmin: coordinate(box, 'xmin', p), ymin: coordinate(box, 'ymin', p), xmax: coordinate(box, 'xmax', p), ymax: coordinate(box, 'ymax', p) };
  } catch (e) {
    if (!(e instanceof Refused)) throw e;
    obj.bndboxError = e.message;
  }
  return obj;
}

/** A DOCTYPE or ENTITY declaration anywhere (the parser would read a DOCTYPE even inside the root). */
const DECLARATION = /<!(?:DOCTYPE|ENTITY)/i;

/**
 * fast-xml-parser as a converter would have to use it: refuse DOCTYPE/ENTITY declarations first (the
 * validator accepts them, and the parser would expand declared entities), then `XMLValidator.validate`
 * (the parser itself accepts malformed XML), then parse, then read filename/size/objects with the same
 * rules as src/xml.ts and src/voc/annotation.ts.
 */
export function readWithFastXmlParser(text: string): Outcome {
  if (DECLARATION.test(text)) return { refused: 'XML_PARSE' };
  if (XMLValidator.validate(text) !== true) return { refused: 'XML_PARSE' };
  const tree = parser.parse(text) as Node;
  const roots = Object.keys(tree).filter((k) => k !== '#text');
  if (roots.length !== 1 || roots[0] !== 'annotation') return { refused: 'XML_PARSE' };
  const root = nodeOf(tree['annotation'] as Tree);
  try {
    const r: Reading = { objects: [] };
    const filename = textOf(root, 'filename');
    if (filename !== undefined && filename !== '') r.filename = filename;
    const size = one(root, 'size', '');
    if (size !== undefined) {
      if (!hasChildElements(size)) {
        if ((typeof size === 'string' ? size : String(size['#text'] ?? '')).trim() !== '') throw new Refused('XML_BAD_VALUE', 'size');
      } else {
        const width = sizeField(size, 'width');
        const height = sizeField(size, 'height');
        const depth = sizeField(size, 'depth');
        if (width !== undefined && height !== undefined) r.size = depth === undefined ? { width, height } : { width, height, depth };
      }
    }
    const objects = (root['object'] ?? []) as Tree[];
    objects.forEach((o, i) => r.objects.push(readObject(o, i + 1)));
    return { reading: r };
  } catch (e) {
    if (e instanceof Refused) return { refused: e.message };
    throw e;
  }
}

const textOf = (node: Node, name: string): string | undefined => text(node, name, '');

// ---------------------------------------------------------------------------------------------
// The benchmark

/** Text of an XML file as the benchmark hands it to fast-xml-parser: UTF-8, BOM dropped. */
const utf8 = (buf: Buffer): string => buf.toString('utf8', buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0);

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Every `*.xml` under `dir` (recursively), sorted. */
function xmlFilesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = join(dir, e.name);
    if (e.isDirectory()) out.push(...xmlFilesUnder(abs));
    else if (e.isFile() && e.name.toLowerCase().endsWith('.xml')) out.push(abs);
  }
  return out.sort();
}

/** Compares the two readers on files; returns how many differ (each printed). */
function compareReaders(files: { file: string; buf: Buffer }[], print: boolean): number {
  let differ = 0;
  for (const { file, buf } of files) {
    const text = utf8(buf);
    const a = readWithOurs(text, file);
    const b = readWithFastXmlParser(text);
    const same = isDeepStrictEqual(a, b);
    if (!same) differ++;
    if (print || !same) {
      const what = 'reading' in a ? `${a.reading.objects.length} objects, size ${a.reading.size ? `${a.reading.size.width}x${a.reading.size.height}` : 'none'}` : `refused ${a.refused}`;
      process.stdout.write(`  ${same ? 'same' : 'DIFFERENT'}  ${file}  (${what})\n`);
      if (!same) process.stdout.write(`    ours: ${JSON.stringify(a)}\n    fast-xml-parser: ${JSON.stringify(b)}\n`);
    }
  }
  return differ;
}

function main(): void {
  const args = process.argv.slice(2);
  const data = args[0] && !args[0].startsWith('--') ? args[0] : 'bench/data/voc-20k';
  const rounds = args.includes('--rounds') ? Number(args[args.indexOf('--rounds') + 1]) : 7;
  const here = dirname(fileURLToPath(import.meta.url));
  if (!existsSync(join(data, 'annotations'))) {
    process.stdout.write(`generating ${data} with gen.js\n`);
    const r = spawnSync(process.execPath, [join(here, 'gen.js'), data], { stdio: 'inherit' });
    if (r.status !== 0) throw new Error('gen.js failed');
  }

  const real = join(SHARED, 'realdata');
  if (existsSync(real)) {
    const files = xmlFilesUnder(real).map((abs) => ({ file: relative(real, abs), buf: readFileSync(abs) }));
    process.stdout.write(`real VOC XMLs under ${real}: ${files.length}\n`);
    const differ = compareReaders(files, true);
    process.stdout.write(`  ${files.length - differ} of ${files.length} read the same\n\n`);
  }

  // Read every file first: only parsing is timed.
  const paths = annotationFiles(join(data, 'annotations'));
  const files = paths.map((abs) => ({ file: relative(data, abs), buf: readFileSync(abs) }));
  const bytes = files.reduce((n, f) => n + f.buf.length, 0);
  const differ = compareReaders(files, false);
  process.stdout.write(`${data}: ${files.length} XMLs, ${(bytes / files.length).toFixed(0)} bytes each on average; the two readers read ${files.length - differ} of them the same\n`);

  let sink = 0;
  const candidates: { name: string; run: () => void }[] = [
    {
      name: 'A ours: parseVocAnnotationBytes (src/voc/annotation.ts)',
      run: () => {
        for (const f of files) {
          // as voc-detection's synchronous reader does after its read: decode, parse, read
          sink += parseVocAnnotationBytes(f.buf, f.file).objects.length;
        }
      },
    },
    {
      name: 'B fast-xml-parser: declaration check + XMLValidator + XMLParser + reading',
      run: () => {
        for (const f of files) {
          const r = readWithFastXmlParser(utf8(f.buf));
          sink += 'reading' in r ? r.reading.objects.length : 0;
        }
      },
    },
    {
      name: 'C fast-xml-parser: XMLParser.parse alone (defaults)',
      run: () => {
        for (const f of files) sink += Object.keys(plainParser.parse(utf8(f.buf)) as object).length;
      },
    },
  ];
  for (const c of candidates) c.run(); // warm-up
  const samples = candidates.map(() => [] as number[]);
  const loadBefore = loadavg()[0]!;
  for (let r = 0; r < rounds; r++) {
    candidates.forEach((c, i) => {
      const t0 = process.hrtime.bigint();
      c.run();
      samples[i]!.push(Number(process.hrtime.bigint() - t0) / 1e3 / files.length);
    });
  }
  const loadAfter = loadavg()[0]!;
  const ours = median(samples[0]!);
  process.stdout.write(`\n${rounds} rounds (A B C in turn, after one warm-up pass each), Node ${process.version}, load average ${loadBefore.toFixed(1)} before, ${loadAfter.toFixed(1)} after\n\n`);
  process.stdout.write("| candidate | median µs per file | this / ours (medians) | median of the rounds' ratios | µs per file, each round |\n|---|---|---|---|---|\n");
  candidates.forEach((c, i) => {
    const m = median(samples[i]!);
    const ratios = samples[i]!.map((x, r) => x / samples[0]![r]!);
    process.stdout.write(`| ${c.name} | ${m.toFixed(2)} | ${(m / ours).toFixed(1)}x | ${median(ratios).toFixed(1)}x | ${samples[i]!.map((x) => x.toFixed(1)).join(' ')} |\n`);
  });
  process.stdout.write(`\n(checksum ${sink})\n`);
}

/** The `*.xml` files directly in `dir` (hidden ones left out), sorted, as listAnnotationFiles gives them. */
function annotationFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.toLowerCase().endsWith('.xml') && !n.startsWith('.') && statSync(join(dir, n)).isFile())
    .sort()
    .map((n) => join(dir, n));
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
if (isMain) main();
