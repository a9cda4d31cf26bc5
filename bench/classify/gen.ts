/**
 * Generates the classification benchmark inputs under bench/data/classify/ (git-ignored):
 *
 *   folder/<class>/<n>.jpg          20 classes × 1,000 images (folder-to-jsonl)
 *   csv/labels.csv + csv/images/    20,000 rows, 1–3 space-separated labels each (csv-multilabel)
 *
 * Every image is a hard link to one of four small JPEGs copied once into <out>/src/, so the set
 * costs almost no disk and the converters read real headers:
 *   --source fridge  the fridge photos of ../shared/realdata (camera JPEGs whose EXIF block puts the
 *                    frame header ~35 KB into the file, so the first 4 KiB do not give the size);
 *   --source plain   320×240 baseline JPEGs made with jpeg-js (frame header in the first bytes).
 * The same arguments always give the same tree.
 *
 * Usage (after `npx tsc -p .`):
 *   node dist/bench/classify/gen.js [--source fridge|plain] [--images 20000] [--classes 20] [--out bench/data/classify/<source>]
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import jpegJs from 'jpeg-js';
import { prng } from '../prng.js';

const jpegEncode = jpegJs.encode;

const REAL = resolve('../shared/realdata/fridge-official-reduced/fridgeObjects');

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '20000' },
    classes: { type: 'string', default: '20' },
    out: { type: 'string' },
    source: { type: 'string', default: 'fridge' },
  },
});
if (values.source !== 'fridge' && values.source !== 'plain') throw new Error('--source must be fridge or plain');
const total = Number(values.images);
const classes = Number(values.classes);
const out = resolve(values.out ?? `bench/data/classify/${values.source}`);

rmSync(out, { recursive: true, force: true });
const srcDir = join(out, 'src');
mkdirSync(srcDir, { recursive: true });
const sources: string[] = [];
if (values.source === 'fridge') {
  if (!existsSync(REAL)) throw new Error(`--source fridge needs ${REAL}; use --source plain`);
  for (const cls of readdirSync(REAL).sort()) {
    const dir = join(REAL, cls);
    if (!cls.includes('.')) {
      for (const f of readdirSync(dir).sort()) {
        const dst = join(srcDir, `${cls}-${f}`);
        copyFileSync(join(dir, f), dst);
        sources.push(dst);
      }
    }
  }
} else {
  for (let i = 0; i < 4; i++) {
    const width = 320;
    const height = 240 + i;
    const pixels = Buffer.alloc(width * height * 4);
    for (let p = 0; p < width * height; p++) pixels.writeUInt32BE((Math.imul(p, 2654435761) | 0xff) >>> 0, p * 4);
    const dst = join(srcDir, `plain-${i}.jpg`);
    writeFileSync(dst, jpegEncode({ data: pixels, width, height }, 80).data);
    sources.push(dst);
  }
}
const ext = 'jpg';

// Class folders.
const folder = join(out, 'folder');
for (let c = 0; c < classes; c++) mkdirSync(join(folder, `class_${String(c).padStart(2, '0')}`), { recursive: true });
for (let i = 0; i < total; i++) {
  const cls = `class_${String(i % classes).padStart(2, '0')}`;
  linkSync(sources[i % sources.length]!, join(folder, cls, `${i}.${ext}`));
}

// CSV set.
const csvDir = join(out, 'csv');
mkdirSync(join(csvDir, 'images'), { recursive: true });
const random = prng(42);
const labelNames = Array.from({ length: classes }, (_, c) => `label_${c}`);
const lines = ['filename,labels'];
for (let i = 0; i < total; i++) {
  const name = `${i}.${ext}`;
  linkSync(sources[i % sources.length]!, join(csvDir, 'images', name));
  const n = 1 + Math.floor(random() * 3);
  const labels = new Set<string>();
  while (labels.size < n) labels.add(labelNames[Math.floor(random() * classes)]!);
  lines.push(`${name},${[...labels].join(' ')}`);
}
writeFileSync(join(csvDir, 'labels.csv'), lines.join('\r\n') + '\r\n');
console.log(`wrote ${total} images in ${classes} class folders under ${folder}, and ${join(csvDir, 'labels.csv')} (${sources.length} distinct source images)`);
