/**
 * Speed of mask → polygon on the synthetic set (500×375, 2–20 objects), against the reference
 * converter on the same masks, run alternately (A B A B ...) as the reference README asks.
 *
 *   npx tsc -p . && node dist/bench/polygon/speed.js [--images 1000] [--rounds 3]
 *
 * Both sides do the whole job in one process per run: list the XML files, read each XML and mask PNG,
 * trace every object, write JSONL. This side is bench/polygon/voc.ts (a stand-in for the real
 * converter); it also reports the time spent in labelledMaskToRings alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { DATA, PYTHON, SHARED } from './env.js';
import { writeSyntheticDataset } from './synthetic.js';
import { jsonLine, readImages, traceImage } from './voc.js';

/** The child's job: convert `dir` to `out`, print the tracing time per image on stdout. */
function convert(dir: string, out: string): void {
  let traceMs = 0;
  let images = 0;
  const lines: string[] = [];
  for (const image of readImages(dir)) {
    const start = performance.now();
    const byLabel = traceImage(image, {});
    traceMs += performance.now() - start;
    lines.push(`${jsonLine(image, `JPEGImages/${image.filename}`, byLabel)}\n`);
    images++;
  }
  writeFileSync(out, lines.join(''));
  console.log(JSON.stringify({ traceMsPerImage: traceMs / images }));
}

/** Runs a command to completion; returns its wall time in seconds and its stdout. */
function timed(command: string, args: string[]): { seconds: number; stdout: string } {
  const start = performance.now();
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 24 });
  const seconds = (performance.now() - start) / 1000;
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${result.stderr}`);
  return { seconds, stdout: result.stdout };
}

function main(): void {
  const args = process.argv.slice(2);
  if (args[0] === '--convert') return convert(args[1]!, args[2]!);
  const option = (name: string, fallback: number) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
  const count = option('--images', 1000);
  const rounds = option('--rounds', 3);
  const dir = join(DATA, `synthetic-${count}`);
  if (!existsSync(dir)) writeSyntheticDataset(dir, count);
  const out = join(DATA, 'out', 'speed');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const reference: number[] = [];
  const ours: number[] = [];
  const traceMs: number[] = [];
  for (let round = 0; round < rounds; round++) {
    reference.push(timed(PYTHON, [join(SHARED, 'reference/ref_convert.py'), 'voc-mask', dir, join(out, 'ref')]).seconds);
    const run = timed(process.execPath, [fileURLToPath(import.meta.url), '--convert', dir, join(out, 'ours.jsonl')]);
    ours.push(run.seconds);
    traceMs.push((JSON.parse(run.stdout) as { traceMsPerImage: number }).traceMsPerImage);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const round2 = (x: number) => Math.round(x * 100) / 100;
  console.log(
    JSON.stringify({
      images: count,
      referenceSeconds: reference.map(round2),
      oursSeconds: ours.map(round2),
      ratio: round2(median(reference) / median(ours)),
      labelledMaskToRingsMsPerImage: round2(median(traceMs)),
    }),
  );
}

main();
