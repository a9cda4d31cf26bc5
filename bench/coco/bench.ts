/**
 * coco-to-jsonl against the reference (`ref_convert.py coco`, json.load), side by side: A B A B ...,
 * each run a separate process under `/usr/bin/time -v` (wall time and peak RSS), medians and ratios.
 *
 * Usage (after `npx tsc -p .`; generate the inputs with bench/json/gen-coco.ts, see RESULTS.md):
 *   node dist/bench/coco/bench.js FILE.json [--runs 3] [--task object-detection] [--only ours,ref,lib]
 *
 * "ours" is `node bin/automl-img.js convert coco FILE -o OUT --no-image-details --force -q`; "ref" is
 * `/usr/bin/python3 ../shared/reference/ref_convert.py coco FILE OUT [--task ...]`; "lib" is the same
 * conversion through the library (bench/coco/lib-run.ts). After each run the
 * lines and objects of both output files are counted, and the two tools must agree on them.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(REPO, 'bin/automl-img.js');
const REFERENCE = join(REPO, '../shared/reference/ref_convert.py');
const LIB_RUN = fileURLToPath(new URL('./lib-run.js', import.meta.url));

interface Sample {
  seconds: number;
  maxRssMb: number;
  lines: number;
  objects: number;
}

/** Runs a command under `/usr/bin/time -v`; returns wall seconds and peak RSS. */
function timed(cmd: string, args: string[]): { seconds: number; maxRssMb: number } {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  const wall = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(r.stderr);
  const rss = /Maximum resident set size \(kbytes\): (\d+)/.exec(r.stderr);
  if (!wall || !rss) throw new Error(`no /usr/bin/time -v figures in:\n${r.stderr.slice(-1000)}`);
  const seconds = Number(wall[1] ?? 0) * 3600 + Number(wall[2]) * 60 + Number(wall[3]);
  return { seconds, maxRssMb: Number(rss[1]) / 1024 };
}

/** Lines and objects (`"label":` occurrences inside label arrays, i.e. objects) of the two output files. */
async function countOutput(out: string): Promise<{ lines: number; objects: number }> {
  let lines = 0;
  let objects = 0;
  for (const name of ['train_annotations.jsonl', 'validation_annotations.jsonl']) {
    const rl = createInterface({ input: createReadStream(join(out, name)), crlfDelay: Infinity });
    for await (const line of rl) {
      if (!line) continue;
      lines++;
      const parsed = JSON.parse(line) as { label: unknown[] };
      objects += parsed.label.length;
    }
  }
  return { lines, objects };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: 'string', default: '3' },
      task: { type: 'string', default: 'object-detection' },
      only: { type: 'string' },
      out: { type: 'string', default: join(REPO, 'bench/data/coco/out') },
    },
  });
  const file = positionals[0];
  const runs = Number(values.runs);
  if (!file || !existsSync(file) || !Number.isInteger(runs) || runs < 1) {
    console.error('usage: bench.js FILE.json [--runs 3] [--task object-detection|instance-segmentation] [--only ours,ref,lib]');
    process.exitCode = 2;
    return;
  }
  const task = values.task!;
  const tools = {
    ours: (out: string) => timed(process.execPath, [BIN, 'convert', 'coco', file, '-o', out, '--no-image-details', '--force', '-q', '--task', task]),
    ref: (out: string) => timed('/usr/bin/python3', [REFERENCE, 'coco', file, out, '--task', task]),
    lib: (out: string) => timed(process.execPath, [LIB_RUN, file, out, '--task', task]),
  };
  const names = (values.only ? values.only.split(',') : ['ours', 'ref']) as (keyof typeof tools)[];
  if (!names.every((n) => n in tools)) throw new Error(`--only takes a comma-separated list of ${Object.keys(tools).join(', ')}`);
  const samples: Record<string, Sample[]> = { ours: [], ref: [], lib: [] };
  for (let i = 0; i < runs; i++) {
    for (const name of names) {
      const out = join(values.out!, name);
      rmSync(out, { recursive: true, force: true });
      mkdirSync(out, { recursive: true });
      const t = tools[name](out);
      const c = await countOutput(out);
      samples[name]!.push({ ...t, ...c });
      console.error(`run ${i + 1} ${name}: ${t.seconds.toFixed(2)} s, ${t.maxRssMb.toFixed(0)} MB peak RSS, ${c.lines} lines, ${c.objects} objects`);
      rmSync(out, { recursive: true, force: true });
    }
  }
  const rows = names.map((name) => {
    const s = samples[name]!;
    return { name, time: median(s.map((x) => x.seconds)), rss: median(s.map((x) => x.maxRssMb)), maxRss: Math.max(...s.map((x) => x.maxRssMb)), s };
  });
  const all = names.flatMap((n) => samples[n]!);
  if (all.some((x) => x.lines !== all[0]!.lines || x.objects !== all[0]!.objects)) throw new Error('the tools disagree on lines or objects');
  console.log(`| tool | runs | median time (s) | median peak RSS (MB) | max peak RSS (MB) | lines | objects | all times (s) |`);
  console.log(`|---|---:|---:|---:|---:|---:|---:|---|`);
  for (const r of rows) {
    console.log(
      `| ${r.name} | ${r.s.length} | ${r.time.toFixed(2)} | ${r.rss.toFixed(0)} | ${r.maxRss.toFixed(0)} | ${r.s[0]!.lines} | ${r.s[0]!.objects} | ${r.s.map((x) => x.seconds.toFixed(2)).join(', ')} |`,
    );
  }
  const ref = rows.find((r) => r.name === 'ref');
  for (const r of rows) {
    if (ref && r !== ref) console.log(`\nref / ${r.name}: time ${(ref.time / r.time).toFixed(1)}×, peak RSS ${(ref.rss / r.rss).toFixed(1)}×`);
  }
}

await main();
