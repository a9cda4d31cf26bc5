/**
 * What a synchronous header read costs per file, by how much it reads: open + 4 KiB + close; the
 * same plus fstat and a 2-byte read at the end (the cut-image check's calls); a first read of 64,
 * 128 or 256 KiB (a file that size or smaller comes whole, its end in hand) plus fstat and the end
 * read when it does not. Files of 16 kB to 3 MB (random bytes, 4,000 hard links each, in the
 * system's temporary folder), 7 rounds interleaved; prints the median CPU µs per file.
 *
 * @example
 *   node bench/classify/read-cost.mjs
 */
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, linkSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const base = join(tmpdir(), 'automl-img-read-cost');
const sizes = [16e3, 64e3, 100e3, 200e3, 500e3, 3e6];
const N = 4000;
const sets = {};
for (const s of sizes) {
  const d = join(base, String(s));
  mkdirSync(d, { recursive: true });
  const src = join(d, 'src');
  if (!existsSync(src)) writeFileSync(src, randomBytes(s));
  const files = [];
  for (let i = 0; i < N; i++) {
    const f = join(d, `${i}.jpg`);
    if (!existsSync(f)) linkSync(src, f);
    files.push(f);
  }
  sets[s] = files;
}
const buf = Buffer.allocUnsafe(1 << 20);
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const mode = (first, end) => (files) => {
  for (const f of files) {
    const fd = openSync(f, 'r');
    const n = readSync(fd, buf, 0, first, 0);
    if (end && n === first) readSync(fd, buf, 0, 2, fstatSync(fd).size - 2);
    closeSync(fd);
  }
};
const modes = { '4k': mode(4096, false), '4k+fstat+end': mode(4096, true), '64k+': mode(65536, true), '128k+': mode(131072, true), '256k+': mode(262144, true) };
const res = {};
for (let r = 0; r < 7; r++)
  for (const s of sizes)
    for (const [k, fn] of Object.entries(modes)) {
      const c = cpu();
      fn(sets[s]);
      ((res[s] ??= {})[k] ??= []).push(((cpu() - c) / N) * 1000);
    }
for (const s of sizes) {
  const cells = Object.entries(res[s]).map(([k, v]) => `${k} ${v.sort((a, b) => a - b)[3].toFixed(1)}`);
  console.log(`${String(s).padStart(8)} bytes: ${cells.join(' | ')}`);
}
