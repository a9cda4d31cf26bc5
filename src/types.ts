/**
 * The shapes that flow through automl-img: records (one output line each), the options every
 * converter shares, the context a converter runs in, and the summary a conversion returns.
 */
import type { ConversionError, Diagnostic, ErrorCode, Location } from './errors.js';
import type { OptionSpecs, OptionValues } from './options.js';

/** `image_details` of SPEC §1. */
export interface ImageDetails {
  /** Lower-case type read from the image header: `jpg`, `png`, `bmp`, `tiff`, ... */
  format?: string;
  width?: number;
  height?: number;
}

/** One object of an object-detection line. Coordinates are normalised to [0, 1]. */
export interface BoxLabel {
  label: string;
  topX: number;
  topY: number;
  bottomX: number;
  bottomY: number;
  isCrowd: 0 | 1;
}

/** One object of an instance-segmentation line: rings of normalised x, y pairs. */
export interface PolygonLabel {
  label: string;
  isCrowd: 0 | 1;
  polygon: number[][];
}

/** The `label` of a line: multi-class, multi-label, detection or segmentation. */
export type Label = string | string[] | BoxLabel[] | PolygonLabel[];

/** What a converter yields: one image, one output line. */
export interface ImageRecord {
  /**
   * The image's path relative to the dataset root, with `/` separators. It is the line's
   * `image_url` (after `--base-url`), its split key and its sort key, so it must be unique.
   */
  path: string;
  /** Written as `image_details` when present (never guessed). */
  details?: ImageDetails | undefined;
  label: Label;
  /**
   * The file this line must go to, when the dataset says so itself (YOLO `--keep-splits`, a CVAT
   * `<subset>`): the writer honours it instead of the seeded hash of SPEC §3. Lines without it are
   * split as usual, among themselves. Ignored for `-o -` and `--validation-ratio 0` (everything in one file).
   */
  split?: 'train' | 'validation' | undefined;
  /**
   * Files the line brings with it (LabelMe's `--extract-images`: an image decoded from its JSON), which
   * the writer writes with the outputs, in the same commit: all of them or none, never in a dry run. A
   * file already there with the same bytes is left as it is; with other bytes it is refused
   * (`OUTPUT_EXISTS`) unless `--force`.
   */
  files?: readonly RecordFile[] | undefined;
}

/** A file a record brings with it (see {@link ImageRecord.files}). */
export interface RecordFile {
  /** Where it goes: an absolute path. */
  target: string;
  /** Its bytes. */
  data: Uint8Array;
}

/** The tasks of AutoML for Images. */
export type Task = 'multi-class' | 'multi-label' | 'object-detection' | 'instance-segmentation';

/** What `--on-error` chooses. */
export type OnError = 'fail' | 'skip';

/** Options every converter shares (SPEC §2). CLI flags map one to one. */
export interface CommonOptions {
  /** Output folder; `'-'` writes every record, unsplit, to stdout. Required unless `dryRun`. */
  out?: string | undefined;
  /** Share of images for validation, in [0, 1). Default 0.2. */
  validationRatio?: number | undefined;
  /** Changes which images are drawn for validation. Default `'0'`. */
  seed?: string | undefined;
  /** Keep each label's share in both files (SPEC §3). */
  stratify?: boolean | undefined;
  /** Prefix for `image_url`; a `/` is added when it does not end with one. */
  baseUrl?: string | undefined;
  /** The dataset root that `image_url` paths are relative to. */
  root?: string | undefined;
  /** Open image files to read their format and size. Default true (`--no-image-details` sets false). */
  imageDetails?: boolean | undefined;
  /**
   * Check that each image file read is whole (a JPEG's end-of-image marker, a PNG's IEND chunk, a
   * BMP's or TIFF's pixels inside the file: bounded reads at its end, no decode). Default true
   * (`--no-verify-images` sets false). Without image details no image is read, so none is checked.
   */
  verifyImages?: boolean | undefined;
  /** Also write Azure ML `MLTable` files (see README for the layout). */
  mltable?: boolean | undefined;
  /** `fail` (default) stops at the first bad item and writes nothing; `skip` leaves it out. */
  onError?: OnError | undefined;
  /** Read and check everything, write nothing. */
  dryRun?: boolean | undefined;
  /** Overwrite existing outputs. */
  force?: boolean | undefined;
  /** Decimal places for coordinates. Default 6. */
  precision?: number | undefined;
  /** Where progress goes (the CLI passes a progress bar). */
  onProgress?: ((done: number, total: number | undefined) => void) | undefined;
  /** Where warnings and skipped items are reported as they happen. */
  onDiagnostic?: ((d: Diagnostic) => void) | undefined;
  /** Aborts the conversion: temporary files are removed and nothing is written. */
  signal?: AbortSignal | undefined;
  /** Where `out: '-'` writes the lines. Default `process.stdout`. */
  stdout?: NodeJS.WritableStream | undefined;
}

/** Options of any converter: the shared ones plus its own (see each converter's `options`). */
export type ConvertOptions = CommonOptions & Record<string, unknown>;

/** The shared options with their defaults applied. */
export interface ResolvedOptions {
  out: string | undefined;
  validationRatio: number;
  seed: string;
  stratify: boolean;
  baseUrl: string;
  root: string | undefined;
  imageDetails: boolean;
  verifyImages: boolean;
  mltable: boolean;
  onError: OnError;
  dryRun: boolean;
  force: boolean;
  precision: number;
}

/** What a converter is given to run; `O` are its own options, checked, with their defaults. */
export interface ConverterContext<O = Record<string, unknown>> {
  /** The input argument, resolved to an absolute path. */
  input: string;
  /** The input as the user typed it (for messages). */
  inputArg: string;
  /** Shared options with defaults applied. */
  options: ResolvedOptions;
  /** The converter's own options, checked against its declarations, defaults applied. */
  own: O;
  /**
   * Reports a bad image (or row): with `--on-error fail` it throws the error; with `skip` it records
   * the error as skipped and returns, and the converter leaves the image out.
   */
  bad(error: ConversionError): void;
  /** Reports a bad object of an image that is kept: as {@link bad}, but counted as a skipped object. */
  badObject(error: ConversionError): void;
  /** Reports something left out or odd that is not an error (a `.DS_Store`, an image without XML). */
  warn(code: ErrorCode, message: string, loc?: Location): void;
  /** Adds to a named counter of the summary's `counts` (for example `clampedBoxes`). */
  count(name: string, by?: number): void;
  /** Reports progress (items done, items expected when known). */
  progress(done: number, total?: number): void;
  /** Formats a path for messages: relative to the current directory when inside it. */
  display(absPath: string): string;
  /** Aborted by the caller (Ctrl-C)? Converters with long loops may check it. */
  signal: AbortSignal | undefined;
  /**
   * True for a path a walk over the input must leave out, silently: the output folder and every file
   * the writer writes (this run's or an earlier one's: src/kit/own-outputs.ts). Pass it to
   * `listFolder(dir, { skip: ctx.isOwnOutput })`.
   */
  isOwnOutput(abs: string): boolean;
}

/** A sample dataset the converter ships under `samples/`, converted by the samples test and the README. */
export interface ConverterSample {
  /** The input, relative to the repository: `samples/voc`. */
  input: string;
  /** The converter's own options the sample is converted with (`{ oneBased: true }`). */
  options?: Readonly<Record<string, unknown>>;
}

/** A function of a converter's own options, checked bivariantly so a registry can hold every converter. */
type OfOptions<O, R> = { bivarianceHack(options: O): R }['bivarianceHack'];

/** A converter: a contract, its options, and an async generator of records. Define one with `defineConverter`. */
export interface Converter<S extends OptionSpecs = OptionSpecs> {
  /** Subcommand name, e.g. `voc-detection`. */
  name: string;
  /** Short alias, e.g. `voc`. */
  alias: string;
  /** One line for `--help`. */
  description: string;
  /** What the argument is, e.g. `<dir>`. */
  argument: string;
  /** An example command line for `--help`. */
  example: string;
  /** The samples it ships (each converted by the samples test). */
  samples: readonly ConverterSample[];
  /** The task of the lines it writes (a function when an option decides it). */
  task: Task | OfOptions<OptionValues<S>, Task>;
  /** Its own options, by key (see src/options.ts): the CLI's flags and the library's checks. */
  options: S;
  /** Yields one record per image. Never opens output files. */
  run(ctx: ConverterContext<OptionValues<S>>): AsyncIterable<ImageRecord>;
}

/**
 * A converter without its `run`: what `--help`, the flags and the option checks need. Each converter
 * declares it in `converters/declarations/<name>.ts`, a module that loads nothing heavy, so that the
 * command line can list every converter and load only the implementation of the one it runs.
 */
export type ConverterDeclaration<S extends OptionSpecs = OptionSpecs> = Omit<Converter<S>, 'run'>;

/** What a conversion returns, and what `--json` prints. */
export interface Summary {
  converter: string;
  task: Task;
  input: string;
  /** Lines in train (or all lines for `-o -`). */
  train: number;
  validation: number;
  /** Bad items left out with `--on-error skip` (images and objects; one per entry of `errors`). */
  skipped: number;
  /** Of those, whole images (or rows) left out. */
  skippedImages: number;
  /** Of those, objects left out of images that were kept. */
  skippedObjects: number;
  /** Errors (skipped items, or the one that stopped the run). */
  errors: Diagnostic[];
  /** Warnings: things reported and left out that are not errors. */
  warnings: Diagnostic[];
  /** Files written (empty for dry runs and failures). */
  outputs: string[];
  /** Images per label over both files. */
  labels: Record<string, number>;
  /** Objects (detection/segmentation) over both files. */
  objects: number;
  /** Named counters (for example `clampedBoxes`). */
  counts: Record<string, number>;
  dryRun: boolean;
  /** False when the run failed (the CLI exits 1). */
  ok: boolean;
  /** With `out: '-'`: stdout was closed by its reader (`| head`) before every line was written. */
  stdoutClosed?: boolean;
}
