/**
 * Peak memory (max RSS) of one voc-mask mask job: a W×H palette PNG mask, all background but one
 * 100×100 object, decoded and traced by `runMaskJob` (src/mask/job.ts) in a fresh process each.
 *
 *   npx tsc -p . && node bench/masks/peak.mjs [8192x8192 20000x20000 ...] [--rgb]
 *
 * Prints, per size: pixels, file size, the outcome (objects found, or the error code) and max RSS.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync, crc32 } from 'node:zlib';

function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A W×H mask PNG (palette, or RGB painted with the VOC colour map), one 100×100 object of value 1. */
export function maskPng(width, height, rgb = false) {
  const channels = rgb ? 3 : 1;
  const rowBytes = 1 + width * channels;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = rgb ? 2 : 3;
  const rows = Buffer.alloc(rowBytes * height);
  for (let y = 0; y < Math.min(height, 200); y++) {
    if (y < 100 || y >= 200) continue;
    for (let x = 100; x < Math.min(width, 200); x++) {
      if (rgb)
        rows[y * rowBytes + 1 + 3 * x] = 128; // VOC colour 1 = (128, 0, 0)
      else rows[y * rowBytes + 1 + x] = 1;
    }
  }
  const idat = deflateSync(rows, { level: 6 });
  const plte = Buffer.from([0, 0, 0, 128, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(rgb ? [] : [chunk('PLTE', plte)]),
    chunk('IDAT', idat),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const CHILD = `
import { runMaskJob } from './dist/src/mask/job.js';
const r = await runMaskJob({ mask: process.argv[1], maskDisplay: 'mask.png', objects: 1, xmlDisplay: 'a.xml', polygon: {} });
console.log(JSON.stringify({ outcome: r.ok ? r.objects.filter((o) => o.present).length + ' object' : r.code, maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
`;

if (process.argv[2] === '--gen') {
  writeFileSync(process.argv[5], maskPng(Number(process.argv[3]), Number(process.argv[4]), process.argv.includes('--rgb')));
} else if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  const rgb = process.argv.includes('--rgb');
  const sizes = process.argv.slice(2).filter((a) => /^\d+x\d+$/.test(a));
  const dir = mkdtempSync(join(tmpdir(), 'mask-peak-'));
  try {
    for (const size of sizes.length ? sizes : ['4096x4096', '8192x8192', '20000x20000']) {
      const [w, h] = size.split('x').map(Number);
      const file = join(dir, `${size}.png`);
      // Generated in a process of its own: a child's max RSS starts from its parent's (Linux keeps it across fork and exec).
      const gen = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--gen', String(w), String(h), file, ...(rgb ? ['--rgb'] : [])], { encoding: 'utf8' });
      if (gen.status !== 0) throw new Error(gen.stderr);
      const run = spawnSync(process.execPath, ['--input-type=module', '-e', CHILD, file], { encoding: 'utf8', cwd: new URL('../../', import.meta.url).pathname });
      if (run.status !== 0) throw new Error(run.stderr);
      const r = JSON.parse(run.stdout);
      console.log(`${size}${rgb ? ' rgb' : ''}: ${((w * h) / 2 ** 20).toFixed(1)} Mpx, ${r.outcome}, max RSS ${r.maxRssMb} MB`);
      rmSync(file);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
