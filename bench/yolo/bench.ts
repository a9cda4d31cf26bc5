/**
 * yolo-to-jsonl against its I/O floor (floor.ts), alternated in one session: each round runs the floor
 * and the converter (`node bin/automl-img.js convert yolo <dir> -o <tmp> --force -q`) as separate
 * processes, in alternating order; prints every run and the medians of wall time and of the per-round
 * ratios. A converter run must exit 0.
 *
 * @example
 *   node dist/bench/yolo/bench.js bench/data/yolo/20k --runs 7 [--library] [--keep-splits] [--task instance-segmentation]
 * `--library`: the converter through `convert()` (lib.ts) instead of the CLI.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    runs: { type: 'string', default: '7' },
    library: { type: 'boolean', default: false },
    'keep-splits': { type: 'boolean', default: false },
    task: { type: 'string', default: 'object-detection' },
  },
});
const dir = resolve(positionals[0] ?? 'bench/data/yolo/20k');
const runs = Number(values.runs);
const bin = resolve('bin/automl-img.js');
const floor = resolve('dist/bench/yolo/floor.js');
const out = mkdtempSync(join(tmpdir(), 'yolo-bench-'));
const ours = values.library
  ? [resolve('dist/bench/yolo/lib.js'), dir, out, values.task]
  : [bin, 'convert', 'yolo', dir, '-o', out, '--force', '-q', '--task', values.task, ...(values['keep-splits'] ? ['--keep-splits'] : [])];

/** CPU seconds (user + system) of the last run, from /usr/bin/time. */
let lastCpu = NaN;
function time(args: string[]): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'CPU %U %S', process.execPath, ...args], { encoding: 'utf8' });
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(`${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  const m = /CPU ([\d.]+) ([\d.]+)\s*$/.exec(r.stderr);
  lastCpu = m ? Number(m[1]) + Number(m[2]) : NaN;
  return s;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
time([floor, dir]); // warm the page cache
time(ours);
const cpuF: number[] = [];
const cpuO: number[] = [];
const floors: number[] = [];
const oursT: number[] = [];
const ratios: number[] = [];
console.log(`load ${loadavg()[0]!.toFixed(2)}; ${runs} rounds`);
for (let i = 0; i < runs; i++) {
  let f: number;
  let o: number;
  if (i % 2 === 0) {
    f = time([floor, dir]);
    cpuF.push(lastCpu);
    o = time(ours);
    cpuO.push(lastCpu);
  } else {
    o = time(ours);
    cpuO.push(lastCpu);
    f = time([floor, dir]);
    cpuF.push(lastCpu);
  }
  floors.push(f);
  oursT.push(o);
  ratios.push(o / f);
  console.log(
    `round ${i + 1}: floor ${f.toFixed(3)} s (CPU ${cpuF[i]!.toFixed(2)}), ours ${o.toFixed(3)} s (CPU ${cpuO[i]!.toFixed(2)}), ratio ${(o / f).toFixed(2)} (CPU ${(cpuO[i]! / cpuF[i]!).toFixed(2)})`,
  );
}
console.log(
  `median: floor ${median(floors).toFixed(3)} s, ours ${median(oursT).toFixed(3)} s; ratio of medians ${(median(oursT) / median(floors)).toFixed(2)}, median of ratios ${median(ratios).toFixed(2)}; CPU: floor ${median(cpuF).toFixed(2)} s, ours ${median(cpuO).toFixed(2)} s, ratio ${(median(cpuO) / median(cpuF)).toFixed(2)}; load ${loadavg()[0]!.toFixed(2)}`,
);
rmSync(out, { recursive: true, force: true });
