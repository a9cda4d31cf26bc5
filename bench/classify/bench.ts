/**
 * Times folder-to-jsonl and csv-multilabel (image headers read) on the sets made by gen.js,
 * side by side with the I/O floor (floor.js: open each image, read 4 KiB, close) and with the
 * reference Python converters (ref_convert.py folder|csv, which do not open images at all).
 *
 * Each run is a fresh process timed from spawn to exit (what a user waits for, Node's start-up
 * included), and its CPU time (user + system, from GNU time) is recorded too; the candidates run interleaved (A B C D ... A B C D ...) after one untimed warm-up
 * round that fills the page cache, and the table gives medians and ratios. The run fails if a
 * converter's output does not hold one line per image.
 *
 * Usage (after `npx tsc -p .` and `node dist/bench/classify/gen.js`):
 *   node dist/bench/classify/bench.js [--runs 5] [--data bench/data/classify/fridge] [--only folder|csv]
 *     [--bin bin/automl-img.js]   (the build of the CLI to time)
 *     [--compare other/bin/automl-img.js]...   (other builds, e.g. a patched copy, timed alongside; repeatable)
 *     [--no-verify-too]   (the build under --bin also with --no-verify-images: what the cut-image check costs)
 *     [--builds-only]     (no I/O floors and no reference: only the builds, for A/B rounds)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    data: { type: 'string', default: 'bench/data/classify/fridge' },
    bin: { type: 'string', default: 'bin/automl-img.js' },
    compare: { type: 'string', multiple: true, default: [] },
    'no-verify-too': { type: 'boolean', default: false },
    'builds-only': { type: 'boolean', default: false },
    only: { type: 'string' },
    python: { type: 'string', default: '/usr/bin/python3' },
    ref: { type: 'string', default: resolve('../shared/reference/ref_convert.py') },
  },
});
const runs = Number(values.runs);
const data = resolve(values.data);
const outRoot = join(data, 'out');
const node = process.execPath;
const bin = resolve(values.bin);
const floor = new URL('./floor.js', import.meta.url).pathname;

interface Candidate {
  set: 'folder' | 'csv';
  name: string;
  cmd: string[];
  /** Output files whose lines are counted after the run. */
  outputs?: string[];
}

const sets: Record<'folder' | 'csv', { input: string; images: string; ref: string }> = {
  folder: { input: join(data, 'folder'), images: join(data, 'folder'), ref: 'folder' },
  csv: { input: join(data, 'csv', 'labels.csv'), images: join(data, 'csv', 'images'), ref: 'csv' },
};

const candidates: Candidate[] = [];
for (const set of ['folder', 'csv'] as const) {
  if (values.only && values.only !== set) continue;
  const s = sets[set];
  const out = join(outRoot, `automl-${set}`);
  const refOut = join(outRoot, `ref-${set}`);
  if (!values['builds-only']) {
    candidates.push(
      { set, name: 'I/O floor (fs/promises, 64 in flight)', cmd: [node, floor, s.images] },
      { set, name: 'I/O floor (fs callbacks, 64 in flight)', cmd: [node, floor, s.images, '--callbacks'] },
      { set, name: 'I/O floor (sync loop)', cmd: [node, floor, s.images, '--sync'] },
    );
  }
  candidates.push({
    set,
    name: `automl-img convert ${set}`,
    cmd: [node, bin, 'convert', set, s.input, '-o', out, '--force', '-q'],
    outputs: [join(out, 'train_annotations.jsonl'), join(out, 'validation_annotations.jsonl')],
  });
  if (values['no-verify-too']) {
    const out2 = join(outRoot, `automl-${set}-no-verify`);
    candidates.push({
      set,
      name: `automl-img convert ${set} --no-verify-images`,
      cmd: [node, bin, 'convert', set, s.input, '-o', out2, '--force', '-q', '--no-verify-images'],
      outputs: [join(out2, 'train_annotations.jsonl'), join(out2, 'validation_annotations.jsonl')],
    });
  }
  for (const [k, other] of values.compare.entries()) {
    const out2 = join(outRoot, `compare-${k}-${set}`);
    candidates.push({
      set,
      name: `automl-img convert ${set} (${other})`,
      cmd: [node, resolve(other), 'convert', set, s.input, '-o', out2, '--force', '-q'],
      outputs: [join(out2, 'train_annotations.jsonl'), join(out2, 'validation_annotations.jsonl')],
    });
  }
  if (!values['builds-only'] && existsSync(values.ref)) {
    candidates.push({
      set,
      name: `ref_convert.py ${s.ref} (no image headers)`,
      cmd: [values.python, values.ref, s.ref, s.input, refOut],
      outputs: [join(refOut, 'train_annotations.jsonl'), join(refOut, 'validation_annotations.jsonl')],
    });
  }
}

/** GNU time, when present, gives each run's CPU time (user + system), steadier than wall time on a busy machine. */
const TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
const cpuFile = join(data, '.cpu-time');

function timeOnce(c: Candidate): { wall: number; cpu: number } {
  const cmd = TIME ? [TIME, '-f', '%U %S', '-o', cpuFile, ...c.cmd] : c.cmd;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd[0]!, cmd.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr.slice(0, 2000)}`);
  let cpu = NaN;
  if (TIME) {
    const [u, s] = readFileSync(cpuFile, 'utf8').trim().split(/\s+/).slice(-2).map(Number);
    cpu = ((u ?? NaN) + (s ?? NaN)) * 1000;
  }
  return { wall, cpu };
}

function lineCount(files: readonly string[]): number {
  let n = 0;
  for (const f of files)
    n += readFileSync(f, 'utf8')
      .split('\n')
      .filter((l) => l !== '').length;
  return n;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

// Warm-up round (untimed results) and output checks.
for (const c of candidates) {
  timeOnce(c);
  if (c.outputs) {
    const n = lineCount(c.outputs);
    const expected =
      readFileSync(join(data, 'csv', 'labels.csv'), 'utf8')
        .split(/\r?\n/)
        .filter((l) => l !== '').length - 1;
    if (n !== expected) throw new Error(`${c.name}: expected ${expected} lines, got ${n}`);
  }
}
const times = new Map<Candidate, number[]>(candidates.map((c) => [c, []]));
const cpus = new Map<Candidate, number[]>(candidates.map((c) => [c, []]));
for (let r = 0; r < runs; r++) {
  for (const c of candidates) {
    const t = timeOnce(c);
    times.get(c)!.push(t.wall);
    cpus.get(c)!.push(t.cpu);
  }
}

const rows: string[] = [];
rows.push('| set | candidate | median wall ms | × I/O floor (wall) | × ref_convert.py (wall) | median CPU ms (user+sys) | × I/O floor (CPU) | wall runs (ms) |');
rows.push('|---|---|---:|---:|---:|---:|---:|---|');
for (const set of ['folder', 'csv'] as const) {
  const of = candidates.filter((c) => c.set === set);
  if (of.length === 0) continue;
  const floors = of.filter((c) => c.name.startsWith('I/O floor'));
  const floorMs = Math.min(...floors.map((c) => median(times.get(c)!)));
  const floorCpu = Math.min(...floors.map((c) => median(cpus.get(c)!)));
  const ref = of.find((c) => c.name.startsWith('ref_convert'));
  const refMs = ref ? median(times.get(ref)!) : NaN;
  for (const c of of) {
    const m = median(times.get(c)!);
    const cpu = median(cpus.get(c)!);
    rows.push(
      `| ${set} | ${c.name} | ${m.toFixed(0)} | ${floors.length ? (m / floorMs).toFixed(2) : '–'} | ${Number.isNaN(refMs) ? '–' : (m / refMs).toFixed(2)} | ${cpu.toFixed(0)} | ${floors.length ? (cpu / floorCpu).toFixed(2) : '–'} | ${times
        .get(c)!
        .map((t) => t.toFixed(0))
        .join(', ')} |`,
    );
  }
}
console.log(
  `${new Date().toISOString()}, ${runs} runs, load average ${(await import('node:os'))
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} at the end`,
);
console.log(rows.join('\n'));
