/**
 * Small distinct PNGs for the `score` benchmark: `<dir>/<k>/<i>.png`, 1,000 a folder, each 8×8 and
 * a colour of its own (about 90 bytes).
 *
 *   node dist/bench/score/gen.js bench/data/score-20k 20000
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encode } from 'fast-png';

const [dir, countArg] = process.argv.slice(2);
if (!dir) throw new Error('usage: gen.js <dir> [count]');
const count = Number(countArg ?? '20000');
for (let i = 0; i < count; i++) {
  const sub = join(dir, String(Math.floor(i / 1000)).padStart(2, '0'));
  if (i % 1000 === 0) mkdirSync(sub, { recursive: true });
  const data = new Uint8Array(8 * 8 * 3);
  for (let p = 0; p < 64; p++) data.set([i & 255, (i >> 8) & 255, (i * 37) & 255], p * 3);
  writeFileSync(join(sub, `${String(i).padStart(5, '0')}.png`), encode({ width: 8, height: 8, data, channels: 3, depth: 8 }));
}
process.stdout.write(`${count} images in ${dir}\n`);
