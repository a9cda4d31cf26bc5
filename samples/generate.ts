/**
 * Generates the tiny sample datasets in `samples/`, one per converter, by drawing rectangles,
 * circles and rings (circles with a hole) into small PNG and JPEG images and writing the matching
 * annotations. Everything is fixed (a seeded generator, no clock, no randomness of the machine),
 * so two runs write byte-identical files; `test/samples.test.ts` checks that the committed
 * samples are exactly what this script writes.
 *
 * @example
 *   npm run samples                 # rewrites samples/{folder,csv,voc,voc-mask,coco}
 *   node dist/samples/generate.js /tmp/samples
 *
 * Datasets (each folder is removed and written anew):
 * - `folder/<class>/<image>`: 3 classes × 4 images, PNG and JPEG (folder-to-jsonl).
 * - `csv/labels.csv` + `csv/images/`: the official `filename,labels` form, labels separated by spaces (csv-multilabel).
 * - `voc/annotations/*.xml` + `voc/images/`: the Azure sample layout, one `<difficult>` object, one image without objects (voc-detection).
 * - `voc-mask/{Annotations,JPEGImages,SegmentationObject}/`: the official VOC layout; palette PNG masks
 *   where pixel k is the k-th XML object, 255 a void band around every object, a ring with a hole and
 *   an object partly covered by another (voc-mask-to-polygon).
 * - `coco/annotations.json` + `coco/images/`: boxes and polygons, a multi-part polygon, a compressed-RLE
 *   crowd ring, an image without annotations, category ids 1, 3, 7 (coco-to-jsonl).
 * - `yolo/data.yaml` + `yolo/images/{train,val}/` + `yolo/labels/{train,val}/`: Ultralytics layout, rectangles as
 *   `class cx cy w h` lines, circles and a ring's outline as polygon lines, an image without a label file (yolo-to-jsonl).
 * - `labelme/<folder>/*.json` beside their images: LabelMe 5 files with rectangles, polygons, circles, a
 *   ring as a `mask` shape (base64 PNG), a two-part object joined by `group_id`, an `__ignore__` shape,
 *   one `imagePath` that names the JSON itself (labelme-to-jsonl).
 * - `cvat/annotations.xml` + `cvat/images/`: a CVAT for images 1.1 task export: boxes, polygons, a ring as
 *   a `<mask>` (CVAT's RLE), a rectangle in two polygons joined by `group_id`, an occluded box, image
 *   `<tag>`s, an image without shapes (cvat-to-jsonl).
 *
 * Coordinates: pixel (x, y) covers [x, x+1) × [y, y+1); a shape covers the pixels whose centre lies
 * inside it. COCO boxes and polygons use these edge coordinates; VOC boxes are 1-based and inclusive
 * (`xmin` = first column + 1, `xmax` = last column + 1), as in the VOC devkit.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { encodeRle } from '../src/coco/rle.js';
import { prng } from '../bench/prng.js';

/** The dataset folders this script owns under the samples folder. */
export const SAMPLE_DATASETS = ['folder', 'csv', 'voc', 'voc-mask', 'coco', 'yolo', 'labelme', 'cvat'] as const;

type Rgb = readonly [number, number, number];

/** A shape in pixel-edge coordinates. */
export type Shape =
  | { kind: 'rectangle'; x: number; y: number; w: number; h: number }
  | { kind: 'circle'; cx: number; cy: number; r: number }
  | { kind: 'ring'; cx: number; cy: number; r: number; inner: number };

/** One object drawn into a scene: its class name, shape and colour. */
interface Item {
  name: string;
  shape: Shape;
  color: Rgb;
  /** VOC `<difficult>`. */
  difficult?: boolean;
}

interface Scene {
  width: number;
  height: number;
  background: Rgb;
  /** Drawn in order: later items cover earlier ones. */
  items: Item[];
}

const CLASS_COLORS: Record<string, Rgb> = {
  circle: [214, 62, 48],
  rectangle: [46, 92, 196],
  ring: [38, 150, 82],
};
const BACKGROUNDS: readonly Rgb[] = [
  [236, 232, 222],
  [222, 230, 238],
  [240, 236, 200],
  [226, 238, 226],
];

function intBetween(rand: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** Does the shape cover the pixel whose top-left corner is (x, y)? */
export function covers(s: Shape, x: number, y: number): boolean {
  const px = x + 0.5;
  const py = y + 0.5;
  switch (s.kind) {
    case 'rectangle':
      return px >= s.x && px < s.x + s.w && py >= s.y && py < s.y + s.h;
    case 'circle':
      return (px - s.cx) ** 2 + (py - s.cy) ** 2 <= s.r ** 2;
    case 'ring': {
      const d = (px - s.cx) ** 2 + (py - s.cy) ** 2;
      return d <= s.r ** 2 && d > s.inner ** 2;
    }
  }
}

/** Row-major map of which item each pixel shows: 0 background, k for the k-th item (1-based). */
function labelMap(scene: Scene): Uint8Array {
  const map = new Uint8Array(scene.width * scene.height);
  scene.items.forEach((item, k) => {
    for (let y = 0; y < scene.height; y++) {
      for (let x = 0; x < scene.width; x++) if (covers(item.shape, x, y)) map[y * scene.width + x] = k + 1;
    }
  });
  return map;
}

/** RGB pixels of the scene. */
function render(scene: Scene, map: Uint8Array = labelMap(scene)): Uint8Array {
  const rgb = new Uint8Array(scene.width * scene.height * 3);
  for (let i = 0; i < map.length; i++) {
    const k = map[i]!;
    const c = k === 0 ? scene.background : scene.items[k - 1]!.color;
    rgb.set(c, i * 3);
  }
  return rgb;
}

/** Pixel bounds of label `k` in `map`: first and last column and row, or undefined when absent. */
function pixelBounds(map: Uint8Array, width: number, k: number): { x0: number; y0: number; x1: number; y1: number } | undefined {
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -1;
  let y1 = -1;
  for (let i = 0; i < map.length; i++) {
    if (map[i] !== k) continue;
    const x = i % width;
    const y = (i - x) / width;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  }
  return x1 < 0 ? undefined : { x0, y0, x1, y1 };
}

function png(width: number, height: number, rgb: Uint8Array): Uint8Array {
  return encodePng({ width, height, data: rgb, channels: 3, depth: 8 });
}

function jpg(width: number, height: number, rgb: Uint8Array): Uint8Array {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    rgba[i * 4] = rgb[i * 3]!;
    rgba[i * 4 + 1] = rgb[i * 3 + 1]!;
    rgba[i * 4 + 2] = rgb[i * 3 + 2]!;
    rgba[i * 4 + 3] = 255;
  }
  return jpeg.encode({ width, height, data: rgba }, 80).data;
}

/** The scene as image bytes, by the file name's extension. */
function encodeScene(scene: Scene, fileName: string, map?: Uint8Array): Uint8Array {
  const rgb = render(scene, map);
  return /\.png$/i.test(fileName) ? png(scene.width, scene.height, rgb) : jpg(scene.width, scene.height, rgb);
}

/** The PASCAL VOC colour map (index → RGB), as the VOC devkit's `labelcolormap`. */
export function vocColormap(): number[][] {
  const bit = (v: number, i: number) => (v >> i) & 1;
  const map: number[][] = [];
  for (let i = 0; i < 256; i++) {
    let r = 0;
    let g = 0;
    let b = 0;
    let c = i;
    for (let j = 0; j < 8; j++) {
      r |= bit(c, 0) << (7 - j);
      g |= bit(c, 1) << (7 - j);
      b |= bit(c, 2) << (7 - j);
      c >>= 3;
    }
    map.push([r, g, b]);
  }
  return map;
}

/** Collects the files of a dataset (relative path → bytes) before writing them. */
class Files {
  readonly entries = new Map<string, Uint8Array | string>();
  add(path: string, data: Uint8Array | string): void {
    if (this.entries.has(path)) throw new Error(`generated twice: ${path}`);
    this.entries.set(path, data);
  }
}

const circle = (cx: number, cy: number, r: number): Shape => ({ kind: 'circle', cx, cy, r });
const rectangle = (x: number, y: number, w: number, h: number): Shape => ({ kind: 'rectangle', x, y, w, h });
const ring = (cx: number, cy: number, r: number, inner: number): Shape => ({ kind: 'ring', cx, cy, r, inner });

const item = (name: string, shape: Shape, extra: Partial<Item> = {}): Item => ({ name, shape, color: CLASS_COLORS[name]!, ...extra });

/** A random shape of `kind` that fits in the box [x, x+w) × [y, y+h). */
function shapeIn(rand: () => number, kind: string, x: number, y: number, w: number, h: number): Shape {
  const side = Math.min(w, h);
  if (kind === 'rectangle') {
    const rw = intBetween(rand, Math.ceil(w * 0.45), Math.floor(w * 0.85));
    const rh = intBetween(rand, Math.ceil(h * 0.45), Math.floor(h * 0.85));
    return rectangle(x + intBetween(rand, 0, w - rw), y + intBetween(rand, 0, h - rh), rw, rh);
  }
  const r = intBetween(rand, Math.ceil(side * 0.3), Math.floor(side * 0.45));
  const cx = x + intBetween(rand, r, w - r);
  const cy = y + intBetween(rand, r, h - r);
  return kind === 'circle' ? circle(cx, cy, r) : ring(cx, cy, r, Math.round(r * 0.45));
}

/** folder-to-jsonl: `<class>/<image>`, 3 classes × 4 images, one name with a space. */
function folderDataset(): Files {
  const files = new Files();
  const rand = prng(2026);
  const sizes: [number, number][] = [
    [64, 48],
    [80, 60],
    [96, 72],
    [72, 54],
  ];
  for (const name of ['circle', 'rectangle', 'ring']) {
    sizes.forEach(([width, height], i) => {
      const margin = 4;
      const scene: Scene = {
        width,
        height,
        background: BACKGROUNDS[i]!,
        items: [item(name, shapeIn(rand, name, margin, margin, width - 2 * margin, height - 2 * margin))],
      };
      const ext = i % 2 === 0 ? 'jpg' : 'png';
      const file = name === 'ring' && i === 3 ? `${name} ${i + 1}.${ext}` : `${name}-${i + 1}.${ext}`;
      files.add(`${name}/${file}`, encodeScene(scene, file));
    });
  }
  return files;
}

/** csv-multilabel: `labels.csv` (`filename,labels`, space-separated) + `images/`. */
function csvDataset(): Files {
  const files = new Files();
  const rand = prng(7);
  const labelSets = [['circle'], ['rectangle'], ['ring'], ['circle', 'rectangle'], ['circle', 'ring'], ['rectangle', 'ring'], ['circle', 'rectangle', 'ring'], ['ring', 'circle']];
  const rows = ['filename,labels'];
  labelSets.forEach((labels, i) => {
    const width = 96;
    const height = 64;
    const slot = width / labels.length;
    const items = labels.map((name, j) => item(name, shapeIn(rand, name, Math.round(j * slot) + 3, 6, Math.floor(slot) - 6, height - 12)));
    const file = `${String(i + 1).padStart(2, '0')}.${i % 3 === 2 ? 'png' : 'jpg'}`;
    files.add(`images/${file}`, encodeScene({ width, height, background: BACKGROUNDS[i % BACKGROUNDS.length]!, items }, file));
    rows.push(`${file},${labels.join(' ')}`);
  });
  files.add('labels.csv', rows.join('\n') + '\n');
  return files;
}

function xmlEscape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A VOC annotation; boxes are the 1-based inclusive pixel bounds of each item's visible pixels. */
function vocXml(folder: string, fileName: string, scene: Scene, map: Uint8Array, segmented: boolean): string {
  const lines = [
    '<annotation>',
    `\t<folder>${xmlEscape(folder)}</folder>`,
    `\t<filename>${xmlEscape(fileName)}</filename>`,
    '\t<source>',
    '\t\t<database>automl-img samples</database>',
    '\t</source>',
    '\t<size>',
    `\t\t<width>${scene.width}</width>`,
    `\t\t<height>${scene.height}</height>`,
    '\t\t<depth>3</depth>',
    '\t</size>',
    `\t<segmented>${segmented ? 1 : 0}</segmented>`,
  ];
  scene.items.forEach((it, k) => {
    const b = pixelBounds(map, scene.width, k + 1);
    if (!b) throw new Error(`${fileName}: object ${k + 1} has no pixels`);
    lines.push(
      '\t<object>',
      `\t\t<name>${xmlEscape(it.name)}</name>`,
      '\t\t<pose>Unspecified</pose>',
      '\t\t<truncated>0</truncated>',
      `\t\t<difficult>${it.difficult ? 1 : 0}</difficult>`,
      '\t\t<bndbox>',
      `\t\t\t<xmin>${b.x0 + 1}</xmin>`,
      `\t\t\t<ymin>${b.y0 + 1}</ymin>`,
      `\t\t\t<xmax>${b.x1 + 1}</xmax>`,
      `\t\t\t<ymax>${b.y1 + 1}</ymax>`,
      '\t\t</bndbox>',
      '\t</object>',
    );
  });
  lines.push('</annotation>', '');
  return lines.join('\n');
}

/** voc-detection, Azure sample layout: `annotations/*.xml` + `images/`. */
function vocDataset(): Files {
  const files = new Files();
  const W = 120;
  const H = 90;
  const scenes: Item[][] = [
    [item('circle', circle(30, 30, 14)), item('rectangle', rectangle(58, 40, 44, 30))],
    [item('ring', ring(40, 46, 22, 10)), item('circle', circle(94, 24, 13))],
    [item('rectangle', rectangle(8, 10, 30, 62)), item('rectangle', rectangle(50, 16, 54, 24), { difficult: true }), item('circle', circle(82, 66, 14))],
    [item('ring', ring(84, 44, 24, 11)), item('rectangle', rectangle(10, 56, 36, 22))],
    [item('circle', circle(26, 62, 16)), item('circle', circle(64, 30, 12)), item('ring', ring(96, 62, 16, 7))],
    [],
  ];
  scenes.forEach((items, i) => {
    const stem = String(i + 1);
    const file = `${stem}.jpg`;
    const scene: Scene = { width: W, height: H, background: BACKGROUNDS[i % BACKGROUNDS.length]!, items };
    const map = labelMap(scene);
    files.add(`images/${file}`, encodeScene(scene, file, map));
    files.add(`annotations/${stem}.xml`, vocXml('images', file, scene, map, false));
  });
  return files;
}

/** The VOC instance mask: pixel k = k-th object, 255 on a band one pixel each side of every boundary. */
function vocInstanceMask(map: Uint8Array, width: number, height: number): Uint8Array {
  const mask = new Uint8Array(map.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const k = map[y * width + x]!;
      let boundary = false;
      for (let dy = -1; dy <= 1 && !boundary; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const nx = x + dx;
          const ny = y + dy;
          if (nx < 0 || ny < 0 || nx >= width || ny >= height) continue;
          if (map[ny * width + nx] !== k) {
            boundary = true;
            break;
          }
        }
      }
      mask[y * width + x] = boundary ? 255 : k;
    }
  }
  return mask;
}

/** voc-mask-to-polygon, official VOC layout: `Annotations/`, `JPEGImages/`, `SegmentationObject/`. */
function vocMaskDataset(): Files {
  const files = new Files();
  const W = 120;
  const H = 90;
  const palette = vocColormap();
  const scenes: Item[][] = [
    // A ring with a hole, and a rectangle.
    [item('ring', ring(38, 44, 26, 11)), item('rectangle', rectangle(74, 14, 36, 58))],
    // The circle (object 2) covers part of the rectangle (object 1).
    [item('rectangle', rectangle(14, 20, 60, 40)), item('circle', circle(76, 50, 22))],
    [item('circle', circle(24, 26, 14)), item('circle', circle(62, 60, 18)), item('circle', circle(100, 24, 12))],
    [item('rectangle', rectangle(8, 8, 40, 26)), item('ring', ring(82, 52, 28, 13)), item('circle', circle(26, 66, 14))],
  ];
  scenes.forEach((items, i) => {
    const stem = `2026_${String(i + 1).padStart(6, '0')}`;
    const file = `${stem}.jpg`;
    const scene: Scene = { width: W, height: H, background: BACKGROUNDS[i % BACKGROUNDS.length]!, items };
    const map = labelMap(scene);
    files.add(`JPEGImages/${file}`, encodeScene(scene, file, map));
    files.add(`Annotations/${stem}.xml`, vocXml('VOC2026', file, scene, map, true));
    const mask = vocInstanceMask(map, W, H);
    files.add(`SegmentationObject/${stem}.png`, encodePng({ width: W, height: H, data: mask, channels: 1, depth: 8, palette }));
  });
  return files;
}

const round1 = (v: number) => Math.round(v * 10) / 10;

/** A shape's outline as a COCO polygon (edge coordinates); circles become 16-gons. */
function polygonOf(s: Shape): number[] {
  if (s.kind === 'rectangle') return [s.x, s.y, s.x + s.w, s.y, s.x + s.w, s.y + s.h, s.x, s.y + s.h];
  const pts: number[] = [];
  for (let i = 0; i < 16; i++) {
    const a = (2 * Math.PI * i) / 16;
    pts.push(round1(s.cx + s.r * Math.cos(a)), round1(s.cy + s.r * Math.sin(a)));
  }
  return pts;
}

function polygonArea(p: readonly number[]): number {
  let a = 0;
  for (let i = 0; i < p.length; i += 2) {
    const j = (i + 2) % p.length;
    a += p[i]! * p[j + 1]! - p[j]! * p[i + 1]!;
  }
  return Math.abs(a) / 2;
}

/** COCO JSON laid out for reading: one member per line at the top, one array element per line. */
function cocoJson(doc: Record<string, unknown>): string {
  const members = Object.entries(doc).map(([key, value]) => {
    const body = Array.isArray(value) ? (value.length === 0 ? '[]' : `[\n${value.map((v) => `    ${JSON.stringify(v)}`).join(',\n')}\n  ]`) : JSON.stringify(value);
    return `  ${JSON.stringify(key)}: ${body}`;
  });
  return `{\n${members.join(',\n')}\n}\n`;
}

/** coco-to-jsonl: `annotations.json` + `images/`. */
function cocoDataset(): Files {
  const files = new Files();
  const W = 120;
  const H = 90;
  const categories = [
    { id: 1, name: 'circle', supercategory: 'shape' },
    { id: 3, name: 'rectangle', supercategory: 'shape' },
    { id: 7, name: 'ring', supercategory: 'shape' },
  ];
  const categoryId = (name: string) => categories.find((c) => c.name === name)!.id;
  /** Each image: its items, and how each is annotated. */
  interface CocoItem extends Item {
    as: 'polygon' | 'rle' | 'parts';
    parts?: Shape[];
  }
  const poly = (name: string, shape: Shape): CocoItem => ({ ...item(name, shape), as: 'polygon' });
  const images: { file: string; items: CocoItem[] }[] = [
    { file: '1.jpg', items: [poly('circle', circle(32, 34, 18)), poly('rectangle', rectangle(62, 30, 46, 40))] },
    { file: '2.png', items: [poly('rectangle', rectangle(10, 10, 50, 30)), poly('circle', circle(84, 28, 15)), poly('circle', circle(40, 66, 14))] },
    // The crowd: a ring (with its hole) as compressed RLE.
    { file: '3.jpg', items: [{ ...item('ring', ring(44, 46, 28, 12)), as: 'rle' }, poly('circle', circle(98, 24, 12))] },
    // No annotations: a background image.
    { file: '4.jpg', items: [] },
    // One rectangle seen in two parts (a multi-part polygon), drawn as two pieces. (COCO polygons have no
    // holes: a ring is only ever written as RLE.)
    {
      file: '5.png',
      items: [{ ...item('rectangle', rectangle(12, 20, 40, 50)), as: 'parts', parts: [rectangle(12, 20, 40, 22), rectangle(12, 48, 40, 22)] }, poly('circle', circle(88, 46, 20))],
    },
  ];
  const jsonImages: unknown[] = [];
  const annotations: unknown[] = [];
  images.forEach(({ file, items }, i) => {
    const id = i + 1;
    // Draw parts as separate pieces of the same colour.
    const drawn: Item[] = items.flatMap((it) => (it.as === 'parts' ? it.parts!.map((shape) => ({ ...it, shape })) : [it]));
    const scene: Scene = { width: W, height: H, background: BACKGROUNDS[i % BACKGROUNDS.length]!, items: drawn };
    const map = labelMap(scene);
    files.add(`images/${file}`, encodeScene(scene, file, map));
    jsonImages.push({ id, file_name: file, width: W, height: H });
    for (const it of items) {
      const annotation: Record<string, unknown> = { id: annotations.length + 1, image_id: id, category_id: categoryId(it.name) };
      if (it.as === 'rle') {
        const k = drawn.indexOf(it) + 1;
        const mask = map.map((v) => (v === k ? 1 : 0));
        const b = pixelBounds(map, W, k)!;
        annotation['segmentation'] = encodeRle(mask, W, H, 'compressed');
        annotation['area'] = mask.reduce((s, v) => s + v, 0);
        annotation['bbox'] = [b.x0, b.y0, b.x1 - b.x0 + 1, b.y1 - b.y0 + 1];
        annotation['iscrowd'] = 1;
      } else {
        const rings = (it.as === 'parts' ? it.parts! : [it.shape]).map(polygonOf);
        const xs = rings.flatMap((r) => r.filter((_, j) => j % 2 === 0));
        const ys = rings.flatMap((r) => r.filter((_, j) => j % 2 === 1));
        const x0 = Math.min(...xs);
        const y0 = Math.min(...ys);
        annotation['segmentation'] = rings;
        annotation['area'] = round1(rings.reduce((s, r) => s + polygonArea(r), 0));
        annotation['bbox'] = [x0, y0, round1(Math.max(...xs) - x0), round1(Math.max(...ys) - y0)];
        annotation['iscrowd'] = 0;
      }
      annotations.push(annotation);
    }
  });
  const coco = {
    info: { description: 'automl-img sample: shapes', version: '1.0' },
    licenses: [],
    images: jsonImages,
    annotations,
    categories,
  };
  files.add('annotations.json', cocoJson(coco));
  return files;
}

const round6 = (v: number) => Math.round(v * 1e6) / 1e6;

/** yolo-to-jsonl: Ultralytics `data.yaml` + `images/<split>/` + `labels/<split>/`. */
function yoloDataset(): Files {
  const files = new Files();
  const names = ['circle', 'rectangle', 'ring'];
  const images: { file: string; split: 'train' | 'val'; items: Item[] | undefined }[] = [
    { file: '1.jpg', split: 'train', items: [item('circle', circle(30, 30, 16)), item('rectangle', rectangle(56, 20, 50, 40))] },
    { file: '2.png', split: 'train', items: [item('rectangle', rectangle(8, 8, 60, 30)), item('circle', circle(90, 60, 18))] },
    // a ring: YOLO has one polygon an object, so its outline only (the hole is not written)
    { file: '3.jpg', split: 'train', items: [item('ring', ring(60, 45, 30, 13))] },
    // No label file: a background image.
    { file: '4.jpg', split: 'train', items: undefined },
    { file: '5.png', split: 'train', items: [item('rectangle', rectangle(20, 30, 80, 40))] },
    { file: '6.jpg', split: 'val', items: [item('circle', circle(24, 24, 14)), item('circle', circle(90, 60, 20))] },
  ];
  const W = 120;
  const H = 90;
  images.forEach(({ file, split, items }, i) => {
    const scene: Scene = { width: W, height: H, background: BACKGROUNDS[i % BACKGROUNDS.length]!, items: items ?? [] };
    files.add(`images/${split}/${file}`, encodeScene(scene, file));
    if (items === undefined) return;
    const lines = items.map((it) => {
      const cls = names.indexOf(it.name);
      const s = it.shape;
      if (s.kind === 'rectangle') return [cls, (s.x + s.w / 2) / W, (s.y + s.h / 2) / H, s.w / W, s.h / H].map((v) => String(round6(v))).join(' ');
      const p = polygonOf(s);
      return [cls, ...p.map((v, j) => round6(v / (j % 2 === 0 ? W : H)))].join(' ');
    });
    files.add(`labels/${split}/${file.replace(/\.\w+$/, '.txt')}`, lines.join('\n') + '\n');
  });
  files.add('data.yaml', `# automl-img sample: shapes (Ultralytics layout)\npath: .\ntrain: images/train\nval: images/val\n\nnames:\n  0: circle\n  1: rectangle\n  2: ring\n`);
  return files;
}

/** labelme-to-jsonl: LabelMe 5 JSON files beside their images, in two folders. */
function labelmeDataset(): Files {
  const files = new Files();
  const W = 120;
  const H = 90;
  type Extra = Record<string, unknown>;
  const shape = (label: string, shape_type: string, points: number[][], extra: Extra = {}) => ({ label, points, group_id: null, description: '', shape_type, flags: {}, mask: null, ...extra });
  const rect = (s: Extract<Shape, { kind: 'rectangle' }>) => [
    [s.x, s.y],
    [s.x + s.w, s.y + s.h],
  ];
  const poly = (s: Shape) => {
    const p = polygonOf(s);
    return Array.from({ length: p.length / 2 }, (_, i) => [p[2 * i]!, p[2 * i + 1]!]);
  };
  /** A mask shape: the item's pixels in the box around them, as LabelMe writes it (mask[y1:y2+1, x1:x2+1]). */
  const maskShape = (label: string, map: Uint8Array, k: number) => {
    const b = pixelBounds(map, W, k)!;
    const w = b.x1 - b.x0 + 1;
    const h = b.y1 - b.y0 + 1;
    const data = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = map[(b.y0 + y) * W + b.x0 + x] === k ? 255 : 0;
    const bytes = encodePng({ width: w, height: h, data, channels: 1, depth: 8 });
    return shape(
      label,
      'mask',
      [
        [b.x0, b.y0],
        [b.x1, b.y1],
      ],
      { mask: Buffer.from(bytes).toString('base64') },
    );
  };
  const images: { file: string; items: Item[]; shapes: (map: Uint8Array) => unknown[]; imagePath?: string }[] = [
    {
      file: 'batch1/1.jpg',
      items: [item('rectangle', rectangle(10, 12, 44, 30)), item('circle', circle(86, 50, 20))],
      shapes: () => [
        shape('rectangle', 'rectangle', rect({ kind: 'rectangle', x: 10, y: 12, w: 44, h: 30 })),
        shape('circle', 'circle', [
          [86, 50],
          [106, 50],
        ]),
      ],
    },
    {
      file: 'batch1/2.png',
      items: [item('ring', ring(40, 44, 26, 11)), item('circle', circle(96, 22, 14))],
      // the ring as a mask (its hole becomes a second ring), the circle as a polygon
      shapes: (map) => [maskShape('ring', map, 1), shape('circle', 'polygon', poly(circle(96, 22, 14)))],
    },
    {
      file: 'batch2/3.jpg',
      // one rectangle seen in two parts: two polygons joined by group_id; an __ignore__ region
      items: [item('rectangle', rectangle(14, 10, 30, 24)), item('rectangle', rectangle(14, 52, 30, 24)), item('circle', circle(90, 45, 18))],
      shapes: () => [
        shape('rectangle', 'polygon', poly(rectangle(14, 10, 30, 24)), { group_id: 1 }),
        shape('rectangle', 'polygon', poly(rectangle(14, 52, 30, 24)), { group_id: 1 }),
        shape('circle', 'circle', [
          [90, 45],
          [90, 63],
        ]),
        shape('__ignore__', 'rectangle', [
          [60, 70],
          [75, 85],
        ]),
      ],
      // as some tools write it: imagePath names the JSON itself; the image is found by the JSON's name
      imagePath: '3.json',
    },
    { file: 'batch2/4.jpg', items: [], shapes: () => [] },
  ];
  images.forEach(({ file, items, shapes, imagePath }, i) => {
    const scene: Scene = { width: W, height: H, background: BACKGROUNDS[i % BACKGROUNDS.length]!, items };
    const map = labelMap(scene);
    const name = file.slice(file.lastIndexOf('/') + 1);
    files.add(file, encodeScene(scene, name, map));
    const doc = { version: '5.4.1', flags: {}, shapes: shapes(map), imagePath: imagePath ?? name, imageData: null, imageHeight: H, imageWidth: W };
    files.add(file.replace(/\.\w+$/, '.json'), JSON.stringify(doc, null, 2) + '\n');
  });
  return files;
}

/** CVAT's mask RLE of a row-major 0/1 mask: run lengths of alternating 0 and 1 pixels, starting with 0. */
export function cvatRle(bits: ArrayLike<number>): string {
  const counts: number[] = [];
  let value = 0;
  let run = 0;
  for (let i = 0; i < bits.length; i++) {
    const v = bits[i] === 0 ? 0 : 1;
    if (v !== value) {
      counts.push(run);
      run = 0;
      value = v;
    }
    run++;
  }
  counts.push(run);
  return counts.join(', ');
}

/** The pixels of object `k` in `map` (`width` wide) over the box `b`, row by row, as 0/1. */
function boxBits(map: Uint8Array, width: number, k: number, b: { x0: number; y0: number; x1: number; y1: number }): Uint8Array {
  const bits = new Uint8Array((b.x1 - b.x0 + 1) * (b.y1 - b.y0 + 1));
  let i = 0;
  for (let y = b.y0; y <= b.y1; y++) for (let x = b.x0; x <= b.x1; x++) bits[i++] = map[y * width + x] === k ? 1 : 0;
  return bits;
}

/** cvat-to-jsonl: a CVAT for images 1.1 task export, `annotations.xml` + `images/`. */
function cvatDataset(): Files {
  const files = new Files();
  const W = 80;
  const H = 60;
  interface CvatItem extends Item {
    as: 'box' | 'polygon' | 'mask' | 'parts';
    parts?: Shape[];
    occluded?: boolean;
  }
  const as = (kind: CvatItem['as'], name: string, shape: Shape, extra: Partial<CvatItem> = {}): CvatItem => ({ ...item(name, shape), as: kind, ...extra });
  const images: { file: string; items: CvatItem[]; tags: string[] }[] = [
    { file: '1.jpg', items: [as('box', 'rectangle', rectangle(6, 8, 30, 24), { occluded: true }), as('polygon', 'circle', circle(56, 34, 14))], tags: ['indoor'] },
    { file: '2.png', items: [as('mask', 'ring', ring(40, 30, 22, 9))], tags: ['outdoor'] },
    {
      file: '3.jpg',
      items: [as('parts', 'rectangle', rectangle(8, 6, 30, 46), { parts: [rectangle(8, 6, 30, 20), rectangle(8, 32, 30, 20)] }), as('box', 'circle', circle(60, 30, 12))],
      tags: ['indoor', 'outdoor'],
    },
    { file: '4.jpg', items: [], tags: [] },
  ];
  const fmt = (v: number) => v.toFixed(2);
  const points = (p: number[]) => p.reduce<string[]>((acc, v, i) => (i % 2 ? acc : [...acc, `${fmt(v)},${fmt(p[i + 1]!)}`]), []).join(';');
  let xml = '<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n  <meta>\n    <task>\n      <name>shapes</name>\n      <labels>\n';
  for (const name of ['circle', 'rectangle', 'ring', 'indoor', 'outdoor']) xml += `        <label>\n          <name>${name}</name>\n        </label>\n`;
  xml += '      </labels>\n    </task>\n  </meta>\n';
  images.forEach(({ file, items, tags }, i) => {
    const drawn: CvatItem[] = items.flatMap((it) => (it.as === 'parts' ? it.parts!.map((shape) => ({ ...it, shape })) : [it]));
    const scene: Scene = { width: W, height: H, background: BACKGROUNDS[i % BACKGROUNDS.length]!, items: drawn };
    const map = labelMap(scene);
    files.add(`images/${file}`, encodeScene(scene, file, map));
    xml += `  <image id="${i}" name="${file}" width="${W}" height="${H}">\n`;
    let group = 0;
    for (const it of items) {
      const occluded = it.occluded ? 1 : 0;
      if (it.as === 'box') {
        const b = pixelBounds(map, W, drawn.indexOf(it) + 1)!;
        xml += `    <box label="${it.name}" source="manual" occluded="${occluded}" xtl="${fmt(b.x0)}" ytl="${fmt(b.y0)}" xbr="${fmt(b.x1 + 1)}" ybr="${fmt(b.y1 + 1)}" z_order="0">\n      <attribute name="color">plain</attribute>\n    </box>\n`;
      } else if (it.as === 'polygon') {
        xml += `    <polygon label="${it.name}" source="manual" occluded="${occluded}" points="${points(polygonOf(it.shape))}" z_order="0">\n    </polygon>\n`;
      } else if (it.as === 'mask') {
        const k = drawn.indexOf(it) + 1;
        const b = pixelBounds(map, W, k)!;
        xml += `    <mask label="${it.name}" source="manual" occluded="${occluded}" rle="${cvatRle(boxBits(map, W, k, b))}" left="${b.x0}" top="${b.y0}" width="${b.x1 - b.x0 + 1}" height="${b.y1 - b.y0 + 1}" z_order="0">\n    </mask>\n`;
      } else {
        group++;
        for (const part of it.parts!)
          xml += `    <polygon label="${it.name}" source="manual" occluded="${occluded}" points="${points(polygonOf(part))}" z_order="0" group_id="${group}">\n    </polygon>\n`;
      }
    }
    for (const tag of tags) xml += `    <tag label="${tag}" source="manual">\n    </tag>\n`;
    xml += '  </image>\n';
  });
  xml += '</annotations>\n';
  files.add('annotations.xml', xml);
  return files;
}

const GENERATORS: Record<(typeof SAMPLE_DATASETS)[number], () => Files> = {
  folder: folderDataset,
  csv: csvDataset,
  voc: vocDataset,
  'voc-mask': vocMaskDataset,
  coco: cocoDataset,
  yolo: yoloDataset,
  labelme: labelmeDataset,
  cvat: cvatDataset,
};

/**
 * Writes every sample dataset under `outDir` (each dataset folder is removed first).
 * @returns the files written, relative to `outDir`, with their sizes in bytes
 */
export async function generateSamples(outDir: string): Promise<Map<string, number>> {
  const written = new Map<string, number>();
  for (const name of SAMPLE_DATASETS) {
    const files = GENERATORS[name]();
    await rm(join(outDir, name), { recursive: true, force: true });
    for (const [rel, data] of [...files.entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const abs = join(outDir, name, rel);
      await mkdir(dirname(abs), { recursive: true });
      await writeFile(abs, data);
      written.set(`${name}/${rel}`, typeof data === 'string' ? Buffer.byteLength(data) : data.length);
    }
  }
  return written;
}

/** The repository's `samples/` folder (this file runs as `dist/samples/generate.js`). */
function defaultOutDir(): string {
  return fileURLToPath(new URL('../../samples/', import.meta.url));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outDir = resolve(process.argv[2] ?? defaultOutDir());
  const written = await generateSamples(outDir);
  let total = 0;
  for (const size of written.values()) total += size;
  console.log(`wrote ${written.size} files (${(total / 1024).toFixed(1)} KiB) under ${outDir}`);
}
