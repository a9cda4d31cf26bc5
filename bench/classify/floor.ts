/**
 * The I/O floor of a classification conversion: list the images, open each one, read its first
 * 4 KiB, close it. Nothing else (no parsing, no output). It is what any converter that reads image
 * headers must at least do, so converters are timed against it.
 *
 * Usage (after `npx tsc -p .`):
 *   node dist/bench/classify/floor.js <dir> [--sync] [--concurrency 64]
 * Walks <dir> recursively (hidden names skipped). Default: fs/promises with 64 reads in flight
 * through FileHandle objects; --callbacks: the same with fs callbacks on plain descriptors;
 * --sync: openSync/readSync/closeSync in a loop.
 * Prints the number of files and bytes read, so a run that read nothing shows.
 */
import { close as fsClose, closeSync, open as fsOpen, openSync, read as fsRead, readdirSync, readSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { sync: { type: 'boolean', default: false }, callbacks: { type: 'boolean', default: false }, concurrency: { type: 'string', default: '64' } },
});
const root = positionals[0];
if (!root) throw new Error('usage: floor.js <dir> [--sync] [--concurrency n]');

function list(dir: string, out: string[]): string[] {
  for (const d of readdirSync(dir, { withFileTypes: true })) {
    if (d.name.startsWith('.')) continue;
    const p = join(dir, d.name);
    if (d.isDirectory()) list(p, out);
    else if (d.isFile()) out.push(p);
  }
  return out;
}

const files = list(root, []);
let bytes = 0;
if (values.sync) {
  const buf = Buffer.allocUnsafe(4096);
  for (const f of files) {
    const fd = openSync(f, 'r');
    bytes += readSync(fd, buf, 0, 4096, 0);
    closeSync(fd);
  }
} else if (values.callbacks) {
  // fs callbacks on plain file descriptors (no FileHandle objects).
  const limit = Number(values.concurrency);
  let next = 0;
  const one = (f: string, buf: Buffer) =>
    new Promise<void>((res, rej) => {
      fsOpen(f, 'r', (e1, fd) => {
        if (e1) return rej(e1);
        fsRead(fd, buf, 0, 4096, 0, (e2, n) => {
          fsClose(fd, () => (e2 ? rej(e2) : ((bytes += n), res())));
        });
      });
    });
  const worker = async () => {
    const buf = Buffer.allocUnsafe(4096);
    while (next < files.length) await one(files[next++]!, buf);
  };
  await Promise.all(Array.from({ length: limit }, worker));
} else {
  const limit = Number(values.concurrency);
  let next = 0;
  const worker = async () => {
    const buf = Buffer.allocUnsafe(4096);
    while (next < files.length) {
      const f = files[next++]!;
      const fh = await open(f, 'r');
      const { bytesRead } = await fh.read(buf, 0, 4096, 0);
      bytes += bytesRead;
      await fh.close();
    }
  };
  await Promise.all(Array.from({ length: limit }, worker));
}
console.log(`${files.length} files, ${bytes} bytes`);
