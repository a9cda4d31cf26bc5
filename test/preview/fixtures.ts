/**
 * Small datasets for the preview tests, written with code: images (solid PNGs of known sizes),
 * AutoML JSONL lines of each task, and predictions lines (SPEC §7).
 *
 *   await writeDetection(tmp.path);   // data/images/*.png, out/train_annotations.jsonl, out/validation_annotations.jsonl, preds.jsonl
 */
import { imageSrc, type PreviewData, type PreviewImage } from '../../src/preview/data.js';
import { png } from '../helpers/images.js';
import { writeTree, type Tree } from '../helpers/fs.js';

export const jsonl = (lines: readonly unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

/** The data block of a page. */
export function pageData(html: string): PreviewData {
  const m = /<script type="application\/json" id="automl-img-data">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no data block in the page');
  return JSON.parse(m[1]!) as PreviewData;
}

/** Where the page loads an image from (its `s`, or the path made of the data's `root` and its `image_url`). */
export function srcOf(data: PreviewData, img: PreviewImage): string | number {
  return img.s ?? imageSrc(data.root ?? '', data.strip, img.u);
}

/** The embedded images of a page (`--embed`). */
export function pageEmbedded(html: string): string[] {
  const m = /<script type="application\/json" id="automl-img-embedded">([\s\S]*?)<\/script>/.exec(html);
  if (!m) throw new Error('no embedded block in the page');
  return JSON.parse(m[1]!) as string[];
}

const details = (w: number, h: number) => ({ format: 'png', width: w, height: h });

/** Detection lines: 1.png with a can and a crowd of cartons, 2.png background, 3.png missing from disk; 4.png in validation. */
export const DETECTION_TRAIN = [
  {
    image_url: 'images/1.png',
    image_details: details(400, 300),
    label: [
      { label: 'can', topX: 0.1, topY: 0.2, bottomX: 0.4, bottomY: 0.6, isCrowd: 0 },
      { label: 'carton', topX: 0.5, topY: 0.5, bottomX: 0.9, bottomY: 0.9, isCrowd: 1 },
    ],
  },
  { image_url: 'images/2.png', image_details: details(200, 200), label: [] },
  { image_url: 'images/missing.png', image_details: details(100, 100), label: [{ label: 'can', topX: 0, topY: 0, bottomX: 1, bottomY: 1, isCrowd: 0 }] },
];
export const DETECTION_VALIDATION = [
  {
    image_url: 'images/sub dir/4.png',
    image_details: details(300, 400),
    label: [
      { label: 'milk_bottle', topX: 0.25, topY: 0.25, bottomX: 0.75, bottomY: 0.5, isCrowd: 0 },
      { label: 'can', topX: 0.1, topY: 0.6, bottomX: 0.3, bottomY: 0.9, isCrowd: 0 },
    ],
  },
];
/** Predictions: a hit and a false positive on 1.png, a wrong class on 4.png (the can there is missed), one for an image in no file. */
export const DETECTION_PREDICTIONS = [
  {
    image_url: 'images/1.png',
    boxes: [
      { box: { topX: 0.1, topY: 0.2, bottomX: 0.4, bottomY: 0.6 }, label: 'can', score: 0.95 },
      { box: { topX: 0.0, topY: 0.7, bottomX: 0.2, bottomY: 0.95 }, label: 'can', score: 0.6 },
      { box: { topX: 0.6, topY: 0.0, bottomX: 0.7, bottomY: 0.1 }, label: 'carton', score: 0.2 },
    ],
  },
  { image_url: 'images/2.png', boxes: [] },
  {
    image_url: 'images/sub dir/4.png',
    boxes: [{ box: { topX: 0.25, topY: 0.25, bottomX: 0.75, bottomY: 0.5 }, label: 'can', score: 0.8 }],
  },
  { image_url: 'images/5.png', boxes: [{ box: { topX: 0.1, topY: 0.1, bottomX: 0.2, bottomY: 0.2 }, label: 'can', score: 0.7 }] },
];

/** Writes the detection dataset: `data/images/...`, `out/*.jsonl`, `preds.jsonl`. */
export async function writeDetection(root: string): Promise<void> {
  const tree: Tree = {
    'data/images/1.png': png(400, 300, { rgb: [200, 220, 240] }),
    'data/images/2.png': png(200, 200, { rgb: [230, 230, 200] }),
    'data/images/sub dir/4.png': png(300, 400, { rgb: [220, 240, 220] }),
    'data/images/5.png': png(50, 50),
    'out/train_annotations.jsonl': jsonl(DETECTION_TRAIN),
    'out/validation_annotations.jsonl': jsonl(DETECTION_VALIDATION),
    'preds.jsonl': jsonl(DETECTION_PREDICTIONS),
  };
  await writeTree(root, tree);
}

/** A ring with a hole (outer square, inner square) and a two-part object. */
export const SEGMENTATION = [
  {
    image_url: 'a.png',
    image_details: details(200, 100),
    label: [
      {
        label: 'ring',
        isCrowd: 0,
        polygon: [
          [0.1, 0.1, 0.5, 0.1, 0.5, 0.9, 0.1, 0.9],
          [0.2, 0.3, 0.4, 0.3, 0.4, 0.7, 0.2, 0.7],
        ],
      },
      {
        label: 'parts',
        isCrowd: 0,
        polygon: [
          [0.6, 0.1, 0.7, 0.1, 0.7, 0.4],
          [0.8, 0.5, 0.9, 0.5, 0.9, 0.9],
        ],
      },
    ],
  },
];

export const MULTI_CLASS = [
  { image_url: 'c1.png', image_details: details(60, 40), label: 'can' },
  { image_url: 'c2.png', image_details: details(60, 40), label: 'carton' },
];
export const MULTI_CLASS_PREDICTIONS = [
  { image_url: 'c1.png', probs: [0.1, 0.85, 0.05], labels: ['carton', 'can', 'milk'] },
  { image_url: 'c2.png', probs: [0.7, 0.2, 0.1], labels: ['can', 'carton', 'milk'] },
];
export const MULTI_LABEL = [
  { image_url: 'm1.png', image_details: details(60, 40), label: ['can', 'carton'] },
  { image_url: 'm2.png', image_details: details(60, 40), label: [] },
];
