/**
 * `export coco`: AutoML JSONL (object detection or instance segmentation, SPEC §1) back to one COCO
 * instances JSON (SPEC §10), so the data can go to tools that read COCO.
 *
 * @example
 *   const s = await exportCoco(['out/train_annotations.jsonl', 'out/validation_annotations.jsonl'], { out: 'coco.json' });
 *   // {"image_url":"images/1.jpg","image_details":{"width":640,"height":480},"label":[{"label":"can","topX":0.1,...}]}
 *   //   → images: [{"id":1,"file_name":"images/1.jpg","width":640,"height":480}]
 *   //     annotations: [{"id":1,"image_id":1,"category_id":1,"bbox":[64,...],"area":...,"iscrowd":0}]
 *
 * - `images`: one per line, ids from 1 in the order of the lines (files in the order given);
 *   `file_name` is `image_url` less `baseUrl` (when it starts with it); width and height from
 *   `image_details`, or, when a line has none, from the image's header under `imagesRoot`.
 * - `categories`: every label name, sorted by UTF-16 code units (`compareKeys`), ids from 1.
 * - `annotations`: one per object, ids from 1 in line then object order; `bbox` `[x, y, w, h]` and
 *   `segmentation` in pixels (rounded to `precision` decimals: the default 6 is exact for JSONL written
 *   with 6 decimals, since k/10^6 × an integer size has at most 6 decimals); `iscrowd` from `isCrowd`.
 *   Detection objects carry no `segmentation`. A segmentation object whose rings overlap (a hole: one
 *   ring inside another, combined by exclusive-or per SPEC §1) is written as compressed COCO RLE,
 *   rasterised at the image's size (src/polygon/rasterize.ts, even–odd, pixel centres), since COCO
 *   reads polygon parts as a union; other objects keep their polygons. `area`: the box's area,
 *   the polygons' area (shoelace), or the RLE's pixel count.
 *
 * Memory stays bounded: the files are read twice as streams. Pass 1 checks every line (src/jsonl/check.ts),
 * writes `images`, and keeps only the label names, the image sizes (8 bytes an image) and the set of
 * `image_url`s (duplicates are an error); pass 2 writes `annotations`; `categories` come last (as in
 * COCO's own files). The JSON goes to a temporary file beside `out`, renamed at the end.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';
import { encodeRle } from '../coco/rle.js';
import { ConversionError, describeValue, type ErrorCode, type Location } from '../errors.js';
import { roundTo } from '../format.js';
import { readImageDetails, readImageDetailsSync } from '../images.js';
import { checkLine, FINDING_CODES, type ExpectedTask, type FindingCode } from '../jsonl/check.js';
import { displayFile, fileProblem, readJsonlLines } from '../jsonl/read.js';
import { checkOptions, usageError, type OptionValues } from '../options.js';
import { EXPORT_COCO_OPTIONS } from './options.js';
import { compareKeys, displayPath } from '../paths.js';
import { boundsOf, ringsOverlap } from '../polygon/overlap.js';
import { rasterizeRings } from '../polygon/rasterize.js';
import { ringArea } from '../polygon/simplify.js';
import { registerTemp, unregisterTemp } from '../tempfiles.js';
import type { Task } from '../types.js';
import { BufferedWriter, interruptedError } from '../writer.js';

export { EXPORT_COCO_OPTIONS } from './options.js';

/** Options of {@link exportCoco}: {@link EXPORT_COCO_OPTIONS} as a program passes them, and a signal. */
export type ExportCocoOptions = Partial<OptionValues<typeof EXPORT_COCO_OPTIONS>> & {
  /** Aborts the run (an INTERRUPTED ConversionError, exit 130); nothing is written. */
  signal?: AbortSignal | undefined;
};

/** What {@link exportCoco} wrote. */
export interface ExportCocoSummary {
  ok: true;
  /** The file written, as the user would type it. */
  out: string;
  /** The JSONL files read, as messages name them. */
  inputs: string[];
  /** `object-detection` or `instance-segmentation` (the first line with objects); undefined when no line has any. */
  task: Task | undefined;
  images: number;
  annotations: number;
  categories: number;
  /** Segmentation objects written as RLE (their rings overlap: holes). */
  rleAnnotations: number;
  /** Images whose size came from their header (`imagesRoot`). */
  sizesFromHeaders: number;
  bytes: number;
}

const CALLBACK_KEYS = new Set(['signal']);

/** The conversion error code of a `validate` finding that stops the export. */
const CODE_OF_FINDING: Partial<Record<FindingCode, ErrorCode>> = {
  LABEL_MISSING: 'JSON_MISSING',
  BOX_EMPTY: 'EMPTY_BOX',
  POLYGON_BAD: 'BAD_POLYGON',
  POLYGON_EMPTY: 'BAD_POLYGON',
  POLYGON_ODD_LENGTH: 'BAD_POLYGON',
  RING_TOO_SHORT: 'BAD_POLYGON',
  RING_OUT_OF_RANGE: 'BAD_POLYGON',
};

/** One object of a checked line, in pixels. */
interface PixelObject {
  label: string;
  isCrowd: 0 | 1;
  /** Detection: `[x1, y1, x2, y2]`. */
  box?: [number, number, number, number];
  /** Segmentation: rings of x, y pairs. */
  rings?: number[][];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Grows a Uint32Array as images are added. */
class SizeTable {
  width = new Uint32Array(1024);
  height = new Uint32Array(1024);
  set(i: number, w: number, h: number): void {
    if (i >= this.width.length) {
      const grow = (a: Uint32Array) => {
        const b = new Uint32Array(a.length * 2);
        b.set(a);
        return b;
      };
      this.width = grow(this.width);
      this.height = grow(this.height);
    }
    this.width[i] = w;
    this.height[i] = h;
  }
}

/** One JSONL line parsed and checked, or a ConversionError for the first problem that stops the export. */
function checkedLine(text: string, loc: Location, expected: ExpectedTask | undefined): { value: Record<string, unknown>; task: Task | undefined } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new ConversionError('JSON_PARSE', `expected a JSON object, got malformed JSON (${(e as Error).message})`, loc);
  }
  const check = checkLine(value, expected);
  for (const f of check.findings) {
    if (FINDING_CODES[f.code].severity !== 'error') continue;
    const code: ErrorCode = CODE_OF_FINDING[f.code] ?? (f.code === 'IMAGE_URL_BAD' && isRecord(value) && value['image_url'] === undefined ? 'JSON_MISSING' : 'JSON_BAD_VALUE');
    throw new ConversionError(code, f.detail.replace(/: (the (image|object|ring|data load) |AutoML ignores)[\s\S]*$/, ''), { ...loc, path: f.path });
  }
  if (check.task === 'multi-class' || check.task === 'multi-label') {
    throw new ConversionError(
      'JSON_BAD_VALUE',
      `expected an object-detection or instance-segmentation label (a list of objects), got ${check.task === 'multi-class' ? 'a multi-class label (a string)' : 'a multi-label label (a list of strings)'}: COCO instances hold objects`,
      { ...loc, path: 'label' },
    );
  }
  return { value: value as Record<string, unknown>, task: check.task };
}

/** The objects of a checked line, in pixels of a `width` × `height` image. */
function pixelObjects(label: unknown[], width: number, height: number): PixelObject[] {
  return label.map((item) => {
    const o = item as Record<string, unknown>;
    const isCrowd = o['isCrowd'] === 1 ? 1 : 0;
    const name = o['label'] as string;
    if (Array.isArray(o['polygon'])) {
      const rings = (o['polygon'] as number[][]).map((ring) => ring.map((v, i) => v * (i & 1 ? height : width)));
      return { label: name, isCrowd, rings };
    }
    return { label: name, isCrowd, box: [(o['topX'] as number) * width, (o['topY'] as number) * height, (o['bottomX'] as number) * width, (o['bottomY'] as number) * height] };
  });
}

async function closeStream(out: WriteStream): Promise<void> {
  await new Promise<void>((res, rej) => {
    out.once('error', rej);
    out.end(() => res());
  });
}

/**
 * Writes one COCO instances JSON from AutoML JSONL files (detection or segmentation).
 * @returns what was written
 * @throws ConversionError `USAGE` (a bad option, exit 2), `INPUT_NOT_FOUND`, `JSON_PARSE`,
 *   `JSON_MISSING`, `JSON_BAD_VALUE`, `EMPTY_BOX`, `BAD_POLYGON` (a line, with file, line and path),
 *   `DUPLICATE_IMAGE`, `IMAGE_NOT_FOUND`, `IMAGE_UNREADABLE`, `EMPTY_DATASET`, `OUTPUT_EXISTS`,
 *   `OUTPUT_WRITE`, `INTERRUPTED`. Nothing is written when it throws.
 */
export async function exportCoco(files: readonly string[], options: ExportCocoOptions = {}): Promise<ExportCocoSummary> {
  if (!Array.isArray(files) || files.length === 0) throw usageError('expected at least one JSONL file');
  files.forEach((f: unknown, i) => {
    if (typeof f !== 'string' || f === '') throw usageError(`file ${i + 1}: expected a path, got ${describeValue(f)}`);
    if (f === '-') throw usageError('"-" (standard input) cannot be read twice: name the JSONL files');
  });
  const values = checkOptions(EXPORT_COCO_OPTIONS, options, 'export coco', CALLBACK_KEYS);
  const { precision, force, baseUrl } = values;
  const signal = options.signal;
  if (values.out === undefined) throw usageError('-o, --out: expected the COCO JSON file to write, got nothing');
  if (values.out === '-') throw usageError('-o, --out: expected a file, got "-" (the JSON is written whole or not at all, to a file)');
  const outAbs = resolve(values.out);
  const imagesRoot = values.imagesRoot === undefined ? undefined : resolve(values.imagesRoot);
  if (imagesRoot !== undefined) {
    const s = await stat(imagesRoot).catch(() => undefined);
    if (!s?.isDirectory()) throw usageError(`--images-root: expected a folder, got "${values.imagesRoot}" (${s ? 'a file' : 'no such folder'})`);
  }
  const inputs = files.map((f) => resolve(f));
  for (let i = 0; i < files.length; i++) {
    const problem = await fileProblem(inputs[i]!);
    if (problem) throw new ConversionError('INPUT_NOT_FOUND', problem, { file: displayFile(files[i]!) });
    if (inputs[i] === outAbs) throw usageError(`${files[i]} is also the output: write to another file (the input is never touched)`);
  }
  const outStat = await stat(outAbs).catch(() => undefined);
  if (outStat?.isDirectory()) throw usageError(`-o, --out: expected a file name, got the folder "${values.out}"`);
  if (outStat && !force) throw new ConversionError('OUTPUT_EXISTS', 'the file exists: add --force to replace it', { file: displayPath(outAbs) });
  if (signal?.aborted) throw interruptedError();

  const round = (v: number) => roundTo(v, precision);
  const summary: ExportCocoSummary = {
    ok: true,
    out: displayPath(outAbs),
    inputs: files.map(displayFile),
    task: undefined,
    images: 0,
    annotations: 0,
    categories: 0,
    rleAnnotations: 0,
    sizesFromHeaders: 0,
    bytes: 0,
  };
  const temp = resolve(dirname(outAbs), `.${basename(outAbs)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  registerTemp(temp);
  let out: WriteStream | undefined;
  try {
    await mkdir(dirname(outAbs), { recursive: true });
    out = createWriteStream(temp, { flags: 'wx' });
    await new Promise<void>((res, rej) => {
      out!.once('open', () => res());
      out!.once('error', rej);
    });
    const w = new BufferedWriter(out);
    const sizes = new SizeTable();
    const names = new Set<string>();
    const urls = new Set<string>();
    let expected: ExpectedTask | undefined;

    // Pass 1: check every line, write `images`, collect the label names and sizes.
    await w.write('{"info":{"description":"AutoML JSONL exported by automl-img export coco"},"licenses":[],"images":[');
    for (let fi = 0; fi < files.length; fi++) {
      const shown = summary.inputs[fi]!;
      for await (const { line, text } of readJsonlLines(inputs[fi]!)) {
        if (line % 256 === 0 && signal?.aborted) throw interruptedError();
        if (text.trim() === '') continue;
        const loc = { file: shown, line };
        const { value, task } = checkedLine(text, loc, expected);
        if (task !== undefined && expected === undefined) {
          expected = { task, reason: `as ${shown}:${line}` };
          summary.task = task;
        }
        const url = value['image_url'] as string;
        if (urls.has(url)) throw new ConversionError('DUPLICATE_IMAGE', `expected each image once, got ${JSON.stringify(url)} again`, { ...loc, path: 'image_url' });
        urls.add(url);
        const fileName = baseUrl !== undefined && baseUrl !== '' && url.startsWith(baseUrl) ? url.slice(baseUrl.length) : url;
        const details = value['image_details'];
        const given = isRecord(details) && typeof details['width'] === 'number' && typeof details['height'] === 'number';
        let width = given ? (details['width'] as number) : 0;
        let height = given ? (details['height'] as number) : 0;
        if (!given) {
          if (imagesRoot === undefined) {
            throw new ConversionError('JSON_MISSING', 'expected image_details with width and height (or --images-root to read them from the image), got nothing', { ...loc, path: 'image_details' });
          }
          const abs = resolve(imagesRoot, fileName);
          const d = readImageDetailsSync(abs) ?? (await readImageDetails(abs, displayPath(abs)));
          width = d.width;
          height = d.height;
          summary.sizesFromHeaders++;
        }
        sizes.set(summary.images, width, height);
        summary.images++;
        const label = value['label'] as unknown[];
        for (const o of label) names.add((o as Record<string, unknown>)['label'] as string);
        await w.write(`${summary.images === 1 ? '' : ','}\n{"id":${summary.images},"file_name":${JSON.stringify(fileName)},"width":${width},"height":${height}}`);
      }
    }
    if (summary.images === 0) throw new ConversionError('EMPTY_DATASET', 'nothing to export: the files have no lines', { file: summary.inputs[0] });
    urls.clear();
    const categories = [...names].sort(compareKeys);
    const categoryId = new Map(categories.map((name, i) => [name, i + 1]));
    summary.categories = categories.length;

    // Pass 2: `annotations`, in line then object order.
    await w.write('\n],"annotations":[');
    let image = 0;
    for (let fi = 0; fi < files.length; fi++) {
      for await (const { line, text } of readJsonlLines(inputs[fi]!)) {
        if (line % 256 === 0 && signal?.aborted) throw interruptedError();
        if (text.trim() === '') continue;
        const value = JSON.parse(text) as Record<string, unknown>;
        const width = sizes.width[image]!;
        const height = sizes.height[image]!;
        image++;
        for (const o of pixelObjects(value['label'] as unknown[], width, height)) {
          summary.annotations++;
          let geometry: string;
          if (o.box) {
            const [x1, y1, x2, y2] = o.box.map(round) as [number, number, number, number];
            const bw = round(x2 - x1);
            const bh = round(y2 - y1);
            geometry = `"bbox":${JSON.stringify([x1, y1, bw, bh])},"area":${JSON.stringify(round(bw * bh))}`;
          } else {
            const rings = o.rings!;
            let [bx1, by1, bx2, by2] = [Infinity, Infinity, -Infinity, -Infinity];
            for (const ring of rings) {
              const [a, b, c, d] = boundsOf(ring);
              bx1 = Math.min(bx1, a);
              by1 = Math.min(by1, b);
              bx2 = Math.max(bx2, c);
              by2 = Math.max(by2, d);
            }
            const bbox = [round(bx1), round(by1), round(round(bx2) - round(bx1)), round(round(by2) - round(by1))];
            if (ringsOverlap(rings)) {
              const mask = rasterizeRings(rings, width, height);
              let area = 0;
              for (let i = 0; i < mask.length; i++) area += mask[i]!;
              summary.rleAnnotations++;
              geometry = `"bbox":${JSON.stringify(bbox)},"area":${area},"segmentation":${JSON.stringify(encodeRle(mask, width, height, 'compressed'))}`;
            } else {
              let area = 0;
              for (const ring of rings) area += Math.abs(ringArea(ring));
              geometry = `"bbox":${JSON.stringify(bbox)},"area":${JSON.stringify(round(area))},"segmentation":${JSON.stringify(rings.map((ring) => ring.map(round)))}`;
            }
          }
          await w.write(`${summary.annotations === 1 ? '' : ','}\n{"id":${summary.annotations},"image_id":${image},"category_id":${categoryId.get(o.label)!},${geometry},"iscrowd":${o.isCrowd}}`);
        }
      }
    }
    await w.write(`\n],"categories":[${categories.map((name, i) => `\n{"id":${i + 1},"name":${JSON.stringify(name)}}`).join(',')}\n]}\n`);
    await w.flush();
    await closeStream(out);
    out = undefined;
    if (signal?.aborted) throw interruptedError();
    summary.bytes = w.bytes;
    try {
      await rename(temp, outAbs);
    } catch (e) {
      throw new ConversionError('OUTPUT_WRITE', `cannot write the output: ${(e as Error).message}`, { file: summary.out }, { cause: e });
    }
    unregisterTemp(temp);
    return summary;
  } catch (e) {
    out?.destroy();
    await rm(temp, { force: true });
    unregisterTemp(temp);
    if (e instanceof ConversionError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      throw new ConversionError('OUTPUT_WRITE', `cannot write the output: ${(e as Error).message}`, { file: summary.out }, { cause: e });
    }
    throw e;
  }
}
