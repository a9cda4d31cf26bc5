/**
 * voc-detection against the reference (`ref_convert.py voc`), side by side: each round runs every
 * candidate once, in turn (A B C A B C ...), each in its own process, wall time and CPU time (user + sys,
 * from /usr/bin/time) measured from outside. Prints the medians and the ratios against the reference.
 *
 *   node dist/bench/voc/bench.js bench/data/voc-20k [--runs 5] [--bin bin/automl-img.js]
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REFERENCE = '/work/shared/reference/ref_convert.py';

interface Candidate {
  name: string;
  argv: string[];
  out: string;
}

interface Sample {
  wall: number;
  cpu: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timeOnce(c: Candidate): Sample {
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S', ...c.argv], { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const last = r.stderr.trim().split('\n').pop()!;
  const [wall, user, sys] = last.split(' ').map(Number) as [number, number, number];
  return { wall, cpu: user + sys };
}

function lineCount(file: string): number {
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).length;
}

function main(): void {
  const args = process.argv.slice(2);
  const data = args[0];
  if (!data) throw new Error('usage: bench.js <dataset> [--runs n] [--bin path]');
  const opt = (name: string, dflt: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : dflt);
  const runs = Number(opt('--runs', '5'));
  const bin = opt('--bin', 'bin/automl-img.js');
  const tmp = opt('--out', '/tmp/voc-bench');
  const candidates: Candidate[] = [
    { name: 'automl-img (--jobs default)', argv: [process.execPath, bin, 'convert', 'voc', data, '-o', join(tmp, 'ours'), '--force', '-q'], out: join(tmp, 'ours') },
    { name: 'automl-img --jobs 1', argv: [process.execPath, bin, 'convert', 'voc', data, '-o', join(tmp, 'ours1'), '--force', '-q', '--jobs', '1'], out: join(tmp, 'ours1') },
    { name: 'reference ref_convert.py voc', argv: ['/usr/bin/python3', REFERENCE, 'voc', data, join(tmp, 'ref')], out: join(tmp, 'ref') },
    { name: 'floor: node start-up + 40,000 open/read/close', argv: [process.execPath, join(dirname(fileURLToPath(import.meta.url)), 'floor.js'), data], out: '' },
  ];
  const samples = new Map<string, Sample[]>(candidates.map((c) => [c.name, []]));
  const loadBefore = loadavg()[0]!;
  for (let i = 0; i < runs; i++) {
    for (const c of candidates) samples.get(c.name)!.push(timeOnce(c));
  }
  const loadAfter = loadavg()[0]!;
  const ref = samples.get(candidates[2]!.name)!;
  const refWall = median(ref.map((s) => s.wall));
  const refCpu = median(ref.map((s) => s.cpu));
  process.stdout.write(`dataset ${data}, ${runs} rounds, load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after\n\n`);
  process.stdout.write('| candidate | median wall s | median CPU s | reference wall / this wall | reference CPU / this CPU | walls |\n|---|---|---|---|---|---|\n');
  for (const c of candidates) {
    const s = samples.get(c.name)!;
    const wall = median(s.map((x) => x.wall));
    const cpu = median(s.map((x) => x.cpu));
    process.stdout.write(
      `| ${c.name} | ${wall.toFixed(2)} | ${cpu.toFixed(2)} | ${(refWall / wall).toFixed(2)}x | ${(refCpu / cpu).toFixed(2)}x | ${s.map((x) => x.wall.toFixed(2)).join(' ')} |\n`,
    );
  }
  const lines = (dir: string) => lineCount(join(dir, 'train_annotations.jsonl')) + lineCount(join(dir, 'validation_annotations.jsonl'));
  process.stdout.write(`\nlines: ${candidates.filter((c) => c.out).map((c) => `${c.name}: ${lines(c.out)}`).join(', ')}\n`);
}

main();
