/**
 * The floor for the `score` benchmark: the same input-data requests as `score` would send, every
 * body built in memory beforehand, posted by a bare undici pool with `concurrency` connections that
 * reads each answer and nothing more: no files, no checks, no retries, no output. What the stand-in
 * allows a client on this machine. With `readDuringRun` (the I/O floor), each body is built from its
 * files during the run instead: the floor of a client that has to read every image.
 *
 * @example
 *   const { imagesPerSecond } = await floor('http://127.0.0.1:4000/score', 'bench/data/score-20k', { concurrency: 16, batchSize: 8, key: 'k' });
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Pool } from 'undici';

function listFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    if (e.isDirectory()) listFiles(join(dir, e.name), out);
    else out.push(join(dir, e.name));
  }
  return out;
}

/** A body of the input-data kind for these files. */
function bodyOf(files: string[]): Buffer {
  const data = files.map((f) => readFileSync(f).toString('base64'));
  return Buffer.from(JSON.stringify({ input_data: { columns: ['image'], data } }));
}

export async function floor(
  url: string,
  dir: string,
  o: { concurrency: number; batchSize: number; key: string; limit?: number; readDuringRun?: boolean },
): Promise<{ imagesPerSecond: number; seconds: number; p50: number; p95: number }> {
  let files = listFiles(dir);
  if (o.limit) files = files.slice(0, o.limit);
  const batches: string[][] = [];
  for (let i = 0; i < files.length; i += o.batchSize) batches.push(files.slice(i, i + o.batchSize));
  // The floor: every body built before the clock starts. The I/O floor (readDuringRun): each body built from
  // its files just before it is sent (the files listed beforehand), so the run pays for reading every image.
  const bodies: Buffer[] = o.readDuringRun ? [] : batches.map(bodyOf);
  const u = new URL(url);
  const pool = new Pool(u.origin, { connections: o.concurrency });
  let next = 0;
  const latencies: number[] = [];
  const started = performance.now();
  const worker = async () => {
    while (next < batches.length) {
      const i = next++;
      const body = o.readDuringRun ? bodyOf(batches[i]!) : bodies[i]!;
      const t = performance.now();
      const res = await pool.request({ path: u.pathname, method: 'POST', body, headers: { 'content-type': 'application/json', authorization: `Bearer ${o.key}` } });
      await res.body.text();
      if (res.statusCode !== 200) throw new Error(`status ${res.statusCode}`);
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round(latencies[Math.min(latencies.length - 1, Math.ceil(q * latencies.length) - 1)]! * 10) / 10;
  return { imagesPerSecond: files.length / seconds, seconds, p50: at(0.5), p95: at(0.95) };
}

// As a process of its own, fresh (the cold I/O floor: no warm-up pass, so its clock includes what a new
// process pays while V8 compiles the hot code, as the bin's does):
//   node dist/bench/score/floor.js <url> <images-dir> <concurrency> <batch-size> → {"imagesPerSecond": ...}
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [url, dir, concurrency, batchSize] = process.argv.slice(2);
  const r = await floor(url!, dir!, { concurrency: Number(concurrency), batchSize: Number(batchSize), key: 'bench-key', readDuringRun: true });
  process.stdout.write(JSON.stringify(r) + '\n');
}
