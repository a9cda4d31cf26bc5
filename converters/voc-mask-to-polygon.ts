/**
 * voc-mask-to-polygon (alias `voc-mask`): VOC XML + instance masks → instance segmentation.
 *
 * @example
 *   odFridgeObjectsMask/annotations/1.xml + segmentation-masks/1.png + images/1.jpg  →
 *   {"image_url":"images/1.jpg","image_details":{"format":"jpg","width":499,"height":666},
 *    "label":[{"label":"can","isCrowd":0,"polygon":[[0.5,0.406,0.52,0.41,...]]}]}
 *
 * Layouts: official VOC (`Annotations/`, `SegmentationObject/`, `JPEGImages/`, optional `SegmentationClass/`)
 * and the Azure samples (`annotations/`, `segmentation-masks/`, `images/`). The mask of `Annotations/x.xml` is
 * `SegmentationObject/x.png`; XMLs without a mask are not segmentation items (counted and reported, not
 * converted), masks without an XML likewise. The image is found as voc-detection finds it.
 *
 * In the instance mask (palette, greyscale or VOC-colour-map RGB PNG: see src/mask/png.ts) pixel value k
 * (1–254) is the k-th `<object>`; 0 is background; 255 the void band, never an object. Objects are written
 * in XML order, labelled by `<name>`, `isCrowd` from `<difficult>` (as voc-detection). An object with no
 * pixels is left out with an OBJECT_WITHOUT_PIXELS warning; the others keep their own values. Pixel values
 * beyond the XML's objects are reported (XML_MISSING warning) and left out. Rings come from src/polygon
 * (`--tolerance`, `--max-points`, `--min-area`, `--holes`), normalised by the mask's size, which must equal
 * the image's and `<size>` (else MASK_SIZE_MISMATCH, a bad item). A corrupt PNG is a bad item
 * (MASK_UNREADABLE). With `SegmentationClass/`, each object's class-mask value (the one most of its pixels
 * carry) is compared with its `<name>`: by index in `labelmap.txt` or `class_names.txt` at the root, else
 * in the 20 VOC classes; for names in none of these, by consistency (one class value, one name). A
 * disagreement is a CLASS_MISMATCH warning.
 *
 * Masks are decoded and traced on `--jobs` worker threads; lines come out in XML order whatever the count.
 */
import { defaultJobs } from '../src/jobs.js';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mapOrdered } from '../src/concurrency.js';
import { ConversionError, type ErrorCode, type Location } from '../src/errors.js';
import type { failureError, MaskJob, MaskResult } from '../src/mask/job.js';
import type { MaskPool } from '../src/mask/pool.js';
import { listFolder } from '../src/paths.js';
import { polygonOptionsFrom } from '../src/polygon/cli-options.js';
import { defineConverter } from '../src/kit/define.js';
import VOC_MASK, { OPTIONS } from './declarations/voc-mask-to-polygon.js';
import type { OptionValues } from '../src/options.js';
import type { PolygonOptions } from '../src/polygon/index.js';
import type { ConverterContext, ImageDetails, ImageRecord, PolygonLabel } from '../src/types.js';
import { parseVocAnnotationBytes, type VocAnnotation } from '../src/voc/annotation.js';
import { findSubfolder, findVocLayout, indexImageFolder, listAnnotationFiles, resolveImage, stemOf, type ImageFolderIndex, type VocLayout } from '../src/voc/layout.js';

/** The 20 VOC classes by class-mask value (0 background). */
export const VOC_CLASSES: readonly string[] = Object.freeze([
  'background',
  'aeroplane',
  'bicycle',
  'bird',
  'boat',
  'bottle',
  'bus',
  'car',
  'cat',
  'chair',
  'cow',
  'diningtable',
  'dog',
  'horse',
  'motorbike',
  'person',
  'pottedplant',
  'sheep',
  'sofa',
  'train',
  'tvmonitor',
]);

/** Images in flight at once (XML and image header reads overlap; masks queue for the pool). */
export const IO_CONCURRENCY = 64;

/** How many examples a summary warning names. */
const EXAMPLES = 3;

interface Warning {
  code: ErrorCode;
  message: string;
  loc: Location;
}

/** One image's outcome, replayed in XML order so reports and the first failure are deterministic. */
interface ItemResult {
  xml: string;
  record?: ImageRecord;
  problems: ConversionError[];
  warnings: Warning[];
  /** Per object (index k - 1): class-mask value, for the consistency check done in order. */
  classes: { path: string; name: string; value: number; file: string }[];
}

/** The class names by class-mask value, and where they came from (for messages). */
interface ClassList {
  names: readonly string[];
  source: string;
}

async function readClassList(ctx: ConverterContext, root: string): Promise<ClassList> {
  for (const file of ['labelmap.txt', 'class_names.txt']) {
    let text: string;
    try {
      text = await readFile(join(root, file), 'utf8');
    } catch {
      continue;
    }
    const names = text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '' && !line.startsWith('#'))
      .map((line) => (file === 'labelmap.txt' ? line.split(':')[0]!.trim() : line));
    return { names, source: ctx.display(join(root, file)) };
  }
  return { names: VOC_CLASSES, source: 'the VOC classes' };
}

function describeClass(list: ClassList, value: number): string {
  if (value === 0) return 'background (0)';
  if (value === 255) return 'the void band (255)';
  const name = list.names[value];
  return name === undefined ? `class ${value}` : `class ${value} (${JSON.stringify(name)})`;
}

interface Shared {
  layout: VocLayout;
  index: ImageFolderIndex;
  root: string;
  masks: string;
  classMasks: Set<string> | undefined;
  classDir: string | undefined;
  polygon: PolygonOptions;
  pool: MaskPool;
  /** src/mask/job.ts's `failureError` (the mask modules and their PNG decoder are loaded by a run, not at start). */
  failureError: typeof failureError;
}

/**
 * Reads and parses one XML with a synchronous read: for files of a few KiB it costs a fraction of the
 * four thread-pool round trips of an async read, and the main thread is this converter's bottleneck.
 */
function readAnnotationSync(xml: string, file: string): VocAnnotation {
  let buf: Buffer;
  try {
    buf = readFileSync(xml);
  } catch (e) {
    throw new ConversionError('XML_PARSE', `cannot read the file: ${(e as Error).message}`, { file });
  }
  return parseVocAnnotationBytes(buf, file);
}

async function readItem(ctx: ConverterContext, xml: string, maskName: string, s: Shared): Promise<ItemResult> {
  const file = ctx.display(xml);
  const result: ItemResult = { xml, problems: [], warnings: [], classes: [] };
  const withImages = ctx.options.imageDetails;
  try {
    const ann = readAnnotationSync(xml, file);
    const image = resolveImage(s.layout, s.index, ann, xml, s.root, ctx.display, { mustExist: withImages });
    if (image.via === 'stem' && ann.filename !== undefined) {
      result.warnings.push({
        code: 'IMAGE_NOT_FOUND',
        message: `no image ${JSON.stringify(ann.filename)} as <filename> says: using ${ctx.display(image.abs)}, found by the XML's name`,
        loc: { file, path: 'filename' },
      });
    }
    const maskAbs = join(s.masks, maskName);
    const classAbs = s.classDir !== undefined && s.classMasks?.has(maskName) ? join(s.classDir, maskName) : undefined;
    const job: MaskJob = {
      mask: maskAbs,
      maskDisplay: ctx.display(maskAbs),
      classMask: classAbs,
      classMaskDisplay: classAbs === undefined ? undefined : ctx.display(classAbs),
      objects: ann.objects.length,
      image: withImages ? { abs: image.abs, display: ctx.display(image.abs), verify: ctx.options.verifyImages } : undefined,
      size: ann.size ? { width: ann.size.width, height: ann.size.height } : undefined,
      xmlDisplay: file,
      polygon: s.polygon,
    };
    const outcome = await s.pool.run(job);
    if (!outcome.ok) throw s.failureError(outcome);
    const details: ImageDetails = outcome.details ?? (job.size ? { ...job.size } : {});
    result.record = { path: image.key, details, label: labelsOf(ann.objects, outcome, job, file, result) };
  } catch (e) {
    if (!(e instanceof ConversionError)) throw e;
    result.problems.push(e);
  }
  return result;
}

function labelsOf(objects: VocAnnotation['objects'], mask: MaskResult, job: MaskJob, file: string, result: ItemResult): PolygonLabel[] {
  const label: PolygonLabel[] = [];
  for (const obj of objects) {
    if (obj.error) {
      result.problems.push(obj.error);
      continue;
    }
    const got = mask.objects[obj.index - 1];
    if (!got || !got.present) {
      const why = obj.index > 254 ? 'a mask holds at most 254 objects' : `no pixel of value ${obj.index} in ${job.maskDisplay}`;
      result.warnings.push({ code: 'OBJECT_WITHOUT_PIXELS', message: `object ${JSON.stringify(obj.name)} has no pixels (${why}): left out`, loc: { file, path: obj.path } });
      continue;
    }
    if (got.classValue !== undefined) result.classes.push({ path: obj.path, name: obj.name, value: got.classValue, file: job.classMaskDisplay! });
    if (got.rings.length === 0) {
      result.warnings.push({
        code: 'OBJECT_WITHOUT_PIXELS',
        message: `object ${JSON.stringify(obj.name)}: every ring is below --min-area: left out`,
        loc: { file, path: obj.path },
      });
      continue;
    }
    label.push({ label: obj.name, isCrowd: obj.difficult, polygon: got.rings });
  }
  if (mask.unknownValues.length > 0) {
    const values = mask.unknownValues.join(', ');
    result.warnings.push({
      code: 'XML_MISSING',
      message: `expected an <object> for every pixel value of ${job.maskDisplay}, got pixels of value ${values} and ${objects.length} object${objects.length === 1 ? '' : 's'}: those pixels are left out`,
      loc: { file, path: `object[${objects.length + 1}]` },
    });
  }
  return label;
}

/** Checks each object's class-mask value against its name (see the header), in XML order. */
class ClassChecker {
  /** For names outside the class list: the first class value seen for each name, and the reverse. */
  private readonly nameOfValue = new Map<number, string>();
  private readonly valueOfName = new Map<string, number>();
  private readonly index: Map<string, number>;
  constructor(private readonly list: ClassList) {
    this.index = new Map(list.names.map((name, i) => [name, i]));
  }

  /** A message when the object's class value disagrees with its name; undefined when they agree. */
  check(c: ItemResult['classes'][number]): string | undefined {
    const says = `the XML says ${JSON.stringify(c.name)}`;
    const expected = this.index.get(c.name);
    if (expected !== undefined) {
      if (c.value === expected) return undefined;
      return `class mask ${c.file} gives ${describeClass(this.list, c.value)}, ${says} (class ${expected} in ${this.list.source})`;
    }
    if (c.value === 0 || c.value === 255) return `class mask ${c.file} gives ${describeClass(this.list, c.value)}, ${says}`;
    const earlierName = this.nameOfValue.get(c.value);
    const earlierValue = this.valueOfName.get(c.name);
    if (earlierName === undefined && earlierValue === undefined) {
      this.nameOfValue.set(c.value, c.name);
      this.valueOfName.set(c.name, c.value);
      return undefined;
    }
    if (earlierName !== undefined && earlierName !== c.name) {
      return `class mask ${c.file} gives class ${c.value}, which an earlier object named ${JSON.stringify(earlierName)}; ${says}`;
    }
    if (earlierValue !== undefined && earlierValue !== c.value) {
      return `class mask ${c.file} gives class ${c.value}, but earlier ${JSON.stringify(c.name)} objects have class ${earlierValue}`;
    }
    return undefined;
  }
}

/** Reports a list of left-out files as one warning (with a count). */
function reportLeftOut(ctx: ConverterContext, code: ErrorCode, files: string[], what: string, counter: string, where: string): void {
  if (files.length === 0) return;
  ctx.count(counter, files.length);
  const examples = files.slice(0, EXAMPLES).join(', ') + (files.length > EXAMPLES ? ', ...' : '');
  ctx.warn(code, `${files.length} ${what}: not converted (${examples})`, { file: where });
}

async function* run(ctx: ConverterContext<OptionValues<typeof OPTIONS>>): AsyncGenerator<ImageRecord> {
  const polygon = polygonOptionsFrom(ctx.own);
  const jobs = ctx.own.jobs ?? defaultJobs();
  const layout = await findVocLayout(ctx.input, ctx.display);
  const names = layout.kind === 'official' ? ['SegmentationObject', 'segmentation-masks'] : ['segmentation-masks', 'SegmentationObject'];
  const masks = await findSubfolder(layout.root, names);
  if (masks === undefined) {
    throw new ConversionError('INPUT_LAYOUT', 'expected a SegmentationObject/ or segmentation-masks/ folder of instance masks, got none', {
      file: ctx.display(layout.root),
    });
  }
  const classDir = await findSubfolder(layout.root, ['SegmentationClass']);
  const pngsOf = async (dir: string) => (await listFolder(dir)).filter((e) => e.kind === 'file' && e.name.toLowerCase().endsWith('.png')).map((e) => e.name);
  const [xmls, index, maskNames, classNames, classList] = await Promise.all([
    listAnnotationFiles(layout.annotations),
    indexImageFolder(layout.images),
    pngsOf(masks),
    classDir === undefined ? Promise.resolve(undefined) : pngsOf(classDir),
    readClassList(ctx, layout.root),
  ]);
  const maskByStem = new Map(maskNames.map((name) => [stemOf(name), name]));
  const items: { xml: string; mask: string }[] = [];
  const withoutMask: string[] = [];
  const matched = new Set<string>();
  for (const xml of xmls) {
    const mask = maskByStem.get(stemOf(xml));
    if (mask === undefined) withoutMask.push(ctx.display(xml));
    else {
      items.push({ xml, mask });
      matched.add(mask);
    }
  }
  const withoutXml = maskNames.filter((name) => !matched.has(name)).map((name) => ctx.display(join(masks, name)));
  reportLeftOut(ctx, 'MASK_NOT_FOUND', withoutMask, `XML file(s) without an instance mask in ${ctx.display(masks)}`, 'annotationsWithoutMask', ctx.display(layout.annotations));
  reportLeftOut(ctx, 'MISSING_ANNOTATION', withoutXml, `mask(s) without an XML in ${ctx.display(layout.annotations)}`, 'masksWithoutAnnotation', ctx.display(masks));
  if (items.length === 0) {
    throw new ConversionError('EMPTY_DATASET', `expected XML files with an instance mask of the same name in ${ctx.display(masks)}, got ${xmls.length} XML file(s) and none matched`, {
      file: ctx.display(layout.root),
    });
  }

  const [{ MaskPool }, { failureError }] = await Promise.all([import('../src/mask/pool.js'), import('../src/mask/job.js')]);
  const pool = new MaskPool(Math.min(jobs, items.length));
  const shared: Shared = {
    layout,
    index,
    root: ctx.options.root ?? layout.root,
    masks,
    classMasks: classNames === undefined ? undefined : new Set(classNames),
    classDir,
    polygon,
    pool,
    failureError,
  };
  const checker = new ClassChecker(classList);
  const used = new Map<string, string>();
  let done = 0;
  try {
    const inFlight = Math.max(IO_CONCURRENCY, 4 * pool.threads);
    for await (const item of mapOrdered(items, inFlight, (it) => readItem(ctx, it.xml, it.mask, shared))) {
      ctx.progress(++done, items.length);
      // With a record the image is kept: its problems are objects left out.
      for (const p of item.problems) {
        if (item.record) ctx.badObject(p);
        else ctx.bad(p);
      }
      for (const w of item.warnings) ctx.warn(w.code, w.message, w.loc);
      for (const c of item.classes) {
        const mismatch = checker.check(c);
        if (mismatch !== undefined) {
          ctx.count('classMismatches');
          ctx.warn('CLASS_MISMATCH', mismatch, { file: ctx.display(item.xml), path: c.path });
        }
      }
      const record = item.record;
      if (!record) continue;
      const file = ctx.display(item.xml);
      const previous = used.get(record.path);
      if (previous !== undefined) {
        ctx.bad(new ConversionError('DUPLICATE_IMAGE', `expected one XML per image, got ${record.path} already named by ${previous}`, { file, path: 'filename' }));
        continue;
      }
      used.set(record.path, file);
      yield record;
    }
  } finally {
    await pool.close();
  }
}

export default defineConverter({ ...VOC_MASK, run });
