// Writer benchmark: time writeDataset() on synthetic detection records, the current writer (dist/)
// against another build given as an argument, side by side (A B A B ...), medians and ratios.
//
//   npx tsc -p tsconfig.json && node bench/writer/run.mjs <other-dist-writer.js> [reps]
//
// Records arrive either sorted by path (as folder-to-jsonl yields them) or shuffled (as a CSV or a
// COCO file may list them); the writer must sort them back by path.
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const current = new URL('../../dist/src/writer.js', import.meta.url);
const other = process.argv[2];
const reps = Number(process.argv[3] ?? 3);
if (!other) throw new Error('usage: node bench/writer/run.mjs <other writer.js> [reps]');
const A = await import(current.href);
const B = await import(pathToFileURL(other).href);

function records(n, shuffled) {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (shuffled)
    for (let i = 0, s = 12345; i < n; i++) {
      s = (s * 1103515245 + 12345) % 2 ** 31;
      const j = s % n;
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
  return idx;
}

async function once(mod, n, shuffled) {
  const out = join(tmpdir(), `automl-img-bench-writer-${process.pid}`);
  const opts = {
    out,
    validationRatio: 0.2,
    seed: '0',
    stratify: false,
    baseUrl: 'azureml://datastores/workspaceblobstore/paths/fridge/',
    root: undefined,
    imageDetails: true,
    mltable: false,
    onError: 'fail',
    dryRun: false,
    force: true,
    precision: 6,
  };
  const order = records(n, shuffled);
  async function* gen() {
    for (const i of order)
      yield {
        path: `class${i % 20}/img_${String(i).padStart(7, '0')}.jpg`,
        details: { format: 'jpg', width: 640, height: 480 },
        label: [{ label: `c${i % 5}`, topX: 0.123456789, topY: 0.2, bottomX: 0.5, bottomY: 0.7, isCrowd: 0 }],
      };
  }
  const t = performance.now();
  await mod.writeDataset(gen(), opts, {
    bad(e) {
      throw e;
    },
    display: (p) => p,
  });
  const ms = performance.now() - t;
  rmSync(out, { recursive: true, force: true });
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
for (const [n, shuffled] of [
  [20_000, false],
  [20_000, true],
  [100_000, true],
]) {
  const a = [],
    b = [];
  for (let r = 0; r < reps; r++) {
    a.push(await once(A, n, shuffled));
    b.push(await once(B, n, shuffled));
  }
  const ma = median(a),
    mb = median(b);
  console.log(
    `${n} records, ${shuffled ? 'shuffled' : 'sorted'}: current ${ma.toFixed(0)} ms, other ${mb.toFixed(0)} ms, other/current ${(mb / ma).toFixed(2)} (runs: ${a.map((x) => x.toFixed(0)).join(' ')} | ${b.map((x) => x.toFixed(0)).join(' ')})`,
  );
}
