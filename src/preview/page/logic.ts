/**
 * The preview page's logic, without the DOM: colours, the legend's counts, the filters, the score
 * threshold, matching predictions to ground truth (what counts as a mistake), the virtual grid's
 * arithmetic, and the SVG markup of an image's shapes. `main.ts` wires these to the page; vitest
 * tests them directly.
 *
 * @example
 *   const shown = filterImages(data, { label: 2, file: -1, noObjects: false, onlyMistakes: true, threshold: 0.5 });
 *   labelColors(data.labels)                // [['#e6194b', '#fff'], ...]: fill and text colour per label
 *   matchBoxes(data.images[0]!, 0.5).mistakes  // false positives + wrong classes + missed objects
 */
import type { GtObject, PredBox, PreviewData, PreviewImage, PreviewTask } from '../data.js';

/** IoU at which a predicted box counts as finding an object (as COCO's AP50 and VOC). */
export const MATCH_IOU = 0.5;

/** 32-bit FNV-1a hash of a string's UTF-16 code units. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h >>> 0;
}

/**
 * Distinct colours for labels (Sasha Trubetskoy's 20 distinct colours, the palest left out), each
 * with the text colour readable on it.
 */
export const PALETTE: readonly (readonly [fill: string, text: string])[] = [
  ['#e6194b', '#fff'],
  ['#3cb44b', '#fff'],
  ['#4363d8', '#fff'],
  ['#f58231', '#fff'],
  ['#911eb4', '#fff'],
  ['#42d4f4', '#000'],
  ['#f032e6', '#fff'],
  ['#bfef45', '#000'],
  ['#469990', '#fff'],
  ['#9a6324', '#fff'],
  ['#ffe119', '#000'],
  ['#800000', '#fff'],
  ['#808000', '#fff'],
  ['#000075', '#fff'],
  ['#a9a9a9', '#000'],
  ['#fabed4', '#000'],
];

/** A label's colour from its name alone (for labels beyond the palette): hue from the hash. */
export function hashColor(name: string): readonly [fill: string, text: string] {
  const h = hashString(name);
  return [`hsl(${h % 360} ${[70, 90][(h >>> 12) % 2]}% ${[38, 46, 30][(h >>> 9) % 3]}%)`, '#fff'];
}

/**
 * The colour of each label (by index), stable across previews: in name order, each label takes the
 * palette slot its name hashes to, or the next free one when an earlier label has it, so a label
 * keeps its colour from one preview to the next unless a new label's name takes its slot first.
 * Labels beyond the palette's size get a colour from their hash alone.
 */
export function labelColors(names: readonly string[]): (readonly [fill: string, text: string])[] {
  const out = new Array<readonly [string, string]>(names.length);
  const taken = new Array<boolean>(PALETTE.length).fill(false);
  const order = names.map((_, i) => i).sort((a, b) => (names[a]! < names[b]! ? -1 : names[a]! > names[b]! ? 1 : a - b));
  let free = PALETTE.length;
  for (const i of order) {
    if (free === 0) {
      out[i] = hashColor(names[i]!);
      continue;
    }
    let slot = hashString(names[i]!) % PALETTE.length;
    while (taken[slot]) slot = (slot + 1) % PALETTE.length;
    taken[slot] = true;
    free--;
    out[i] = PALETTE[slot]!;
  }
  return out;
}

/** The task an image's shapes follow: its file's, or the first file's that has one. */
export function taskOf(data: PreviewData, img: PreviewImage): PreviewTask | null {
  return data.files[img.f]?.task ?? data.files.find((f) => f.task !== null)?.task ?? null;
}

/** Whether an image has no ground-truth objects or labels (a background image). */
export function isBackground(img: PreviewImage): boolean {
  return (img.o?.length ?? 0) === 0 && (img.c?.length ?? 0) === 0;
}

/** One label's counts in the legend: per file and in all files. */
export interface LegendRow {
  label: number;
  name: string;
  color: string;
  /** Images with this label (ground truth), per file index. */
  images: number[];
  /** Objects with this label (ground truth; 0 for classification), per file index. */
  objects: number[];
  totalImages: number;
  totalObjects: number;
}

/**
 * The legend: for each label that the ground truth uses, images and objects per file; sorted by
 * name. Labels only the predictions use are listed with zero counts (they have a colour too).
 */
export function computeLegend(data: PreviewData): LegendRow[] {
  const nFiles = data.files.length;
  const colors = labelColors(data.labels);
  const rows: LegendRow[] = data.labels.map((name, label) => ({
    label,
    name,
    color: colors[label]![0],
    images: new Array<number>(nFiles).fill(0),
    objects: new Array<number>(nFiles).fill(0),
    totalImages: 0,
    totalObjects: 0,
  }));
  const seen = new Set<number>();
  for (const img of data.images) {
    seen.clear();
    for (const l of img.c ?? []) seen.add(l);
    for (const o of img.o ?? []) {
      const row = rows[o[0]]!;
      row.objects[img.f]!++;
      row.totalObjects++;
      seen.add(o[0]);
    }
    for (const l of seen) {
      rows[l]!.images[img.f]!++;
      rows[l]!.totalImages++;
    }
  }
  return rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Images per file, and background images per file. */
export function fileCounts(data: PreviewData): { images: number[]; background: number[] } {
  const images = new Array<number>(data.files.length).fill(0);
  const background = new Array<number>(data.files.length).fill(0);
  for (const img of data.images) {
    images[img.f]!++;
    if (isBackground(img)) background[img.f]!++;
  }
  return { images, background };
}

/** Intersection over union of two boxes given as [x1, y1, x2, y2]. */
export function iou(a: readonly number[], b: readonly number[]): number {
  const inter = intersection(a, b);
  if (inter <= 0) return 0;
  const union = area(a) + area(b) - inter;
  return union > 0 ? inter / union : 0;
}

function area(b: readonly number[]): number {
  return Math.max(0, b[2]! - b[0]!) * Math.max(0, b[3]! - b[1]!);
}

function intersection(a: readonly number[], b: readonly number[]): number {
  const w = Math.min(a[2]!, b[2]!) - Math.max(a[0]!, b[0]!);
  const h = Math.min(a[3]!, b[3]!) - Math.max(a[1]!, b[1]!);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Intersection of two shapes' boxes (corners at indices 2..5 of both tuples), without allocating. */
function shapeIntersection(a: GtObject | PredBox, b: GtObject | PredBox): number {
  const w = Math.min(a[4], b[4]) - Math.max(a[2], b[2]);
  const h = Math.min(a[5], b[5]) - Math.max(a[3], b[3]);
  return w > 0 && h > 0 ? w * h : 0;
}

function shapeArea(s: GtObject | PredBox): number {
  return Math.max(0, s[4] - s[2]) * Math.max(0, s[5] - s[3]);
}

/** IoU of two shapes' boxes ({@link iou} on the tuples, for the matching loop). */
function shapeIou(a: GtObject | PredBox, b: GtObject | PredBox): number {
  const inter = shapeIntersection(a, b);
  if (inter <= 0) return 0;
  const union = shapeArea(a) + shapeArea(b) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * What became of each predicted box: found an object (`hit`), lies on a crowd region (`crowd`, not
 * a mistake, as in COCO), sits on an object of another label (`wrong-class`), found nothing (`false`),
 * or is below the threshold (`below`, hidden).
 */
export type PredStatus = 'hit' | 'crowd' | 'wrong-class' | 'false' | 'below';
/** What became of each ground-truth object: found, missed, or a crowd region (never missed). */
export type GtStatus = 'found' | 'missed' | 'crowd';

/** The outcome of matching one image's predicted boxes to its objects. */
export interface BoxMatch {
  pred: PredStatus[];
  gt: GtStatus[];
  falsePositives: number;
  wrongClass: number;
  missed: number;
  /** falsePositives + wrongClass + missed. */
  mistakes: number;
}

/**
 * Matches predicted boxes (score ≥ threshold) to ground-truth objects, greedily by score as COCO
 * does: each prediction takes the unmatched object of its label with the highest IoU ≥ 0.5. Boxes
 * are compared for polygons too (the box around the rings), which is what the page can afford.
 * A prediction left over that covers a crowd region of its label by half its area is not a mistake;
 * one with IoU ≥ 0.5 with an object of another label is a wrong class; any other is a false positive.
 * Non-crowd objects left unmatched are missed.
 */
export function matchBoxes(img: PreviewImage, threshold: number): BoxMatch {
  const objects = img.o ?? [];
  const preds = img.p ?? [];
  const pred: PredStatus[] = preds.map((p) => (p[1] >= threshold ? 'false' : 'below'));
  const gt: GtStatus[] = objects.map((o) => (o[1] === 1 ? 'crowd' : 'missed'));
  const order = preds.map((_, i) => i).filter((i) => pred[i] !== 'below');
  order.sort((a, b) => preds[b]![1] - preds[a]![1] || a - b);
  for (const i of order) {
    const p = preds[i]!;
    let best = -1;
    let bestIou = MATCH_IOU;
    for (let j = 0; j < objects.length; j++) {
      const o = objects[j]!;
      if (o[0] !== p[0] || gt[j] !== 'missed') continue;
      const v = shapeIou(p, o);
      if (v >= bestIou) {
        bestIou = v;
        best = j;
      }
    }
    if (best >= 0) {
      gt[best] = 'found';
      pred[i] = 'hit';
      continue;
    }
    const pArea = shapeArea(p);
    if (objects.some((o) => o[1] === 1 && o[0] === p[0] && pArea > 0 && shapeIntersection(p, o) / pArea >= MATCH_IOU)) {
      pred[i] = 'crowd';
    } else if (objects.some((o) => o[0] !== p[0] && shapeIou(p, o) >= MATCH_IOU)) {
      pred[i] = 'wrong-class';
    }
  }
  const falsePositives = pred.filter((s) => s === 'false').length;
  const wrongClass = pred.filter((s) => s === 'wrong-class').length;
  const missed = gt.filter((s) => s === 'missed').length;
  return { pred, gt, falsePositives, wrongClass, missed, mistakes: falsePositives + wrongClass + missed };
}

/** The outcome of comparing one image's predicted classes with its labels. */
export interface ClassMatch {
  /** The labels the model predicts: the top one (multi-class), or all at or above the threshold (multi-label). */
  predicted: number[];
  /** Predicted labels that the image does not have. */
  wrong: number[];
  /** Labels of the image that the model does not predict. */
  missed: number[];
  mistakes: number;
}

/**
 * Compares predicted classes with the image's labels. Multi-class: the most probable label is the
 * prediction (the threshold does not apply). Multi-label: every label with probability ≥ threshold.
 */
export function matchClasses(img: PreviewImage, task: PreviewTask | null, threshold: number): ClassMatch {
  const q = img.q ?? [];
  const truth = new Set(img.c ?? []);
  const predicted = task === 'multi-class' ? (q.length ? [q[0]![0]] : []) : q.filter((c) => c[1] >= threshold).map((c) => c[0]);
  const wrong = predicted.filter((l) => !truth.has(l));
  const predictedSet = new Set(predicted);
  const missed = [...truth].filter((l) => !predictedSet.has(l));
  return { predicted, wrong, missed, mistakes: wrong.length + missed.length };
}

/** Mistakes in one image at a threshold (0 when it has no predictions line). */
export function mistakesOf(data: PreviewData, img: PreviewImage, threshold: number): number {
  if (img.r !== 1) return 0;
  const task = taskOf(data, img);
  if (task === 'multi-class' || task === 'multi-label' || (img.q !== undefined && img.p === undefined)) return matchClasses(img, task, threshold).mistakes;
  return matchBoxes(img, threshold).mistakes;
}

/** What the page shows. `-1` means "any" for `label` and `file`. */
export interface FilterState {
  label: number;
  file: number;
  /** Only images without objects or labels. */
  noObjects: boolean;
  /** Only images where the model is wrong at the threshold. */
  onlyMistakes: boolean;
  /** Predictions scored below it are hidden. */
  threshold: number;
}

export const DEFAULT_FILTER: FilterState = { label: -1, file: -1, noObjects: false, onlyMistakes: false, threshold: 0.5 };

/** Whether an image shows a label: in its ground truth, or among its predictions at the threshold. */
export function hasLabel(img: PreviewImage, label: number, threshold: number): boolean {
  if (img.c?.includes(label)) return true;
  if (img.o?.some((o) => o[0] === label)) return true;
  if (img.p?.some((p) => p[0] === label && p[1] >= threshold)) return true;
  return img.q?.some((q) => q[0] === label && q[1] >= threshold) ?? false;
}

/** The indices of the images that pass the filters, in data order. */
export function filterImages(data: PreviewData, state: FilterState): number[] {
  const out: number[] = [];
  data.images.forEach((img, i) => {
    if (state.file >= 0 && img.f !== state.file) return;
    if (state.label >= 0 && !hasLabel(img, state.label, state.threshold)) return;
    if (state.noObjects && !isBackground(img)) return;
    if (state.onlyMistakes && mistakesOf(data, img, state.threshold) === 0) return;
    out.push(i);
  });
  return out;
}

/** Predicted boxes at or above the threshold. */
export function visiblePredictions(img: PreviewImage, threshold: number): PredBox[] {
  return (img.p ?? []).filter((p) => p[1] >= threshold);
}

/** The grid's shape: columns that fit, and which items (by position in the filtered list) a scroll position shows. */
export interface GridWindow {
  columns: number;
  rows: number;
  /** Height of the whole grid in pixels. */
  height: number;
  /** First and one-past-last item positions to render. */
  first: number;
  end: number;
}

/**
 * The virtual grid: with cards of `cardWidth` × `rowHeight` (gap included), the items a viewport
 * `[top, top + viewHeight)` of the grid shows, plus `overscan` rows above and below.
 */
export function gridWindow(count: number, width: number, cardWidth: number, rowHeight: number, top: number, viewHeight: number, overscan = 1): GridWindow {
  const columns = Math.max(1, Math.floor(width / cardWidth));
  const rows = Math.ceil(count / columns);
  const firstRow = Math.max(0, Math.floor(top / rowHeight) - overscan);
  const endRow = Math.min(rows, Math.ceil((top + Math.max(0, viewHeight)) / rowHeight) + overscan);
  return { columns, rows, height: rows * rowHeight, first: Math.min(count, firstRow * columns), end: Math.min(count, Math.max(firstRow, endRow) * columns) };
}

/** The largest size of aspect `w`:`h` within `maxW` × `maxH` (whole pixels, at least 1). */
export function fitSize(w: number, h: number, maxW: number, maxH: number): { width: number; height: number } {
  if (!(w > 0) || !(h > 0)) return { width: maxW, height: maxH };
  const scale = Math.min(maxW / w, maxH / h);
  return { width: Math.max(1, Math.round(w * scale)), height: Math.max(1, Math.round(h * scale)) };
}

/** Escapes text for XML/HTML content and attribute values. */
export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const num = (v: number) => String(Math.round(v * 100) / 100);

/** An SVG path of rings (normalised x, y pairs) scaled to `width` × `height`; each ring closed. */
export function ringsPath(rings: readonly (readonly number[])[], width: number, height: number): string {
  let d = '';
  for (const ring of rings) {
    for (let i = 0; i + 1 < ring.length; i += 2) d += `${i === 0 ? 'M' : 'L'}${num(ring[i]! * width)} ${num(ring[i + 1]! * height)}`;
    if (ring.length >= 2) d += 'Z';
  }
  return d;
}

/** What to draw, and how. */
export interface ShapeOptions {
  /** Predictions scored below are not drawn. */
  threshold: number;
  /** Font size of the label text, in pixels. */
  fontSize: number;
  /** Draw the ground truth / the predictions. */
  showTruth: boolean;
  showPredictions: boolean;
  /** Fill and text colour per label index ({@link labelColors}). */
  colors: readonly (readonly [fill: string, text: string])[];
}

function labelText(x: number, y: number, text: string, color: readonly [string, string], fontSize: number, cls: string): string {
  const w = Math.ceil(text.length * fontSize * 0.6) + 4;
  const h = fontSize + 3;
  const top = Math.max(0, y - h);
  return `<g class="${cls}"><rect x="${num(x)}" y="${num(top)}" width="${w}" height="${h}" fill="${color[0]}"/><text x="${num(x + 2)}" y="${num(top + fontSize)}" font-size="${fontSize}" fill="${color[1]}">${escapeXml(text)}</text></g>`;
}

/**
 * The SVG markup (children of an `<svg viewBox="0 0 width height">`) of an image's objects and
 * predicted boxes. Every shape carries `data-kind` (`gt` or `pred`), `data-label` and its status
 * (`data-status`) so that the page and the browser test can find it. Polygons are one path per
 * object, filled by the even-odd rule (holes stay holes); crowd objects are dashed; predictions are
 * dotted, unfilled, labelled with their score below their box.
 */
export function shapesSvg(data: PreviewData, img: PreviewImage, width: number, height: number, o: ShapeOptions): string {
  const parts: string[] = [];
  const match = img.r === 1 && img.p !== undefined ? matchBoxes(img, o.threshold) : undefined;
  if (o.showTruth) {
    (img.o ?? []).forEach((obj, j) => {
      const name = data.labels[obj[0]] ?? '?';
      const color = o.colors[obj[0]] ?? hashColor(name);
      const status = match?.gt[j] ?? (obj[1] === 1 ? 'crowd' : 'found');
      const cls = `gt${obj[1] === 1 ? ' crowd' : ''}${status === 'missed' ? ' mistake' : ''}`;
      const attrs = `class="${cls}" data-kind="gt" data-label="${escapeXml(name)}" data-status="${status}" stroke="${color[0]}"`;
      const x = obj[2] * width;
      const y = obj[3] * height;
      if (obj[6]) parts.push(`<path ${attrs} fill="${color[0]}" fill-rule="evenodd" d="${ringsPath(obj[6], width, height)}"/>`);
      else parts.push(`<rect ${attrs} fill="${color[0]}" x="${num(x)}" y="${num(y)}" width="${num((obj[4] - obj[2]) * width)}" height="${num((obj[5] - obj[3]) * height)}"/>`);
      parts.push(labelText(x, y, obj[1] === 1 ? `${name} (crowd)` : name, color, o.fontSize, 'tag gt-tag'));
    });
  }
  if (o.showPredictions) {
    (img.p ?? []).forEach((p, i) => {
      if (p[1] < o.threshold) return;
      const name = data.labels[p[0]] ?? '?';
      const color = o.colors[p[0]] ?? hashColor(name);
      const status = match?.pred[i] ?? 'hit';
      const mistake = status === 'false' || status === 'wrong-class';
      const attrs = `class="pred${mistake ? ' mistake' : ''}" data-kind="pred" data-label="${escapeXml(name)}" data-status="${status}" data-score="${p[1]}" stroke="${color[0]}" fill="none"`;
      if (p[6]) parts.push(`<path ${attrs} fill-rule="evenodd" d="${ringsPath(p[6], width, height)}"/>`);
      else parts.push(`<rect ${attrs} x="${num(p[2] * width)}" y="${num(p[3] * height)}" width="${num((p[4] - p[2]) * width)}" height="${num((p[5] - p[3]) * height)}"/>`);
      const h = o.fontSize + 3;
      parts.push(labelText(p[2] * width, Math.min(height, p[5] * height + h), `${name} ${p[1].toFixed(2)}`, color, o.fontSize, 'tag pred-tag'));
    });
  }
  return parts.join('');
}

/** The base name of an image_url (after the last `/`). */
export function baseName(url: string): string {
  const i = url.lastIndexOf('/');
  return i >= 0 ? url.slice(i + 1) : url;
}
