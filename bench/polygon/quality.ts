/**
 * Polygon quality of voc-mask-to-polygon and src/polygon against the Azure samples' algorithm, on real
 * and synthetic VOC instance masks. Runs the reference converter, the real converter
 * (`node bin/automl-img.js convert voc-mask`, defaults and a few flags) and, for settings the CLI does not
 * expose (contour mode, relativeTolerance), bench/polygon/voc.ts (the same module, lines written the same
 * way), on the same data, and scores every file with the reference metric (polygon_quality.py).
 * Prints markdown tables.
 *
 *   npx tsc -p . && node dist/bench/polygon/quality.js [--synthetic N] [--quick] [--converter]
 *
 * --converter scores only the baseline and the converter runs (about a minute).
 * --quick scores with this module's own rasteriser (the same arithmetic as masklib.py) instead of
 * Python, for exploring settings; the table in RESULTS.md comes from the full run.
 * Needs /usr/bin/python3 with numpy, Pillow and scikit-image (Debian: python3-numpy python3-pil python3-skimage).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { decode } from 'fast-png';
import { rasterizeRings, type PolygonOptions } from '../../src/polygon/index.js';
import type { PolygonLabel } from '../../src/types.js';
import { DATA, PYTHON, ROOT, SHARED } from './env.js';
import { writeSyntheticDataset } from './synthetic.js';
import { firstDir, jsonLine, readImages, traceImage, VOID, type Image } from './voc.js';

interface Setting {
  name: string;
  options: PolygonOptions;
}

const PURE_DP = { relativeTolerance: Number.POSITIVE_INFINITY };
const SETTINGS: Setting[] = [
  { name: 'pixel-edges, exact (tolerance 0)', options: { contour: 'pixel-edges', tolerance: 0 } },
  { name: 'pixel-edges, tolerance 1', options: { contour: 'pixel-edges', tolerance: 1, ...PURE_DP } },
  { name: 'pixel-edges, tolerance 1, relative 0.15', options: { contour: 'pixel-edges', tolerance: 1 } },
  { name: 'edge-midpoints, exact (tolerance 0)', options: { contour: 'edge-midpoints', tolerance: 0 } },
  { name: 'edge-midpoints, tolerance 0.5', options: { contour: 'edge-midpoints', tolerance: 0.5, ...PURE_DP } },
  { name: 'edge-midpoints, tolerance 1', options: { contour: 'edge-midpoints', tolerance: 1, ...PURE_DP } },
  { name: 'edge-midpoints, tolerance 2', options: { contour: 'edge-midpoints', tolerance: 2, ...PURE_DP } },
  { name: 'edge-midpoints, tolerance 0.75, relative 0.15', options: { contour: 'edge-midpoints', tolerance: 0.75, relativeTolerance: 0.15 } },
  { name: 'edge-midpoints, tolerance 1, relative 0.1', options: { contour: 'edge-midpoints', tolerance: 1, relativeTolerance: 0.1 } },
  { name: 'edge-midpoints, tolerance 1.5, relative 0.15', options: { contour: 'edge-midpoints', tolerance: 1.5, relativeTolerance: 0.15 } },
  { name: 'edge-midpoints, no absolute cap, relative 0.1', options: { contour: 'edge-midpoints', tolerance: 1e9, relativeTolerance: 0.1 } },
  { name: '**defaults** (edge-midpoints, tolerance 1, relative 0.15)', options: {} },
  { name: 'defaults + maxPoints 100', options: { maxPoints: 100 } },
  { name: 'defaults + minArea 4', options: { minArea: 4 } },
  { name: 'defaults + holes fill', options: { holes: 'fill' } },
];

/** Runs of the real converter: its defaults and a few flags. */
const DEFAULTS = '**converter defaults** (`convert voc-mask`, no flags)';
const CLI_SETTINGS: { name: string; flags: string[] }[] = [
  { name: DEFAULTS, flags: [] },
  { name: 'converter `--tolerance 0.5`', flags: ['--tolerance', '0.5'] },
  { name: 'converter `--tolerance 0` (exact)', flags: ['--tolerance', '0'] },
  { name: 'converter `--max-points 100`', flags: ['--max-points', '100'] },
  { name: 'converter `--holes fill`', flags: ['--holes', 'fill'] },
];

/** Converts `dir` with the real CLI into `out`; returns its JSONL file. */
function runConverter(dir: string, out: string, flags: string[]): string {
  execFileSync(process.execPath, [join(ROOT, 'bin/automl-img.js'), 'convert', 'voc-mask', dir, '-o', out, '--validation-ratio', '0', '--no-image-details', '--force', '--quiet', ...flags], {
    encoding: 'utf8',
  });
  return join(out, 'train_annotations.jsonl');
}

interface Dataset {
  name: string;
  dir: string;
}

interface Score {
  instances: number;
  mean_iou: number;
  p10_iou: number;
  min_iou: number;
  points_per_instance: number;
}

/** A VOC layout for labelme's example (it has masks but no XML): objects named by their class mask. */
function labelmeAsVoc(): string {
  const source = join(SHARED, 'realdata/labelme-examples/instance_segmentation/data_dataset_voc');
  const dir = join(DATA, 'labelme-voc');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'Annotations'), { recursive: true });
  mkdirSync(join(dir, 'SegmentationObject'), { recursive: true });
  const classNames = readFileSync(join(source, 'class_names.txt'), 'utf8').trim().split('\n');
  for (const file of readdirSync(join(source, 'SegmentationObject')).sort()) {
    const objects = decode(readFileSync(join(source, 'SegmentationObject', file)));
    const classes = decode(readFileSync(join(source, 'SegmentationClass', file)));
    let count = 0;
    const classOf = new Map<number, number>();
    objects.data.forEach((k, i) => {
      if (k === 0 || k === VOID) return;
      count = Math.max(count, k);
      classOf.set(k, classes.data[i]!);
    });
    const xmlObjects = Array.from({ length: count }, (_, i) => {
      const name = classNames[classOf.get(i + 1) ?? 0] ?? 'unknown';
      return `  <object><name>${name.replace(/&/g, '&amp;').replace(/</g, '&lt;')}</name><difficult>0</difficult></object>\n`;
    }).join('');
    const stem = file.slice(0, -4);
    writeFileSync(join(dir, 'Annotations', `${stem}.xml`), `<annotation>\n  <filename>${stem}.jpg</filename>\n${xmlObjects}</annotation>\n`);
    writeFileSync(join(dir, 'SegmentationObject', file), readFileSync(join(source, 'SegmentationObject', file)));
  }
  return dir;
}

function percentile10(sorted: number[]): number {
  // numpy's default (linear interpolation), as polygon_quality.py uses.
  const rank = 0.1 * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** The reference metric, computed here: IoU of object k with pixels == k, object by object. */
function quickScore(images: Image[], lines: Map<string, string>): Score {
  const ious: number[] = [];
  let points = 0;
  for (const image of images) {
    const record = JSON.parse(lines.get(image.stem)!) as { label: PolygonLabel[] };
    const used = new Set<number>();
    for (let k = 1; k <= image.names.length; k++) {
      let area = 0;
      for (const v of image.mask) if (v === k) area++;
      if (area === 0) continue;
      const truth = image.mask.map((v) => (v === k ? 1 : 0));
      let best = 0;
      let bestIndex = -1;
      record.label.forEach((object, j) => {
        if (used.has(j) || object.label !== image.names[k - 1]) return;
        const rings = object.polygon.map((ring) => ring.map((v, i) => v * (i % 2 === 0 ? image.width : image.height)));
        const predicted = rasterizeRings(rings, image.width, image.height);
        let both = 0;
        let either = 0;
        for (let p = 0; p < truth.length; p++) {
          if (truth[p] && predicted[p]) both++;
          if (truth[p] || predicted[p]) either++;
        }
        const iou = both / either;
        if (iou > best) {
          best = iou;
          bestIndex = j;
        }
      });
      if (bestIndex >= 0) used.add(bestIndex);
      ious.push(best);
    }
    for (const object of record.label) points += object.polygon.reduce((a, r) => a + r.length / 2, 0);
  }
  const sorted = [...ious].sort((a, b) => a - b);
  const round = (x: number, d: number) => Number(x.toFixed(d));
  return {
    instances: ious.length,
    mean_iou: round(ious.reduce((a, b) => a + b, 0) / ious.length, 5),
    p10_iou: round(percentile10(sorted), 5),
    min_iou: round(sorted[0]!, 5),
    points_per_instance: round(points / ious.length, 2),
  };
}

/** The converter's lines by image stem (for --quick). */
function cliLines(images: Image[], file: string): Map<string, string> {
  const byStem = new Map<string, string>();
  for (const line of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
    const url = (JSON.parse(line) as { image_url: string }).image_url;
    byStem.set(basename(url).replace(/\.[^.]*$/, ''), line);
  }
  return new Map(images.map((image) => [image.stem, byStem.get(image.stem) ?? '{"label":[]}']));
}

function referenceScore(dir: string, files: string[]): Score {
  const out = execFileSync(PYTHON, [join(SHARED, 'reference/polygon_quality.py'), 'voc', dir, ...files], { encoding: 'utf8' });
  return JSON.parse(out) as Score;
}

/** The three real sets in one VOC folder (names prefixed), so the reference metric pools them exactly. */
function combinedVoc(dirs: string[]): string {
  const dir = join(DATA, 'real-combined');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'Annotations'), { recursive: true });
  mkdirSync(join(dir, 'SegmentationObject'), { recursive: true });
  dirs.forEach((source, i) => {
    const annotations = firstDir(source, 'annotations', 'Annotations');
    const masks = firstDir(source, 'segmentation-masks', 'SegmentationObject');
    for (const file of readdirSync(annotations).filter((f) => f.endsWith('.xml'))) {
      const stem = file.slice(0, -4);
      if (!existsSync(join(masks, `${stem}.png`))) continue;
      const name = `set${i}_${stem}`;
      const xml = readFileSync(join(annotations, file), 'utf8').replace(/<filename>[^<]*<\/filename>/, `<filename>${name}.jpg</filename>`);
      writeFileSync(join(dir, 'Annotations', `${name}.xml`), xml);
      writeFileSync(join(dir, 'SegmentationObject', `${name}.png`), readFileSync(join(masks, `${stem}.png`)));
    }
  });
  return dir;
}

const BASELINE = 'baseline: ref_convert.py voc-mask (find_contours 0.5 + DP ≤ 100)';

/** Converts `dir` with the baseline, the converter and (unless `converterOnly`) every module setting; scores each output. */
function scoreDataset(dir: string, quick: boolean, converterOnly = false): Map<string, Score> {
  const images = [...readImages(dir)];
  const outDir = join(DATA, 'out', basename(dir));
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const scores = new Map<string, Score>();
  const baselineDir = join(outDir, 'baseline');
  execFileSync(PYTHON, [join(SHARED, 'reference/ref_convert.py'), 'voc-mask', dir, baselineDir]);
  const baselineFiles = ['train_annotations.jsonl', 'validation_annotations.jsonl'].map((f) => join(baselineDir, f));
  scores.set(BASELINE, referenceScore(dir, baselineFiles));
  for (const setting of CLI_SETTINGS) {
    const file = runConverter(dir, join(outDir, `cli_${setting.flags.join('_') || 'defaults'}`), setting.flags);
    scores.set(setting.name, quick ? quickScore(images, cliLines(images, file)) : referenceScore(dir, [file]));
  }
  if (converterOnly) return scores;
  for (const setting of SETTINGS) {
    const lines = new Map(images.map((image) => [image.stem, jsonLine(image, `JPEGImages/${image.filename}`, traceImage(image, setting.options))]));
    const file = join(outDir, `${setting.name.replace(/[^a-z0-9.]+/gi, '_')}.jsonl`);
    writeFileSync(file, [...lines.values()].map((l) => `${l}\n`).join(''));
    scores.set(setting.name, quick ? quickScore(images, lines) : referenceScore(dir, [file]));
  }
  return scores;
}

function main(): void {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const converterOnly = args.includes('--converter');
  const syntheticCount = args.includes('--synthetic') ? Number(args[args.indexOf('--synthetic') + 1]) : 300;
  mkdirSync(DATA, { recursive: true });
  const syntheticDir = join(DATA, `synthetic-${syntheticCount}`);
  if (!existsSync(syntheticDir)) writeSyntheticDataset(syntheticDir, syntheticCount);
  const realSets: Dataset[] = [
    { name: 'icevision-samples/voc', dir: join(SHARED, 'realdata/icevision-samples/voc') },
    { name: 'fridge odFridgeObjectsMask', dir: join(SHARED, 'realdata/fridge-official-reduced/odFridgeObjectsMask') },
    { name: 'labelme instance_segmentation (XML derived)', dir: labelmeAsVoc() },
  ];
  const real = scoreDataset(combinedVoc(realSets.map((d) => d.dir)), quick, converterOnly);
  const synthetic = scoreDataset(syntheticDir, quick, converterOnly);

  const f = (x: number, digits = 4) => x.toFixed(digits);
  const anyReal = real.get(BASELINE)!;
  const anySynthetic = synthetic.get(BASELINE)!;
  const summary = [
    `| method | real (${anyReal.instances} objects): mean IoU | p10 | min | points / object | synthetic (${anySynthetic.instances} objects): mean IoU | p10 | min | points / object |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [method, r] of real) {
    const s = synthetic.get(method)!;
    summary.push(
      `| ${method} | ${f(r.mean_iou)} | ${f(r.p10_iou)} | ${f(r.min_iou)} | ${f(r.points_per_instance, 1)} | ` +
        `${f(s.mean_iou)} | ${f(s.p10_iou)} | ${f(s.min_iou)} | ${f(s.points_per_instance, 1)} |`,
    );
  }
  const detail = ['| real set | method | objects | mean IoU | p10 | min | points / object |', '|---|---|---:|---:|---:|---:|---:|'];
  for (const set of realSets) {
    const scores = scoreDataset(set.dir, quick, true);
    for (const method of [BASELINE, DEFAULTS]) {
      const r = scores.get(method)!;
      detail.push(`| ${set.name} | ${method} | ${r.instances} | ${f(r.mean_iou)} | ${f(r.p10_iou)} | ${f(r.min_iou)} | ${f(r.points_per_instance, 1)} |`);
    }
  }
  console.log(`${summary.join('\n')}\n\n${detail.join('\n')}`);
}

main();
