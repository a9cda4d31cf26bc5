/**
 * The data a preview page carries: one compact JSON document, written by the library
 * (`./index.ts`) into a `<script type="application/json">` block and read by the page
 * (`./page/main.ts`). Shapes are tuples, not objects, so that 10,000 images stay small.
 * No DOM and no Node here: both sides import these types (and {@link imageSrc}).
 *
 * @example
 *   {"v":1,"root":"../data/","files":[{"name":"train_annotations.jsonl","task":"object-detection"}],
 *    "labels":["can","carton"],"predictions":"preds.jsonl","embedded":false,
 *    "images":[{"f":0,"u":"images/1.jpg","w":499,"h":666,
 *               "o":[[0,0,0.26,0.406,0.735,0.701]],"p":[[0,0.93,0.25,0.4,0.73,0.7]]}]}
 */

/** The tasks of SPEC §1. */
export type PreviewTask = 'multi-class' | 'multi-label' | 'object-detection' | 'instance-segmentation';

/**
 * A ground-truth object: label index (into {@link PreviewData.labels}), isCrowd, the box corners
 * (normalised; for a polygon, the box around its rings), and its rings (normalised x, y pairs) when
 * it is a polygon.
 */
export type GtObject = [label: number, crowd: 0 | 1, x1: number, y1: number, x2: number, y2: number, rings?: number[][]];

/** A predicted box: label index, score, normalised corners, and rings for instance segmentation. */
export type PredBox = [label: number, score: number, x1: number, y1: number, x2: number, y2: number, rings?: number[][]];

/** A predicted class: label index and probability. Sorted by probability, highest first. */
export type PredClass = [label: number, prob: number];

/** One image of the page. */
export interface PreviewImage {
  /** Index into {@link PreviewData.files}. */
  f: number;
  /** Its `image_url`. */
  u: string;
  /**
   * Where the page loads it from: a path relative to the page, or an index into the embedded images
   * (`--embed`). Absent when it is {@link imageSrc} of the data's `root`, `strip` and `u` (most images).
   */
  s?: string | number;
  /** Width and height in pixels, from `image_details`, when known. */
  w?: number;
  h?: number;
  /** 1 when the image file was not found when the page was written. */
  m?: 1;
  /** Classification: the label indices (one for multi-class). */
  c?: number[];
  /** Detection and segmentation: the objects. */
  o?: GtObject[];
  /** With predictions: the predicted boxes (detection, segmentation). */
  p?: PredBox[];
  /** With predictions: the predicted classes with their probabilities (classification). */
  q?: PredClass[];
  /** With predictions: 1 when the predictions file has a line for this image. */
  r?: 1;
}

/** One input file of the page (or the predictions without ground truth). */
export interface PreviewFile {
  /** As the user named it (relative to the current folder when inside it). */
  name: string;
  /** Detected from the first labelled line; null when no line shows it. */
  task: PreviewTask | null;
}

/** The whole document. */
export interface PreviewData {
  /** Format version. */
  v: 1;
  files: PreviewFile[];
  /** Label names; indices in the shapes point here. */
  labels: string[];
  /** The predictions file, when one was given. */
  predictions?: string;
  /** True when the images are embedded as data URLs (then `s` is an index into them). */
  embedded: boolean;
  /** The images root as a path relative to the page, ending in `/` (empty when it is the page's folder). */
  root?: string;
  /** The prefix removed from `image_url` before it is looked up under `root` (`--base-url`). */
  strip?: string;
  images: PreviewImage[];
}

/**
 * Where the page finds an image when its `s` is absent: `root`, then the `image_url` less `strip`,
 * each `/`-separated segment percent-encoded.
 */
export function imageSrc(root: string, strip: string | undefined, url: string): string {
  const rel = strip !== undefined && strip !== '' && url.startsWith(strip) ? url.slice(strip.length) : url;
  return root + rel.split('/').map(encodeURIComponent).join('/');
}
