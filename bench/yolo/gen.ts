/**
 * Generates the YOLO benchmark input under bench/data/yolo/ (git-ignored): an Ultralytics layout,
 * `data.yaml` (10 names) + `images/{train,val}/<n>.jpg` + `labels/{train,val}/<n>.txt`, 80/20, 1–6 box or
 * polygon lines per label file, one image in 20 without a label file (background). Every image is a hard
 * link to one 320×240 baseline JPEG, so the set costs almost no disk and the converter reads real headers.
 * The same arguments always give the same tree.
 *
 * @example
 *   node dist/bench/yolo/gen.js [--images 20000] [--out bench/data/yolo/20k]
 */
import { existsSync, linkSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import jpegJs from 'jpeg-js';
import { prng } from '../prng.js';

const { values } = parseArgs({ options: { images: { type: 'string', default: '20000' }, out: { type: 'string' } } });
const total = Number(values.images);
const out = resolve(values.out ?? 'bench/data/yolo/20k');
if (existsSync(out)) rmSync(out, { recursive: true });
const rand = prng(16);
const W = 320;
const H = 240;
const pixels = Buffer.alloc(W * H * 4, 160);
mkdirSync(join(out, 'src'), { recursive: true });
const source = join(out, 'src', 'photo.jpg');
writeFileSync(source, jpegJs.encode({ data: pixels, width: W, height: H }, 80).data);
const r6 = (v: number) => (Math.round(v * 1e6) / 1e6).toString();
for (const split of ['train', 'val']) {
  mkdirSync(join(out, 'images', split), { recursive: true });
  mkdirSync(join(out, 'labels', split), { recursive: true });
}
for (let n = 0; n < total; n++) {
  const split = n % 5 === 4 ? 'val' : 'train';
  const name = String(n).padStart(6, '0');
  linkSync(source, join(out, 'images', split, `${name}.jpg`));
  if (n % 20 === 19) continue;
  const lines: string[] = [];
  const count = 1 + Math.floor(rand() * 6);
  for (let k = 0; k < count; k++) {
    const cls = Math.floor(rand() * 10);
    const w = 0.05 + rand() * 0.4;
    const h = 0.05 + rand() * 0.4;
    const cx = w / 2 + rand() * (1 - w);
    const cy = h / 2 + rand() * (1 - h);
    if (k % 3 !== 2) lines.push([cls, r6(cx), r6(cy), r6(w), r6(h)].join(' '));
    else {
      const pts: string[] = [];
      for (let i = 0; i < 12; i++) {
        const a = (2 * Math.PI * i) / 12;
        pts.push(r6(cx + (w / 2) * Math.cos(a)), r6(cy + (h / 2) * Math.sin(a)));
      }
      lines.push([cls, ...pts].join(' '));
    }
  }
  writeFileSync(join(out, 'labels', split, `${name}.txt`), lines.join('\n') + '\n');
}
writeFileSync(join(out, 'data.yaml'), `path: .\ntrain: images/train\nval: images/val\nnames: [${Array.from({ length: 10 }, (_, i) => `c${i}`).join(', ')}]\n`);
console.log(`${total} images under ${out}`);
