// Writes n small PNG images and a detection JSONL naming them, for `validate --images-root`.
// Usage: node bench/validate/images.mjs <dir> <n>   → <dir>/images/*.png, <dir>/annotations.jsonl
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';
const [dir, nArg] = process.argv.slice(2);
const n = Number(nArg ?? 2000);
mkdirSync(join(dir, 'images'), { recursive: true });
const img = encode({ width: 32, height: 24, data: new Uint8Array(32 * 24 * 3).fill(128), channels: 3, depth: 8 });
const lines = [];
for (let i = 0; i < n; i++) {
  const name = `images/${String(i).padStart(5, '0')}.png`;
  writeFileSync(join(dir, name), img);
  lines.push(JSON.stringify({ image_url: name, image_details: { format: 'png', width: 32, height: 24 }, label: [{ label: 'can', topX: 0.1, topY: 0.1, bottomX: 0.5, bottomY: 0.5, isCrowd: 0 }] }));
}
writeFileSync(join(dir, 'annotations.jsonl'), lines.join('\n') + '\n');
