/**
 * Checking one line of AutoML JSONL against SPEC §1 and what the AutoML runtime would do with it:
 * the closed set of finding codes, `checkLine`, and `taskOfLabel`.
 *
 * @example
 *   const c = checkLine(JSON.parse(text), { task: 'object-detection' });
 *   c.findings   // [{ code: 'BOX_OUT_OF_RANGE', path: 'label[0].topX', ... }]
 */
import { describeValue } from '../errors.js';
import type { Task } from '../types.js';

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
  DETAILS_BAD: {
    severity: 'warning',
    effect: 'none',
    description:
      '`image_details` is not an object, `format` is not a non-empty string, or `width`/`height` are not positive integers (as `"499px"` in Azure\'s own docs): the message says what convert writes; the data load does not fail.',
  },

  // --- label ---
  /** The line has no `label`: the image is dropped. */
  LABEL_MISSING: { severity: 'error', effect: 'image', description: 'The line has no `label`: the image is dropped.' },
  /** `label` (or an object's `label`, or an item of a list) has a shape no task accepts: the image is dropped. */
  LABEL_BAD: { severity: 'error', effect: 'image', description: "`label`, one of its items, or an object's `label` has the wrong type: the image is dropped." },
  /** A label name is the empty string. */
  LABEL_EMPTY: { severity: 'error', effect: 'none', description: 'A label name is the empty string.' },
  /** A multi-label list names one label twice. */
  LABEL_DUPLICATE: { severity: 'warning', effect: 'none', description: 'A multi-label list names the same label twice.' },
  /** A line's label belongs to another task than the file's (detected from the first labelled line, or `--task`): the image is dropped. */
  MIXED_TASKS: { severity: 'error', effect: 'image', description: "A line's label is of another task than the file's (its first labelled line, or `--task`): the image is dropped." },

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
  DETAILS_MISMATCH: { severity: 'error', effect: 'none', description: "With `--images-root`: `image_details` disagrees with the image's header." },

  // --- hardening ---
  /** A line longer than `--max-line-bytes` (256 MiB by default): skipped unread; the data load fails. */
  LINE_TOO_LONG: { severity: 'error', effect: 'load', description: 'A line longer than `--max-line-bytes` (default 256 MiB): it is skipped without being read whole; the data load fails.' },
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

export const TASK_NOUN: Record<Task, string> = {
  'multi-class': 'a multi-class label (a string)',
  'multi-label': 'a multi-label label (a list of strings)',
  'object-detection': 'an object-detection label (a list of boxes)',
  'instance-segmentation': 'an instance-segmentation label (a list of polygons)',
};

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

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
    add(
      'DETAILS_BAD',
      'image_details',
      `expected an object {format, width, height}, got ${Array.isArray(details) ? 'an array' : fmt(details)}: convert writes {"format", "width", "height"} read from the image header`,
    );
    return;
  }
  for (const key of Object.keys(details)) {
    if (!DETAIL_KEYS.has(key)) add('UNKNOWN_KEY', `image_details.${key}`, `expected format, width or height, got ${JSON.stringify(key)}: AutoML ignores it`);
  }
  const format = details['format'];
  if (format !== undefined && (typeof format !== 'string' || format === '')) {
    add('DETAILS_BAD', 'image_details.format', `expected a non-empty string, got ${fmt(format)}: convert writes the format read from the image header ("jpg", "png"...)`);
  }
  for (const key of ['width', 'height'] as const) {
    const v = details[key];
    if (v !== undefined && !(typeof v === 'number' && Number.isInteger(v) && v > 0)) {
      const pixels = typeof v === 'string' ? /^\s*([1-9]\d*)\s*(?:px)?\s*$/i.exec(v)?.[1] : undefined;
      const writes = pixels !== undefined ? `convert would write the number ${pixels}` : 'convert writes the size read from the image header';
      add('DETAILS_BAD', `image_details.${key}`, `expected a positive integer, got ${fmt(v)}: ${writes}`);
    }
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
