/**
 * cvat-to-jsonl (alias `cvat`): CVAT for images 1.1 XML (task or project export) → object detection,
 * instance segmentation, or multi-label (image tags).
 *
 * @example
 *   export/annotations.xml + export/images/img0.jpg
 *     <image id="0" name="img0.jpg" width="8" height="8"><box label="cat" xtl="0" ytl="2" xbr="4" ybr="4" occluded="1"/></image>
 *   → {"image_url":"images/img0.jpg","image_details":{"format":"jpg","width":8,"height":8},
 *      "label":[{"label":"cat","topX":0,"topY":0.25,"bottomX":0.5,"bottomY":0.5,"isCrowd":0}]}
 *
 * The input is the XML file, or a folder holding `annotations.xml` (or one `.xml`). One line per
 * `<image>`, in XML order, found under `--images` (default `images/` beside the XML): at
 * `<images>/<subset>/<name>` first when the image has a `subset` (project exports put each subset in its
 * own folder), else `<images>/<name>`. `image_url` is relative to the images folder's parent (`--root`).
 * Size from the image header, checked against the XML's `width`/`height` (`--no-image-details`: the XML's).
 *
 * Objects: `<box xtl ytl xbr ybr>`, `<polygon points="x1,y1;x2,y2;...">` and `<mask rle left top width
 * height>` (CVAT's RLE: comma-separated counts of alternating 0 and 1 runs, starting with 0, over the
 * mask's own `width × height` box, row by row). Detection takes each shape's bounding box (a polygon's
 * points, a mask's pixels); segmentation takes polygons as they are, a box as its rectangle, a mask traced
 * into rings (src/polygon, `--tolerance` etc.). Shapes with the same non-zero `group_id` in one image are
 * one object (their union: the union box; rings joined, or traced from the union of their pixels when
 * they overlap, since AutoML reads rings by exclusive-or). `<polyline>`, `<points>`, `<cuboid>`,
 * `<ellipse>`, `<skeleton>` are not objects: warned and left out (UNSUPPORTED_SHAPE). `<tag label>` is an
 * image-level label: `--task multi-label` writes each image's tags (shapes ignored); the other tasks
 * ignore tags. `occluded="1"` objects are kept as ordinary objects (counted `occludedObjects`);
 * `--occluded-as-crowd` writes them with `isCrowd: 1`. Other attributes and `z_order` are ignored.
 * `--keep-splits`: an image's `subset` decides its file (train/training → train; any other name but
 * `default` → validation); images without one are split as usual.
 *
 * The XML's text is read whole; its `<image>` elements are parsed one at a time (src/cvat/images.ts, with
 * src/xml.ts: no DTD, no entities), so only one image's elements are in memory at once.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { ConversionError, type Location } from '../src/errors.js';
import { readImageDetails, readImageDetailsSync, turnedSizeHint } from '../src/images.js';
import { boxLabel } from '../src/kit/boxes.js';
import { defineConverter } from '../src/kit/define.js';
import CVAT, { OPTIONS } from './declarations/cvat-to-jsonl.js';
import type { OptionValues } from '../src/options.js';
import { relativeKey } from '../src/paths.js';
import { polygonOptionsFrom } from '../src/polygon/cli-options.js';
import { maskToRings, rasterizeRings, ringArea, type PolygonOptions } from '../src/polygon/index.js';
import { ringsOverlap } from '../src/polygon/overlap.js';
import type { BoxLabel, ConverterContext, ImageDetails, ImageRecord, PolygonLabel } from '../src/types.js';
import { cvatDocument } from '../src/cvat/images.js';
import { readXmlText, type XmlElement } from '../src/xml.js';

type CvatTask = 'object-detection' | 'instance-segmentation' | 'multi-label';

/** Shapes that are objects. */
const OBJECT_SHAPES = new Set(['box', 'polygon', 'mask']);
/** Shapes CVAT writes that are not objects of any AutoML task. */
const OTHER_SHAPES = new Set(['polyline', 'points', 'cuboid', 'ellipse', 'skeleton']);

/** One shape read from the XML, in pixels. */
interface Shape {
  label: string;
  occluded: boolean;
  group: string | undefined;
  /** `image[i]/box[k]`, for messages. */
  path: string;
  /** Corners of its bounding box (for a mask: of its pixels). */
  box: [number, number, number, number];
  /** Rings in pixels (a box: its rectangle; a polygon: its ring). Absent for a mask. */
  rings?: number[][];
  /** A mask: its pixels over its own box at (left, top). */
  mask?: { data: Uint8Array; left: number; top: number; width: number; height: number };
}

const NUMBER = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/;

function num(v: string | undefined): number | undefined {
  return v !== undefined && NUMBER.test(v) ? Number(v) : undefined;
}

/** A `points` attribute: `x1,y1;x2,y2;...` → a flat ring, or the reason it is not one. */
export function parsePoints(text: string): number[] | string {
  const ring: number[] = [];
  for (const pair of text.split(';')) {
    const xy = pair.split(',');
    const x = num(xy[0]);
    const y = num(xy[1]);
    if (xy.length !== 2 || x === undefined || y === undefined) return `expected points as "x1,y1;x2,y2;...", got ${JSON.stringify(pair.trim().slice(0, 40))}`;
    ring.push(x, y);
  }
  return ring;
}

/**
 * CVAT's mask RLE: comma-separated run lengths, alternating 0 and 1 and starting with 0, over a
 * `width × height` box, row by row. Returns the mask, or the reason the counts do not fit.
 */
export function decodeCvatRle(rle: string, width: number, height: number): Uint8Array | string {
  const parts = rle.split(',');
  const mask = new Uint8Array(width * height);
  let pos = 0;
  for (let i = 0; i < parts.length; i++) {
    const t = parts[i]!.trim();
    if (!/^\d+$/.test(t)) return `expected run lengths as non-negative integers separated by commas, got ${JSON.stringify(t.slice(0, 20))} at run ${i}`;
    const run = Number(t);
    if (pos + run > mask.length) return `run lengths add up to more than width × height = ${width} × ${height} = ${mask.length}`;
    if (i & 1) mask.fill(1, pos, pos + run);
    pos += run;
  }
  if (pos !== mask.length) return `run lengths add up to ${pos}, expected width × height = ${width} × ${height} = ${mask.length}`;
  return mask;
}

/** Reads one shape element; a ConversionError when it cannot be used. */
function readShape(el: XmlElement, path: string, file: string): Shape | ConversionError {
  const a = el.attributes;
  const at = (suffix = ''): Location => ({ file, path: path + suffix });
  const label = a['label'];
  if (label === undefined) return new ConversionError('XML_MISSING', 'expected a label attribute, got none', at());
  if (label.trim() === '') return new ConversionError('XML_BAD_VALUE', 'expected a label name, got an empty string', at('/@label'));
  const base = { label, occluded: a['occluded'] === '1', group: a['group_id'] !== undefined && a['group_id'] !== '0' && a['group_id'] !== '' ? a['group_id'] : undefined, path };
  if (el.name === 'box') {
    const c = (['xtl', 'ytl', 'xbr', 'ybr'] as const).map((k) => [k, num(a[k])] as const);
    const bad = c.find(([, v]) => v === undefined || !Number.isFinite(v));
    if (bad)
      return new ConversionError(
        a[bad[0]] === undefined ? 'XML_MISSING' : 'XML_BAD_VALUE',
        `expected ${bad[0]} as a number, got ${a[bad[0]] === undefined ? 'nothing' : JSON.stringify(a[bad[0]])}`,
        at(`/@${bad[0]}`),
      );
    const [x1, y1, x2, y2] = c.map(([, v]) => v!) as [number, number, number, number];
    if (!(x2 > x1 && y2 > y1)) return new ConversionError('EMPTY_BOX', `expected a box with area (xtl < xbr, ytl < ybr), got xtl ${x1}, ytl ${y1}, xbr ${x2}, ybr ${y2}`, at());
    return { ...base, box: [x1, y1, x2, y2], rings: [[x1, y1, x2, y1, x2, y2, x1, y2]] };
  }
  if (el.name === 'polygon') {
    if (a['points'] === undefined) return new ConversionError('XML_MISSING', 'expected a points attribute, got none', at());
    const ring = parsePoints(a['points']);
    if (typeof ring === 'string') return new ConversionError('BAD_POLYGON', ring, at('/@points'));
    if (ring.length < 6) return new ConversionError('BAD_POLYGON', `expected at least 3 points, got ${ring.length / 2}`, at('/@points'));
    let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i < ring.length; i += 2) {
      x1 = Math.min(x1, ring[i]!);
      x2 = Math.max(x2, ring[i]!);
      y1 = Math.min(y1, ring[i + 1]!);
      y2 = Math.max(y2, ring[i + 1]!);
    }
    return { ...base, box: [x1, y1, x2, y2], rings: [ring] };
  }
  // mask
  const dims = (['left', 'top', 'width', 'height'] as const).map((k) => [k, num(a[k])] as const);
  const badDim = dims.find(([k, v]) => v === undefined || !Number.isInteger(v) || v < 0 || ((k === 'width' || k === 'height') && v === 0));
  if (badDim) {
    const v = a[badDim[0]];
    return new ConversionError(
      v === undefined ? 'XML_MISSING' : 'XML_BAD_VALUE',
      `expected ${badDim[0]} as ${badDim[0] === 'width' || badDim[0] === 'height' ? 'a positive' : 'a non-negative'} integer, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`,
      at(`/@${badDim[0]}`),
    );
  }
  const [left, top, width, height] = dims.map(([, v]) => v!) as [number, number, number, number];
  if (a['rle'] === undefined) return new ConversionError('XML_MISSING', 'expected an rle attribute, got none', at());
  const data = decodeCvatRle(a['rle'], width, height);
  if (typeof data === 'string') return new ConversionError('BAD_RLE', data, at('/@rle'));
  let [x1, y1, x2, y2] = [Infinity, Infinity, -Infinity, -Infinity];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (!data[y * width + x]) continue;
      x1 = Math.min(x1, x);
      x2 = Math.max(x2, x + 1);
      y1 = Math.min(y1, y);
      y2 = Math.max(y2, y + 1);
    }
  }
  if (x2 < 0) return new ConversionError('BAD_RLE', 'expected a mask with pixels, got an empty one', at('/@rle'));
  return { ...base, box: [left + x1, top + y1, left + x2, top + y2], mask: { data, left, top, width, height } };
}

/** Rings of a shape in image pixels (a mask traced at its own box, then moved to it). */
function ringsOf(shape: Shape, polygon: PolygonOptions): number[][] {
  if (shape.rings) return shape.rings;
  const m = shape.mask!;
  return maskToRings(m.data, m.width, m.height, polygon).map((ring) => ring.map((v, i) => v + (i & 1 ? m.top : m.left)));
}

/** The union of several shapes as a mask of the whole image. */
function unionMask(shapes: readonly Shape[], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const s of shapes) {
    if (s.rings) {
      const m = rasterizeRings(s.rings, width, height);
      for (let i = 0; i < m.length; i++) out[i]! |= m[i]!;
      continue;
    }
    const m = s.mask!;
    for (let y = 0; y < m.height; y++) {
      const iy = m.top + y;
      if (iy >= height) break;
      for (let x = 0; x < m.width; x++) {
        const ix = m.left + x;
        if (ix < width && m.data[y * m.width + x]) out[iy * width + ix] = 1;
      }
    }
  }
  return out;
}

/** Normalised rings clamped to the image; whether any value was clamped. */
function normalise(rings: number[][], width: number, height: number): { rings: number[][]; clamped: boolean } {
  let clamped = false;
  const out = rings.map((ring) =>
    ring.map((v, i) => {
      const n = v / (i & 1 ? height : width);
      const c = n < 0 ? 0 : n > 1 ? 1 : n;
      if (c !== n) clamped = true;
      return c;
    }),
  );
  return { rings: out, clamped };
}

/** Subset names that mean the training file; `default` (CVAT's name for none) lets the split decide. */
const TRAIN_SUBSETS = new Set(['train', 'training']);

type CvatOptions = OptionValues<typeof OPTIONS>;

/** The XML file of the input: the file itself, or a folder's `annotations.xml` (else its one `.xml`). */
async function findXml(ctx: ConverterContext<CvatOptions>): Promise<string> {
  const s = await stat(ctx.input);
  if (s.isFile()) return ctx.input;
  const names = (await readdir(ctx.input)).filter((n) => n.toLowerCase().endsWith('.xml')).sort();
  if (names.includes('annotations.xml')) return join(ctx.input, 'annotations.xml');
  if (names.length === 1) return join(ctx.input, names[0]!);
  throw new ConversionError('INPUT_LAYOUT', `expected a CVAT XML file, or a folder with annotations.xml or one .xml file, got a folder with ${names.length === 0 ? 'no' : names.length} .xml files`, {
    file: ctx.display(ctx.input),
  });
}

async function* run(ctx: ConverterContext<CvatOptions>): AsyncGenerator<ImageRecord> {
  const task: CvatTask = ctx.own.task;
  const polygon = polygonOptionsFrom(ctx.own);
  const xml = await findXml(ctx);
  const file = ctx.display(xml);
  const doc = cvatDocument(await readXmlText(xml, file), file);
  const root = doc.root;
  if (root.name !== 'annotations') throw new ConversionError('XML_BAD_VALUE', `expected <annotations> (CVAT for images 1.1), got <${root.name}>`, { file, path: root.name });
  const version = root.children.find((c) => c.name === 'version')?.text.trim();
  if (version !== undefined && version !== '1.1') ctx.warn('XML_BAD_VALUE', `expected CVAT for images version 1.1, got ${JSON.stringify(version)}: read as 1.1`, { file, path: 'version' });
  if (root.children.some((c) => c.name === 'track')) {
    ctx.warn('UNSUPPORTED_SHAPE', 'expected <image> elements (CVAT for images), got <track> elements (CVAT for video): tracks left out', { file, path: 'track' });
  }
  if (doc.imageCount === 0) throw new ConversionError('EMPTY_DATASET', 'expected <image> elements, got none', { file });

  const imagesDir = ctx.own.images !== undefined ? resolve(ctx.own.images) : join(dirname(xml), 'images');
  if (ctx.own.images !== undefined && !(await stat(imagesDir).catch(() => undefined))?.isDirectory()) {
    throw new ConversionError('INPUT_NOT_FOUND', `--images: expected a folder of images, got nothing at ${ctx.display(imagesDir)}`, { file: ctx.display(imagesDir) });
  }
  const keyRoot = ctx.options.root ?? dirname(imagesDir);
  const used = new Map<string, number>();
  const warnedSubsets = new Set<string>();

  let i = -1;
  for (const el of doc.images()) {
    i++;
    if (ctx.signal?.aborted) return;
    ctx.progress(i + 1, doc.imageCount);
    const path = `image[${i}]`;
    const at = (suffix = ''): Location => ({ file, path: path + suffix });
    const name = el.attributes['name'];
    if (name === undefined || name === '') {
      ctx.bad(new ConversionError(name === undefined ? 'XML_MISSING' : 'XML_BAD_VALUE', `expected the image's name, got ${name === undefined ? 'nothing' : 'an empty string'}`, at('/@name')));
      continue;
    }
    const xmlWidth = num(el.attributes['width']);
    const xmlHeight = num(el.attributes['height']);
    const subset = el.attributes['subset'];
    const candidates = subset ? [join(imagesDir, subset, name), join(imagesDir, name)] : [join(imagesDir, name)];
    const abs = candidates.find((c) => existsSync(c)) ?? candidates[0]!;
    const key = relativeKey(keyRoot, abs);
    if (key === undefined) {
      ctx.bad(new ConversionError('PATH_OUTSIDE_ROOT', `expected an image under ${ctx.display(keyRoot) || '.'}, got ${JSON.stringify(name)}`, at('/@name')));
      continue;
    }
    let details: ImageDetails & { width: number; height: number };
    if (ctx.options.imageDetails) {
      try {
        // One synchronous read covers nearly every header (as voc-detection); the async read gives the error.
        details = readImageDetailsSync(abs, { verify: ctx.options.verifyImages }) ?? (await readImageDetails(abs, ctx.display(abs), { verify: ctx.options.verifyImages }));
      } catch (e) {
        if (!(e instanceof ConversionError)) throw e;
        ctx.bad(e.code === 'IMAGE_NOT_FOUND' ? new ConversionError('IMAGE_NOT_FOUND', `image not found: looked for ${candidates.map((c) => ctx.display(c)).join(', ')}`, at('/@name')) : e);
        continue;
      }
      if ((xmlWidth !== undefined && xmlWidth !== details.width) || (xmlHeight !== undefined && xmlHeight !== details.height)) {
        ctx.bad(
          new ConversionError(
            'IMAGE_SIZE_MISMATCH',
            `expected the size of ${ctx.display(abs)}, ${details.width}x${details.height}, got ${el.attributes['width']}x${el.attributes['height']}${turnedSizeHint(abs, details, { width: xmlWidth, height: xmlHeight })}`,
            at(),
          ),
        );
        continue;
      }
    } else {
      const which = xmlWidth === undefined || !Number.isInteger(xmlWidth) || xmlWidth <= 0 ? 'width' : xmlHeight === undefined || !Number.isInteger(xmlHeight) || xmlHeight <= 0 ? 'height' : undefined;
      if (which) {
        const v = el.attributes[which];
        ctx.bad(
          new ConversionError(
            v === undefined ? 'XML_MISSING' : 'XML_BAD_VALUE',
            `expected the image's ${which} as a positive integer (--no-image-details opens no image), got ${v === undefined ? 'nothing' : JSON.stringify(v)}`,
            at(`/@${which}`),
          ),
        );
        continue;
      }
      details = { width: xmlWidth!, height: xmlHeight! };
    }
    const twin = used.get(key);
    if (twin !== undefined) {
      ctx.bad(new ConversionError('DUPLICATE_IMAGE', `expected each image once, got ${key} again (image[${twin}] has it)`, at('/@name')));
      continue;
    }
    used.set(key, i);

    let split: 'train' | 'validation' | undefined;
    if (ctx.own.keepSplits && subset !== undefined && subset !== '' && subset.toLowerCase() !== 'default') {
      split = TRAIN_SUBSETS.has(subset.toLowerCase()) ? 'train' : 'validation';
      const lower = subset.toLowerCase();
      if (split === 'validation' && !['validation', 'val', 'valid'].includes(lower) && !warnedSubsets.has(subset)) {
        warnedSubsets.add(subset);
        ctx.warn('XML_BAD_VALUE', `subset ${JSON.stringify(subset)} is neither train nor validation: its images go to the validation file (--keep-splits)`, at('/@subset'));
      }
    }

    const record: ImageRecord = { path: key, details, label: [] };
    if (split !== undefined) record.split = split;
    if (task === 'multi-label') {
      const tags: string[] = [];
      let k = 0;
      for (const child of el.children) {
        if (child.name !== 'tag') {
          if (OBJECT_SHAPES.has(child.name) || OTHER_SHAPES.has(child.name)) ctx.count('shapesIgnored');
          continue;
        }
        const label = child.attributes['label'];
        if (label === undefined || label.trim() === '') {
          ctx.badObject(
            new ConversionError(label === undefined ? 'XML_MISSING' : 'XML_BAD_VALUE', `expected a label name, got ${label === undefined ? 'nothing' : 'an empty string'}`, at(`/tag[${k}]/@label`)),
          );
        } else if (!tags.includes(label)) tags.push(label);
        k++;
      }
      record.label = tags;
      yield record;
      continue;
    }

    // Shapes → objects: one per shape, or per group_id.
    const counters = new Map<string, number>();
    const objects: Shape[][] = [];
    const groups = new Map<string, Shape[]>();
    let badShapes = 0;
    for (const child of el.children) {
      const k = counters.get(child.name) ?? 0;
      counters.set(child.name, k + 1);
      const shapePath = `${path}/${child.name}[${k}]`;
      if (child.name === 'tag') {
        ctx.count('tagsIgnored');
        continue;
      }
      if (OTHER_SHAPES.has(child.name)) {
        ctx.warn('UNSUPPORTED_SHAPE', `a <${child.name}> is not an object of ${task}: left out`, { file, path: shapePath });
        ctx.count('shapesLeftOut');
        continue;
      }
      if (!OBJECT_SHAPES.has(child.name)) continue;
      const shape = readShape(child, shapePath, file);
      if (shape instanceof ConversionError) {
        ctx.badObject(shape);
        badShapes++;
        continue;
      }
      if (shape.group === undefined) objects.push([shape]);
      else {
        const g = groups.get(shape.group);
        if (g) g.push(shape);
        else {
          const list = [shape];
          groups.set(shape.group, list);
          objects.push(list);
        }
      }
    }
    const { width, height } = details;
    const label: (BoxLabel | PolygonLabel)[] = [];
    const hadObjects = objects.length > 0 || badShapes > 0;
    for (const shapes of objects) {
      const first = shapes[0]!;
      const other = shapes.find((s) => s.label !== first.label);
      if (other) {
        ctx.badObject(
          new ConversionError(
            'XML_BAD_VALUE',
            `expected the shapes of group_id ${first.group} to share one label, got ${JSON.stringify(first.label)} (${first.path}) and ${JSON.stringify(other.label)}`,
            { file, path: other.path },
          ),
        );
        continue;
      }
      const occluded = shapes.some((s) => s.occluded);
      if (occluded) ctx.count('occludedObjects');
      const isCrowd: 0 | 1 = occluded && ctx.own.occludedAsCrowd ? 1 : 0;
      if (shapes.length > 1) ctx.count('groupedObjects');
      if (task === 'object-detection') {
        const corners = {
          xmin: Math.min(...shapes.map((s) => s.box[0])),
          ymin: Math.min(...shapes.map((s) => s.box[1])),
          xmax: Math.max(...shapes.map((s) => s.box[2])),
          ymax: Math.max(...shapes.map((s) => s.box[3])),
        };
        const r = boxLabel({ label: first.label, isCrowd }, corners, details, {
          loc: { file, path: first.path },
          noArea: (axis) => `expected a shape with area, got one ${axis === 'x' ? `from x ${corners.xmin} to ${corners.xmax}` : `from y ${corners.ymin} to ${corners.ymax}`}`,
          outside: (image) => `expected a shape overlapping the ${image.width}x${image.height} image, got corners ${corners.xmin},${corners.ymin} to ${corners.xmax},${corners.ymax}`,
        });
        if (r instanceof ConversionError) {
          ctx.badObject(r);
          continue;
        }
        if (r.clamped) ctx.count('clampedBoxes');
        label.push(r.box);
        continue;
      }
      // Segmentation.
      let rings: number[][];
      const perShape = shapes.map((s) => ringsOf(s, polygon));
      const overlapping = shapes.length > 1 && perShape.some((a, x) => perShape.some((b, y) => y > x && a.some((ra) => b.some((rb) => ringsOverlap([ra, rb])))));
      if (overlapping) rings = maskToRings(unionMask(shapes, width, height), width, height, polygon);
      else rings = perShape.flat();
      if (shapes.some((s) => s.mask)) ctx.count('masksTraced');
      const n = normalise(rings, width, height);
      const kept = n.rings.filter((r) => r.length >= 6 && Math.abs(ringArea(r)) > 0);
      if (kept.length === 0) {
        ctx.badObject(new ConversionError('BAD_POLYGON', 'expected a shape with an area inside the image, got none (after clamping)', { file, path: first.path }));
        continue;
      }
      if (n.clamped) ctx.count('clampedPolygons');
      if (shapes.some((s) => s.path.includes('/box['))) ctx.count('boxesAsRectangles');
      label.push({ label: first.label, isCrowd, polygon: kept });
    }
    if (hadObjects && label.length === 0) {
      // Every object was bad (reported): as a background image it would teach that nothing is there.
      ctx.count('imagesWhoseObjectsWereAllBad');
      continue;
    }
    record.label = label as BoxLabel[] | PolygonLabel[];
    yield record;
  }
}

export default defineConverter({ ...CVAT, run });
