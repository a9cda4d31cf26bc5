/**
 * Writes a synthetic COCO instances file shaped like `instances_train2017.json`, streaming to disk.
 *
 * Shape: one line, top-level keys in COCO's order (`info`, `licenses`, `images`, `annotations`,
 * `categories`); 80 categories with COCO's non-contiguous ids (1–90); images mostly 640 px on their
 * long side with COCO's members and URLs; about 7.27 annotations per image, attached to random images
 * (COCO's annotations are not grouped by image); 1% crowd annotations whose segmentation is a
 * compressed RLE string over the whole image (`--crowd-counts list` writes COCO 2017's uncompressed
 * lists instead), the rest polygons of 3 to a few hundred points (median about 20, some in 2–3 parts)
 * with two decimals, `bbox` and a shoelace `area`. The same arguments always write the same bytes.
 *
 * Usage (after `npx tsc -p .`):
 *   node dist/bench/json/gen-coco.js OUT.json [--images 118287] [--annotations N] [--seed 1] [--crowd-counts string|list]
 * The defaults (118,287 images, 860,001 annotations) write about 450 MB, like instances_train2017.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { countsToString, rleArea, rleBbox } from '../../src/coco/rle.js';
import { prng } from '../prng.js';

const COCO_IMAGES = 118_287;
const COCO_ANNOTATIONS = 860_001;

/** COCO's 80 categories: [id, name, supercategory]. */
const CATEGORIES: [number, string, string][] = [];
{
  const groups: [string, string, number[]][] = [
    ['person', 'person', [1]],
    ['vehicle', 'bicycle car motorcycle airplane bus train truck boat', [2, 3, 4, 5, 6, 7, 8, 9]],
    ['outdoor', 'traffic_light fire_hydrant stop_sign parking_meter bench', [10, 11, 13, 14, 15]],
    ['animal', 'bird cat dog horse sheep cow elephant bear zebra giraffe', [16, 17, 18, 19, 20, 21, 22, 23, 24, 25]],
    ['accessory', 'backpack umbrella handbag tie suitcase', [27, 28, 31, 32, 33]],
    ['sports', 'frisbee skis snowboard sports_ball kite baseball_bat baseball_glove skateboard surfboard tennis_racket', [34, 35, 36, 37, 38, 39, 40, 41, 42, 43]],
    ['kitchen', 'bottle wine_glass cup fork knife spoon bowl', [44, 46, 47, 48, 49, 50, 51]],
    ['food', 'banana apple sandwich orange broccoli carrot hot_dog pizza donut cake', [52, 53, 54, 55, 56, 57, 58, 59, 60, 61]],
    ['furniture', 'chair couch potted_plant bed dining_table toilet', [62, 63, 64, 65, 67, 70]],
    ['electronic', 'tv laptop mouse remote keyboard cell_phone', [72, 73, 74, 75, 76, 77]],
    ['appliance', 'microwave oven toaster sink refrigerator', [78, 79, 80, 81, 82]],
    ['indoor', 'book clock vase scissors teddy_bear hair_drier toothbrush', [84, 85, 86, 87, 88, 89, 90]],
  ];
  for (const [supercategory, names, ids] of groups) {
    names.split(' ').forEach((name, i) => CATEGORIES.push([ids[i]!, name.replace(/_/g, ' '), supercategory]));
  }
}

/** Buffered writes to a file descriptor. */
class Out {
  private parts: string[] = [];
  private size = 0;
  bytes = 0;
  constructor(private readonly fd: number) {}
  write(s: string): void {
    this.parts.push(s);
    this.size += s.length;
    if (this.size > 1 << 20) this.flush();
  }
  flush(): void {
    const buf = Buffer.from(this.parts.join(''), 'utf8');
    writeSync(this.fd, buf);
    this.bytes += buf.length;
    this.parts = [];
    this.size = 0;
  }
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      images: { type: 'string', default: String(COCO_IMAGES) },
      annotations: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'crowd-counts': { type: 'string', default: 'string' },
    },
  });
  const path = positionals[0];
  const nImages = Number(values.images);
  const nAnnotations = values.annotations === undefined ? Math.round((nImages * COCO_ANNOTATIONS) / COCO_IMAGES) : Number(values.annotations);
  const crowdForm = values['crowd-counts'];
  if (!path || !Number.isInteger(nImages) || nImages < 1 || !Number.isInteger(nAnnotations) || nAnnotations < 0 || (crowdForm !== 'string' && crowdForm !== 'list')) {
    console.error('usage: gen-coco.js OUT.json [--images N] [--annotations N] [--seed S] [--crowd-counts string|list]');
    process.exitCode = 2;
    return;
  }
  const random = prng(Number(values.seed));
  const int = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));
  const normal = (): number => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());

  const fd = openSync(path, 'w');
  const out = new Out(fd);
  out.write(
    '{"info":{"description":"COCO 2017 Dataset (synthetic, automl-img bench/json/gen-coco)","url":"http://cocodataset.org","version":"1.0","year":2017,"contributor":"COCO Consortium","date_created":"2017/09/01"},',
  );
  out.write('"licenses":[');
  for (let i = 1; i <= 8; i++) {
    out.write(`${i > 1 ? ',' : ''}{"url":"http://creativecommons.org/licenses/by-nc-sa/2.0/","id":${i},"name":"Attribution-NonCommercial-ShareAlike License"}`);
  }
  out.write('],"images":[');

  const widths = new Uint16Array(nImages);
  const heights = new Uint16Array(nImages);
  const ids = new Uint32Array(nImages);
  let nextId = 0;
  for (let i = 0; i < nImages; i++) {
    const landscape = random() < 0.75;
    const short = int(240, 640);
    widths[i] = landscape ? 640 : short;
    heights[i] = landscape ? short : 640;
    nextId += int(1, 8);
    ids[i] = nextId;
    const name = String(nextId).padStart(12, '0') + '.jpg';
    const date = `2013-11-${String(int(10, 25)).padStart(2, '0')} ${String(int(0, 23)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}`;
    const flickr = `http://farm${int(1, 9)}.staticflickr.com/${int(1000, 9999)}/${int(1e9, 9e9)}_${Math.floor(random() * 0xfffffffff)
      .toString(16)
      .padStart(10, '0')}_z.jpg`;
    out.write(
      `${i > 0 ? ',' : ''}{"license":${int(1, 8)},"file_name":"${name}","coco_url":"http://images.cocodataset.org/train2017/${name}","height":${heights[i]},"width":${widths[i]},"date_captured":"${date}","flickr_url":"${flickr}","id":${nextId}}`,
    );
  }

  out.write('],"annotations":[');
  for (let a = 0; a < nAnnotations; a++) {
    const img = int(0, nImages - 1);
    const w = widths[img]!;
    const h = heights[img]!;
    const category = CATEGORIES[int(0, CATEGORIES.length - 1)]![0];
    const crowd = random() < 0.01;
    let segmentation: string;
    let area: number;
    let bbox: number[];
    if (crowd) {
      const counts = crowdCounts(w, h, int, random);
      segmentation = `{"counts":${crowdForm === 'string' ? JSON.stringify(countsToString(counts)) : `[${counts.join(',')}]`},"size":[${h},${w}]}`;
      area = rleArea(counts);
      bbox = rleBbox({ height: h, width: w, counts });
    } else {
      const parts = random() < 0.08 ? int(2, 3) : 1;
      const radius = Math.exp(Math.log(4) + random() * Math.log(Math.min(w, h) / 2 / 4));
      const cx = radius + random() * (w - 2 * radius);
      const cy = radius + random() * (h - 2 * radius);
      const rings: number[][] = [];
      area = 0;
      let [xmin, ymin, xmax, ymax] = [Infinity, Infinity, -Infinity, -Infinity];
      for (let p = 0; p < parts; p++) {
        const points = Math.max(3, Math.min(600, Math.round(Math.exp(3.0 + 0.6 * normal()))));
        const r = parts === 1 ? radius : radius / 2;
        const px = parts === 1 ? cx : cx + (p - 1) * r;
        const ring: number[] = [];
        for (let k = 0; k < points; k++) {
          const angle = (2 * Math.PI * (k + random() * 0.8)) / points;
          const rr = r * (0.6 + 0.4 * random());
          const x = round2(Math.min(w, Math.max(0, px + rr * Math.cos(angle))));
          const y = round2(Math.min(h, Math.max(0, cy + rr * Math.sin(angle))));
          ring.push(x, y);
          xmin = Math.min(xmin, x);
          xmax = Math.max(xmax, x);
          ymin = Math.min(ymin, y);
          ymax = Math.max(ymax, y);
        }
        area += shoelace(ring);
        rings.push(ring);
      }
      segmentation = `[${rings.map((ring) => `[${ring.join(',')}]`).join(',')}]`;
      bbox = [xmin, ymin, round2(xmax - xmin), round2(ymax - ymin)];
    }
    const id = crowd ? 900100000000 + a : a + 1;
    out.write(`${a > 0 ? ',' : ''}{"segmentation":${segmentation},"area":${area},"iscrowd":${crowd ? 1 : 0},"image_id":${ids[img]},"bbox":[${bbox.join(',')}],"category_id":${category},"id":${id}}`);
  }

  out.write('],"categories":[');
  out.write(CATEGORIES.map(([id, name, supercategory]) => `{"supercategory":"${supercategory}","id":${id},"name":"${name}"}`).join(','));
  out.write(']}');
  out.flush();
  closeSync(fd);
  console.error(`${path}: ${nImages} images, ${nAnnotations} annotations, ${(out.bytes / 1e6).toFixed(1)} MB`);
}

/** Column-major runs of a crowd region: one run per column, over a random band of columns. */
function crowdCounts(w: number, h: number, int: (lo: number, hi: number) => number, random: () => number): number[] {
  const x0 = int(0, w - 2);
  const x1 = int(x0 + 1, Math.min(w, x0 + 1 + Math.round(w * (0.1 + 0.5 * random()))));
  let top = int(0, h - 2);
  let bottom = int(top + 1, h);
  const counts: number[] = [];
  let zeros = x0 * h;
  for (let x = x0; x < x1; x++) {
    top = Math.max(0, Math.min(h - 2, top + int(-3, 3)));
    bottom = Math.max(top + 1, Math.min(h, bottom + int(-3, 3)));
    counts.push(zeros + top, bottom - top);
    zeros = h - bottom;
  }
  counts.push(zeros + (w - x1) * h);
  return counts;
}

function shoelace(ring: number[]): number {
  let s = 0;
  const n = ring.length;
  for (let i = 0; i < n; i += 2) {
    const j = (i + 2) % n;
    s += ring[i]! * ring[j + 1]! - ring[j]! * ring[i + 1]!;
  }
  return Math.abs(s) / 2;
}

main();
