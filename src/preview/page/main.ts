/**
 * The preview page's script (browser code, bundled by esbuild into every page that
 * `automl-img preview` writes): reads the page's JSON data block, draws the legend, the filters and
 * a virtual grid of cards (only the rows on screen exist in the DOM), and a large view on click.
 * The logic it calls lives in `./logic.ts` (no DOM, tested by vitest); this file only wires it to the page.
 *
 * @example
 *   <script type="application/json" id="automl-img-data">{"v":1,...}</script>
 *   <script>/* this file, bundled *\/</script>
 *   → <html data-ready="1"> once the first screenful is drawn (and performance mark `automl-img-first-render`)
 */
import { imageSrc, type PreviewData, type PreviewImage } from '../data.js';
import {
  baseName,
  computeLegend,
  DEFAULT_FILTER,
  fileCounts,
  filterImages,
  fitSize,
  gridWindow,
  labelColors,
  matchBoxes,
  matchClasses,
  mistakesOf,
  shapesSvg,
  taskOf,
  type FilterState,
} from './logic.js';

/** Card cell size in the grid, gaps included (pixels). */
const CELL_W = 248;
const ROW_H = 282;
/** The image box of a card. */
const THUMB_W = 232;
const THUMB_H = 174;

const data = JSON.parse(document.getElementById('automl-img-data')?.textContent ?? 'null') as PreviewData;
let embedded: string[] | undefined;
const hasPredictions = data?.predictions !== undefined;
const state: FilterState = { ...DEFAULT_FILTER };
let showTruth = true;
let showPredictions = true;
/** Whether the data has objects (detection, segmentation) or only labels (classification). */
const withObjects = data?.images.some((img) => img.o !== undefined) ?? false;
/** What an image without annotations lacks. */
const EMPTY_WORD = withObjects ? 'objects' : 'labels';
let shown: number[] = [];
const colors = labelColors(data?.labels ?? []);
/** Sizes learnt from images that had no image_details, by image index. */
const learntSizes = new Map<number, { w: number; h: number }>();

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string> = {}, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The image's path relative to the page (or its web URL). */
function pathOf(img: PreviewImage): string {
  return typeof img.s === 'string' ? img.s : imageSrc(data.root ?? '', data.strip, img.u);
}

function srcOf(img: PreviewImage): string {
  if (typeof img.s !== 'number') return pathOf(img);
  if (embedded === undefined) embedded = JSON.parse(document.getElementById('automl-img-embedded')?.textContent ?? '[]') as string[];
  return embedded[img.s] ?? '';
}

function sizeOf(i: number, img: PreviewImage): { w: number; h: number } | undefined {
  if (img.w !== undefined && img.h !== undefined) return { w: img.w, h: img.h };
  return learntSizes.get(i);
}

/** The file's short name: `train`, `validation`, or the file name. */
function fileLabel(f: number): string {
  const name = data.files[f]?.name ?? '';
  const base = baseName(name.replace(/\\/g, '/'));
  if (base.startsWith('train_annotations')) return 'train';
  if (base.startsWith('validation_annotations')) return 'validation';
  return base;
}

// ---------- the frame: an image (or a placeholder) with its shapes over it ----------

function drawShapes(svg: SVGSVGElement, img: PreviewImage, width: number, height: number, fontSize: number): void {
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.innerHTML = shapesSvg(data, img, width, height, { threshold: state.threshold, fontSize, showTruth, showPredictions, colors });
}

/** A page-relative path as the user would type it (`%20` back to a space); as it is when it is not percent-encoding. */
function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function placeholder(img: PreviewImage): HTMLElement {
  const p = el('div', { class: 'missing' });
  p.append(el('b', {}, 'image not found'), el('span', {}, safeDecode(pathOf(img))));
  return p;
}

/** An image with its shapes, fitted into maxW × maxH. */
function frame(i: number, maxW: number, maxH: number, fontSize: number): HTMLElement {
  const img = data.images[i]!;
  const box = el('div', { class: 'frame' });
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  const place = (w: number, h: number) => {
    const fit = fitSize(w, h, maxW, maxH);
    box.style.width = `${fit.width}px`;
    box.style.height = `${fit.height}px`;
    drawShapes(svg, img, fit.width, fit.height, fontSize);
  };
  const known = sizeOf(i, img);
  place(known?.w ?? 4, known?.h ?? 3);
  if (img.m === 1) {
    box.append(placeholder(img), svg);
    return box;
  }
  const photo = el('img', { alt: img.u, decoding: 'async', draggable: 'false' });
  photo.addEventListener('load', () => {
    if (!known && photo.naturalWidth > 0) {
      learntSizes.set(i, { w: photo.naturalWidth, h: photo.naturalHeight });
      place(photo.naturalWidth, photo.naturalHeight);
    }
  });
  photo.addEventListener('error', () => photo.replaceWith(placeholder(img)));
  photo.src = srcOf(img);
  box.append(photo, svg);
  return box;
}

// ---------- captions ----------

function chip(label: number, text: string, cls = ''): HTMLElement {
  const c = el('span', { class: `chip ${cls}`.trim(), title: text }, text);
  c.style.setProperty('--c', colors[label]?.[0] ?? '#666');
  c.style.setProperty('--t', colors[label]?.[1] ?? '#fff');
  return c;
}

function caption(i: number): HTMLElement {
  const img = data.images[i]!;
  const cap = el('div', { class: 'cap' });
  const head = el('div', { class: 'head' });
  head.append(el('span', { class: 'name', title: img.u }, baseName(img.u)), el('span', { class: 'file' }, fileLabel(img.f)));
  cap.append(head);
  const line = el('div', { class: 'labels' });
  const task = taskOf(data, img);
  if (img.c !== undefined || img.q !== undefined) {
    for (const l of img.c ?? []) line.append(chip(l, data.labels[l] ?? '?', 'truth'));
    if (img.c?.length === 0) line.append(el('span', { class: 'dim' }, 'no labels'));
    if (img.r === 1) {
      const m = matchClasses(img, task, state.threshold);
      const pred = el('div', { class: 'preds' });
      for (const [l, p] of (img.q ?? []).slice(0, 3)) {
        const isPredicted = m.predicted.includes(l);
        const ok = (img.c ?? []).includes(l);
        const mark = isPredicted ? (ok ? ' ✓' : ' ✗') : '';
        pred.append(chip(l, `${data.labels[l] ?? '?'} ${p.toFixed(2)}${mark}`, `pred${isPredicted ? '' : ' below'}${isPredicted && !ok ? ' wrong' : ''}`));
      }
      if (m.missed.length) pred.append(el('span', { class: 'bad' }, `missed: ${m.missed.map((l) => data.labels[l]).join(', ')}`));
      cap.append(line, pred);
      return cap;
    }
  } else {
    const n = img.o?.length ?? 0;
    line.append(el('span', { class: 'dim' }, n === 0 ? 'no objects' : plural(n, 'object')));
    if (img.r === 1) {
      const m = matchBoxes(img, state.threshold);
      const kept = m.pred.filter((s) => s !== 'below').length;
      line.append(el('span', { class: 'dim' }, ` · ${kept} predicted`));
      if (m.mistakes)
        line.append(
          el(
            'span',
            { class: 'bad' },
            ` · ${[m.falsePositives && `${m.falsePositives} false`, m.wrongClass && `${m.wrongClass} wrong class`, m.missed && `${m.missed} missed`].filter(Boolean).join(', ')}`,
          ),
        );
    } else if (hasPredictions) line.append(el('span', { class: 'dim' }, ' · no prediction line'));
  }
  cap.append(line);
  return cap;
}

// ---------- the grid ----------

const grid = el('main', { id: 'grid' });
const rendered = new Map<number, HTMLElement>();
let frameRequested = false;

function card(pos: number, columns: number): HTMLElement {
  const i = shown[pos]!;
  const c = el('div', { class: 'card', 'data-index': String(i), tabindex: '0' });
  c.style.left = `${(pos % columns) * CELL_W}px`;
  c.style.top = `${Math.floor(pos / columns) * ROW_H}px`;
  const thumb = el('div', { class: 'thumb' });
  thumb.append(frame(i, THUMB_W, THUMB_H, 10));
  c.append(thumb, caption(i));
  if (hasPredictions && mistakesOf(data, data.images[i]!, state.threshold) > 0) c.classList.add('has-mistake');
  return c;
}

function renderGrid(): void {
  frameRequested = false;
  const rect = grid.getBoundingClientRect();
  const win = gridWindow(shown.length, Math.max(CELL_W, grid.clientWidth), CELL_W, ROW_H, -rect.top, window.innerHeight, 1);
  grid.style.height = `${win.height}px`;
  const keep = new Set<number>();
  for (let pos = win.first; pos < win.end; pos++) keep.add(pos);
  for (const [pos, node] of rendered) {
    if (!keep.has(pos) || node.dataset['columns'] !== String(win.columns)) {
      node.remove();
      rendered.delete(pos);
    }
  }
  for (const pos of keep) {
    if (rendered.has(pos)) continue;
    const node = card(pos, win.columns);
    node.dataset['columns'] = String(win.columns);
    node.dataset['pos'] = String(pos);
    grid.append(node);
    rendered.set(pos, node);
  }
}

function requestRender(): void {
  if (frameRequested) return;
  frameRequested = true;
  requestAnimationFrame(renderGrid);
}

/** Drops every card (filters or threshold changed) and draws the screenful again. */
function refresh(): void {
  shown = filterImages(data, state);
  status.textContent = `showing ${shown.length} of ${data.images.length} images`;
  for (const node of rendered.values()) node.remove();
  rendered.clear();
  renderGrid();
}

// ---------- the bar: filters, slider, legend ----------

const status = el('span', { id: 'status' });

function select(id: string, label: string, options: [string, string][], onChange: (v: number) => void): HTMLElement {
  const wrap = el('label', {}, `${label} `);
  const s = el('select', { id });
  for (const [value, text] of options) s.append(el('option', { value }, text));
  s.addEventListener('change', () => onChange(Number(s.value)));
  wrap.append(s);
  return wrap;
}

function checkbox(id: string, text: string, checked: boolean, onChange: (v: boolean) => void): HTMLElement {
  const wrap = el('label', { class: 'check' });
  const box = el('input', { type: 'checkbox', id });
  box.checked = checked;
  box.addEventListener('change', () => onChange(box.checked));
  wrap.append(box, document.createTextNode(` ${text}`));
  return wrap;
}

function setLabelFilter(label: number): void {
  state.label = label;
  (document.getElementById('filter-label') as HTMLSelectElement).value = String(label);
  refresh();
}

function legend(): HTMLElement {
  const rows = computeLegend(data);
  const counts = fileCounts(data);
  const details = el('details', { id: 'legend', open: '' });
  details.append(el('summary', {}, `Legend: ${plural(data.labels.length, 'label')}`));
  const table = el('table');
  const head = el('tr');
  const span = withObjects ? '2' : '1';
  head.append(el('th', {}, 'label'));
  data.files.forEach((_, f) => {
    head.append(el('th', { colspan: span, title: data.files[f]!.name }, `${fileLabel(f)} (${plural(counts.images[f]!, 'image')}, ${counts.background[f]} without ${EMPTY_WORD})`));
  });
  if (data.files.length > 1) head.append(el('th', { colspan: span }, 'all'));
  const sub = el('tr');
  sub.append(el('th'));
  for (let k = 0; k < data.files.length + (data.files.length > 1 ? 1 : 0); k++) {
    sub.append(el('th', { class: 'num' }, 'images'));
    if (withObjects) sub.append(el('th', { class: 'num' }, 'objects'));
  }
  table.append(head, sub);
  const cells = (images: number, objects: number, file?: number): HTMLElement[] => {
    const at = file === undefined ? {} : { 'data-file': String(file) };
    const out = [el('td', { class: 'num', ...at, 'data-count': 'images' }, String(images))];
    if (withObjects) out.push(el('td', { class: 'num', ...at, 'data-count': 'objects' }, String(objects)));
    return out;
  };
  for (const r of rows) {
    const tr = el('tr', { class: 'legend-row', 'data-label': r.name, title: 'show only images with this label' });
    const name = el('td');
    const sw = el('span', { class: 'swatch' });
    sw.style.background = r.color;
    name.append(sw, document.createTextNode(r.name));
    tr.append(name);
    r.images.forEach((n, f) => tr.append(...cells(n, r.objects[f]!, f)));
    if (data.files.length > 1) tr.append(...cells(r.totalImages, r.totalObjects));
    tr.addEventListener('click', () => setLabelFilter(state.label === r.label ? -1 : r.label));
    table.append(tr);
  }
  details.append(table);
  return details;
}

function bar(): HTMLElement {
  const header = el('header', { id: 'bar' });
  const title = el('h1', {}, 'automl-img preview');
  title.append(el('span', { class: 'dim' }, ` ${data.files.map((f) => f.name).join(', ')}${data.predictions ? ` · predictions: ${data.predictions}` : ''}`));
  const controls = el('div', { class: 'controls' });
  controls.append(
    select('filter-file', 'file', [['-1', 'all files'], ...data.files.map((_, f): [string, string] => [String(f), fileLabel(f)])], (v) => {
      state.file = v;
      refresh();
    }),
    select('filter-label', 'label', [['-1', 'all labels'], ...data.labels.map((n, l): [string, string] => [String(l), n]).sort((a, b) => (a[1] < b[1] ? -1 : 1))], (v) => {
      state.label = v;
      refresh();
    }),
    checkbox('filter-empty', `only images without ${EMPTY_WORD}`, false, (v) => {
      state.noObjects = v;
      refresh();
    }),
  );
  if (hasPredictions) {
    const slider = el('input', { type: 'range', id: 'threshold', min: '0', max: '1', step: '0.01', value: String(state.threshold) });
    const value = el('output', { id: 'threshold-value' }, state.threshold.toFixed(2));
    let pending = false;
    slider.addEventListener('input', () => {
      value.textContent = Number(slider.value).toFixed(2);
      // one refresh per frame however fast the slider moves
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        state.threshold = Number(slider.value);
        refresh();
      });
    });
    const wrap = el('label', {}, 'score ≥ ');
    wrap.append(slider, value);
    controls.append(
      wrap,
      checkbox('filter-mistakes', 'only mistakes', false, (v) => {
        state.onlyMistakes = v;
        refresh();
      }),
      checkbox('show-truth', 'ground truth', true, (v) => {
        showTruth = v;
        refresh();
      }),
      checkbox('show-predictions', 'predictions', true, (v) => {
        showPredictions = v;
        refresh();
      }),
    );
  }
  controls.append(status);
  header.append(title, controls, legend());
  return header;
}

// ---------- the large view ----------

const modal = el('div', { id: 'modal', hidden: '' });
let openPos = -1;

function details(i: number): HTMLElement {
  const img = data.images[i]!;
  const list = el('ul', { class: 'details' });
  const size = sizeOf(i, img);
  list.append(el('li', {}, `${img.u} · ${data.files[img.f]?.name ?? ''}${size ? ` · ${size.w}×${size.h}` : ''}`));
  const m = img.r === 1 && img.p !== undefined ? matchBoxes(img, state.threshold) : undefined;
  (img.o ?? []).forEach((o, j) => {
    const li = el('li', {}, `${data.labels[o[0]]}${o[1] ? ' (crowd)' : ''} ${o[6] ? `polygon, ${o[6].length} ring${o[6].length === 1 ? '' : 's'}` : 'box'}${m ? ` · ${m.gt[j]}` : ''}`);
    if (m?.gt[j] === 'missed') li.className = 'bad';
    list.append(li);
  });
  (img.p ?? []).forEach((p, j) => {
    if (p[1] < state.threshold) return;
    const li = el('li', {}, `predicted ${data.labels[p[0]]} ${p[1].toFixed(3)}${m ? ` · ${m.pred[j]}` : ''}`);
    if (m?.pred[j] === 'false' || m?.pred[j] === 'wrong-class') li.className = 'bad';
    list.append(li);
  });
  return list;
}

function openLarge(pos: number): void {
  if (pos < 0 || pos >= shown.length) return;
  openPos = pos;
  const i = shown[pos]!;
  const panel = el('div', { class: 'panel', role: 'dialog', 'aria-label': data.images[i]!.u });
  const close = el('button', { class: 'close', title: 'close (Esc)' }, '×');
  close.addEventListener('click', closeLarge);
  panel.append(close, frame(i, Math.max(200, window.innerWidth * 0.9 - 40), Math.max(150, window.innerHeight * 0.78 - 90), 14), caption(i), details(i));
  modal.replaceChildren(panel);
  modal.hidden = false;
}

function closeLarge(): void {
  modal.hidden = true;
  modal.replaceChildren();
  openPos = -1;
}

// ---------- start ----------

function start(): void {
  document.body.append(bar(), grid, modal);
  grid.addEventListener('click', (e) => {
    const target = (e.target as HTMLElement).closest<HTMLElement>('.card');
    if (target) openLarge(Number(target.dataset['pos']));
  });
  grid.addEventListener('keydown', (e) => {
    const target = (e.target as HTMLElement).closest<HTMLElement>('.card');
    if (target && e.key === 'Enter') openLarge(Number(target.dataset['pos']));
  });
  modal.addEventListener('click', (e) => {
    if (e.target === modal) closeLarge();
  });
  document.addEventListener('keydown', (e) => {
    if (openPos < 0) return;
    if (e.key === 'Escape') closeLarge();
    else if (e.key === 'ArrowRight') openLarge(openPos + 1);
    else if (e.key === 'ArrowLeft') openLarge(openPos - 1);
  });
  window.addEventListener('scroll', requestRender, { passive: true });
  window.addEventListener('resize', requestRender);
  refresh();
  performance.mark('automl-img-first-render');
  document.documentElement.dataset['ready'] = '1';
}

if (data === null) document.body.textContent = 'automl-img preview: no data in this page';
else start();
