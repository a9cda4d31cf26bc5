/**
 * COCO knowledge for coco-to-jsonl: the index of `images` and `categories` built in a first pass,
 * and the checks and arithmetic that turn one element of `annotations` into one AutoML object
 * (a normalised box, or normalised polygon rings).
 *
 * Every value comes in as `unknown` from `JSON.parse` and is narrowed here; members are read as own
 * properties only, and ids and names live in `Map`s, so `__proto__` or `constructor` are plain data.
 *
 * @example
 *   const index = new CocoIndex(file, report, warn);
 *   for (const e of pass1) e.key === 'images' ? index.addImage(e.value, e.index) : index.addCategory(e.value, e.index);
 *   const objects = new AnnotationReader(index, sizes, { task: 'object-detection', file, ... });
 *   const object = objects.read(annotation, 12, deferred); // throws ConversionError for a bad object
 */
import { ConversionError, describeValue, type ErrorCode, type Location } from '../errors.js';
import { MAX_MASK_PIXELS } from '../mask/limits.js';
import { maskToRings, ringArea, type PolygonOptions } from '../polygon/index.js';
import { parseRle, rleBbox, rleToMask, type Rle } from './rle.js';
import type { ByteSpan } from './json/index.js';

/** A COCO id: images, categories and annotations may use numbers or strings. `1` and `"1"` differ. */
export type CocoId = number | string;

/** The two tasks a COCO file converts to. */
export type CocoTask = 'object-detection' | 'instance-segmentation';

/** True for a finite number or a non-empty string. */
export function isCocoId(v: unknown): v is CocoId {
  return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v !== '');
}

/** An id as messages show it: `7` or `"7"`. */
export function describeId(id: CocoId): string {
  return typeof id === 'number' ? String(id) : JSON.stringify(id);
}

/** An own member of a parsed JSON object (never something inherited from `Object.prototype`). */
export function member(o: object, key: string): unknown {
  return Object.hasOwn(o, key) ? (o as Record<string, unknown>)[key] : undefined;
}

function isObject(v: unknown): v is object {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reports a bad item: throws with `--on-error fail`, records it with `skip`. */
export type ReportBad = (error: ConversionError) => void;
/** Reports something that is not an error. */
export type ReportWarning = (code: ErrorCode, message: string, loc: Location) => void;

/** What {@link AnnotationReader} looks ids up in: a {@link CocoIndex}, or {@link IdTables} in a worker thread. */
export interface AnnotationIds {
  /** The image index of an id: -1 for an image reported bad, undefined for an unknown id. */
  imageIndex(id: CocoId): number | undefined;
  /** Image id → image index (-1: reported bad); for messages. */
  readonly imageIds: ReadonlyMap<CocoId, number>;
  /** Category id → label index (-1: reported bad). */
  readonly categoryIds: ReadonlyMap<CocoId, number>;
}

/** The id tables of a {@link CocoIndex} as plain data, to send to worker threads (see {@link IdTables}). */
export interface IdTablesData {
  imageIds: CocoId[];
  imageIndexes: Int32Array;
  dense: Int32Array | undefined;
  categoryIds: CocoId[];
  labels: Int32Array;
}

/** The id lookups of a {@link CocoIndex}, rebuilt from {@link IdTablesData} (in a worker thread). */
export class IdTables implements AnnotationIds {
  readonly categoryIds: ReadonlyMap<CocoId, number>;
  private map: Map<CocoId, number> | undefined;

  constructor(private readonly data: IdTablesData) {
    this.categoryIds = new Map(data.categoryIds.map((id, k) => [id, data.labels[k]!]));
  }

  get imageIds(): ReadonlyMap<CocoId, number> {
    if (this.map === undefined) {
      const { imageIds, imageIndexes } = this.data;
      this.map = new Map(imageIds.map((id, k) => [id, imageIndexes[k]!]));
    }
    return this.map;
  }

  imageIndex(id: CocoId): number | undefined {
    const table = this.data.dense;
    return table !== undefined && typeof id === 'number' ? denseLookup(table, id) : this.imageIds.get(id);
  }
}

/** An image id looked up in a dense table (see {@link CocoIndex.finish}): -2 unknown, -1 bad. */
function denseLookup(table: Int32Array, id: number): number | undefined {
  if (!(id >= 0 && id < table.length && Number.isInteger(id))) return undefined;
  const i = table[id]!;
  return i === -2 ? undefined : i;
}

/** A category entry that was kept, for messages about duplicates. */
interface CategoryEntry {
  label: number;
  name: string;
  path: string;
}

/**
 * What the first pass keeps: images (id → index, file name, the size the JSON gives) and categories
 * (id → label). Bad entries are reported through `report`; their ids map to -1 so that annotations
 * pointing at them are left out quietly (the entry itself was already reported).
 */
export class CocoIndex implements AnnotationIds {
  /** Image id → image index, or -1 for an image that was reported bad. */
  readonly imageIds = new Map<CocoId, number>();
  /** Per image index: `file_name` with `/` separators. */
  readonly fileNames: string[] = [];
  /** Per image index: its position in `images`. */
  readonly elementIndex: number[] = [];
  /** Per image index: `width` and `height` from the JSON, 0 when not given. */
  readonly jsonWidth: number[] = [];
  readonly jsonHeight: number[] = [];
  /** Category id → label index (into {@link labels}), or -1 for a category reported bad. */
  readonly categoryIds = new Map<CocoId, number>();
  /** Label names, one per distinct category name (categories sharing a name share a label). */
  readonly labels: string[] = [];
  private readonly byName = new Map<string, CategoryEntry>();
  private readonly categoryById = new Map<CocoId, CategoryEntry>();

  constructor(
    private readonly file: string,
    private readonly report: ReportBad,
    private readonly warn: ReportWarning,
  ) {}

  /** Image id → index for small non-negative integer ids (what COCO uses): -2 unknown, -1 bad. Built by {@link finish}. */
  private denseImageIds: Int32Array | undefined;

  /**
   * Call once every image has been added: builds a flat table for integer image ids (a map lookup per
   * annotation costs cache misses on a large dataset).
   */
  finish(): void {
    let max = -1;
    for (const id of this.imageIds.keys()) {
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0) return;
      if (id > max) max = id;
    }
    if (max < 0 || max > 8 * this.imageIds.size + (1 << 20)) return;
    const table = new Int32Array(max + 1).fill(-2);
    for (const [id, index] of this.imageIds) table[id as number] = index;
    this.denseImageIds = table;
  }

  /** The image index of an id: -1 for an image reported bad, undefined for an unknown id. */
  imageIndex(id: CocoId): number | undefined {
    const table = this.denseImageIds;
    return table !== undefined && typeof id === 'number' ? denseLookup(table, id) : this.imageIds.get(id);
  }

  /** The id tables as plain data (typed arrays and lists), for {@link IdTables} in worker threads. Call after {@link finish}. */
  idTablesData(): IdTablesData {
    return {
      imageIds: [...this.imageIds.keys()],
      imageIndexes: Int32Array.from(this.imageIds.values()),
      dense: this.denseImageIds,
      categoryIds: [...this.categoryIds.keys()],
      labels: Int32Array.from(this.categoryIds.values()),
    };
  }

  /**
   * Drops the id tables and per-image lists once the annotations have been read (only {@link labels}
   * and {@link imageCount} stay), so that their memory is free while the lines are written.
   */
  release(): void {
    this.released = this.fileNames.length;
    this.imageIds.clear();
    this.categoryIds.clear();
    this.byName.clear();
    this.categoryById.clear();
    this.denseImageIds = undefined;
    this.fileNames.length = 0;
    this.elementIndex.length = 0;
    this.jsonWidth.length = 0;
    this.jsonHeight.length = 0;
  }

  private released: number | undefined;

  /** Number of images kept. */
  get imageCount(): number {
    if (this.released !== undefined) return this.released;
    return this.fileNames.length;
  }

  private at(path: string): Location {
    return { file: this.file, path };
  }

  private bad(code: ErrorCode, detail: string, path: string): void {
    this.report(new ConversionError(code, detail, this.at(path)));
  }

  /** Reads `images[index]`. */
  addImage(value: unknown, index: number): void {
    const path = `images[${index}]`;
    if (!isObject(value)) return this.bad('JSON_BAD_VALUE', `expected an image object, got ${describeValue(value)}`, path);
    const id = member(value, 'id');
    if (!isCocoId(id)) {
      return this.bad(id === undefined ? 'JSON_MISSING' : 'JSON_BAD_VALUE', `expected an id (a number or a non-empty string), got ${describeValue(id)}`, `${path}.id`);
    }
    const previous = this.imageIds.get(id);
    if (previous !== undefined) {
      const where = previous >= 0 ? ` (images[${this.elementIndex[previous]}] has it)` : '';
      return this.bad('DUPLICATE_ID', `expected a unique image id, got ${describeId(id)} again${where}`, `${path}.id`);
    }
    const fileName = member(value, 'file_name');
    if (typeof fileName !== 'string' || fileName.trim() === '') {
      this.imageIds.set(id, -1);
      return this.bad(fileName === undefined ? 'JSON_MISSING' : 'JSON_BAD_VALUE', `expected a file name, got ${describeValue(fileName)}`, `${path}.file_name`);
    }
    const width = this.size(value, 'width', path);
    const height = this.size(value, 'height', path);
    if (width < 0 || height < 0) {
      this.imageIds.set(id, -1);
      return;
    }
    this.imageIds.set(id, this.fileNames.length);
    this.fileNames.push(fileName.replace(/\\/g, '/'));
    this.elementIndex.push(index);
    this.jsonWidth.push(width);
    this.jsonHeight.push(height);
  }

  /** `width` or `height` of an image: a positive integer, 0 when missing, null or 0, -1 when bad (reported). */
  private size(image: object, key: 'width' | 'height', path: string): number {
    const v = member(image, key);
    if (v === undefined || v === null || v === 0) return 0;
    if (typeof v === 'number' && Number.isInteger(v) && v > 0) return v;
    this.bad('JSON_BAD_VALUE', `expected the ${key} in pixels as a positive integer, got ${describeValue(v)}`, `${path}.${key}`);
    return -1;
  }

  /** Reads `categories[index]`. */
  addCategory(value: unknown, index: number): void {
    const path = `categories[${index}]`;
    if (!isObject(value)) return this.bad('JSON_BAD_VALUE', `expected a category object, got ${describeValue(value)}`, path);
    const id = member(value, 'id');
    if (!isCocoId(id)) {
      return this.bad(id === undefined ? 'JSON_MISSING' : 'JSON_BAD_VALUE', `expected an id (a number or a non-empty string), got ${describeValue(id)}`, `${path}.id`);
    }
    const name = member(value, 'name');
    const same = this.categoryById.get(id);
    if (typeof name !== 'string' || name.trim() === '') {
      if (same === undefined) this.categoryIds.set(id, -1);
      return this.bad(name === undefined ? 'JSON_MISSING' : 'JSON_BAD_VALUE', `expected a category name, got ${describeValue(name)}`, `${path}.name`);
    }
    if (same !== undefined || this.categoryIds.has(id)) {
      if (same !== undefined && same.name === name) {
        this.warn('DUPLICATE_ID', `category ${describeId(id)} ${JSON.stringify(name)} is listed again (${same.path}): the repeat is ignored`, this.at(`${path}.id`));
        return;
      }
      const was = same ? ` with the name ${JSON.stringify(same.name)} (${same.path})` : '';
      return this.bad('DUPLICATE_ID', `expected a unique category id, got ${describeId(id)} again${was}`, `${path}.id`);
    }
    const supercategory = member(value, 'supercategory');
    if (supercategory !== undefined && supercategory !== null && typeof supercategory !== 'string') {
      if (same === undefined) this.categoryIds.set(id, -1);
      return this.bad('JSON_BAD_VALUE', `expected a supercategory name (a string), got ${describeValue(supercategory)}`, `${path}.supercategory`);
    }
    let entry = this.byName.get(name);
    if (entry === undefined) {
      entry = { label: this.labels.length, name, path };
      this.labels.push(name);
      this.byName.set(name, entry);
    } else {
      this.warn('DUPLICATE_CATEGORY_NAME', `category ${describeId(id)} has the name ${JSON.stringify(name)} of ${entry.path}: their objects are merged under that label`, this.at(`${path}.name`));
    }
    this.categoryById.set(id, { label: entry.label, name, path });
    this.categoryIds.set(id, entry.label);
  }
}

/** One AutoML object read from an annotation, in normalised coordinates. */
export interface CocoObject {
  /** Image index (see {@link CocoIndex}). */
  image: number;
  /** Position in `annotations`. */
  element: number;
  /** The annotation's `id`, when it has a usable one (objects of one image are sorted by it). */
  id: CocoId | undefined;
  /** Label index (see {@link CocoIndex.labels}). */
  label: number;
  isCrowd: 0 | 1;
  /** Detection: `[topX, topY, bottomX, bottomY]`. */
  box?: [number, number, number, number];
  /** Segmentation: rings of normalised x, y pairs. */
  rings?: number[][];
}

/** How {@link AnnotationReader} works. */
export interface AnnotationReaderOptions {
  task: CocoTask;
  /** The JSON file as messages name it. */
  file: string;
  /** Mask → polygon options for RLE segmentations. */
  polygon: PolygonOptions;
  /** Reads a deferred member back (the `segmentation` of a detection pass) by its byte span. */
  readDeferred: (span: ByteSpan, path: string) => unknown;
  /** Counts clamped boxes and polygons, objects left out, ... */
  count: (name: string, by?: number) => void;
  warn: ReportWarning;
}

/** Image sizes the objects are normalised by (from the header, or from the JSON with `--no-image-details`). */
export interface ImageSizes {
  width: ArrayLike<number>;
  height: ArrayLike<number>;
  /** 0 for an image reported bad: its annotations are left out quietly. */
  ok: ArrayLike<number>;
}

/**
 * Turns elements of `annotations` into {@link CocoObject}s. `read` returns undefined for an object
 * left out without an error (its image was reported bad; an RLE with no pixels, reported as a
 * warning) and throws ConversionError for a bad object.
 */
export class AnnotationReader {
  constructor(
    private readonly index: AnnotationIds,
    private readonly sizes: ImageSizes,
    private readonly options: AnnotationReaderOptions,
  ) {}

  /** A bad-object error at `annotations[element]` + `suffix` (paths are built only when something is wrong). */
  private error(code: ErrorCode, detail: string, element: number, suffix = ''): ConversionError {
    return new ConversionError(code, detail, { file: this.options.file, path: `annotations[${element}]${suffix}` });
  }

  /**
   * Reads `annotations[element]`. `deferred` holds the spans of members the scanner left unparsed
   * (their value is `null` in `value`).
   */
  read(value: unknown, element: number, deferred: Record<string, ByteSpan> | undefined): CocoObject | undefined {
    if (!isObject(value)) throw this.error('JSON_BAD_VALUE', `expected an annotation object, got ${describeValue(value)}`, element);
    // Direct reads: none of these names exists on Object.prototype, so an absent member reads as undefined.
    const a = value as AnnotationFields;
    const image = this.imageOf(a.image_id, element);
    const label = this.labelOf(a.category_id, element);
    if (image < 0 || label < 0 || !this.sizes.ok[image]) {
      this.options.count('objectsOfSkippedEntries');
      return undefined;
    }
    const isCrowd = this.crowdOf(a.iscrowd, element);
    const id = this.idOf(a.id, element);
    checkArea(a.area, (detail) => this.error('JSON_BAD_VALUE', detail, element, '.area'));
    const width = this.sizes.width[image]!;
    const height = this.sizes.height[image]!;
    const object: CocoObject = { image, element, id, label, isCrowd };
    if (this.options.task === 'object-detection') {
      const bbox = a.bbox;
      if (bbox === undefined || bbox === null) {
        object.box = this.boxOfSegmentation(this.segmentationOf(a, element, deferred), width, height, element);
      } else {
        // The segmentation is not needed: only its kind is checked (a deferred one is a list or an object).
        this.checkSegmentationKind(a.segmentation, element);
        object.box = this.boxOfBbox(bbox, width, height, element);
      }
      return object;
    }
    const rings = this.ringsOf(this.segmentationOf(a, element, deferred), width, height, element, isCrowd);
    if (rings === undefined) return undefined;
    object.rings = rings;
    return object;
  }

  /** The segmentation, read back from the file when the scanner deferred it. */
  private segmentationOf(a: AnnotationFields, element: number, deferred: Record<string, ByteSpan> | undefined): unknown {
    const span = deferred?.['segmentation'];
    return span ? this.options.readDeferred(span, `annotations[${element}].segmentation`) : a.segmentation;
  }

  /** The annotation's own `id`: optional (objects without one keep their order in the file), else an id. */
  private idOf(id: unknown, element: number): CocoId | undefined {
    if (id === undefined || id === null) return undefined;
    if (isCocoId(id)) return id;
    throw this.error('JSON_BAD_VALUE', `expected an annotation id (a number or a non-empty string), got ${describeValue(id)}`, element, '.id');
  }

  /** A segmentation is polygons (a list) or an RLE (an object); nothing else. */
  private checkSegmentationKind(seg: unknown, element: number): void {
    if (seg === undefined || seg === null || typeof seg === 'object') return;
    throw this.error('JSON_BAD_VALUE', `expected a segmentation as a list of polygons or an RLE object, got ${describeValue(seg)}`, element, '.segmentation');
  }

  private imageOf(id: unknown, element: number): number {
    if (!isCocoId(id)) {
      const code = id === undefined ? 'JSON_MISSING' : 'JSON_BAD_VALUE';
      throw this.error(code, `expected an image id (a number or a non-empty string), got ${describeValue(id)}`, element, '.image_id');
    }
    const image = this.index.imageIndex(id);
    if (image === undefined) {
      throw this.error('UNKNOWN_IMAGE_ID', `expected the id of an entry of "images", got ${describeId(id)}${this.otherType(this.index.imageIds, id, 'an image')}`, element, '.image_id');
    }
    return image;
  }

  private labelOf(id: unknown, element: number): number {
    if (!isCocoId(id)) {
      const code = id === undefined ? 'JSON_MISSING' : 'JSON_BAD_VALUE';
      throw this.error(code, `expected a category id (a number or a non-empty string), got ${describeValue(id)}`, element, '.category_id');
    }
    const label = this.index.categoryIds.get(id);
    if (label === undefined) {
      throw this.error('UNKNOWN_CATEGORY_ID', `expected the id of an entry of "categories", got ${describeId(id)}${this.otherType(this.index.categoryIds, id, 'a category')}`, element, '.category_id');
    }
    return label;
  }

  /** A hint when the id exists with the other type (`7` vs `"7"`). */
  private otherType(ids: ReadonlyMap<CocoId, number>, id: CocoId, what: string): string {
    const other = typeof id === 'number' ? String(id) : Number(id);
    if (typeof other === 'number' && (!Number.isFinite(other) || String(other) !== id)) return '';
    return ids.has(other) ? ` (${what} has the id ${describeId(other)}: a number and a string never match)` : '';
  }

  private crowdOf(v: unknown, element: number): 0 | 1 {
    if (v === undefined || v === null || v === 0 || v === false) return 0;
    if (v === 1 || v === true) return 1;
    throw this.error('JSON_BAD_VALUE', `expected iscrowd to be 0 or 1, got ${describeValue(v)}`, element, '.iscrowd');
  }

  /** `bbox` `[x, y, width, height]` checked (four finite numbers, a positive size) and normalised. */
  private boxOfBbox(bbox: unknown, width: number, height: number, element: number): [number, number, number, number] {
    if (!Array.isArray(bbox) || bbox.length !== 4 || !isFiniteNumber(bbox[0]) || !isFiniteNumber(bbox[1]) || !isFiniteNumber(bbox[2]) || !isFiniteNumber(bbox[3])) {
      const found = Array.isArray(bbox)
        ? `[${bbox
            .slice(0, 6)
            .map((v: unknown) => describeValue(v))
            .join(', ')}${bbox.length > 6 ? ', ...' : ''}]`
        : describeValue(bbox);
      throw this.error('JSON_BAD_VALUE', `expected [x, y, width, height] as 4 numbers, got ${found}`, element, '.bbox');
    }
    const x = bbox[0] as number;
    const y = bbox[1] as number;
    const w = bbox[2] as number;
    const h = bbox[3] as number;
    if (w < 0 || h < 0) throw this.error('JSON_BAD_VALUE', `expected a width and height >= 0, got [${x}, ${y}, ${w}, ${h}]`, element, '.bbox');
    if (!(w > 0 && h > 0)) throw this.error('EMPTY_BOX', `expected a box with a positive width and height, got [${x}, ${y}, ${w}, ${h}]`, element, '.bbox');
    return this.normaliseBox(x, y, w, h, width, height, element, '.bbox');
  }

  /** The box of a segmentation, for an annotation without `bbox`. */
  private boxOfSegmentation(seg: unknown, width: number, height: number, element: number): [number, number, number, number] {
    const where = '.segmentation';
    if (seg === undefined || seg === null || (Array.isArray(seg) && seg.length === 0)) {
      throw this.error('JSON_MISSING', `expected a bbox, or a segmentation to take it from, got ${seg === undefined || seg === null ? 'neither' : 'an empty segmentation'}`, element, '.bbox');
    }
    if (isObject(seg)) {
      const rle = this.checkRle(seg, width, height, element);
      const [x, y, w, h] = rleBbox(rle);
      if (w === 0) throw this.error('EMPTY_BOX', 'expected a mask with pixels to take the box from, got an empty RLE mask', element, where);
      return this.normaliseBox(x, y, w, h, width, height, element, where);
    }
    const rings = this.checkPolygons(seg, element);
    let [xmin, ymin, xmax, ymax] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const ring of rings) {
      for (let i = 0; i < ring.length; i += 2) {
        xmin = Math.min(xmin, ring[i]!);
        xmax = Math.max(xmax, ring[i]!);
        ymin = Math.min(ymin, ring[i + 1]!);
        ymax = Math.max(ymax, ring[i + 1]!);
      }
    }
    if (!(xmax > xmin && ymax > ymin)) throw this.error('EMPTY_BOX', `expected a polygon with an area to take the box from, got one ${xmax - xmin} × ${ymax - ymin} px`, element, where);
    return this.normaliseBox(xmin, ymin, xmax - xmin, ymax - ymin, width, height, element, where);
  }

  /** Pixel box → normalised corners, clamped to the image; EMPTY_BOX when nothing is left inside it. */
  private normaliseBox(x: number, y: number, w: number, h: number, width: number, height: number, element: number, suffix: string): [number, number, number, number] {
    const x0 = x / width;
    const y0 = y / height;
    const x1 = (x + w) / width;
    const y1 = (y + h) / height;
    const box: [number, number, number, number] = [clamp01(x0), clamp01(y0), clamp01(x1), clamp01(y1)];
    if (!(box[2] > box[0] && box[3] > box[1])) {
      throw this.error('EMPTY_BOX', `expected a box inside the ${width} × ${height} image, got [${x}, ${y}, ${w}, ${h}], which lies outside it`, element, suffix);
    }
    if (box[0] !== x0 || box[1] !== y0 || box[2] !== x1 || box[3] !== y1) this.options.count('clampedBoxes');
    return box;
  }

  /** An RLE checked against the image size. */
  private checkRle(seg: object, width: number, height: number, element: number): Rle {
    const rle = parseRle(seg, { file: this.options.file, path: `annotations[${element}].segmentation` });
    if (rle.height !== height || rle.width !== width) {
      throw this.error('BAD_RLE', `expected the image's size [${height}, ${width}] as [height, width], got [${rle.height}, ${rle.width}]`, element, '.segmentation.size');
    }
    return rle;
  }

  /** A polygon segmentation checked: a non-empty list of rings of at least 3 x, y pairs of numbers. */
  private checkPolygons(seg: unknown, element: number): number[][] {
    const where = '.segmentation';
    if (!Array.isArray(seg)) throw this.error('JSON_BAD_VALUE', `expected a segmentation as a list of polygons or an RLE object, got ${describeValue(seg)}`, element, where);
    if (seg.length === 0) throw this.error('BAD_POLYGON', 'expected at least one polygon, got an empty list', element, where);
    for (let r = 0; r < seg.length; r++) {
      const ring: unknown = seg[r];
      if (!Array.isArray(ring)) throw this.error('BAD_POLYGON', `expected a polygon as a list of x, y numbers, got ${describeValue(ring)}`, element, `${where}[${r}]`);
      for (let i = 0; i < ring.length; i++) {
        const v: unknown = ring[i];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw this.error('BAD_POLYGON', `expected a number, got ${describeValue(v)}`, element, `${where}[${r}][${i}]`);
      }
      if (ring.length <= 4) {
        throw this.error('BAD_POLYGON', `expected at least 3 points (6 numbers), got ${ring.length} number${ring.length === 1 ? '' : 's'}`, element, `${where}[${r}]`);
      }
      if (ring.length % 2 !== 0) throw this.error('BAD_POLYGON', `expected x, y pairs (an even count), got ${ring.length} numbers`, element, `${where}[${r}]`);
    }
    return seg as number[][];
  }

  /** Segmentation → normalised rings: polygons clamped to the image, RLE traced into rings. */
  private ringsOf(seg: unknown, width: number, height: number, element: number, isCrowd: 0 | 1): number[][] | undefined {
    if (seg === undefined || seg === null) throw this.error('JSON_MISSING', 'expected a segmentation (polygons or RLE), got nothing', element, '.segmentation');
    if (isObject(seg)) {
      const rle = this.checkRle(seg, width, height, element);
      if (width * height > MAX_MASK_PIXELS) {
        throw this.error('MASK_TOO_LARGE', `expected an RLE mask of at most ${MAX_MASK_PIXELS.toLocaleString('en-US')} pixels to trace, got ${height} × ${width}`, element, '.segmentation.size');
      }
      const rings = maskToRings(rleToMask(rle), width, height, this.options.polygon);
      if (rings.length === 0) {
        const path = `annotations[${element}].segmentation`;
        this.options.warn('OBJECT_WITHOUT_PIXELS', `the RLE mask has no pixels${isCrowd ? ' (crowd region)' : ''} or only specks under --min-area: object left out`, { file: this.options.file, path });
        this.options.count('objectsWithoutPixels');
        return undefined;
      }
      return rings.map((ring) => ring.map((v, i) => (i & 1 ? v / height : v / width)));
    }
    const rings = this.checkPolygons(seg, element);
    let clamped = false;
    let area = 0;
    const out: number[][] = new Array<number[]>(rings.length);
    for (let r = 0; r < rings.length; r++) {
      const ring = rings[r]!;
      const n = new Array<number>(ring.length);
      for (let i = 0; i < ring.length; i += 2) {
        const u = ring[i]! / width;
        const v = ring[i + 1]! / height;
        const cu = u < 0 ? 0 : u > 1 ? 1 : u;
        const cv = v < 0 ? 0 : v > 1 ? 1 : v;
        if (cu !== u || cv !== v) clamped = true;
        n[i] = cu;
        n[i + 1] = cv;
      }
      area += Math.abs(ringArea(n));
      out[r] = n;
    }
    if (!(area > 0)) throw this.error('BAD_POLYGON', 'expected a polygon with an area inside the image, got one whose points lie on a line (after clamping)', element, '.segmentation');
    if (clamped) this.options.count('clampedPolygons');
    return out;
  }
}

/** The members of an annotation that are read (as JSON.parse gives them, unchecked). */
interface AnnotationFields {
  id?: unknown;
  area?: unknown;
  image_id?: unknown;
  category_id?: unknown;
  iscrowd?: unknown;
  bbox?: unknown;
  segmentation?: unknown;
}

/** `area`, when given, is a finite number >= 0 (it is not used: AutoML has no such field). */
function checkArea(area: unknown, fail: (detail: string) => ConversionError): void {
  if (area === undefined || area === null || (typeof area === 'number' && Number.isFinite(area) && area >= 0)) return;
  throw fail(`expected the area as a number >= 0, got ${describeValue(area)}`);
}

function isFiniteNumber(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

function clamp01(v: number): number {
  return v < 0 ? 0 : v > 1 ? 1 : v;
}
