/**
 * Is `score`'s memory flat in the number of images? Runs `score()` in this process against the
 * stand-in (its own process) on each folder given, sampling the live heap after a forced GC every
 * 300 ms, and the resident size. A flat live heap from 2,000 to 20,000 images means nothing is kept
 * per image.
 *
 *   node --expose-gc dist/bench/score/memory.js <dir-2k> <dir-20k> [--concurrency 16] [--batch-size 1]
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { score } from '../../src/score/index.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1]! : dflt;
};
const dirs = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && args[i - 1]!.startsWith('--')));
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc');

const child = spawn(process.execPath, [fileURLToPath(new URL('./endpoint.js', import.meta.url)), '--latency', '2', '--key', 'k'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise<string>((resolve) => child.stdout.once('data', (b: Buffer) => resolve((JSON.parse(b.toString().split('\n')[0]!) as { url: string }).url)));
const out = join(tmpdir(), `automl-img-score-mem-${process.pid}.jsonl`);
try {
  for (const dir of dirs) {
    let heap = 0;
    let rss = 0;
    const timer = setInterval(() => {
      gc();
      const m = process.memoryUsage();
      heap = Math.max(heap, m.heapUsed);
      rss = Math.max(rss, m.rss);
    }, 300);
    const summary = await score(url, [dir], { out, key: 'k', force: true, concurrency: Number(opt('--concurrency', '16')), batchSize: Number(opt('--batch-size', '1')) });
    clearInterval(timer);
    process.stdout.write(`${summary.predicted} images: live heap at most ${(heap / 2 ** 20).toFixed(1)} MB, resident at most ${(rss / 2 ** 20).toFixed(1)} MB\n`);
  }
} finally {
  child.kill('SIGTERM');
  rmSync(out, { force: true });
}
