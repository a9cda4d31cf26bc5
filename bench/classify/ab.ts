/**
 * A/B of two builds' `convert()` on one set made by gen.js: each run is a fresh process that loads
 * one build and times one conversion in it (wall, and CPU as user + system from `process.cpuUsage`),
 * start-up and module loading left out; the builds alternate (A B B A ...) after a warm-up run each.
 * Prints the median of each and their difference. Less noisy than bench.js when the machine is
 * shared, for changes of a few tens of ms (CSV parsing, the tree walk). (Both builds in one process
 * were tried: the same build loaded twice differed by 90 ms of CPU.)
 *
 * Usage (after `npx tsc -p .` and `node dist/bench/classify/gen.js`):
 *   node dist/bench/classify/ab.js --a <old build>/dist/src/index.js [--b dist/src/index.js]
 *     [--set csv|folder] [--runs 15] [--data bench/data/classify/fridge] [--no-details]
 *     [--b-no-verify-images]   (B without the cut-image check: a build before it has no such option)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

type Convert = (name: string, input: string, options: Record<string, unknown>) => Promise<unknown>;

const { values } = parseArgs({
  options: {
    a: { type: 'string' },
    b: { type: 'string', default: 'dist/src/index.js' },
    set: { type: 'string', default: 'csv' },
    runs: { type: 'string', default: '15' },
    data: { type: 'string', default: 'bench/data/classify/fridge' },
    'no-details': { type: 'boolean', default: false },
    'b-no-verify-images': { type: 'boolean', default: false },
    child: { type: 'string' },
  },
});
if (values.set !== 'csv' && values.set !== 'folder') throw new Error('--set must be csv or folder');
const data = resolve(values.data);
const input = values.set === 'csv' ? join(data, 'csv', 'labels.csv') : join(data, 'folder');
const runs = Number(values.runs);

interface Timing {
  wall: number;
  cpu: number;
}

if (values.child !== undefined) {
  // One conversion with the build named by --child; prints its timing.
  const convert = ((await import(pathToFileURL(resolve(values.child)).href)) as { convert: Convert }).convert;
  const out = mkdtempSync(join(tmpdir(), 'classify-ab-'));
  try {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await convert(values.set, input, { out, force: true, imageDetails: !values['no-details'], ...(values['b-no-verify-images'] ? { verifyImages: false } : {}) });
    const c = process.cpuUsage(c0);
    console.log(JSON.stringify({ wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 } satisfies Timing));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
} else {
  if (values.a === undefined) throw new Error('--a <build>/dist/src/index.js is required');
  const builds = [values.a, values.b];
  const once = (build: string): Timing => {
    const noVerify = build === values.b && values['b-no-verify-images'] ? ['--b-no-verify-images'] : [];
    const args = [process.argv[1]!, '--child', build, '--set', values.set, '--data', data, ...(values['no-details'] ? ['--no-details'] : []), ...noVerify];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`${build}: exit ${r.status}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Timing;
  };
  const median = (xs: number[]): number => {
    const s = [...xs].sort((x, y) => x - y);
    return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
  };
  for (const b of builds) once(b); // warm-up (page cache)
  const times = builds.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let r = 0; r < runs; r++) {
    for (const i of r % 2 ? [1, 0] : [0, 1]) {
      const t = once(builds[i]!);
      times[i]!.wall.push(t.wall);
      times[i]!.cpu.push(t.cpu);
    }
  }
  const load = loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
  console.log(
    `${new Date().toISOString()}, ${values.set}${values['no-details'] ? ' --no-image-details' : ''}${values['b-no-verify-images'] ? ' (B with --no-verify-images)' : ''}, ${runs} runs each, load average ${load} at the end`,
  );
  console.log('| build | median wall ms | median CPU ms | least CPU ms |');
  console.log('|---|---:|---:|---:|');
  for (const [i, b] of builds.entries()) {
    console.log(`| ${i ? 'B' : 'A'} ${b} | ${median(times[i]!.wall).toFixed(0)} | ${median(times[i]!.cpu).toFixed(0)} | ${Math.min(...times[i]!.cpu).toFixed(0)} |`);
  }
  const dWall = median(times[1]!.wall) - median(times[0]!.wall);
  const dCpu = median(times[1]!.cpu) - median(times[0]!.cpu);
  console.log(`B - A: wall ${dWall >= 0 ? '+' : ''}${dWall.toFixed(0)} ms, CPU ${dCpu >= 0 ? '+' : ''}${dCpu.toFixed(0)} ms`);
}
