/**
 * Checking AutoML JSONL files (`automl-img validate`): every line against SPEC §1, and what the
 * AutoML runtime would do with it.
 *
 * @example
 *   const report = await validateJsonl(['out/train_annotations.jsonl', 'out/validation_annotations.jsonl']);
 *   report.counts.errors  // 0 when AutoML would load every line as written
 *
 * Files are read as streams, line by line: memory grows only with the number of distinct
 * `image_url`s (for the duplicate check) and, when `collect` is on, with the findings kept.
 * Each finding carries one code of the closed set {@link FINDING_CODES}, whose severity and
 * effect are fixed per code.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { displayPath } from './convert.js';
import { ConversionError, describeValue, formatLocation } from './errors.js';
import { HeaderReader } from './kit/headers.js';
import type { Task } from './types.js';

/** What the AutoML runtime does because of a finding. */
export type FindingEffect =
  /** the whole data load fails */
  | 'load'
  /** the image (line) is dropped */
  | 'image'
  /** one object is dropped */
  | 'object'
  /** one polygon ring is dropped */
  | 'ring'
  /** nothing is dropped (the line breaks SPEC §1, or something looks wrong) */
  | 'none';

interface CodeInfo {
  severity: 'error' | 'warning';
  effect: FindingEffect;
  description: string;
}

/**
 * Every code `validate` can report, with its fixed severity and effect. Codes are a public
 * promise: never rename one. (A separate set from the conversion error codes of `errors.ts`.)
 */
export const FINDING_CODES = {
  // --- files and lines ---
  /** A named file does not exist, is a folder, or cannot be read. */
  FILE_UNREADABLE: { severity: 'error', effect: 'load', description: 'A named file does not exist, is a folder, or cannot be read.' },
  /** A file has no lines (a warning: the validation file of a one-image dataset is empty by design). */
  EMPTY_FILE: { severity: 'warning', effect: 'none', description: 'A file has no lines: AutoML has no images to load from it (the validation file of a one-image dataset is empty).' },
  /** A line is not valid JSON: the whole data load fails. */
  JSON_MALFORMED: { severity: 'error', effect: 'load', description: 'A line is not valid JSON: the whole data load fails.' },
  /** A line is valid JSON but not an object: the whole data load fails. */
  NOT_AN_OBJECT: { severity: 'error', effect: 'load', description: 'A line is JSON but not an object (an array, a string...): the whole data load fails.' },
  /** A blank line between lines: some readers fail on it. */
  BLANK_LINE: { severity: 'warning', effect: 'none', description: 'A blank line: some JSONL readers fail on it.' },
  /** The file starts with a UTF-8 byte-order mark: readers that do not expect one fail on line 1. */
  BOM: { severity: 'warning', effect: 'none', description: 'The file starts with a byte-order mark: readers that do not expect one fail on its first line.' },
  /** A line holds bytes that are not UTF-8 (a file saved as Latin-1 or Windows-1252): the data load fails. */
  NOT_UTF8: { severity: 'error', effect: 'load', description: 'A line holds bytes that are not UTF-8 (a file saved as Latin-1 or Windows-1252): the data load fails.' },
  /** A key that SPEC §1 does not know (top level, `image_details`, or an object): AutoML ignores it. */
  UNKNOWN_KEY: { severity: 'warning', effect: 'none', description: 'A key that the schema does not know (a typo?): AutoML ignores it.' },

  // --- image_url and image_details ---
  /** `image_url` missing, not a string, or empty: the image is dropped. */
  IMAGE_URL_BAD: { severity: 'error', effect: 'image', description: '`image_url` is missing, not a string, or empty: the image is dropped.' },
  /** `image_url` contains a backslash (a Windows path): it names no file on a datastore. */
  IMAGE_URL_BACKSLASH: { severity: 'warning', effect: 'none', description: '`image_url` contains `\\` (a Windows path separator): datastores use `/`.' },
  /** The same `image_url` on two lines, in one file or in two of the files given (train/validation leak). */
  DUPLICATE_IMAGE_URL: { severity: 'warning', effect: 'none', description: 'The same `image_url` on two lines, in one file or across the files given (a train/validation leak).' },
  /** `image_details` is not an object, or its format / width / height have the wrong type. */
  DETAILS_BAD: { severity: 'error', effect: 'none', description: '`image_details` is not an object, `format` is not a non-empty string, or `width`/`height` are not positive integers.' },

  // --- label ---
  /** The line has no `label`: the image is dropped. */
  LABEL_MISSING: { severity: 'error', effect: 'image', description: 'The line has no `label`: the image is dropped.' },
  /** `label` (or an object's `label`, or an item of a list) has a shape no task accepts: the image is dropped. */
  LABEL_BAD: { severity: 'error', effect: 'image', description: '`label`, one of its items, or an object\'s `label` has the wrong type: the image is dropped.' },
  /** A label name is the empty string. */
  LABEL_EMPTY: { severity: 'error', effect: 'none', description: 'A label name is the empty string.' },
  /** A multi-label list names one label twice. */
  LABEL_DUPLICATE: { severity: 'warning', effect: 'none', description: 'A multi-label list names the same label twice.' },
  /** A line's label belongs to another task than the file's (detected from the first labelled line, or `--task`): the image is dropped. */
  MIXED_TASKS: { severity: 'error', effect: 'image', description: 'A line\'s label is of another task than the file\'s (its first labelled line, or `--task`): the image is dropped.' },

  // --- objects ---
  /** A coordinate (box value, polygon value) is not a number, or missing: the image is dropped. */
  COORD_NOT_NUMBER: { severity: 'error', effect: 'image', description: 'A box or polygon coordinate is missing or not a number: the image is dropped.' },
  /** A box value outside [0, 1]: the object is dropped. */
  BOX_OUT_OF_RANGE: { severity: 'error', effect: 'object', description: 'A box coordinate outside [0, 1]: the object is dropped.' },
  /** `topX >= bottomX` or `topY >= bottomY`: the object is dropped. */
  BOX_EMPTY: { severity: 'error', effect: 'object', description: '`topX >= bottomX` or `topY >= bottomY` (no area): the object is dropped.' },
  /** `isCrowd` present but not 0 or 1. */
  IS_CROWD_BAD: { severity: 'error', effect: 'none', description: '`isCrowd` is present but not 0 or 1 (a missing `isCrowd` is 0).' },
  /** `polygon` is not a list of lists of numbers: the image is dropped. */
  POLYGON_BAD: { severity: 'error', effect: 'image', description: '`polygon` (or one of its rings) is not a list: the image is dropped.' },
  /** `polygon` is an empty list: the object is dropped. */
  POLYGON_EMPTY: { severity: 'error', effect: 'object', description: '`polygon` has no rings: the object is dropped.' },
  /** A ring with an odd number of values: the image is dropped. */
  POLYGON_ODD_LENGTH: { severity: 'error', effect: 'image', description: 'A ring with an odd number of values (not x, y pairs): the image is dropped.' },
  /** A ring with fewer than 3 points: the ring is dropped. */
  RING_TOO_SHORT: { severity: 'error', effect: 'ring', description: 'A ring with fewer than 3 points: the ring is dropped (the object too when no ring is left).' },
  /** A ring with a value outside [0, 1]: the ring is dropped. */
  RING_OUT_OF_RANGE: { severity: 'error', effect: 'ring', description: 'A ring with a value outside [0, 1]: the ring is dropped (the object too when no ring is left).' },

  // --- images (with --images-root) ---
  /** The image an `image_url` names is not under `--images-root`. */
  IMAGE_NOT_FOUND: { severity: 'error', effect: 'image', description: 'With `--images-root`: the image is not there.' },
  /** The image exists but its header cannot be read. */
  IMAGE_UNREADABLE: { severity: 'error', effect: 'image', description: 'With `--images-root`: the file is not an image, or is truncated, or cannot be read.' },
  /** `image_details` disagrees with the image's header. */
  DETAILS_MISMATCH: { severity: 'error', effect: 'none', description: 'With `--images-root`: `image_details` disagrees with the image\'s header.' },
} as const satisfies Record<string, CodeInfo>;

export type FindingCode = keyof typeof FINDING_CODES;

/** One problem found in a JSONL file. */
export interface Finding {
  file: string;
  /** 1-based line number (absent for whole-file findings). */
  line?: number;
  /** Field path in the line, e.g. `label[2].topX`, `label[0].polygon[1]`. */
  path?: string;
  code: FindingCode;
  severity: 'error' | 'warning';
  /** `file:line: path: what was expected, got what: what AutoML does`. */
  message: string;
}

/** A finding inside one line, before the file and line are known. */
export interface LineFinding {
  code: FindingCode;
  path?: string;
  /** What was expected, what was found, what AutoML does. */
  detail: string;
}

/**
 * Distinct `image_url`s remembered for the duplicate check (a JavaScript Map holds at most 2^24
 * entries; about 140 bytes each): later new ones are not remembered, so their repeats go unnoticed.
 */
export const MAX_TRACKED_URLS = 16_000_000;

/** The tasks, as `--task` names them. */
export const TASKS: readonly Task[] = ['multi-class', 'multi-label', 'object-detection', 'instance-segmentation'];

const TOP_KEYS = new Set(['image_url', 'image_details', 'label']);
const DETAIL_KEYS = new Set(['format', 'width', 'height']);
const BOX_KEYS = ['topX', 'topY', 'bottomX', 'bottomY'] as const;
const BOX_OBJECT_KEYS = new Set(['label', 'topX', 'topY', 'bottomX', 'bottomY', 'isCrowd']);
/** Segmentation objects may carry a box too (some tools write both); AutoML reads the polygon. */
const POLYGON_OBJECT_KEYS = new Set(['label', 'isCrowd', 'polygon', 'topX', 'topY', 'bottomX', 'bottomY']);

const TASK_NOUN: Record<Task, string> = {
  'multi-class': 'a multi-class label (a string)',
  'multi-label': 'a multi-label label (a list of strings)',
  'object-detection': 'an object-detection label (a list of boxes)',
  'instance-segmentation': 'an instance-segmentation label (a list of polygons)',
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What a label's item is: a string, a box object, a polygon object, or something else. */
function itemKind(item: unknown): 'string' | 'box' | 'polygon' | 'other' {
  if (typeof item === 'string') return 'string';
  if (isObject(item)) return 'polygon' in item ? 'polygon' : 'box';
  return 'other';
}

const KIND_TASK = { string: 'multi-label', box: 'object-detection', polygon: 'instance-segmentation' } as const;
const KIND_NOUN = { string: 'a string', box: 'a box object', polygon: 'a polygon object' } as const;

/**
 * The task a `label` value shows: a string is multi-class; a list of strings multi-label; a list
 * of objects detection, or segmentation when its first object has `polygon`. Undefined for an
 * empty list (a background image of any list task) and for values no task accepts.
 */
export function taskOfLabel(label: unknown): Task | undefined {
  if (typeof label === 'string') return 'multi-class';
  if (!Array.isArray(label) || label.length === 0) return undefined;
  const kind = itemKind(label[0]);
  return kind === 'other' ? undefined : KIND_TASK[kind];
}

/** The result of checking one parsed line. */
export interface LineCheck {
  /** The line's task (undefined for `label: []` or a label no task accepts). */
  task: Task | undefined;
  /** The `image_url` when it is a non-empty string. */
  imageUrl: string | undefined;
  findings: LineFinding[];
  /** AutoML drops the whole image. */
  imageDropped: boolean;
  /** Objects AutoML drops (when the image is kept). */
  objectsDropped: number;
  /** Rings AutoML drops from objects it keeps. */
  ringsDropped: number;
}

/** What the line's task is compared with: the task, and why it is expected (`--task`, `line 3`). */
export interface ExpectedTask {
  task: Task;
  reason: string;
}

const fmt = (v: unknown) => describeValue(v);

/**
 * Checks one parsed JSONL line against SPEC §1 and the runtime's rules.
 * @param value the parsed line (any JSON value; a non-object gives NOT_AN_OBJECT)
 * @param expected the file's task, when known
 */
export function checkLine(value: unknown, expected?: ExpectedTask): LineCheck {
  const findings: LineFinding[] = [];
  const result: LineCheck = { task: undefined, imageUrl: undefined, findings, imageDropped: false, objectsDropped: 0, ringsDropped: 0 };
  const add = (code: FindingCode, path: string | undefined, detail: string) => {
    findings.push(path === undefined ? { code, detail } : { code, path, detail });
    if (FINDING_CODES[code].effect === 'image') result.imageDropped = true;
  };
  if (!isObject(value)) {
    add('NOT_AN_OBJECT', undefined, `expected a JSON object, got ${Array.isArray(value) ? 'an array' : fmt(value)}: the data load fails`);
    return result;
  }
  for (const key of Object.keys(value)) {
    if (!TOP_KEYS.has(key)) add('UNKNOWN_KEY', key, `expected image_url, image_details or label, got ${JSON.stringify(key)}: AutoML ignores it`);
  }

  const url = value['image_url'];
  if (typeof url !== 'string' || url === '') add('IMAGE_URL_BAD', 'image_url', `expected a non-empty string, got ${fmt(url)}: the image is dropped`);
  else {
    result.imageUrl = url;
    if (url.includes('\\')) add('IMAGE_URL_BACKSLASH', 'image_url', `expected / between folders, got ${fmt(url)}: datastores do not read \\ as a folder separator`);
  }

  if ('image_details' in value) checkDetails(value['image_details'], add);

  if (!('label' in value)) {
    add('LABEL_MISSING', 'label', 'expected a label, got nothing: the image is dropped');
    return result;
  }
  const label = value['label'];
  if (typeof label === 'string') {
    result.task = 'multi-class';
  } else if (Array.isArray(label)) {
    if (label.length > 0) {
      const first = itemKind(label[0]);
      if (first === 'other') {
        add('LABEL_BAD', 'label[0]', `expected a string or an object, got ${fmt(label[0])}: the image is dropped`);
        return result;
      }
      result.task = KIND_TASK[first];
      for (let i = 1; i < label.length; i++) {
        const kind = itemKind(label[i]);
        if (kind !== first) {
          add('LABEL_BAD', `label[${i}]`, `expected ${KIND_NOUN[first]} like label[0], got ${kind === 'other' ? fmt(label[i]) : KIND_NOUN[kind]}: the image is dropped`);
          return result;
        }
      }
    }
  } else {
    add('LABEL_BAD', 'label', `expected a string or a list, got ${fmt(label)}: the image is dropped`);
    return result;
  }

  if (expected) {
    const lineTask = result.task;
    const mismatch = lineTask === undefined ? expected.task === 'multi-class' : lineTask !== expected.task;
    if (mismatch) {
      const got = lineTask === undefined ? 'an empty list' : TASK_NOUN[lineTask];
      add('MIXED_TASKS', 'label', `expected ${TASK_NOUN[expected.task]} (${expected.reason}), got ${got}: the image is dropped`);
      return result;
    }
  }

  if (typeof label === 'string') {
    if (label === '') add('LABEL_EMPTY', 'label', 'expected a label name, got an empty string');
  } else if (result.task === 'multi-label') {
    const seen = new Map<string, number>();
    label.forEach((name, i) => {
      const s = name as string;
      if (s === '') add('LABEL_EMPTY', `label[${i}]`, 'expected a label name, got an empty string');
      const before = seen.get(s);
      if (before !== undefined) add('LABEL_DUPLICATE', `label[${i}]`, `expected distinct labels, got ${fmt(s)} again (as label[${before}])`);
      else seen.set(s, i);
    });
  } else if (result.task === 'object-detection') {
    label.forEach((o, i) => checkBox(o as Record<string, unknown>, `label[${i}]`, add, result));
  } else if (result.task === 'instance-segmentation') {
    label.forEach((o, i) => checkPolygonObject(o as Record<string, unknown>, `label[${i}]`, add, result));
  }
  if (result.imageDropped) {
    result.objectsDropped = 0;
    result.ringsDropped = 0;
  }
  return result;
}

type Add = (code: FindingCode, path: string | undefined, detail: string) => void;

function checkDetails(details: unknown, add: Add): void {
  if (!isObject(details)) {
    add('DETAILS_BAD', 'image_details', `expected an object {format, width, height}, got ${Array.isArray(details) ? 'an array' : fmt(details)}`);
    return;
  }
  for (const key of Object.keys(details)) {
    if (!DETAIL_KEYS.has(key)) add('UNKNOWN_KEY', `image_details.${key}`, `expected format, width or height, got ${JSON.stringify(key)}: AutoML ignores it`);
  }
  const format = details['format'];
  if (format !== undefined && (typeof format !== 'string' || format === '')) add('DETAILS_BAD', 'image_details.format', `expected a non-empty string, got ${fmt(format)}`);
  for (const key of ['width', 'height'] as const) {
    const v = details[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v > 0)) add('DETAILS_BAD', `image_details.${key}`, `expected a positive integer, got ${fmt(v)}`);
  }
}

/** Checks an object's `label` and `isCrowd`, and warns about unknown keys. */
function checkObjectCommon(o: Record<string, unknown>, at: string, known: ReadonlySet<string>, add: Add): void {
  const expectedKeys = known === BOX_OBJECT_KEYS ? 'label, topX, topY, bottomX, bottomY or isCrowd' : 'label, isCrowd or polygon';
  for (const key of Object.keys(o)) {
    if (!known.has(key)) add('UNKNOWN_KEY', `${at}.${key}`, `expected ${expectedKeys}, got ${JSON.stringify(key)}: AutoML ignores it`);
  }
  const name = o['label'];
  if (typeof name !== 'string') add('LABEL_BAD', `${at}.label`, `expected a label name, got ${fmt(name)}: the image is dropped`);
  else if (name === '') add('LABEL_EMPTY', `${at}.label`, 'expected a label name, got an empty string');
  if ('isCrowd' in o && o['isCrowd'] !== 0 && o['isCrowd'] !== 1) add('IS_CROWD_BAD', `${at}.isCrowd`, `expected 0 or 1, got ${fmt(o['isCrowd'])}`);
}

function checkBox(o: Record<string, unknown>, at: string, add: Add, result: LineCheck): void {
  checkObjectCommon(o, at, BOX_OBJECT_KEYS, add);
  let numeric = true;
  for (const key of BOX_KEYS) {
    const v = o[key];
    if (typeof v !== 'number') {
      add('COORD_NOT_NUMBER', `${at}.${key}`, `expected a number, got ${fmt(v)}: the image is dropped`);
      numeric = false;
    }
  }
  if (!numeric) return;
  const [tx, ty, bx, by] = BOX_KEYS.map((k) => o[k] as number) as [number, number, number, number];
  const outside = BOX_KEYS.find((k) => !((o[k] as number) >= 0 && (o[k] as number) <= 1));
  if (outside) {
    add('BOX_OUT_OF_RANGE', `${at}.${outside}`, `expected a number in [0, 1], got ${fmt(o[outside])}: the object is dropped`);
    result.objectsDropped++;
  } else if (tx >= bx) {
    add('BOX_EMPTY', `${at}.bottomX`, `expected bottomX > topX (${tx}), got ${bx}: the object is dropped`);
    result.objectsDropped++;
  } else if (ty >= by) {
    add('BOX_EMPTY', `${at}.bottomY`, `expected bottomY > topY (${ty}), got ${by}: the object is dropped`);
    result.objectsDropped++;
  }
}

function checkPolygonObject(o: Record<string, unknown>, at: string, add: Add, result: LineCheck): void {
  checkObjectCommon(o, at, POLYGON_OBJECT_KEYS, add);
  const polygon = o['polygon'];
  if (!Array.isArray(polygon)) {
    add('POLYGON_BAD', `${at}.polygon`, `expected a list of rings, got ${fmt(polygon)}: the image is dropped`);
    return;
  }
  if (polygon.length === 0) {
    add('POLYGON_EMPTY', `${at}.polygon`, 'expected at least one ring, got none: the object is dropped');
    result.objectsDropped++;
    return;
  }
  let dropped = 0;
  let imageLevel = false;
  const last = polygon.length - 1;
  polygon.forEach((ring: unknown, j) => {
    const ringAt = `${at}.polygon[${j}]`;
    if (!Array.isArray(ring)) {
      add('POLYGON_BAD', ringAt, `expected a ring (a list of x, y values), got ${fmt(ring)}: the image is dropped`);
      imageLevel = true;
      return;
    }
    const bad = ring.findIndex((v) => typeof v !== 'number');
    if (bad >= 0) {
      add('COORD_NOT_NUMBER', `${ringAt}[${bad}]`, `expected a number, got ${fmt(ring[bad])}: the image is dropped`);
      imageLevel = true;
      return;
    }
    if (ring.length % 2 === 1) {
      add('POLYGON_ODD_LENGTH', ringAt, `expected x, y pairs, got ${ring.length} values: the image is dropped`);
      imageLevel = true;
      return;
    }
    const objectToo = () => (dropped === polygon.length - 1 && j === last ? ' (and the object: no ring is left)' : '');
    if (ring.length < 6) {
      add('RING_TOO_SHORT', ringAt, `expected at least 3 points, got ${ring.length / 2}: the ring is dropped${objectToo()}`);
      dropped++;
      return;
    }
    const out = (ring as number[]).findIndex((v) => !(v >= 0 && v <= 1));
    if (out >= 0) {
      add('RING_OUT_OF_RANGE', `${ringAt}[${out}]`, `expected a number in [0, 1], got ${fmt(ring[out])}: the ring is dropped${objectToo()}`);
      dropped++;
    }
  });
  if (imageLevel) return;
  if (dropped === polygon.length) result.objectsDropped++;
  else result.ringsDropped += dropped;
}

/** One line of a JSONL file as read: its 1-based number and its text (BOM of line 1 removed). */
export interface JsonlLine {
  line: number;
  text: string;
  /** Line 1 started with a byte-order mark (removed from `text`). */
  bom?: true;
}

/** The file name `-` reads standard input; messages name it {@link STDIN_NAME}. */
export const STDIN_NAME = '<stdin>';

/** How messages name a file argument: `<stdin>` for `-`, else relative to the current directory when inside it. */
export function displayFile(arg: string): string {
  return arg === '-' ? STDIN_NAME : displayPath(resolve(arg));
}

/**
 * The lines of a file (or of a stream: standard input), streamed (bounded memory). Accepts LF
 * and CRLF; a BOM at the start is removed.
 * @throws the read error (ENOENT...) on the first iteration
 */
export async function* readJsonlLines(source: string | NodeJS.ReadableStream): AsyncGenerator<JsonlLine> {
  const input = typeof source === 'string' ? createReadStream(source, { encoding: 'utf8' }) : source;
  if (typeof source !== 'string') (input as NodeJS.ReadableStream).setEncoding('utf8');
  const rl = createInterface({ input, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const raw of rl) {
      n++;
      if (n === 1 && raw.charCodeAt(0) === 0xfeff) yield { line: n, text: raw.slice(1), bom: true };
      else yield { line: n, text: raw };
    }
  } finally {
    rl.close();
  }
}

/** Checks that a path is a readable file (`-`, standard input, always is); a message for FILE_UNREADABLE otherwise. */
export async function fileProblem(absPath: string): Promise<string | undefined> {
  if (absPath === '-') return undefined;
  try {
    const s = await stat(absPath);
    return s.isFile() ? undefined : 'expected a JSONL file, got a folder';
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? 'expected a JSONL file, got nothing (no such file)' : `cannot read the file: ${(e as Error).message}`;
  }
}

/** Options of {@link validateJsonl}. */
export interface ValidateOptions {
  /** The task every line must have. Default: detected per file from its first labelled line. */
  task?: Task | undefined;
  /** Also check that each image exists under this folder and its header can be read. */
  imagesRoot?: string | undefined;
  /** With `imagesRoot`: the prefix removed from `image_url` before it is looked up (as `convert --base-url`). */
  baseUrl?: string | undefined;
  /** Called with each finding as it is found (the CLI prints them). */
  onFinding?: ((f: Finding) => void) | undefined;
  /** Keep every finding in the report's `findings`. Default true; false keeps memory bounded. */
  collect?: boolean | undefined;
  /** Aborts the run (an INTERRUPTED ConversionError, exit 130). */
  signal?: AbortSignal | undefined;
  /** What the file name `-` reads. Default `process.stdin`. */
  stdin?: NodeJS.ReadableStream | undefined;
}

/** What `validate --json` prints. */
export interface ValidationReport {
  /** Files given. */
  files: number;
  /** Lines read, blank ones included. */
  lines: number;
  /** Lines that are JSON objects (one image each). */
  images: number;
  findings: Finding[];
  counts: { errors: number; warnings: number; byCode: Partial<Record<FindingCode, number>> };
  /** The task of each file (`null` when no line shows it, e.g. only `label: []`). */
  tasks: Record<string, Task | null>;
  /** What AutoML would drop: whole images, objects of kept images, rings of kept objects. */
  dropped: { images: number; objects: number; rings: number };
  /** Files whose data load would fail (malformed lines, unreadable files). */
  failedLoads: string[];
  /** No finding is an error. */
  ok: boolean;
}

const sameFormat = (a: string, b: string) => {
  const norm = (s: string) => {
    const t = s.toLowerCase();
    return t === 'jpeg' ? 'jpg' : t === 'tif' ? 'tiff' : t;
  };
  return norm(a) === norm(b);
};

/** Image headers read at once with --images-root (they overlap when storage is slow). */
const IMAGE_READS_IN_FLIGHT = 16;

const BLANK_DETAIL = 'expected a JSON object, got a blank line: some readers fail on it';

/** A line checked, its findings waiting for its image's (see `flush` in {@link validateJsonl}). */
interface PendingLine {
  line: number;
  /** [line, code, path, detail]: a line's findings, and blank or early lines reported with it. */
  findings: [number, FindingCode, string | undefined, string][];
  check: LineCheck;
  image: Promise<[FindingCode, string, string][]> | undefined;
}

const EMPTY_CHECK: LineCheck = { task: undefined, imageUrl: undefined, findings: [], imageDropped: false, objectsDropped: 0, ringsDropped: 0 };

/**
 * Checks JSONL files line by line (SPEC §6 validate).
 * @param files the files, as the user typed them (messages name them relative to the cwd); `-` is standard input
 * @returns the report; never throws for bad input (findings say it), only INTERRUPTED or USAGE
 */
export async function validateJsonl(files: readonly string[], options: ValidateOptions = {}): Promise<ValidationReport> {
  const collect = options.collect ?? true;
  const report: ValidationReport = {
    files: files.length,
    lines: 0,
    images: 0,
    findings: [],
    counts: { errors: 0, warnings: 0, byCode: {} },
    tasks: {},
    dropped: { images: 0, objects: 0, rings: 0 },
    failedLoads: [],
    ok: true,
  };
  const imagesRoot = options.imagesRoot === undefined ? undefined : resolve(options.imagesRoot);
  if (imagesRoot !== undefined) {
    const isFolder = await stat(imagesRoot).then((st) => (st.isDirectory() ? true : 'a file'), () => 'nothing');
    if (isFolder !== true) throw new ConversionError('USAGE', `--images-root must be a folder, got ${isFolder}: ${options.imagesRoot}`, {}, { exitCode: 2 });
  }
  const baseUrl = options.baseUrl ?? '';
  const headers = imagesRoot === undefined ? new HeaderReader() : await HeaderReader.for(imagesRoot);
  const displays = files.map(displayFile);
  /** image_url → where it was first seen: line × files + file index. */
  const seen = new Map<string, number>();

  const emit = (file: string, line: number | undefined, code: FindingCode, path: string | undefined, detail: string) => {
    const { severity } = FINDING_CODES[code];
    // Keys in the order SPEC §6 lists them: file, line, path, code, severity, message.
    const f = { file, ...(line === undefined ? {} : { line }), ...(path === undefined ? {} : { path }), code, severity, message: `${formatLocation({ file, line, path })}: ${detail}` } as Finding;
    if (severity === 'error') report.counts.errors++;
    else report.counts.warnings++;
    report.counts.byCode[code] = (report.counts.byCode[code] ?? 0) + 1;
    if (collect) report.findings.push(f);
    options.onFinding?.(f);
  };

  for (let fi = 0; fi < files.length; fi++) {
    const file = displays[fi]!;
    const abs = files[fi] === '-' ? '-' : resolve(files[fi]!);
    const failLoad = () => {
      if (!report.failedLoads.includes(file)) report.failedLoads.push(file);
    };
    const problem = await fileProblem(abs);
    if (problem) {
      emit(file, undefined, 'FILE_UNREADABLE', undefined, problem);
      failLoad();
      continue;
    }
    let expected: ExpectedTask | undefined = options.task ? { task: options.task, reason: '--task' } : undefined;
    let lines = 0;
    let pendingBlank: number[] = [];
    /** Lines with `label: []` before the file's task is known. */
    let emptyBefore: number[] = [];
    /**
     * Lines whose image is being read (with --images-root): their findings wait here so that every
     * finding comes out in line order while up to IMAGE_READS_IN_FLIGHT headers are read at once.
     */
    const queue: PendingLine[] = [];
    const emitAll = (findings: PendingLine['findings']) => {
      for (const [l, code, path, detail] of findings) emit(file, l, code, path, detail);
    };
    const flush = async (p: PendingLine) => {
      emitAll(p.findings);
      if (!p.image) return;
      const found = await p.image;
      for (const [code, path, detail] of found) emit(file, p.line, code, path, detail);
      if (found.some(([code]) => FINDING_CODES[code].effect === 'image') && !p.check.imageDropped) {
        // An image AutoML cannot open is dropped, with the objects and rings counted for it.
        report.dropped.images++;
        report.dropped.objects -= p.check.objectsDropped;
        report.dropped.rings -= p.check.ringsDropped;
      }
    };
    const drain = async () => {
      while (queue.length > 0) await flush(queue.shift()!);
    };
    try {
      for await (const { line, text, bom } of readJsonlLines(abs === '-' ? (options.stdin ?? process.stdin) : abs)) {
        lines = line;
        report.lines++;
        if (line % 1024 === 0 && options.signal?.aborted) throw new ConversionError('INTERRUPTED', 'interrupted', {}, { exitCode: 130 });
        if (text.trim() === '') {
          pendingBlank.push(line);
          continue;
        }
        const found: PendingLine['findings'] = [];
        if (bom) found.push([line, 'BOM', undefined, 'expected JSON, got a byte-order mark first: readers that do not expect one fail on this line']);
        // The decoder turns bytes that are not UTF-8 into U+FFFD (a real U+FFFD in a dataset is unlikely).
        if (text.includes('\ufffd')) {
          found.push([line, 'NOT_UTF8', undefined, `expected UTF-8 text, got bytes that are not UTF-8 (at column ${text.indexOf('\ufffd') + 1}): the data load fails`]);
          failLoad();
        }
        // Blank lines before a non-blank one are inside the file (trailing ones are reported at the end).
        for (const b of pendingBlank) found.push([b, 'BLANK_LINE', undefined, BLANK_DETAIL]);
        pendingBlank = [];
        let value: unknown;
        try {
          value = JSON.parse(text);
        } catch (e) {
          found.push([line, 'JSON_MALFORMED', undefined, `expected a JSON object, got malformed JSON (${(e as Error).message}): the data load fails`]);
          failLoad();
          if (imagesRoot === undefined) emitAll(found);
          else {
            queue.push({ line, findings: found, check: EMPTY_CHECK, image: undefined });
            if (queue.length > IMAGE_READS_IN_FLIGHT) await flush(queue.shift()!);
          }
          continue;
        }
        const check = checkLine(value, expected);
        if (isObject(value)) report.images++;
        for (const lf of check.findings) found.push([line, lf.code, lf.path, lf.detail]);
        if (check.findings.some((lf) => FINDING_CODES[lf.code].effect === 'load')) failLoad();
        if (expected === undefined) {
          if (check.task !== undefined) {
            expected = { task: check.task, reason: `as on line ${line}` };
            // `label: []` before the first labelled line fits every task but multi-class.
            if (check.task === 'multi-class') {
              for (const early of emptyBefore) {
                found.push([early, 'MIXED_TASKS', 'label', `expected ${TASK_NOUN['multi-class']} (${expected.reason}), got an empty list: the image is dropped`]);
                report.dropped.images++;
              }
            }
            emptyBefore = [];
          } else if (isObject(value) && Array.isArray(value['label']) && value['label'].length === 0) emptyBefore.push(line);
        }
        if (check.imageDropped) report.dropped.images++;
        report.dropped.objects += check.objectsDropped;
        report.dropped.rings += check.ringsDropped;

        const url = check.imageUrl;
        if (url !== undefined) {
          const first = seen.get(url);
          if (first === undefined) {
            if (seen.size < MAX_TRACKED_URLS) seen.set(url, line * files.length + fi);
          } else {
            const firstFile = first % files.length;
            const firstLine = Math.floor(first / files.length);
            const where = firstFile === fi ? `line ${firstLine}` : `${displays[firstFile]}:${firstLine}`;
            found.push([line, 'DUPLICATE_IMAGE_URL', 'image_url', `expected each image once, got ${fmt(url)} again (first on ${where})`]);
          }
        }
        if (imagesRoot === undefined) {
          emitAll(found);
          continue;
        }
        const image = url === undefined ? undefined : checkImage(url, (value as Record<string, unknown>)['image_details']);
        image?.catch(() => undefined); // awaited in order by flush; no unhandled rejection meanwhile
        queue.push({ line, findings: found, check, image });
        if (queue.length > IMAGE_READS_IN_FLIGHT) await flush(queue.shift()!);
      }
      await drain();
    } catch (e) {
      if (e instanceof ConversionError) throw e;
      await drain();
      emit(file, undefined, 'FILE_UNREADABLE', undefined, `cannot read the file: ${(e as Error).message}`);
      failLoad();
      continue;
    }
    if (lines === 0 || pendingBlank.length === lines) {
      emit(file, undefined, 'EMPTY_FILE', undefined, 'expected one JSON line per image, got no lines: AutoML has no images to load from it');
    } else for (const b of pendingBlank) emit(file, b, 'BLANK_LINE', undefined, BLANK_DETAIL);
    report.tasks[file] = expected?.task ?? null;
  }
  report.ok = report.counts.errors === 0;
  return report;

  /** The findings about the image an `image_url` names (with --images-root). */
  async function checkImage(url: string, details: unknown): Promise<[FindingCode, string, string][]> {
    const out: [FindingCode, string, string][] = [];
    const add = (code: FindingCode, path: string, detail: string) => void out.push([code, path, detail]);
    let rel = url;
    if (baseUrl && rel.startsWith(baseUrl)) rel = rel.slice(baseUrl.length);
    else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(rel)) {
      add('IMAGE_NOT_FOUND', 'image_url', `expected a path under --images-root, got the URL ${fmt(url)}: pass --base-url with the prefix to remove`);
      return out;
    }
    const abs = resolve(imagesRoot!, rel.replace(/^\/+/, ''));
    let header;
    try {
      header = await headers.read(abs, () => displayPath(abs));
    } catch (e) {
      if (!(e instanceof ConversionError)) throw e;
      if (e.code === 'IMAGE_NOT_FOUND') add('IMAGE_NOT_FOUND', 'image_url', `expected an image at ${displayPath(abs)}, got nothing`);
      else add('IMAGE_UNREADABLE', 'image_url', `expected a readable image at ${displayPath(abs)}, got: ${e.detail}`);
      return out;
    }
    if (!isObject(details)) return out;
    const format = details['format'];
    if (typeof format === 'string' && format !== '' && !sameFormat(format, header.format)) {
      add('DETAILS_MISMATCH', 'image_details.format', `expected ${fmt(header.format)} (the image header), got ${fmt(format)}`);
    }
    for (const key of ['width', 'height'] as const) {
      const v = details[key];
      if (typeof v === 'number' && Number.isInteger(v) && v > 0 && v !== header[key]) {
        add('DETAILS_MISMATCH', `image_details.${key}`, `expected ${header[key]} (the image header), got ${v}`);
      }
    }
    return out;
  }
}
