/**
 * yolo-to-jsonl (alias `yolo`): Ultralytics / Darknet YOLO → object detection or instance segmentation.
 *
 * @example
 *   data.yaml (names: [cat, dog]) + images/train/1.jpg + labels/train/1.txt ("1 0.5 0.5 0.2 0.4")  →
 *   {"image_url":"images/train/1.jpg","image_details":{"format":"jpg","width":640,"height":480},
 *    "label":[{"label":"dog","topX":0.4,"topY":0.3,"bottomX":0.6,"bottomY":0.7,"isCrowd":0}]}
 *
 * Layouts (the argument is the folder or its config file):
 * - Ultralytics `data.yaml` (also `data.yml`, `dataset.yaml`): `path` (the dataset root when that folder
 *   exists, else the YAML's folder), `train`/`val`/`test` as a folder, a list file of image paths, or a
 *   list of those (a `../x` that does not exist is read as `x`, as Ultralytics does for Roboflow exports);
 *   `names` as a list or an index → name mapping.
 * - Darknet `obj.data` (`names`, `train`, `valid`: paths relative to its folder; a leading `data/` that does
 *   not exist is dropped, as CVAT exports write them) with `obj.names` and `train.txt` list files.
 * - A folder without either: every image below it (sorted walk); names from `classes.txt`, `obj.names` or
 *   another `*.names` at the top (none: the class numbers are the labels, with a warning); an image's split
 *   is the first folder of its path named train/training, val/valid/validation or test/testing.
 * An image's label file is its path with the last `images` (or `JPEGImages`) folder replaced by `labels`
 * (or `annotations`) and the extension by `.txt`, else the `.txt` beside it; none, or an empty one, is a
 * background image. Lines are `class cx cy w h` or `class x1 y1 x2 y2 x3 y3 ...`, normalised; a value
 * outside [0, 1] by at most 1e-6 is clamped (counted as `clampedValues`), further is a bad object, as is a
 * wrong count of numbers, a non-number and a class `names` lacks. A `.txt` in a label folder with no image
 * of its stem is a bad item (ANNOTATION_WITHOUT_IMAGE).
 * `--keep-splits`: train stays train, val becomes validation, test is left out (one warning); images of no
 * split are split by the hash. Without it every image (test included) goes through the usual split.
 */
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, resolve, sep } from 'node:path';
import type { Document, LineCounter } from 'yaml';
import { ConversionError, type Location } from '../src/errors.js';
import { isImageName, readImageDetails } from '../src/images.js';
import { HeaderReader } from '../src/kit/headers.js';
import { parseSimpleYaml } from '../src/kit/simple-yaml.js';
import { defineConverter } from '../src/kit/define.js';
import YOLO, { OPTIONS } from './declarations/yolo-to-jsonl.js';
import type { OptionValues } from '../src/options.js';
import { listFolder, relativeKey } from '../src/paths.js';
import type { BoxLabel, ConverterContext, ImageDetails, ImageRecord, PolygonLabel } from '../src/types.js';

/** A split as the dataset names it. */
type OriginSplit = 'train' | 'val' | 'test';

/** Where images come from: a folder walked for images, or a list file of image paths. */
interface Source {
  kind: 'folder' | 'list';
  abs: string;
  /** The split it belongs to; undefined: decided per image from its path (bare folder layout). */
  split: OriginSplit | undefined;
}

/** A dataset as its config (or its folder) describes it. */
interface Layout {
  kind: 'ultralytics' | 'darknet' | 'folder';
  /** The dataset root: `image_url` is relative to it. */
  root: string;
  /** Class index → name; undefined when the dataset has no names (labels are then the numbers). */
  names: Map<number, string> | undefined;
  /** Where the names came from, for messages (`data.yaml`, `obj.names`). */
  namesFile: string | undefined;
  sources: Source[];
  /** A list entry → its file (Ultralytics and Darknet resolve list entries differently). */
  resolveListed: (entry: string, listFile: string) => string;
  /** Config, names and list files: never label files. */
  configFiles: Set<string>;
}

/** Values this far outside [0, 1] are rounding: clamped and counted. */
const ROUNDING = 1e-6;
/**
 * A decimal number as YOLO files write them: what `Number` reads, less its hex/octal/binary forms
 * (`0x1`) and `Infinity` (left to the finiteness check).
 */
function decimal(t: string): number {
  const v = +t;
  if (v !== v) return NaN;
  const c1 = t.charCodeAt(1) | 0x20; // lower case
  if (t.charCodeAt(0) === 48 && (c1 === 120 || c1 === 111 || c1 === 98)) return NaN;
  return v;
}
const SPLIT_OF_FOLDER: ReadonlyMap<string, OriginSplit> = new Map([
  ['train', 'train'],
  ['training', 'train'],
  ['val', 'val'],
  ['valid', 'val'],
  ['validation', 'val'],
  ['test', 'test'],
  ['testing', 'test'],
]);
/** Folder names of images and the label folders beside them (tried in this order). */
const IMAGE_FOLDERS = new Set(['images', 'jpegimages']);
const LABEL_FOLDERS = ['labels', 'Labels', 'annotations', 'Annotations'];
/** `.txt` files that are never label files in a folder layout. */
const NOT_LABELS = /^(classes|train|val|valid|test|readme.*|license.*|notes)\.txt$/i;
const YAML_NAMES = ['data.yaml', 'data.yml', 'dataset.yaml', 'dataset.yml'];

const configError = (message: string, loc: Location) => new ConversionError('YOLO_CONFIG', message, loc);

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

/** Lines of a names file (`obj.names`, `classes.txt`): one name a line, trailing blank lines dropped. */
function readNamesFile(abs: string): Map<number, string> {
  const lines = readFileSync(abs, 'utf8')
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .map((l) => l.trim());
  while (lines.length > 0 && lines.at(-1) === '') lines.pop();
  return new Map(lines.map((name, i) => [i, name]));
}

// ---------------------------------------------------------------- layouts

async function findLayout(ctx: ConverterContext): Promise<Layout> {
  const input = ctx.input;
  const s = await stat(input);
  if (s.isFile()) {
    const ext = extname(input).toLowerCase();
    if (ext === '.yaml' || ext === '.yml') return ultralyticsLayout(ctx, input);
    if (ext === '.data') return darknetLayout(ctx, input);
    throw new ConversionError('INPUT_LAYOUT', 'expected a dataset folder, a data.yaml or an obj.data, got another file', { file: ctx.display(input) });
  }
  for (const name of YAML_NAMES) if (existsSync(join(input, name))) return ultralyticsLayout(ctx, join(input, name));
  if (existsSync(join(input, 'obj.data'))) return darknetLayout(ctx, join(input, 'obj.data'));
  return folderLayout(ctx, input);
}

/** Line of a top-level key of a YAML document (1-based), for messages. */
function yamlLine(yaml: typeof import('yaml'), doc: Document, lines: LineCounter, key: string): number | undefined {
  const { isMap, isScalar } = yaml;
  const contents = doc.contents;
  if (!isMap(contents)) return undefined;
  const pair = contents.items.find((p) => isScalar(p.key) && p.key.value === key);
  const at = pair && isScalar(pair.key) ? pair.key.range?.[0] : undefined;
  return at === undefined ? undefined : lines.linePos(at).line;
}

/**
 * A config the simple reader (src/kit/simple-yaml.ts, most configs) leaves to the `yaml` package:
 * its value, and the line of a top-level key.
 * @throws ConversionError YOLO_CONFIG for a YAML error
 */
async function readYaml(text: string, file: string): Promise<{ data: unknown; lineOf: (key: string) => number | undefined }> {
  // Loaded only for such a config (it is ~70 ms, most of the start-up of a run).
  const yaml = await import('yaml');
  const lines = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, { lineCounter: lines, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw configError(`expected YAML, got an error: ${e.message.split('\n')[0]}`, { file, line: e.linePos?.[0].line });
  }
  return { data: doc.toJS(), lineOf: (key) => yamlLine(yaml, doc, lines, key) };
}

async function ultralyticsLayout(ctx: ConverterContext, yamlFile: string): Promise<Layout> {
  const file = ctx.display(yamlFile);
  const text = (await readFile(yamlFile, 'utf8')).replace(/^\uFEFF/, '');
  const simple = parseSimpleYaml(text);
  const { data, lineOf } = simple ? { data: simple.data, lineOf: (key: string) => simple.keyLines.get(key) } : await readYaml(text, file);
  if (data === null || typeof data !== 'object' || Array.isArray(data)) throw configError('expected a mapping (train:, val:, names:), got another YAML value', { file });
  const d = data as Record<string, unknown>;
  const at = (key: string): Location => ({ file, line: lineOf(key), path: key });
  const yamlDir = dirname(yamlFile);
  let base = yamlDir;
  if (d.path !== undefined && d.path !== null && d.path !== '') {
    if (typeof d.path !== 'string') throw configError(`expected a folder path, got ${JSON.stringify(d.path)}`, at('path'));
    const p = resolve(yamlDir, d.path);
    if (isDir(p)) base = p;
    else ctx.warn('YOLO_CONFIG', `no folder ${ctx.display(p)}: train/val/test are read relative to ${file}'s folder`, at('path'));
  }
  const names = yamlNames(d.names, d.nc, at);
  if (d.train === undefined || d.train === null) throw configError('expected train: (a folder, a list file, or a list of those), got none', at('train'));
  const sources: Source[] = [];
  for (const key of ['train', 'val', 'test'] as const) {
    const value = d[key];
    if (value === undefined || value === null || value === '') continue;
    const entries = Array.isArray(value) ? value : [value];
    for (const entry of entries) {
      if (typeof entry !== 'string') throw configError(`expected a folder or a list file, got ${JSON.stringify(entry)}`, at(key));
      let abs = isAbsolute(entry) ? entry : resolve(base, entry);
      // Roboflow writes `../train/images` for a folder beside data.yaml; Ultralytics reads it as `train/images`.
      if (!existsSync(abs) && entry.startsWith('../')) abs = resolve(base, entry.slice(3));
      if (!existsSync(abs)) {
        ctx.warn('YOLO_CONFIG', `no folder or list file ${JSON.stringify(entry)} (looked for ${ctx.display(abs)}): its images are left out`, at(key));
        continue;
      }
      sources.push({ kind: isDir(abs) ? 'folder' : 'list', abs, split: key });
    }
  }
  return {
    kind: 'ultralytics',
    root: ctx.options.root ?? base,
    names,
    namesFile: file,
    sources,
    // `./x` is relative to the list file (Ultralytics); other relative paths to the dataset, else to the list file.
    resolveListed: (entry, listFile) => {
      if (isAbsolute(entry)) return entry;
      if (entry.startsWith('./')) return resolve(dirname(listFile), entry);
      const fromBase = resolve(base, entry);
      return existsSync(fromBase) ? fromBase : resolve(dirname(listFile), entry);
    },
    configFiles: new Set([yamlFile]),
  };
}

function yamlNames(value: unknown, nc: unknown, at: (key: string) => Location): Map<number, string> {
  const names = new Map<number, string>();
  if (Array.isArray(value)) value.forEach((n, i) => names.set(i, String(n)));
  else if (value !== null && typeof value === 'object') {
    for (const [k, n] of Object.entries(value)) {
      const index = Number(k);
      if (!/^\d+$/.test(k) || !Number.isSafeInteger(index)) throw configError(`expected class indices (0, 1, ...) as keys, got ${JSON.stringify(k)}`, at('names'));
      names.set(index, String(n));
    }
  } else throw configError('expected names: a list of class names or a mapping of index to name, got ' + (value === undefined ? 'none' : JSON.stringify(value)), at('names'));
  if (nc !== undefined && nc !== null && nc !== names.size) throw configError(`expected nc to be the number of names, ${names.size}, got ${JSON.stringify(nc)}`, at('nc'));
  return names;
}

async function darknetLayout(ctx: ConverterContext, dataFile: string): Promise<Layout> {
  const file = ctx.display(dataFile);
  const root = dirname(dataFile);
  const values = new Map<string, { value: string; line: number }>();
  (await readFile(dataFile, 'utf8')).split(/\r?\n/).forEach((text, i) => {
    const line = text.replace(/#.*/, '').trim();
    const eq = line.indexOf('=');
    if (eq > 0) values.set(line.slice(0, eq).trim(), { value: line.slice(eq + 1).trim(), line: i + 1 });
  });
  // Paths are relative to the folder Darknet runs in, where obj.data usually sits in data/: a leading
  // `data/` that does not exist beside obj.data is dropped (CVAT's export writes `data/obj_train_data/1.jpg`).
  const resolveDarknet = (p: string): string => {
    const abs = resolve(root, p);
    if (!existsSync(abs) && /^(\.\/)?data\//.test(p)) return resolve(root, p.replace(/^(\.\/)?data\//, ''));
    return abs;
  };
  const at = (key: string): Location => ({ file, line: values.get(key)?.line, path: key });
  const namesEntry = values.get('names');
  if (!namesEntry) throw configError('expected names = <file of class names>, got none', at('names'));
  const namesFile = resolveDarknet(namesEntry.value);
  if (!existsSync(namesFile)) throw configError(`expected the names file ${ctx.display(namesFile)}, got no such file`, at('names'));
  const names = readNamesFile(namesFile);
  const classes = values.get('classes');
  if (classes && Number(classes.value) !== names.size) throw configError(`expected classes to be the number of names in ${ctx.display(namesFile)}, ${names.size}, got ${classes.value}`, at('classes'));
  const sources: Source[] = [];
  const configFiles = new Set([dataFile, namesFile]);
  for (const [key, split] of [
    ['train', 'train'],
    ['valid', 'val'],
    ['test', 'test'],
  ] as const) {
    const entry = values.get(key);
    if (!entry || entry.value === '') continue;
    const abs = resolveDarknet(entry.value);
    if (!existsSync(abs)) {
      ctx.warn('YOLO_CONFIG', `no list file ${JSON.stringify(entry.value)} (looked for ${ctx.display(abs)}): its images are left out`, at(key));
      continue;
    }
    configFiles.add(abs);
    sources.push({ kind: isDir(abs) ? 'folder' : 'list', abs, split });
  }
  if (sources.length === 0) throw configError('expected train = <list file of images>, got none that exists', at('train'));
  return { kind: 'darknet', root: ctx.options.root ?? root, names, namesFile: ctx.display(namesFile), sources, resolveListed: (entry) => resolveDarknet(entry), configFiles };
}

async function folderLayout(ctx: ConverterContext, dir: string): Promise<Layout> {
  const top = await listFolder(dir);
  const namesName = ['classes.txt', 'obj.names'].find((n) => top.some((e) => e.kind === 'file' && e.name === n)) ?? top.find((e) => e.kind === 'file' && e.name.endsWith('.names'))?.name;
  let names: Map<number, string> | undefined;
  const configFiles = new Set<string>();
  if (namesName !== undefined) {
    names = readNamesFile(join(dir, namesName));
    configFiles.add(join(dir, namesName));
  } else {
    ctx.warn('YOLO_CONFIG', 'no classes.txt, obj.names or data.yaml: the labels are the class numbers', { file: ctx.display(dir) });
  }
  return {
    kind: 'folder',
    root: ctx.options.root ?? dir,
    names,
    namesFile: namesName,
    sources: [{ kind: 'folder', abs: dir, split: undefined }],
    resolveListed: (entry) => entry,
    configFiles,
  };
}

// ---------------------------------------------------------------- images

/** Every image below `dir`, in sorted order (hidden files and folders left out), a folder at a time. */
async function* walkImages(dir: string): AsyncGenerator<{ dir: string; names: string[] }> {
  const names: string[] = [];
  const dirs: string[] = [];
  for (const entry of await listFolder(dir)) {
    if (entry.kind === 'dir') dirs.push(entry.name);
    else if (entry.kind === 'file' && isImageName(entry.name)) names.push(entry.name);
  }
  // In sorted order: a folder's files and subfolders interleave by name; files first is also sorted
  // within each, and keys are sorted again by the writer.
  if (names.length > 0) yield { dir, names };
  for (const d of dirs) yield* walkImages(dir + sep + d);
}

/** The images a list file names, with their line. */
async function* listedImages(layout: Layout, listFile: string): AsyncGenerator<{ abs: string; line: number }> {
  const lines = (await readFile(listFile, 'utf8')).replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const entry = lines[i]!.trim();
    if (entry === '' || entry.startsWith('#')) continue;
    yield { abs: layout.resolveListed(entry, listFile), line: i + 1 };
  }
}

/** The split an image's path gives: the first folder named like one (bare folder layout). */
function splitOfPath(key: string): OriginSplit | undefined {
  const parts = key.split('/');
  for (let i = 0; i < parts.length - 1; i++) {
    const s = SPLIT_OF_FOLDER.get(parts[i]!.toLowerCase());
    if (s) return s;
  }
  return undefined;
}

/** What every image of one folder shares: its key prefix and where its label files may be. */
interface FolderInfo {
  dir: string;
  /** `key/` of the folder relative to the root (`''` at the root), undefined when outside it. */
  keyPrefix: string | undefined;
  /** Folders that may hold the images' label files, each with its trailing separator, in the order tried. */
  labelDirs: string[];
}

function folderInfo(root: string, dir: string): FolderInfo {
  const key = dir === root ? '' : relativeKey(root, dir);
  const parts = dir.split(sep);
  const labelDirs: string[] = [];
  for (let i = parts.length - 1; i >= 0; i--) {
    if (!IMAGE_FOLDERS.has(parts[i]!.toLowerCase())) continue;
    for (const folder of LABEL_FOLDERS) labelDirs.push([...parts.slice(0, i), folder, ...parts.slice(i + 1)].join(sep) + sep);
    break;
  }
  labelDirs.push(dir + sep);
  return { dir, keyPrefix: key === undefined ? undefined : key === '' ? '' : key + '/', labelDirs };
}

/** An image's label file name: its name with `.txt` for the extension. */
const labelName = (imageName: string) => imageName.slice(0, imageName.length - extname(imageName).length) + '.txt';

/** One buffer for every label file read (most are a few hundred bytes). */
const LABEL_BUFFER = Buffer.allocUnsafe(64 << 10);

/**
 * A label file's text: one open, one read into a reused buffer, one close (about half the time of
 * `readFileSync`, which also asks the file's size). Latin-1: YOLO lines are ASCII (anything else is a bad
 * value, reported as written). Throws the open's error (ENOENT for no file).
 */
function readSmallFile(abs: string): string {
  const fd = openSync(abs, 'r');
  try {
    const n = readSync(fd, LABEL_BUFFER, 0, LABEL_BUFFER.length, 0);
    if (n < LABEL_BUFFER.length) return LABEL_BUFFER.toString('latin1', 0, n);
  } finally {
    closeSync(fd);
  }
  return readFileSync(abs, 'latin1');
}

/**
 * Which names the label folders hold, each folder listed once (lower-cased: a case-insensitive file
 * system opens `A.TXT` as `a.txt`): a name a folder cannot hold is not opened, so an image without a
 * label file costs no failed opens (each an exception: about four times the read of a label file).
 * Names with other than ASCII letters are always opened (a file system may match them otherwise).
 */
class LabelFolders {
  /** Per folder: its names as they are, and lower-cased (made at the first name not found as it is). */
  private readonly folders = new Map<string, { exact: Set<string>; folded: Set<string> | undefined } | undefined>();

  /** Whether `dir` (with its trailing separator) may hold a file `name`. */
  mayHold(dir: string, name: string): boolean {
    let folder = this.folders.get(dir);
    if (folder === undefined && !this.folders.has(dir)) {
      try {
        folder = { exact: new Set(readdirSync(dir)), folded: undefined };
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // No folder holds nothing; a folder that cannot be listed is opened to see.
        folder = code === 'ENOENT' || code === 'ENOTDIR' ? { exact: new Set(), folded: new Set() } : undefined;
      }
      this.folders.set(dir, folder);
    }
    if (folder === undefined || folder.exact.has(name)) return true;
    folder.folded ??= new Set([...folder.exact].map((n) => n.toLowerCase()));
    return folder.folded.has(name.toLowerCase()) || !ASCII.test(name);
  }
}
const ASCII = /^[\x20-\x7e]*$/;

/** The label file's text and path, or undefined when the image has none. */
function readLabelFile(info: FolderInfo, name: string, folders: LabelFolders): { text: string; abs: string; dir: string; name: string } | undefined {
  for (const dir of info.labelDirs) {
    if (!folders.mayHold(dir, name)) continue;
    const abs = dir + name;
    try {
      return { text: readSmallFile(abs), abs, dir, name };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOENT' && code !== 'ENOTDIR' && code !== 'EISDIR') throw e;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- lines

type Task = 'object-detection' | 'instance-segmentation';

interface Parsed {
  objects: (BoxLabel | PolygonLabel)[];
  problems: ConversionError[];
  clampedValues: number;
  clampedBoxes: number;
}

const clamp01 = (v: number) => (v < 0 ? 0 : v > 1 ? 1 : v);

/**
 * One label file's lines → objects (in line order) and the bad lines. `file` makes the display path of
 * the label file (called only when a line is bad). Each line goes through {@link quickLine}, which reads
 * the usual ones straight from the text; the others (and every bad one) through {@link parseLine}.
 */
function parseLabels(text: string, file: () => string, names: Map<number, string> | undefined, namesFile: string | undefined, task: Task): Parsed {
  const out: Parsed = { objects: [], problems: [], clampedValues: 0, clampedBoxes: 0 };
  for (let start = 0, lineNo = 1; start <= text.length; lineNo++) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    const quick = quickLine(text, start, end, names, task, out);
    if (quick !== UNUSUAL) {
      if (quick !== EMPTY) out.objects.push(quick);
    } else {
      const trimmed = text.slice(start, end).trim();
      if (trimmed !== '') {
        const r = parseLine(trimmed, names, namesFile, task, out);
        if (typeof r === 'string') out.problems.push(new ConversionError('YOLO_BAD_LINE', r, { file: file(), line: lineNo }));
        else if (r instanceof Array) out.problems.push(new ConversionError(r[0], r[1], { file: file(), line: lineNo }));
        else out.objects.push(r);
      }
    }
    start = end + 1;
  }
  return out;
}

/** {@link quickLine}'s answers besides an object: an empty line, or one for {@link parseLine}. */
const EMPTY = 0;
const UNUSUAL = 1;
/** The numbers of the line {@link quickLine} reads (a line of more goes to {@link parseLine}). */
const QUICK_VALUES = new Float64Array(4096);
/** 10^k for k ≤ 22: every one an exact double. */
const EXACT_POWERS = Array.from({ length: 23 }, (_, k) => 10 ** k);
/** Digits of a number {@link quickLine} reads: an integer of this many digits is exact in a double. */
const QUICK_DIGITS = 15;

/**
 * The object of a usual line, read from `text[start, end)` without cutting it into strings: single
 * spaces between plain decimals (`0.5`, `12`, `.5`; a `\r` at the end), a class of `names`, values in
 * [0, 1] and an object with area. Anything else — signs, exponents, tabs, other spaces, values to clamp,
 * bad lines — is UNUSUAL and left to {@link parseLine}, so messages and counts come from one place.
 * A value of at most 15 digits is its digits as an integer over a power of ten: both exact doubles, so
 * the one division is correctly rounded and gives what `Number()` reads from the text.
 */
function quickLine(text: string, start: number, end: number, names: Map<number, string> | undefined, task: Task, out: Parsed): BoxLabel | PolygonLabel | typeof EMPTY | typeof UNUSUAL {
  if (end > start && text.charCodeAt(end - 1) === 13) end--;
  if (end === start) return EMPTY;
  let pos = start;
  let index = -1;
  let indexEnd = start;
  let count = 0;
  while (pos < end) {
    let int = 0;
    let digits = 0;
    let decimals = -1;
    for (; pos < end; pos++) {
      const c = text.charCodeAt(pos);
      if (c >= 48 && c <= 57) {
        int = int * 10 + (c - 48);
        digits++;
        if (decimals >= 0) decimals++;
      } else if (c === 46 && decimals < 0) decimals = 0;
      else if (c === 32) break;
      else return UNUSUAL;
    }
    if (digits === 0 || digits > QUICK_DIGITS) return UNUSUAL;
    if (index < 0) {
      if (decimals >= 0) return UNUSUAL;
      index = int;
      indexEnd = pos;
    } else {
      const v = decimals > 0 ? int / EXACT_POWERS[decimals]! : int;
      if (v > 1 || count === QUICK_VALUES.length) return UNUSUAL;
      QUICK_VALUES[count++] = v;
    }
    // A space must be followed by another number: two spaces, or one at the end, are unusual.
    if (pos < end && ++pos === end) return UNUSUAL;
    if (pos < end && text.charCodeAt(pos) === 32) return UNUSUAL;
  }
  if (count !== 4 && (count < 6 || count % 2 === 1)) return UNUSUAL;
  // Without names the label is the class as written (`007` stays `007`).
  const label = names ? names.get(index) : text.slice(start, indexEnd);
  if (label === undefined) return UNUSUAL;
  const shape = shapeOf(label, QUICK_VALUES, count, task, out);
  return typeof shape === 'string' ? UNUSUAL : shape;
}

/**
 * The object of a line's checked values (in [0, 1]): a box from `cx cy w h`, or from a polygon's points;
 * a polygon (a box line as a rectangle) for segmentation. `EMPTY_BOX`/`BAD_POLYGON` when it has no area.
 */
function shapeOf(label: string, values: ArrayLike<number>, count: number, task: Task, out: Parsed): BoxLabel | PolygonLabel | 'EMPTY_BOX' | 'BAD_POLYGON' {
  let x0: number, y0: number, x1: number, y1: number;
  if (count === 4) {
    const cx = values[0]!;
    const cy = values[1]!;
    const w = values[2]!;
    const h = values[3]!;
    if (!(w > 0 && h > 0)) return 'EMPTY_BOX';
    x0 = cx - w / 2;
    y0 = cy - h / 2;
    x1 = cx + w / 2;
    y1 = cy + h / 2;
    if (x0 < -ROUNDING || y0 < -ROUNDING || x1 > 1 + ROUNDING || y1 > 1 + ROUNDING) out.clampedBoxes++;
    x0 = clamp01(x0);
    y0 = clamp01(y0);
    x1 = clamp01(x1);
    y1 = clamp01(y1);
    if (task === 'instance-segmentation') return { label, isCrowd: 0, polygon: [[x0, y0, x1, y0, x1, y1, x0, y1]] };
  } else {
    x0 = y0 = Infinity;
    x1 = y1 = -Infinity;
    for (let k = 0; k < count; k += 2) {
      x0 = Math.min(x0, values[k]!);
      x1 = Math.max(x1, values[k]!);
      y0 = Math.min(y0, values[k + 1]!);
      y1 = Math.max(y1, values[k + 1]!);
    }
    if (!(x1 > x0 && y1 > y0)) return 'BAD_POLYGON';
    if (task === 'instance-segmentation') return { label, isCrowd: 0, polygon: [Array.from({ length: count }, (_, k) => values[k]!)] };
  }
  return { label, topX: x0, topY: y0, bottomX: x1, bottomY: y1, isCrowd: 0 };
}

const AXIS_NAMES = ['cx', 'cy', 'w', 'h'];

/** One line → its object, or what is wrong with it (a YOLO_BAD_LINE message, or another code and message). */
function parseLine(
  line: string,
  names: Map<number, string> | undefined,
  namesFile: string | undefined,
  task: Task,
  out: Parsed,
): BoxLabel | PolygonLabel | string | ['UNKNOWN_CATEGORY_ID' | 'EMPTY_BOX' | 'BAD_POLYGON', string] {
  const tokens = line.includes('\t') || line.includes('  ') ? line.split(/\s+/) : line.split(' ');
  const n = tokens.length;
  if (n !== 5 && (n < 7 || n % 2 === 0)) {
    return `expected 5 values (class cx cy w h) or an odd count of 7 or more (class x1 y1 x2 y2 x3 y3 ...), got ${n}`;
  }
  const cls = tokens[0]!;
  if (!/^\d+$/.test(cls)) return `class: expected a class index (an integer >= 0), got ${JSON.stringify(cls)}`;
  const index = Number(cls);
  const label = names ? names.get(index) : cls;
  if (label === undefined) {
    const known = names!.size === 0 ? 'no names' : `names 0-${Math.max(...names!.keys())}`;
    return ['UNKNOWN_CATEGORY_ID', `expected a class index of ${known}${namesFile !== undefined ? ` (${namesFile})` : ''}, got ${index}`];
  }
  const values = new Array<number>(n - 1);
  for (let k = 1; k < n; k++) {
    const t = tokens[k]!;
    const what = () => (n === 5 ? AXIS_NAMES[k - 1]! : `${k % 2 ? 'x' : 'y'}${Math.ceil(k / 2)}`);
    let v = decimal(t);
    if (v !== v) return `${what()}: expected a number, got ${JSON.stringify(t)}`;
    if (!Number.isFinite(v)) return `${what()}: expected a finite number, got ${t}`;
    if (v < 0 || v > 1) {
      if (v < -ROUNDING || v > 1 + ROUNDING) return `${what()}: expected a normalised value in [0, 1], got ${t}`;
      v = clamp01(v);
      out.clampedValues++;
    }
    values[k - 1] = v;
  }
  const shape = shapeOf(label, values, n - 1, task, out);
  if (shape === 'EMPTY_BOX') return ['EMPTY_BOX', `expected a box with area, got w ${tokens[3]}, h ${tokens[4]}`];
  if (shape === 'BAD_POLYGON') return ['BAD_POLYGON', `expected a polygon with area, got ${values.length / 2} points on a line`];
  return shape;
}

// ---------------------------------------------------------------- run

async function* run(ctx: ConverterContext<OptionValues<typeof OPTIONS>>): AsyncGenerator<ImageRecord> {
  const layout = await findLayout(ctx);
  const { root, names, namesFile } = layout;
  const task: Task = ctx.own.task;
  const keepSplits = ctx.own.keepSplits;
  const headers = ctx.options.imageDetails ? await HeaderReader.for(root, { verify: ctx.options.verifyImages }) : undefined;
  /** Label files read, and the label folders images point to (with their image folders), for the orphan check. */
  /** Per label folder (with its trailing separator), the names of the label files read in it. */
  const usedLabels = new Map<string, Set<string>>();
  const labelDirs = new Map<string, Set<string>>();
  const labelFolders = new LabelFolders();
  let testLeftOut = 0;
  let done = 0;

  let info: FolderInfo | undefined;
  const infoOf = (dir: string): FolderInfo => {
    if (info?.dir === dir) return info;
    info = folderInfo(root, dir);
    const labelDir = info.labelDirs[0]!.slice(0, -1);
    let imageDirs = labelDirs.get(labelDir);
    if (!imageDirs) labelDirs.set(labelDir, (imageDirs = new Set()));
    imageDirs.add(dir);
    return info;
  };

  /** The image's record (synchronously unless its header needs an asynchronous read), or undefined when left out. */
  const toRecord = (folder: FolderInfo, name: string, split: OriginSplit | undefined, listedAt: Location | undefined): ImageRecord | undefined | Promise<ImageRecord | undefined> => {
    const abs = folder.dir + sep + name;
    if (folder.keyPrefix === undefined) {
      ctx.bad(new ConversionError('PATH_OUTSIDE_ROOT', `expected an image inside the dataset root ${ctx.display(root)} (--root), got ${ctx.display(abs)}`, listedAt ?? { file: ctx.display(abs) }));
      return undefined;
    }
    const key = folder.keyPrefix + name;
    const origin = split ?? (layout.kind === 'folder' ? splitOfPath(key) : undefined);
    const labelFile = readLabelFile(folder, labelName(name), labelFolders);
    if (labelFile) {
      let inDir = usedLabels.get(labelFile.dir);
      if (!inDir) usedLabels.set(labelFile.dir, (inDir = new Set()));
      inDir.add(labelFile.name);
    }
    if (keepSplits && origin === 'test') {
      testLeftOut++;
      return undefined;
    }
    const finish = (details: ImageDetails | undefined): ImageRecord => {
      const parsed = labelFile ? parseLabels(labelFile.text, () => ctx.display(labelFile.abs), names, namesFile, task) : undefined;
      if (parsed) {
        for (const p of parsed.problems) ctx.badObject(p);
        if (parsed.clampedValues) ctx.count('clampedValues', parsed.clampedValues);
        if (parsed.clampedBoxes) ctx.count('clampedBoxes', parsed.clampedBoxes);
      }
      const label = (parsed?.objects ?? []) as BoxLabel[] | PolygonLabel[];
      const record: ImageRecord = details ? { path: key, details, label } : { path: key, label };
      if (keepSplits && origin !== undefined) record.split = origin === 'train' ? 'train' : 'validation';
      return record;
    };
    const unreadable = (e: unknown): undefined => {
      if (!(e instanceof ConversionError)) throw e;
      ctx.bad(listedAt && e.code === 'IMAGE_NOT_FOUND' ? new ConversionError('IMAGE_NOT_FOUND', `no image ${ctx.display(abs)}`, listedAt) : e);
      return undefined;
    };
    if (!headers) {
      if (listedAt && !existsSync(abs)) return unreadable(new ConversionError('IMAGE_NOT_FOUND', '', {}));
      return finish(undefined);
    }
    const quick = headers.readSync(abs);
    if (quick) return finish(quick);
    return readImageDetails(abs, ctx.display(abs), { verify: ctx.options.verifyImages }).then(finish, unreadable);
  };

  for (const source of layout.sources) {
    if (source.kind === 'folder') {
      for await (const batch of walkImages(source.abs)) {
        const folder = infoOf(batch.dir);
        for (const name of batch.names) {
          if (ctx.signal?.aborted) return;
          const quick = toRecord(folder, name, source.split, undefined);
          const r = quick instanceof Promise ? await quick : quick;
          ctx.progress(++done);
          if (r) yield r;
        }
      }
    } else {
      const file = ctx.display(source.abs);
      for await (const { abs, line } of listedImages(layout, source.abs)) {
        if (ctx.signal?.aborted) return;
        const quick = toRecord(infoOf(dirname(abs)), basename(abs), source.split, { file, line });
        const r = quick instanceof Promise ? await quick : quick;
        ctx.progress(++done);
        if (r) yield r;
      }
    }
  }
  if (testLeftOut > 0) {
    ctx.warn('YOLO_CONFIG', `${testLeftOut} image${testLeftOut > 1 ? 's' : ''} of the test split left out (--keep-splits writes train and validation only)`, { file: ctx.display(ctx.input) });
    ctx.count('testImagesLeftOut', testLeftOut);
  }
  await reportOrphans(ctx, layout, labelDirs, usedLabels);
}

/** Bad items: `.txt` files in the label folders with no image of their stem in the matching image folders. */
async function reportOrphans(ctx: ConverterContext, layout: Layout, labelDirs: Map<string, Set<string>>, used: Map<string, Set<string>>): Promise<void> {
  for (const dir of [...labelDirs.keys()].sort()) {
    // The names read in it: looked up by name (no path made per name).
    const read = used.get(dir + sep);
    const isUsed = (name: string) => read?.has(name) === true;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue; // no such label folder
    }
    // Most label folders hold only the label files that were read: one look at the names, without
    // listFolder's checks of each, tells (a name it would show differently is looked at below).
    if (!names.some((n) => !isUsed(n) && n.toLowerCase().endsWith('.txt') && !layout.configFiles.has(dir + sep + n) && !NOT_LABELS.test(n))) continue;
    let entries;
    try {
      entries = await listFolder(dir);
    } catch {
      continue; // no such label folder
    }
    let stems: Set<string> | undefined;
    for (const e of entries) {
      if (e.kind !== 'file' || !e.name.toLowerCase().endsWith('.txt')) continue;
      const abs = dir + sep + e.name;
      if (isUsed(e.name) || layout.configFiles.has(abs) || NOT_LABELS.test(e.name)) continue;
      if (!stems) {
        stems = new Set();
        for (const imageDir of labelDirs.get(dir)!) {
          for (const img of await listFolder(imageDir)) if (isImageName(img.name)) stems.add(img.name.slice(0, img.name.length - extname(img.name).length));
        }
      }
      if (stems.has(e.name.slice(0, -4))) continue; // its image is in no split: not an error
      ctx.bad(new ConversionError('ANNOTATION_WITHOUT_IMAGE', `expected an image named ${e.name.slice(0, -4)}.<jpg|png|...> for this label file, got none`, { file: ctx.display(abs) }));
    }
  }
}

export default defineConverter({ ...YOLO, run });
