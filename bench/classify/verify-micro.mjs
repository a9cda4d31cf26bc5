/**
 * The header read alone, with and without the cut-image check, against an earlier build, in one
 * process (9 rounds interleaved: before, checks on, verify: false, before again); prints medians.
 *
 * @example
 *   BEFORE=/tmp/before/dist/src/images.js node bench/classify/verify-micro.mjs bench/data/classify/fridge/folder
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
const after = await import('../../dist/src/images.js?x=' + Date.now());
if (!process.env.BEFORE) throw new Error('set BEFORE to the dist/src/images.js of the build to compare with');
const before = await import(process.env.BEFORE);
const dir = process.argv[2];
const files = [];
for (const c of readdirSync(dir)) for (const f of readdirSync(join(dir, c))) files.push(join(dir, c, f));
const cpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const modes = {
  before: () => {
    for (const f of files) before.readImageDetailsSync(f);
  },
  verify: () => {
    for (const f of files) after.readImageDetailsSync(f);
  },
  noverify: () => {
    for (const f of files) after.readImageDetailsSync(f, { verify: false });
  },
  before2: () => {
    for (const f of files) before.readImageDetailsSync(f);
  },
};
const res = {};
for (let r = 0; r < 9; r++)
  for (const [k, fn] of Object.entries(modes)) {
    const t = performance.now(),
      c = cpu();
    fn();
    (res[k] ??= []).push([performance.now() - t, cpu() - c]);
  }
for (const [k, v] of Object.entries(res)) {
  const w = v.map((x) => x[0]).sort((a, b) => a - b),
    c = v.map((x) => x[1]).sort((a, b) => a - b);
  console.log(k.padEnd(16), 'wall', w[4].toFixed(0), 'cpu', c[4].toFixed(0));
}
