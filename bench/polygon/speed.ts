/**
 * Speed of the real converter, `node bin/automl-img.js convert voc-mask`, against the reference
 * (`ref_convert.py voc-mask`) on the same synthetic VOC set (500×375, 2–20 objects a mask), run
 * alternately in the same run (reference, ours, ours --jobs 1, reference, ...) as the reference README
 * asks. Prints every time, the medians and the ratios of medians.
 *
 *   npx tsc -p . && node dist/bench/polygon/speed.js [--images 1000] [--rounds 3]
 *
 * Both sides do the whole job in one process per run: list the XML files, read each XML and mask PNG,
 * trace every object, write the two JSONL files. Ours also reads each image's header (format and size
 * for image_details; the synthetic JPEGs are headers only) and checks the mask against it. "ours" uses
 * the default pool (one worker thread per available core); "ours --jobs 1" traces in the main thread.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DATA, PYTHON, ROOT, SHARED } from './env.js';
import { writeSyntheticDataset } from './synthetic.js';

/** Runs a command to completion; returns its wall time in seconds. */
function timed(command: string, args: string[]): number {
  const start = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return seconds;
}

function lineCount(dir: string): number {
  let n = 0;
  for (const f of ['train_annotations.jsonl', 'validation_annotations.jsonl']) {
    const p = join(dir, f);
    if (existsSync(p)) n += readFileSync(p, 'utf8').split('\n').filter(Boolean).length;
  }
  return n;
}

function main(): void {
  const args = process.argv.slice(2);
  const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
  const count = option('--images', 1000);
  const rounds = option('--rounds', 3);
  const dir = join(DATA, `synthetic-${count}`);
  if (!existsSync(join(dir, 'JPEGImages'))) {
    rmSync(dir, { recursive: true, force: true });
    writeSyntheticDataset(dir, count);
  }
  const out = join(DATA, 'out', 'speed');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const bin = join(ROOT, 'bin/automl-img.js');
  const ours = (jobs: string[]) => () => timed(process.execPath, [bin, 'convert', 'voc-mask', dir, '-o', join(out, 'ours'), '--force', '--quiet', ...jobs]);
  const sides: [string, () => number][] = [
    ['reference', () => timed(PYTHON, [join(SHARED, 'reference/ref_convert.py'), 'voc-mask', dir, join(out, 'ref')])],
    [`ours (--jobs ${availableParallelism()}, the default)`, ours([])],
    ['ours --jobs 1', ours(['--jobs', '1'])],
  ];
  const times = new Map<string, number[]>(sides.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    for (const [name, run] of sides) {
      times.get(name)!.push(run());
      process.stderr.write(`round ${round + 1} ${name}: ${times.get(name)!.at(-1)!.toFixed(2)} s\n`);
    }
  }
  if (lineCount(join(out, 'ours')) !== count || lineCount(join(out, 'ref')) !== count) {
    throw new Error(`expected ${count} lines from both sides, got ours ${lineCount(join(out, 'ours'))}, reference ${lineCount(join(out, 'ref'))}`);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const reference = median(times.get('reference')!);
  const refs = times.get('reference')!;
  const rows = ['| side | ' + Array.from({ length: rounds }, (_, i) => `round ${i + 1}, s`).join(' | ') + ' | median, s | ratio of medians | median of per-round ratios |'];
  rows.push('|---|' + '---:|'.repeat(rounds + 3));
  for (const [name, xs] of times) {
    const paired = median(xs.map((x, i) => refs[i]! / x));
    rows.push(`| ${name} | ${xs.map((x) => x.toFixed(2)).join(' | ')} | ${median(xs).toFixed(2)} | ${(reference / median(xs)).toFixed(1)}× | ${paired.toFixed(1)}× |`);
  }
  console.log(`${count} masks, ${rounds} alternating rounds, ${availableParallelism()} cores available\n\n${rows.join('\n')}`);
}

main();
