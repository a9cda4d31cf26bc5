/**
 * `score` against the stand-in endpoint (endpoint.ts, its own process, `--latency` ms a request):
 * images per second of the real bin for each `--concurrency` × `--batch-size`, its CPU per image and
 * peak memory (from /usr/bin/time), next to the floor: the same requests, bodies built beforehand in
 * memory, sent by a bare undici pool that reads nothing back (floor.ts) — the most the stand-in
 * allows on this machine — and the I/O floor: the same, each body built from its files during the
 * run (what a client that reads every image cannot go below) — and that I/O floor as a fresh process
 * of its own (floor.js), whose clock, like the bin's, includes V8's warming up — and this checkout's
 * library `score()` run warm in this process (after a 2,000-image pass), as the floor is: what our
 * client allows once V8 has compiled it, like for like with the floor. A fresh stand-in for each
 * configuration, warmed by a floor pass first.
 *
 *   node dist/bench/score/bench.js <images-dir> [--latency 2] [--concurrency 1,4,16] [--batch-size 1,8] [--runs 1] [--limit-c1 4000] [--bins a.js,b.js] [--bin-runs 1]
 *
 * Make the images with `node dist/bench/score/gen.js <dir> 20000`. With --concurrency 1 and 2 ms a
 * request a 20,000-image run takes a minute or more; `--limit-c1 N` scores only the first N images there
 * (a folder of them is made beside the images).
 */
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { score } from '../../src/index.js';
import { fileURLToPath } from 'node:url';
import { floor } from './floor.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : dflt;
};
const dir = args[0];
if (!dir) throw new Error('usage: bench.js <images-dir> [--latency 2] [--concurrency 1,4,16] [--batch-size 1,8] [--runs 1] [--limit-c1 4000] [--bins a.js,b.js] [--bin-runs 1]');
const latency = Number(opt('--latency', '2'));
const concurrencies = opt('--concurrency', '1,4,16').split(',').map(Number);
const batchSizes = opt('--batch-size', '1,8').split(',').map(Number);
const runs = Number(opt('--runs', '1'));
const limitC1 = Number(opt('--limit-c1', '0'));
/** The bins to run (default: this checkout's); several are alternated, for before/after comparisons. */
const bins = opt('--bins', join(root, 'bin/automl-img.js')).split(',');
/** Runs of the bins against each stand-in, after its floors (alternated, for before/after medians). */
const binRuns = Number(opt('--bin-runs', '1'));

function countImages(d: string): number {
  let n = 0;
  for (const e of readdirSync(d, { withFileTypes: true })) n += e.isDirectory() ? countImages(join(d, e.name)) : 1;
  return n;
}

/** The first `n` sub-folders' worth of images (gen.js writes 1,000 a folder), for the slow concurrency-1 runs. */
function subset(n: number): string {
  const d = join(tmpdir(), `automl-img-score-bench-${n}`);
  if (!existsSync(d)) {
    mkdirSync(d);
    for (const sub of readdirSync(dir!)
      .sort()
      .slice(0, Math.ceil(n / 1000)))
      cpSync(join(dir!, sub), join(d, sub), { recursive: true });
  }
  return d;
}

async function startEndpoint(): Promise<{ url: string; stop: () => void }> {
  const child = spawn(process.execPath, [join(root, 'dist/bench/score/endpoint.js'), '--latency', String(latency), '--key', 'bench-key'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.once('data', (b: Buffer) => resolve((JSON.parse(b.toString().split('\n')[0]!) as { url: string }).url));
    child.once('error', reject);
  });
  return { url, stop: () => child.kill('SIGTERM') };
}

interface Row {
  bin: string;
  concurrency: number;
  batchSize: number;
  images: number;
  ideal: number;
  floor: number;
  floorCpuUsPerImage: number;
  floorP50: number;
  ioFloor: number;
  ioFloorCpuUsPerImage: number;
  coldIoFloor: number;
  coldIoFloorCpuUsPerImage: number;
  /** This checkout's library, warm, in this process. */
  warmLibrary: number;
  warmLibraryCpuUsPerImage: number;
  client: number;
  cpuUsPerImage: number;
  peakMB: number;
  p50: number;
  p95: number;
  /** uptime's 1-minute load average when the run ended. */
  load: string;
}

const rows: Row[] = [];
const out = join(tmpdir(), `automl-img-score-bench-${process.pid}.jsonl`);

/** The I/O floor as a fresh process (floor.js run alone): what any new Node process reading the images gets. */
function runCold(url: string, input: string, concurrency: number, batchSize: number) {
  const images = countImages(input);
  const r = spawnSync('/usr/bin/time', ['-f', '%e %U %S %M', process.execPath, join(root, 'dist/bench/score/floor.js'), url, input, String(concurrency), String(batchSize)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`floor.js failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [, user, sys] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number];
  return { imagesPerSecond: Math.round((JSON.parse(r.stdout) as { imagesPerSecond: number }).imagesPerSecond), cpuUsPerImage: Math.round(((user + sys) * 1e6) / images) };
}

/** The first `n` images of `input`, as folders to give `score` (gen.js writes 1,000 a folder). */
function firstFolders(input: string, n: number): string[] {
  return readdirSync(input)
    .sort()
    .slice(0, Math.ceil(n / 1000))
    .map((d) => join(input, d));
}

/** This checkout's `score()` in this process: a 2,000-image pass to warm it, then the measured run. */
async function runWarmLibrary(url: string, input: string, concurrency: number, batchSize: number, images: number) {
  const o = { out, key: 'bench-key', force: true, concurrency, batchSize };
  await score(url, firstFolders(input, 2000), o);
  const cpuBefore = process.cpuUsage();
  const summary = await score(url, [input], o);
  const cpu = process.cpuUsage(cpuBefore);
  if (summary.predicted !== images) throw new Error(`predicted ${summary.predicted} of ${images}`);
  return { imagesPerSecond: Math.round(summary.imagesPerSecond), cpuUsPerImage: Math.round((cpu.user + cpu.system) / images) };
}

/** One run of a bin against the stand-in at `url`: its summary, CPU and peak memory. */
function runBin(bin: string, url: string, input: string, concurrency: number, batchSize: number, images: number) {
  rmSync(out, { force: true });
  const args = ['-f', '%e %U %S %M', process.execPath, bin, 'score', url, input, '-o', out, '--json', '-q', '--concurrency', String(concurrency), '--batch-size', String(batchSize)];
  const r = spawnSync('/usr/bin/time', args, { encoding: 'utf8', env: { ...process.env, AZUREML_ENDPOINT_KEY: 'bench-key' }, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`score failed (${r.status}): ${r.stderr.slice(-2000)}`);
  const [, user, sys, rssKB] = r.stderr.trim().split('\n').pop()!.split(' ').map(Number) as [number, number, number, number];
  const summary = JSON.parse(r.stdout) as { imagesPerSecond: number; predicted: number; latencyMs: { p50: number; p95: number } };
  if (summary.predicted !== images) throw new Error(`predicted ${summary.predicted} of ${images}`);
  return { summary, cpuUsPerImage: Math.round(((user + sys) * 1e6) / images), peakMB: Math.round(rssKB / 1024) };
}

for (const concurrency of concurrencies) {
  for (const batchSize of batchSizes) {
    const input = concurrency === 1 && limitC1 > 0 ? subset(limitC1) : dir;
    const images = countImages(input);
    for (let run = 0; run < runs; run++) {
      const endpoint = await startEndpoint();
      try {
        await floor(endpoint.url, input, { concurrency, batchSize, key: 'bench-key', limit: 2000 }); // warm-up
        const cpuBefore = process.cpuUsage();
        const f = await floor(endpoint.url, input, { concurrency, batchSize, key: 'bench-key' });
        const floorCpu = process.cpuUsage(cpuBefore);
        const ioCpuBefore = process.cpuUsage();
        const io = await floor(endpoint.url, input, { concurrency, batchSize, key: 'bench-key', readDuringRun: true });
        const ioCpu = process.cpuUsage(ioCpuBefore);
        const cold = runCold(endpoint.url, input, concurrency, batchSize);
        const warm = await runWarmLibrary(endpoint.url, input, concurrency, batchSize, images);
        // Several bins (--bins before,after): alternated, the first first on even runs and last on odd ones.
        for (let pass = 0; pass < binRuns; pass++)
          for (const bin of (run + pass) % 2 === 0 ? bins : [...bins].reverse()) {
            const b = runBin(bin, endpoint.url, input, concurrency, batchSize, images);
            const row: Row = {
              bin,
              concurrency,
              batchSize,
              images,
              ideal: Math.round((concurrency * batchSize * 1000) / latency),
              floor: Math.round(f.imagesPerSecond),
              floorCpuUsPerImage: Math.round((floorCpu.user + floorCpu.system) / images),
              floorP50: f.p50,
              ioFloor: Math.round(io.imagesPerSecond),
              ioFloorCpuUsPerImage: Math.round((ioCpu.user + ioCpu.system) / images),
              coldIoFloor: cold.imagesPerSecond,
              coldIoFloorCpuUsPerImage: cold.cpuUsPerImage,
              warmLibrary: warm.imagesPerSecond,
              warmLibraryCpuUsPerImage: warm.cpuUsPerImage,
              client: Math.round(b.summary.imagesPerSecond),
              cpuUsPerImage: b.cpuUsPerImage,
              peakMB: b.peakMB,
              p50: b.summary.latencyMs.p50,
              p95: b.summary.latencyMs.p95,
              load: loadavg()[0]!.toFixed(1),
            };
            rows.push(row);
            process.stderr.write(`${JSON.stringify(row)}\n`);
          }
      } finally {
        endpoint.stop();
      }
    }
  }
}
rmSync(out, { force: true });
const pct = (a: number, b: number) => `${Math.round((100 * a) / b)}%`;
const columns = [
  ...(bins.length > 1 ? ['bin'] : []),
  '--concurrency',
  '--batch-size',
  'images',
  'latency bound (img/s)',
  'floor / I/O floor / cold I/O floor (img/s)',
  'automl-img library, warm (img/s): of floor / of I/O floor',
  'automl-img (img/s)',
  'of floor / of I/O floor / of cold I/O floor',
  'CPU µs/image: floor / I/O floor / cold I/O floor (whole process) / library, warm / automl-img (whole process)',
  'peak RSS MB',
  'p50 ms: floor / automl-img (p95)',
  'load',
];
process.stdout.write(`| ${columns.join(' | ')} |\n|${columns.map(() => '---|').join('')}\n`);
for (const r of rows) {
  process.stdout.write(
    `| ${bins.length > 1 ? `${r.bin} | ` : ''}${r.concurrency} | ${r.batchSize} | ${r.images} | ${r.ideal} | ${r.floor} / ${r.ioFloor} / ${r.coldIoFloor} | ${r.warmLibrary}: ${pct(r.warmLibrary, r.floor)} / ${pct(r.warmLibrary, r.ioFloor)} | ${r.client} | ${pct(r.client, r.floor)} / ${pct(r.client, r.ioFloor)} / ${pct(r.client, r.coldIoFloor)} | ${r.floorCpuUsPerImage} / ${r.ioFloorCpuUsPerImage} / ${r.coldIoFloorCpuUsPerImage} / ${r.warmLibraryCpuUsPerImage} / ${r.cpuUsPerImage} | ${r.peakMB} | ${r.floorP50} / ${r.p50} (${r.p95}) | ${r.load} |\n`,
  );
}
