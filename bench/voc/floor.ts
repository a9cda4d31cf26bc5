/**
 * The floor of any Node converter that reads every header: Node's start-up plus, for each XML, one
 * open/read/close of the XML and one of its image (4 KiB) — no parsing, no output. bench.ts times it
 * beside the real runs.
 *
 *   node dist/bench/voc/floor.js bench/data/voc-20k
 */
import { closeSync, openSync, readdirSync, readSync } from 'node:fs';

const root = process.argv[2];
if (!root) throw new Error('usage: floor.js <dataset>');
const buf = Buffer.allocUnsafe(65536);
for (const name of readdirSync(`${root}/annotations`)) {
  let fd = openSync(`${root}/annotations/${name}`, 'r');
  readSync(fd, buf, 0, buf.length, 0);
  closeSync(fd);
  fd = openSync(`${root}/images/${name.slice(0, -4)}.jpg`, 'r');
  readSync(fd, buf, 0, 4096, 0);
  closeSync(fd);
}
