/**
 * How fast the streaming scanner (src/coco/json) reads a COCO file, against `JSON.parse` of the whole file
 * and two streaming JSON libraries, @streamparser/json and stream-json.
 *
 * Every candidate reads the elements of `images`, `annotations` and `categories` and counts them and
 * sums their `id`s (the same totals prove they read the same thing); the scanner also runs as the
 * two passes a converter makes, with `segmentation` deferred, and with nothing parsed. Each run is a
 * fresh process, runs are interleaved (A B C A B C ...), and the table gives medians of the time
 * spent reading (not Node's start-up) and of the peak RSS (`process.resourceUsage().maxRSS`, what
 * `/usr/bin/time -v` reports as "Maximum resident set size").
 *
 * The libraries are not dependencies of automl-img. Install them aside, and candidates whose library
 * is missing are skipped:
 *   mkdir -p /tmp/jsonbench && npm install --prefix /tmp/jsonbench @streamparser/json stream-json
 *
 * Usage (after `npx tsc -p .`; a file from gen-coco.js):
 *   node dist/bench/json/bench.js FILE [--runs 5] [--only name,name] [--modules /tmp/jsonbench/node_modules]
 * Sample that checks itself: the totals must agree between candidates, or the run fails.
 */
import { spawnSync } from 'node:child_process';
import { createReadStream, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { readTopLevelArrays, type WantedArrays } from '../../src/coco/json/index.js';

const ALL: WantedArrays = { images: 'parse', annotations: 'parse', categories: 'parse' };
const STRING_LIMIT = (1 << 29) - 24; // V8's longest string, in UTF-16 code units

interface Totals {
  elements: number;
  idSum: number;
}

interface Candidate {
  name: string;
  /** What the totals should equal: the full read, or only some arrays. */
  reads: 'all' | 'images+categories' | 'annotations' | 'none';
  library?: string;
  run(file: string, modules: string): Promise<Totals>;
}

function tally(t: Totals, value: unknown): void {
  t.elements++;
  const id = (value as { id?: unknown } | null)?.id;
  if (typeof id === 'number') t.idSum += id;
}

async function scanner(file: string, arrays: WantedArrays): Promise<Totals> {
  const t = { elements: 0, idSum: 0 };
  for await (const batch of readTopLevelArrays(file, arrays).batches()) for (const e of batch) tally(t, e.value);
  return t;
}

async function importFrom(modules: string, specifier: string): Promise<Record<string, unknown>> {
  const resolved = createRequire(join(modules, 'noop.js')).resolve(specifier);
  return (await import(pathToFileURL(resolved).href)) as Record<string, unknown>;
}

const CANDIDATES: Candidate[] = [
  {
    name: 'JSON.parse (whole file)',
    reads: 'all',
    async run(file) {
      const doc = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown[]>;
      const t = { elements: 0, idSum: 0 };
      for (const key of ['images', 'annotations', 'categories']) for (const v of doc[key] ?? []) tally(t, v);
      return t;
    },
  },
  { name: 'scanner: all three arrays', reads: 'all', run: (file) => scanner(file, ALL) },
  { name: 'scanner: pass 1 (images, categories)', reads: 'images+categories', run: (file) => scanner(file, { images: 'parse', categories: 'parse' }) },
  { name: 'scanner: pass 2 (annotations)', reads: 'annotations', run: (file) => scanner(file, { annotations: 'parse' }) },
  {
    name: 'scanner: pass 2, segmentation deferred',
    reads: 'annotations',
    run: (file) => scanner(file, { annotations: { defer: ['segmentation'] } }),
  },
  {
    name: "scanner: 'locate' only (no JSON.parse)",
    reads: 'none',
    async run(file) {
      const t = { elements: 0, idSum: 0 };
      for await (const batch of readTopLevelArrays(file, { images: 'locate', annotations: 'locate', categories: 'locate' }).batches()) t.elements += batch.length;
      return t;
    },
  },
  {
    name: '@streamparser/json',
    reads: 'all',
    library: '@streamparser/json',
    async run(file, modules) {
      const mod = await importFrom(modules, '@streamparser/json');
      type Parser = { onValue: (info: { value: unknown }) => void; write(chunk: Uint8Array): void; end(): void; readonly isEnded: boolean };
      const JSONParser = (mod['JSONParser'] ?? (mod['default'] as Record<string, unknown>)['JSONParser']) as new (options: object) => Parser;
      const parser = new JSONParser({ paths: ['$.images.*', '$.annotations.*', '$.categories.*'], keepStack: false });
      const t = { elements: 0, idSum: 0 };
      parser.onValue = ({ value }) => tally(t, value);
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) parser.write(chunk as Buffer);
      if (!parser.isEnded) parser.end(); // it ends by itself after the top-level value
      return t;
    },
  },
  {
    name: 'stream-json (pick + streamValues)',
    reads: 'all',
    library: 'stream-json',
    async run(file, modules) {
      const { parser } = (await importFrom(modules, 'stream-json')) as { parser: () => unknown };
      const { pick } = (await importFrom(modules, 'stream-json/filters/pick.js')) as { pick: (o: object) => unknown };
      const { streamValues } = (await importFrom(modules, 'stream-json/streamers/stream-values.js')) as { streamValues: () => unknown };
      const chain = (await importFrom(modules, 'stream-chain'))['default'] as (stages: unknown[]) => AsyncIterable<{ value: unknown }>;
      const t = { elements: 0, idSum: 0 };
      const pipeline = chain([createReadStream(file, { highWaterMark: 1 << 20 }), parser(), pick({ filter: /^(images|annotations|categories)\.\d+$/ }), streamValues()]);
      for await (const { value } of pipeline) tally(t, value);
      return t;
    },
  },
];

interface Measure extends Totals {
  seconds: number;
  maxRssMB: number;
}

async function worker(name: string, file: string, modules: string): Promise<void> {
  const candidate = CANDIDATES.find((c) => c.name === name)!;
  const start = process.hrtime.bigint();
  const totals = await candidate.run(file, modules);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const measure: Measure = { ...totals, seconds, maxRssMB: process.resourceUsage().maxRSS / 1024 };
  process.stdout.write(JSON.stringify(measure) + '\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function libraryInstalled(modules: string, library: string): boolean {
  try {
    createRequire(join(modules, 'noop.js')).resolve(library);
    return true;
  } catch {
    return false;
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      runs: { type: 'string', default: '5' },
      only: { type: 'string' },
      modules: { type: 'string', default: process.env['JSONBENCH_MODULES'] ?? '/tmp/jsonbench/node_modules' },
      worker: { type: 'string' },
    },
  });
  const file = positionals[0];
  if (!file) {
    console.error('usage: bench.js FILE [--runs 5] [--only name,name] [--modules DIR]');
    process.exitCode = 2;
    return;
  }
  const modules = values.modules;
  if (values.worker !== undefined) return worker(values.worker, file, modules);

  const bytes = statSync(file).size;
  const only = values.only?.split(',').map((s) => s.trim().toLowerCase());
  const chosen = CANDIDATES.filter((c) => {
    if (only && !only.some((o) => c.name.toLowerCase().includes(o))) return false;
    if (c.library && !libraryInstalled(modules, c.library)) {
      console.error(`skipping ${c.name}: not installed in ${modules} (mkdir -p /tmp/jsonbench && npm install --prefix /tmp/jsonbench ${c.library})`);
      return false;
    }
    if (c.name.startsWith('JSON.parse') && bytes > STRING_LIMIT) {
      console.error(`skipping ${c.name}: the file is larger than V8's longest string`);
      return false;
    }
    return true;
  });
  const runs = Number(values.runs);
  const self = fileURLToPath(import.meta.url);
  const results = new Map<string, Measure[]>(chosen.map((c) => [c.name, []]));
  for (let r = 0; r < runs; r++) {
    for (const c of chosen) {
      const child = spawnSync(process.execPath, [self, file, '--worker', c.name, '--modules', modules], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (child.status !== 0) throw new Error(`${c.name} failed:\n${child.stderr}`);
      const m = JSON.parse(child.stdout) as Measure;
      results.get(c.name)!.push(m);
      console.error(`run ${r + 1}/${runs} ${c.name}: ${m.seconds.toFixed(2)} s, ${m.maxRssMB.toFixed(0)} MB`);
    }
  }

  // The totals must agree between candidates that read the same arrays.
  const expected = new Map<string, string>();
  for (const c of chosen) {
    if (c.reads === 'none') continue;
    for (const m of results.get(c.name)!) {
      const key = `${m.elements}/${m.idSum}`;
      const seen = expected.get(c.reads);
      if (seen !== undefined && seen !== key) throw new Error(`${c.name} read ${key} where another candidate read ${seen}`);
      expected.set(c.reads, key);
    }
  }

  console.log(`${file}: ${(bytes / 1e6).toFixed(1)} MB, ${runs} runs each, medians`);
  console.log('');
  console.log('| candidate | elements | time (s) | MB/s | peak RSS (MB) | all times (s) |');
  console.log('|---|---:|---:|---:|---:|---|');
  for (const c of chosen) {
    const ms = results.get(c.name)!;
    const t = median(ms.map((m) => m.seconds));
    const rss = median(ms.map((m) => m.maxRssMB));
    const all = ms.map((m) => m.seconds.toFixed(2)).join(', ');
    console.log(`| ${c.name} | ${ms[0]!.elements} | ${t.toFixed(2)} | ${(bytes / 1e6 / t).toFixed(0)} | ${rss.toFixed(0)} | ${all} |`);
  }
}

await main();
