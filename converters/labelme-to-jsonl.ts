/**
 * labelme-to-jsonl (alias `labelme`): LabelMe JSON files → object detection or instance segmentation.
 *
 * @example
 *   data_annotated/2011_000025.json (imagePath "2011_000025.jpg", shapes: polygons "bus", "car")  →
 *   {"image_url":"2011_000025.jpg","image_details":{"format":"jpg","width":500,"height":375},
 *    "label":[{"label":"bus","topX":0.16,"topY":0.2,"bottomX":0.992,"bottomY":0.877333,"isCrowd":0},...]}
 *
 * One LabelMe JSON per image, at any folder depth below the input (sorted walk), or one JSON given
 * directly. The image is `imagePath` relative to the JSON (`\` read as `/`); when that names no image file
 * (real files often name the JSON itself, or a renamed image), the JSON's stem with an image extension
 * beside it. No image file at all is a bad item, whose message says when the JSON embeds it (`imageData`)
 * and names `--extract-images <dir>`: with it, that image is decoded (base64; a JPEG, PNG, BMP or TIFF,
 * read and checked like a file) and written to `<dir>/<image_url path>` (the path it would have beside
 * its JSON, `<dir>` standing for the dataset root; named after `imagePath`, with the extension of its
 * type) by the writer, which commits it with the JSONL (`ImageRecord.files`). `<dir>` inside the input
 * is refused.
 * `imageWidth`/`imageHeight` are checked against the image header (IMAGE_SIZE_MISMATCH); with
 * `--no-image-details` no image is opened and they are required.
 * Shapes: `rectangle` (two corners), `polygon` (3 points or more), `circle` (centre and a point on it: a
 * 32-gon), `mask` (a base64 PNG covering the box of its two points, traced into rings with src/polygon;
 * `--tolerance` etc. apply). `line`, `linestrip`, `point` and `points` cannot be objects: a warning each
 * (SHAPE_LEFT_OUT). Shapes sharing a `group_id` and a label are one object (several rings; for detection the
 * box around them all). The `__ignore__` label is not an object. Pixel coordinates are clamped to the image
 * (`clampedBoxes`, `clampedPoints`) and normalised by its size. A bad shape is a bad object. Images of
 * the walked folders that no JSON names are reported (MISSING_ANNOTATION) and not converted.
 */
import { readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { ConversionError, describeValue, type Location } from '../src/errors.js';
import { extensionOf, isImageName, readImageDetails, readImageDetailsFromBytes } from '../src/images.js';
import { boxLabel } from '../src/kit/boxes.js';
import { HeaderReader } from '../src/kit/headers.js';
import { defineConverter } from '../src/kit/define.js';
import LABELME, { OPTIONS } from './declarations/labelme-to-jsonl.js';
import { usageError, type OptionValues } from '../src/options.js';
import { listFolder, relativeKey } from '../src/paths.js';
import { maskToRings, type PolygonOptions } from '../src/polygon/index.js';
import { polygonOptionsFrom } from '../src/polygon/cli-options.js';
import type { BoxLabel, ConverterContext, ImageDetails, ImageRecord, PolygonLabel } from '../src/types.js';

type Task = 'object-detection' | 'instance-segmentation';

/** Shape types that cannot be an object (no area). */
const NOT_OBJECTS = new Set(['line', 'linestrip', 'point', 'points']);
/** The label LabelMe's own tools leave out of every output. */
const IGNORE_LABEL = '__ignore__';
/** Points of the polygon a circle becomes. */
const CIRCLE_POINTS = 32;
/** Extensions tried for the JSON's stem, in this order. */
const STEM_EXTENSIONS = ['jpg', 'jpeg', 'png', 'JPG', 'JPEG', 'PNG', 'bmp', 'tif', 'tiff', 'jpe', 'jfif', 'BMP', 'TIF', 'TIFF'];

/** One object as pixels: its rings (flat x, y pairs) and the box around them. */
interface PixelObject {
  label: string;
  rings: number[][];
  xmin: number;
  ymin: number;
  xmax: number;
  ymax: number;
  /** Where its first shape is, for messages. */
  path: string;
  /** Its first shape's index (problems are reported in shape order). */
  index: number;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Every `.json` below `dir`, sorted (hidden files and folders left out); the image files seen go to `images`. */
async function* walkJson(dir: string, images: string[]): AsyncGenerator<string> {
  for (const entry of await listFolder(dir)) {
    const abs = dir + sep + entry.name;
    if (entry.kind === 'dir') yield* walkJson(abs, images);
    else if (entry.kind === 'file' && entry.name.toLowerCase().endsWith('.json')) yield abs;
    else if (entry.kind === 'file' && isImageName(entry.name)) images.push(abs);
  }
}

/** The 1-based line of a `JSON.parse` error's position, when its message gives one. */
function lineOfParseError(text: string, e: Error): number | undefined {
  const m = /position (\d+)/.exec(e.message);
  if (!m) return undefined;
  let line = 1;
  for (let i = 0, end = Math.min(Number(m[1]), text.length); i < end; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** `imagePath` with `/` separators when it names an image file (not the JSON itself, not empty). */
function imagePathOf(doc: Record<string, unknown>): string | undefined {
  const imagePath = typeof doc.imagePath === 'string' ? doc.imagePath.replace(/\\/g, '/') : undefined;
  return imagePath !== undefined && imagePath !== '' && isImageName(imagePath) ? imagePath : undefined;
}

/** A file name without its extension. */
function stemOf(name: string): string {
  return name.slice(0, name.length - extname(name).length);
}

/**
 * The image file a LabelMe JSON belongs to: `imagePath` when it names an image file, else the JSON's
 * stem with an image extension; undefined when there is none.
 */
function findImage(jsonAbs: string, doc: Record<string, unknown>, display: (p: string) => string): { abs: string; warning?: string } | undefined {
  const dir = dirname(jsonAbs);
  const imagePath = imagePathOf(doc);
  if (imagePath !== undefined) {
    const abs = join(dir, ...imagePath.split('/'));
    if (isFile(abs)) return { abs };
  }
  const stem = stemOf(basename(jsonAbs));
  for (const ext of STEM_EXTENSIONS) {
    const abs = join(dir, `${stem}.${ext}`);
    if (isFile(abs)) {
      return imagePath !== undefined ? { abs, warning: `no image ${JSON.stringify(imagePath)} as imagePath says: using ${display(abs)}, found by the JSON's name` } : { abs };
    }
  }
  return undefined;
}

/** The error of a JSON whose image file is not there (when the JSON embeds it, the message names --extract-images). */
function imageNotFound(jsonAbs: string, doc: Record<string, unknown>, file: string): ConversionError {
  const imagePath = typeof doc.imagePath === 'string' && doc.imagePath !== '' ? doc.imagePath.replace(/\\/g, '/') : undefined;
  const looked = `${imagePath !== undefined ? `${JSON.stringify(imagePath)} (imagePath) or ` : ''}${stemOf(basename(jsonAbs))}.<jpg|png|...> beside the JSON`;
  const embedded = typeof doc.imageData === 'string' && doc.imageData !== '';
  return new ConversionError(
    'IMAGE_NOT_FOUND',
    embedded
      ? `expected the image ${looked}, got none; the JSON embeds it (imageData): --extract-images <dir> writes such images into <dir> (mirroring the dataset's folders) and points image_url at them`
      : `expected the image ${looked}, got none`,
    { file, path: 'imagePath' },
  );
}

/** The extensions a decoded image's name may keep, by its format; the first is the one it is given otherwise. */
const EXTENSIONS_OF: Readonly<Record<string, readonly string[]>> = {
  jpg: ['jpg', 'jpeg', 'jpe', 'jfif'],
  png: ['png'],
  bmp: ['bmp'],
  tiff: ['tiff', 'tif'],
};

/** Base64 as LabelMe writes it (Python's `base64.b64encode`): the standard alphabet, `=` padding; white space is ignored. */
function decodeBase64(text: string, at: Location): Buffer {
  const bad = /[^A-Za-z0-9+/=\s]/.exec(text);
  const fail = (got: string) => new ConversionError('JSON_BAD_VALUE', `expected a base64 image, got ${got}`, at);
  if (bad) throw fail(`${JSON.stringify(bad[0])} at character ${bad.index}, which base64 does not use`);
  const s = /\s/.test(text) ? text.replace(/\s+/g, '') : text;
  const pad = s.indexOf('=');
  if (pad !== -1 && (pad < s.length - 2 || s.length % 4 !== 0 || (pad === s.length - 2 && s[s.length - 1] !== '='))) {
    throw fail(`"=" at character ${pad} of ${s.length}: padding only ends base64 text of a length divisible by 4`);
  }
  if (s.length % 4 === 1) throw fail(`${s.length} characters, a length base64 cannot have (cut short?)`);
  return Buffer.from(s, 'base64');
}

/**
 * The image a JSON embeds (`imageData`), decoded for `--extract-images`: its bytes, its header (the
 * bytes must be an image AutoML reads: JPEG, PNG, BMP or TIFF) and the name it is written under, the
 * base name of `imagePath` (its stem, when its extension is not the image's type) or the JSON's stem.
 */
function embeddedImage(jsonAbs: string, doc: Record<string, unknown>, file: string, verify: boolean): { data: Buffer; details: Required<ImageDetails>; name: string } {
  const at: Location = { file, path: 'imageData' };
  const data = decodeBase64(doc.imageData as string, at);
  let details: Required<ImageDetails>;
  try {
    details = readImageDetailsFromBytes(data, file, { verify });
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    const start = [...data.subarray(0, 8)].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join(' ');
    throw new ConversionError(e.code, `expected an image (a JPEG, PNG, BMP or TIFF file in base64), got ${data.length} bytes that are ${e.detail} (they begin ${start})`, at);
  }
  const extensions = EXTENSIONS_OF[details.format];
  if (extensions === undefined) {
    throw new ConversionError('IMAGE_UNREADABLE', `expected a JPEG, PNG, BMP or TIFF image (what AutoML for Images reads), got a ${details.format.toUpperCase()} image; convert it first`, at);
  }
  const imagePath = imagePathOf(doc);
  const named = imagePath === undefined ? undefined : basename(imagePath);
  const name = named !== undefined && extensions.includes(extensionOf(named)) ? named : `${stemOf(named ?? basename(jsonAbs))}.${extensions[0]!}`;
  return { data, details, name };
}

/** True when `abs` is `dir` or lies inside it. */
function isWithin(dir: string, abs: string): boolean {
  return abs === dir || relativeKey(dir, abs) !== undefined;
}

/** The path with symlinks resolved as far as it exists (the rest as given). */
function realPath(abs: string): string {
  try {
    return realpathSync(abs);
  } catch {
    const parent = dirname(abs);
    return parent === abs ? abs : join(realPath(parent), basename(abs));
  }
}

/** A shape's points as numbers, or the error saying what is wrong with them. */
function pointsOf(shape: Record<string, unknown>, at: Location): number[][] | ConversionError {
  const points = shape.points;
  if (!Array.isArray(points)) return new ConversionError('JSON_BAD_VALUE', `expected points: a list of [x, y], got ${describeValue(points)}`, at);
  for (let i = 0; i < points.length; i++) {
    const p: unknown = points[i];
    if (!Array.isArray(p) || p.length !== 2 || !p.every((v) => typeof v === 'number' && Number.isFinite(v))) {
      return new ConversionError('JSON_BAD_VALUE', `points[${i}]: expected [x, y] of finite numbers, got ${JSON.stringify(p)?.slice(0, 60) ?? describeValue(p)}`, at);
    }
  }
  return points as number[][];
}

/** One shape → its rings in pixels (a polygon, a rectangle, a circle's 32-gon, a mask traced), or the error. */
/** Reads a `mask` shape's PNG: src/mask/png.ts, loaded by a run (its PNG decoder is not needed to start the CLI). */
type MaskDecoder = typeof import('../src/mask/png.js').decodeMask;

function shapeRings(shape: Record<string, unknown>, type: string, at: Location, polygon: PolygonOptions, display: string, decodeMask: MaskDecoder): number[][] | ConversionError {
  const points = pointsOf(shape, at);
  if (points instanceof ConversionError) return points;
  const count = (n: string) => new ConversionError('JSON_BAD_VALUE', `expected ${n} for a ${type}, got ${points.length} point${points.length === 1 ? '' : 's'}`, at);
  if (type === 'polygon') {
    if (points.length < 3) return new ConversionError('BAD_POLYGON', `expected a polygon of 3 points or more, got ${points.length}`, at);
    return [points.flat()];
  }
  if (type === 'rectangle') {
    if (points.length !== 2) return count('2 points (two corners)');
    const [[x1, y1], [x2, y2]] = points as [[number, number], [number, number]];
    const [x0, x9, y0, y9] = [Math.min(x1, x2), Math.max(x1, x2), Math.min(y1, y2), Math.max(y1, y2)];
    return [[x0, y0, x9, y0, x9, y9, x0, y9]];
  }
  if (type === 'circle') {
    if (points.length !== 2) return count('2 points (the centre and a point on the circle)');
    const [[cx, cy], [px, py]] = points as [[number, number], [number, number]];
    const r = Math.hypot(px - cx, py - cy);
    const ring: number[] = [];
    for (let i = 0; i < CIRCLE_POINTS; i++) {
      const a = (2 * Math.PI * i) / CIRCLE_POINTS;
      ring.push(cx + r * Math.cos(a), cy + r * Math.sin(a));
    }
    return [ring];
  }
  // mask: a PNG the size of the box of its two points (LabelMe: mask[y1:y2+1, x1:x2+1]).
  if (points.length !== 2) return count('2 points (the corners of the mask)');
  if (typeof shape.mask !== 'string' || shape.mask === '') return new ConversionError('JSON_BAD_VALUE', `expected mask: a base64 PNG, got ${describeValue(shape.mask)}`, at);
  const x1 = Math.round(Math.min(points[0]![0]!, points[1]![0]!));
  const y1 = Math.round(Math.min(points[0]![1]!, points[1]![1]!));
  let mask;
  try {
    mask = decodeMask(Buffer.from(shape.mask, 'base64'), `${display} ${at.path}.mask`);
  } catch (e) {
    if (e instanceof ConversionError) return new ConversionError(e.code, e.detail, { ...at, path: `${at.path}.mask` });
    throw e;
  }
  const rings = maskToRings(mask.data, mask.width, mask.height, polygon).map((ring) => ring.map((v, i) => v + (i % 2 === 0 ? x1 : y1)));
  if (rings.length === 0) return new ConversionError('OBJECT_WITHOUT_PIXELS', 'expected a mask with pixels, got an empty one', { ...at, path: `${at.path}.mask` });
  return rings;
}

/** The shapes of one JSON → objects in pixels (groups merged), in the order of their first shape. */
function objectsOf(ctx: ConverterContext, shapes: unknown[], file: string, polygon: PolygonOptions, decodeMask: MaskDecoder): { objects: PixelObject[]; problems: [number, ConversionError][] } {
  const objects: PixelObject[] = [];
  const problems: [number, ConversionError][] = [];
  const groups = new Map<string, PixelObject>();
  shapes.forEach((raw, i) => {
    const path = `shapes[${i}]`;
    const at: Location = { file, path };
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
      problems.push([i, new ConversionError('JSON_BAD_VALUE', `expected a shape object, got ${describeValue(raw)}`, at)]);
      return;
    }
    const shape = raw as Record<string, unknown>;
    const label = shape.label;
    if (typeof label !== 'string' || label === '') {
      problems.push([i, new ConversionError('JSON_BAD_VALUE', `label: expected a non-empty string, got ${describeValue(label)}`, at)]);
      return;
    }
    if (label === IGNORE_LABEL) {
      ctx.count('ignoredShapes');
      return;
    }
    // LabelMe's oldest files have no shape_type: their shapes are polygons.
    const type = shape.shape_type === undefined || shape.shape_type === null ? 'polygon' : shape.shape_type;
    if (typeof type !== 'string' || !['polygon', 'rectangle', 'circle', 'mask'].includes(type)) {
      if (typeof type === 'string' && NOT_OBJECTS.has(type)) {
        ctx.warn('SHAPE_LEFT_OUT', `a ${type} (${JSON.stringify(label)}) has no area, so it cannot be an object: left out`, at);
      } else {
        problems.push([i, new ConversionError('JSON_BAD_VALUE', `shape_type: expected polygon, rectangle, circle or mask, got ${describeValue(type)}`, at)]);
      }
      return;
    }
    const rings = shapeRings(shape, type, at, polygon, file, decodeMask);
    if (rings instanceof ConversionError) {
      problems.push([i, rings]);
      return;
    }
    const group = shape.group_id;
    const groupKey = group === undefined || group === null ? undefined : `${JSON.stringify(group)}\u0000${label}`;
    let obj = groupKey === undefined ? undefined : groups.get(groupKey);
    if (!obj) {
      obj = { label, rings: [], xmin: Infinity, ymin: Infinity, xmax: -Infinity, ymax: -Infinity, path, index: i };
      objects.push(obj);
      if (groupKey !== undefined) groups.set(groupKey, obj);
    }
    for (const ring of rings) {
      obj.rings.push(ring);
      for (let k = 0; k < ring.length; k += 2) {
        obj.xmin = Math.min(obj.xmin, ring[k]!);
        obj.xmax = Math.max(obj.xmax, ring[k]!);
        obj.ymin = Math.min(obj.ymin, ring[k + 1]!);
        obj.ymax = Math.max(obj.ymax, ring[k + 1]!);
      }
    }
  });
  return { objects, problems };
}

/** A pixel object → its line object (normalised, clamped), or the error. */
function toLabel(obj: PixelObject, width: number, height: number, task: Task, file: string, counts: { boxes: number; points: number }): BoxLabel | PolygonLabel | ConversionError {
  const at: Location = { file, path: obj.path };
  if (task === 'object-detection') {
    const r = boxLabel(
      { label: obj.label, isCrowd: 0 },
      obj,
      { width, height },
      {
        loc: at,
        noArea: (axis) => `expected a shape with area, got ${axis === 'x' ? `x from ${obj.xmin} to ${obj.xmax}` : `y from ${obj.ymin} to ${obj.ymax}`}`,
        outside: (image) => `expected a shape overlapping the ${image.width}x${image.height} image, got x ${obj.xmin}..${obj.xmax}, y ${obj.ymin}..${obj.ymax}`,
      },
    );
    if (r instanceof ConversionError) return r;
    if (r.clamped) counts.boxes++;
    return r.box;
  }
  if (!(obj.xmax > obj.xmin && obj.ymax > obj.ymin)) return new ConversionError('BAD_POLYGON', 'expected a shape with area, got its points on a line', at);
  if (obj.xmax <= 0 || obj.ymax <= 0 || obj.xmin >= width || obj.ymin >= height) {
    return new ConversionError('BAD_POLYGON', `expected a shape overlapping the ${width}x${height} image, got x ${obj.xmin}..${obj.xmax}, y ${obj.ymin}..${obj.ymax}`, at);
  }
  let clamped = false;
  const polygon = obj.rings.map((ring) =>
    ring.map((v, i) => {
      const max = i % 2 === 0 ? width : height;
      const c = v < 0 ? 0 : v > max ? max : v;
      if (c !== v) clamped = true;
      return c / max;
    }),
  );
  if (clamped) counts.points++;
  return { label: obj.label, isCrowd: 0, polygon };
}

async function* run(ctx: ConverterContext<OptionValues<typeof OPTIONS>>): AsyncGenerator<ImageRecord> {
  const single = statSync(ctx.input).isFile();
  const root = ctx.options.root ?? (single ? dirname(ctx.input) : ctx.input);
  const task: Task = ctx.own.task;
  const polygon = polygonOptionsFrom(ctx.own);
  const { decodeMask } = await import('../src/mask/png.js');
  const headers = ctx.options.imageDetails ? await HeaderReader.for(root, { verify: ctx.options.verifyImages }) : undefined;
  const extractTo = extractFolder(ctx, single ? dirname(ctx.input) : ctx.input);
  /** Image files of the walked folders, and those some JSON names (the others are reported). */
  const seenImages: string[] = [];
  const usedImages = new Set<string>();
  const files = single
    ? (async function* () {
        yield ctx.input;
      })()
    : walkJson(ctx.input, seenImages);
  let done = 0;
  let found = 0;
  for await (const jsonAbs of files) {
    if (ctx.signal?.aborted) return;
    found++;
    const file = ctx.display(jsonAbs);
    try {
      const record = await convertOne(ctx, jsonAbs, file, { root, headers, task, polygon, decodeMask, usedImages, extractTo });
      ctx.progress(++done);
      if (record) yield record;
    } catch (e) {
      // A bad JSON is a bad item; wrong usage (--extract-images into the input) stops the run.
      if (!(e instanceof ConversionError) || e.code === 'USAGE') throw e;
      ctx.progress(++done);
      ctx.bad(e);
    }
  }
  if (found === 0) throw new ConversionError('EMPTY_DATASET', 'expected LabelMe .json files, got none', { file: ctx.display(ctx.input) });
  for (const abs of seenImages.sort()) {
    if (!usedImages.has(abs)) ctx.warn('MISSING_ANNOTATION', 'image without a LabelMe JSON: not converted', { file: ctx.display(abs) });
  }
}

/**
 * `--extract-images <dir>`, absolute; refused (USAGE) when it is the input folder or lies inside it
 * (automl-img never writes into its input).
 */
function extractFolder(ctx: ConverterContext<OptionValues<typeof OPTIONS>>, inputFolder: string): { dir: string; inputFolder: string } | undefined {
  const given = ctx.own.extractImages;
  if (given === undefined) return undefined;
  const dir = resolve(given);
  if (isWithin(inputFolder, dir) || isWithin(realPath(inputFolder), realPath(dir))) {
    throw usageError(`--extract-images ${given}: expected a folder outside the input folder ${ctx.display(inputFolder)} (automl-img never writes into its input), got one inside it`);
  }
  return { dir, inputFolder };
}

/** What every JSON of a run is converted with. */
interface RunSettings {
  root: string;
  headers: HeaderReader | undefined;
  task: Task;
  polygon: PolygonOptions;
  /** The PNG decoder of `mask` shapes (loaded by `run`, not at start-up). */
  decodeMask: MaskDecoder;
  /** Image files some JSON names (the other images of the walked folders are reported). */
  usedImages: Set<string>;
  /** `--extract-images`: where embedded images of JSONs without an image file go. */
  extractTo: { dir: string; inputFolder: string } | undefined;
}

/** The image of one JSON: a file of the dataset, or (`--extract-images`) the one it embeds, with where it is written. */
type ImageSource = { abs: string; key: string } | { key: string; target: string; data: Buffer; details: Required<ImageDetails> };

/** Finds (or decodes) the image of one JSON, and its key (the `image_url` path). */
function imageSource(ctx: ConverterContext, jsonAbs: string, d: Record<string, unknown>, file: string, settings: RunSettings): ImageSource {
  const outside = (abs: string) =>
    new ConversionError('PATH_OUTSIDE_ROOT', `expected an image inside the dataset root ${ctx.display(settings.root)} (--root), got ${ctx.display(abs)}`, { file, path: 'imagePath' });
  const image = findImage(jsonAbs, d, ctx.display);
  if (image) {
    settings.usedImages.add(image.abs);
    if (image.warning) ctx.warn('IMAGE_NOT_FOUND', image.warning, { file, path: 'imagePath' });
    const key = relativeKey(settings.root, image.abs);
    if (key === undefined) throw outside(image.abs);
    return { abs: image.abs, key };
  }
  if (settings.extractTo === undefined || typeof d.imageData !== 'string' || d.imageData === '') throw imageNotFound(jsonAbs, d, file);
  // Written where the image would be beside its JSON, with <dir> in place of the dataset root.
  const embedded = embeddedImage(jsonAbs, d, file, ctx.options.imageDetails && ctx.options.verifyImages);
  const besideJson = join(dirname(jsonAbs), embedded.name);
  const key = relativeKey(settings.root, besideJson);
  if (key === undefined) throw outside(besideJson);
  const target = join(settings.extractTo.dir, ...key.split('/'));
  if (isWithin(settings.extractTo.inputFolder, target)) {
    throw usageError(
      `--extract-images ${ctx.display(settings.extractTo.dir)}: ${file}'s image would be written to ${ctx.display(target)}, inside the input (automl-img never writes into its input); choose another folder`,
    );
  }
  ctx.count('extractedImages');
  return { key, target, data: embedded.data, details: embedded.details };
}

async function convertOne(ctx: ConverterContext, jsonAbs: string, file: string, settings: RunSettings): Promise<ImageRecord | undefined> {
  const { headers, task, polygon, decodeMask } = settings;
  const text = readFileSync(jsonAbs, 'utf8').replace(/^\uFEFF/, '');
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new ConversionError('JSON_PARSE', `expected JSON, got ${(e as Error).message}`, { file, line: lineOfParseError(text, e as Error) });
  }
  if (doc === null || typeof doc !== 'object' || Array.isArray(doc) || !Array.isArray((doc as Record<string, unknown>).shapes)) {
    throw new ConversionError('JSON_MISSING', 'expected a LabelMe file (an object with shapes and imagePath), got another JSON', { file, path: 'shapes' });
  }
  const d = doc as Record<string, unknown>;
  const image = imageSource(ctx, jsonAbs, d, file, settings);
  const annotated = {
    width: typeof d.imageWidth === 'number' && d.imageWidth > 0 ? d.imageWidth : undefined,
    height: typeof d.imageHeight === 'number' && d.imageHeight > 0 ? d.imageHeight : undefined,
  };
  let details: ImageDetails | undefined;
  let width: number;
  let height: number;
  if (headers) {
    const h = 'details' in image ? image.details : (headers.readSync(image.abs) ?? (await readImageDetails(image.abs, ctx.display(image.abs), { verify: ctx.options.verifyImages })));
    details = h;
    width = h.width;
    height = h.height;
    if ((annotated.width !== undefined && annotated.width !== width) || (annotated.height !== undefined && annotated.height !== height)) {
      const which = 'abs' in image ? ctx.display(image.abs) : 'the image it embeds (imageData)';
      throw new ConversionError(
        'IMAGE_SIZE_MISMATCH',
        `expected the size of ${which}, ${width}x${height}, got imageWidth ${describeValue(d.imageWidth)}, imageHeight ${describeValue(d.imageHeight)}`,
        {
          file,
          path: 'imageWidth',
        },
      );
    }
  } else {
    if (annotated.width === undefined || annotated.height === undefined) {
      throw new ConversionError(
        'JSON_MISSING',
        `expected imageWidth and imageHeight (--no-image-details opens no image to read them from), got ${describeValue(d.imageWidth)} and ${describeValue(d.imageHeight)}`,
        {
          file,
          path: annotated.width === undefined ? 'imageWidth' : 'imageHeight',
        },
      );
    }
    width = annotated.width;
    height = annotated.height;
    details = { width, height };
  }
  const { objects, problems } = objectsOf(ctx, d.shapes as unknown[], file, polygon, decodeMask);
  const counts = { boxes: 0, points: 0 };
  const label: (BoxLabel | PolygonLabel)[] = [];
  for (const obj of objects) {
    const l = toLabel(obj, width, height, task, file, counts);
    if (l instanceof ConversionError) problems.push([obj.index, l]);
    else label.push(l);
  }
  for (const [, p] of problems.sort((a, b) => a[0] - b[0])) ctx.badObject(p);
  if (counts.boxes) ctx.count('clampedBoxes', counts.boxes);
  if (counts.points) ctx.count('clampedPoints', counts.points);
  const record: ImageRecord = { path: image.key, details, label: label as BoxLabel[] | PolygonLabel[] };
  if ('target' in image) record.files = [{ target: image.target, data: image.data }];
  return record;
}

export default defineConverter({ ...LABELME, run });
