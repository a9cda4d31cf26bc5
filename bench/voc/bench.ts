/**
 * voc-detection against the reference (`ref_convert.py voc`), side by side: each round runs every
 * candidate once, in turn (A B C A B C ...), each in its own process, wall time and CPU time (user + sys,
 * from /usr/bin/time) measured from outside. Prints the medians and the ratios against the reference.
 *
 *   node dist/bench/voc/bench.js bench/data/voc-20k [--runs 5] [--bin bin/automl-img.js] [--before <bin>] [--no-ideal]
 *
 * Candidates: automl-img (`--bin`), another build of it to compare with (`--before`, e.g. a copy of an
 * earlier commit's bin/ and dist/), the reference, the floor (floor.ts: start-up + 40,000
 * open/read/close) and the ideal bound with 1 and 2 threads (ideal.ts).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SHARED } from '../paths.js';

const REFERENCE = join(SHARED, 'reference', 'ref_convert.py');

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
  const before = args.includes('--before') ? opt('--before', '') : undefined;
  const here = dirname(fileURLToPath(import.meta.url));
  const ours = (name: string, out: string, binary: string): Candidate => ({
    name,
    argv: [process.execPath, binary, 'convert', 'voc', data, '-o', join(tmp, out), '--force', '-q'],
    out: join(tmp, out),
  });
  const candidates: Candidate[] = [
    ours('automl-img', 'ours', bin),
    ...(before === undefined ? [] : [ours(`automl-img (before: ${before})`, 'before', before)]),
    { name: 'reference ref_convert.py voc', argv: ['/usr/bin/python3', REFERENCE, 'voc', data, join(tmp, 'ref')], out: join(tmp, 'ref') },
    { name: 'floor (start-up + 40,000 open/read/close)', argv: [process.execPath, join(here, 'floor.js'), data], out: '' },
  ];
  if (!args.includes('--no-ideal')) {
    for (const w of [1, 2]) {
      candidates.push({ name: `ideal bound, ${w} thread${w > 1 ? 's' : ''}`, argv: [process.execPath, join(here, 'ideal.js'), data, String(w), join(tmp, `ideal${w}.jsonl`)], out: '' });
    }
  }
  const REF = candidates.findIndex((c) => c.argv[0] === '/usr/bin/python3');
  const samples = new Map<string, Sample[]>(candidates.map((c) => [c.name, []]));
  const loadBefore = loadavg()[0]!;
  for (let i = 0; i < runs; i++) {
    for (const c of candidates) samples.get(c.name)!.push(timeOnce(c));
  }
  const loadAfter = loadavg()[0]!;
  const ref = samples.get(candidates[REF]!.name)!;
  const refWall = median(ref.map((s) => s.wall));
  const refCpu = median(ref.map((s) => s.cpu));
  process.stdout.write(`dataset ${data}, ${runs} rounds, load average ${loadBefore.toFixed(2)} before, ${loadAfter.toFixed(2)} after\n\n`);
  // The median of the per-round ratios too: steadier than the ratio of medians when the load comes and goes.
  process.stdout.write('| candidate | median wall s | median CPU s | reference wall / this wall | median of per-round ratios | reference CPU / this CPU | walls |\n|---|---|---|---|---|---|---|\n');
  for (const c of candidates) {
    const s = samples.get(c.name)!;
    const wall = median(s.map((x) => x.wall));
    const cpu = median(s.map((x) => x.cpu));
    const perRound = median(s.map((x, r) => ref[r]!.wall / x.wall));
    process.stdout.write(
      `| ${c.name} | ${wall.toFixed(2)} | ${cpu.toFixed(2)} | ${(refWall / wall).toFixed(2)}x | ${perRound.toFixed(2)}x | ${(refCpu / cpu).toFixed(2)}x | ${s.map((x) => x.wall.toFixed(2)).join(' ')} |\n`,
    );
  }
  const lines = (dir: string) => lineCount(join(dir, 'train_annotations.jsonl')) + lineCount(join(dir, 'validation_annotations.jsonl'));
  // Ours against the floor and the ideal bound (this wall / their wall: how many times their time we take).
  const wallOf = (name: string) => median(samples.get(name)!.map((x) => x.wall));
  const bounds = candidates.filter((c) => c.name.startsWith('floor') || c.name.startsWith('ideal'));
  process.stdout.write(
    '\n| ours | ' + bounds.map((b) => `this wall / ${b.name.split(' (')[0]!.replace('ideal bound, ', 'ideal ')}`).join(' | ') + ' |\n|---|' + bounds.map(() => '---|').join('') + '\n',
  );
  for (const c of candidates.filter((c) => c.name.startsWith('automl-img'))) {
    process.stdout.write(`| ${c.name} | ${bounds.map((b) => `${(wallOf(c.name) / wallOf(b.name)).toFixed(2)}x`).join(' | ')} |\n`);
  }
  process.stdout.write(
    `\nlines: ${candidates
      .filter((c) => c.out)
      .map((c) => `${c.name}: ${lines(c.out)}`)
      .join(', ')}\n`,
  );
}

main();
