/**
 * The one error type of automl-img, and the closed set of codes it carries.
 *
 * Every problem with the user's input is a {@link ConversionError}: a stable `code`, the `file` it
 * concerns (relative to the current directory when possible), and where in that file it was found
 * (`line` for CSV/JSONL, `path` for an XML element or JSON path). Its message reads
 * `file:line: path: what was expected, what was found`.
 */

/** Every code automl-img can report. Codes are a public promise: never rename one. */
export const ERROR_CODES = {
  // --- usage and environment ---
  /** Wrong usage: an unknown converter, an option out of range (exit 2). */
  USAGE: 'wrong usage',
  /** The input file or folder does not exist or cannot be read. */
  INPUT_NOT_FOUND: 'the input does not exist or cannot be read',
  /** The input exists but has the wrong shape (a file where a folder is needed, no annotation folder...). */
  INPUT_LAYOUT: 'the input does not have the expected layout',
  /** Nothing to convert: no images, no rows, every item skipped. */
  EMPTY_DATASET: 'nothing to convert',
  /** An output file exists and --force was not given. */
  OUTPUT_EXISTS: 'an output file exists',
  /** An output could not be written. */
  OUTPUT_WRITE: 'an output could not be written',
  /** The run was interrupted (SIGINT/SIGTERM). */
  INTERRUPTED: 'interrupted',

  // --- images ---
  /** An annotation names an image that is not there. */
  IMAGE_NOT_FOUND: 'image not found',
  /** A file that should be an image is not one, is truncated, or cannot be read. */
  IMAGE_UNREADABLE: 'image unreadable',
  /** The size an annotation gives differs from the image's own header. */
  IMAGE_SIZE_MISMATCH: 'annotation size differs from the image',
  /** A file that is not an image (by extension) lies where images are expected: reported, left out. */
  NOT_AN_IMAGE: 'not an image file',
  /** An image lies outside any class folder (folder-to-jsonl): reported, left out. */
  IMAGE_OUTSIDE_CLASS: 'image outside a class folder',
  /** A folder nested deeper than --depth allows (folder-to-jsonl). */
  NESTED_FOLDER: 'nested folder',
  /** Two items resolve to the same image path. */
  DUPLICATE_IMAGE: 'the same image appears twice',
  /** A path in the annotations resolves outside the dataset root. */
  PATH_OUTSIDE_ROOT: 'path outside the dataset root',
  /** An image has no annotation file: reported, not converted. */
  MISSING_ANNOTATION: 'image without annotation',

  // --- CSV ---
  /** The CSV cannot be parsed (unterminated quote, ragged row...). */
  CSV_PARSE: 'malformed CSV',
  /** The CSV header has no usable filename/labels columns. */
  CSV_HEADER: 'unusable CSV header',
  /** A CSV row has an empty filename. */
  CSV_EMPTY_FILENAME: 'empty filename',
  /** Two CSV rows name the same image. */
  CSV_DUPLICATE_ROW: 'duplicate row',
  /** A one-hot cell is not 0 or 1. */
  CSV_BAD_VALUE: 'bad cell value',

  // --- XML (VOC) ---
  /** The XML is not well-formed or uses forbidden constructs (entities, DTDs). */
  XML_PARSE: 'malformed XML',
  /** A required element is missing. */
  XML_MISSING: 'missing XML element',
  /** An element holds a value of the wrong kind (not a number, not finite, negative size...). */
  XML_BAD_VALUE: 'bad XML value',

  // --- objects (all formats) ---
  /** A box with no area (xmax <= xmin, ymax <= ymin, or nothing left after clamping). */
  EMPTY_BOX: 'box with no area',
  /** A polygon that cannot be used (too few points, odd length, non-numeric). */
  BAD_POLYGON: 'bad polygon',
  /** An RLE mask that cannot be decoded or whose size differs from the image. */
  BAD_RLE: 'bad RLE mask',
  /** An object with no pixels in the mask: reported, left out. */
  OBJECT_WITHOUT_PIXELS: 'object without pixels',
  /** The class mask and the XML disagree about an object's class: reported. */
  CLASS_MISMATCH: 'class mask disagrees with the XML',

  // --- masks ---
  /** A mask file is missing. */
  MASK_NOT_FOUND: 'mask not found',
  /** A mask file is not a PNG we can decode. */
  MASK_UNREADABLE: 'mask unreadable',
  /** A mask whose size differs from the image or the annotation. */
  MASK_SIZE_MISMATCH: 'mask size differs from the image',

  // --- JSON (COCO) and JSONL ---
  /** The JSON text is malformed or truncated. */
  JSON_PARSE: 'malformed JSON',
  /** A required JSON member is missing. */
  JSON_MISSING: 'missing JSON member',
  /** A JSON value has the wrong type or range. */
  JSON_BAD_VALUE: 'bad JSON value',
  /** An annotation references an image id that is not in `images`. */
  UNKNOWN_IMAGE_ID: 'unknown image id',
  /** An annotation references a category id that is not in `categories`. */
  UNKNOWN_CATEGORY_ID: 'unknown category id',
  /** Two entries share one id. */
  DUPLICATE_ID: 'duplicate id',
  /** Two categories share one name. */
  DUPLICATE_CATEGORY_NAME: 'duplicate category name',

  // --- predictions (score, preview, evaluate) ---
  /** A predictions JSONL line that is not one of SPEC §7's answer shapes. */
  PREDICTION_BAD: 'bad prediction line',

  // --- evaluate ---
  /** A ground-truth line `evaluate` cannot score: not SPEC §1, another task, or no image size for masks. */
  GROUND_TRUTH_BAD: 'bad ground-truth line',

  // --- scoring (request, score: SPEC §7) ---
  /** An image_url (azureml://, https://) that no --base-url / --images-root maps to a local file. */
  URL_NOT_LOCAL: 'image_url is not a local file',
  /** An image alone makes a request body larger than --max-bytes. */
  IMAGE_TOO_LARGE: 'image larger than --max-bytes',
  /** The endpoint refused the key (401, 403): nothing more is sent. */
  ENDPOINT_AUTH: 'the endpoint refused the key',
  /** The endpoint or deployment does not exist (404): nothing more is sent. */
  ENDPOINT_NOT_FOUND: 'no such endpoint or deployment',
  /** The endpoint refused a request (400 or another 4xx that retrying cannot fix). */
  ENDPOINT_REFUSED: 'the endpoint refused the request',
  /** The request body was too large for the endpoint (413). */
  REQUEST_TOO_LARGE: 'request body too large for the endpoint',
  /** The endpoint kept failing (408, 429, 5xx, connection errors) after every retry. */
  ENDPOINT_UNAVAILABLE: 'the endpoint kept failing',
  /** The endpoint did not answer within --timeout, on every try. */
  ENDPOINT_TIMEOUT: 'the endpoint did not answer in time',
  /** An answer that is not JSON, not a list of the batch's length, or not the shape of a task. */
  RESPONSE_BAD: 'unusable answer from the endpoint',

  // --- YOLO and LabelMe converters ---
  /** A YOLO label line that cannot be read: a wrong count of values, a non-number, a value outside [0, 1]. */
  YOLO_BAD_LINE: 'bad YOLO label line',
  /** A YOLO data.yaml / obj.data that cannot be used (or a part of it that is left out: a warning). */
  YOLO_CONFIG: 'unusable YOLO dataset config',
  /** An annotation file (a YOLO .txt) with no image of its name. */
  ANNOTATION_WITHOUT_IMAGE: 'annotation without image',
  /** A LabelMe shape with no area (line, linestrip, point): reported, left out. */
  SHAPE_LEFT_OUT: 'shape that cannot be an object',

  // --- CVAT ---
  /** A CVAT shape that is no object of the task (polyline, points, cuboid, ellipse, skeleton, a video track): warned, left out. */
  UNSUPPORTED_SHAPE: 'shape that is not an object',

  // --- hardening (issue 12) ---
  /** An output would replace a file of the input (`split a/train_annotations.jsonl -o a`): refused even with --force (exit 2). */
  OUTPUT_IS_INPUT: 'an output would replace an input file',
  /** (warning) With --force, an earlier run's output that this run does not write (the other layout's) was removed. */
  OUTPUT_REMOVED: "an earlier run's output was removed",
  /** A JSONL line longer than --max-line-bytes (256 MiB by default): reported and skipped without reading it whole. */
  LINE_TOO_LONG: 'line longer than --max-line-bytes',
  /** A path Node cannot use: a file name that is not UTF-8, or a path longer than the system allows. */
  PATH_UNUSABLE: 'unusable path',
  /** A label (class name) holding a control character (NUL, newline, tab...): a bad item. */
  LABEL_BAD: 'label with a control character',
  /** (warning) A folder reached a second time through a symlink (a loop): walked once. */
  FOLDER_REPEATED: 'folder reached again through a symlink',

  // --- hardening (issue 12) ---
  /** A mask above the documented size limit (2^26 pixels or 2^26 decoded bytes): a PNG refused from its header, a COCO RLE from its size. */
  MASK_TOO_LARGE: 'mask too large',

  /** (warning) --mltable without --base-url: relative image_url paths that Azure ML cannot resolve. */
  BASE_URL_MISSING: '--mltable without --base-url',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/** Where a problem is, as precisely as the format allows. */
export interface Location {
  /** The file concerned, as the user would type it (relative to the current directory when inside it). */
  file?: string | undefined;
  /** 1-based line number (CSV, JSONL). */
  line?: number | undefined;
  /** XML element path (`object[2]/bndbox/xmax`) or JSON path (`annotations[12].bbox`). */
  path?: string | undefined;
}

/** One reported problem, as it appears in the `--json` summary. */
export interface Diagnostic {
  file?: string;
  line?: number;
  path?: string;
  code: ErrorCode;
  message: string;
  severity: 'error' | 'warning';
}

/** Formats `file:line: path: message` leaving out whatever is unknown. */
export function formatLocation(loc: Location): string {
  let head = loc.file ?? '';
  if (loc.line !== undefined) head += `${head ? ':' : 'line '}${loc.line}`;
  if (loc.path) head += `${head ? ': ' : ''}${loc.path}`;
  return head;
}

/** A problem with the user's input, with a stable code and its location. */
export class ConversionError extends Error {
  override name = 'ConversionError';
  readonly code: ErrorCode;
  readonly file: string | undefined;
  readonly line: number | undefined;
  readonly path: string | undefined;
  /** The message without the location prefix. */
  readonly detail: string;
  /** Exit code the CLI uses for it (1 for bad input). */
  readonly exitCode: number;

  constructor(code: ErrorCode, detail: string, loc: Location = {}, options?: { cause?: unknown; exitCode?: number }) {
    const where = formatLocation(loc);
    super(where ? `${where}: ${detail}` : detail, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.detail = detail;
    this.file = loc.file;
    this.line = loc.line;
    this.path = loc.path;
    this.exitCode = options?.exitCode ?? 1;
  }

  /** The error as a summary entry. */
  toDiagnostic(severity: Diagnostic['severity'] = 'error'): Diagnostic {
    const d: Diagnostic = { code: this.code, message: this.message, severity };
    if (this.file !== undefined) d.file = this.file;
    if (this.line !== undefined) d.line = this.line;
    if (this.path !== undefined) d.path = this.path;
    return d;
  }
}

/** True for errors automl-img raised on purpose (print plainly), false for bugs (print the stack). */
export function isConversionError(e: unknown): e is ConversionError {
  return e instanceof ConversionError;
}

/** Describes what was found, for messages: `"abc"`, `nothing`, `an object`. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return v === '' ? 'an empty string' : JSON.stringify(v.length > 60 ? v.slice(0, 57) + '...' : v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return 'an object';
}
