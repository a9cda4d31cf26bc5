/**
 * The I/O floor of a YOLO conversion: list `images/<split>/`, and for each image read its whole label file
 * (`labels/<split>/<stem>.txt`, when there is one) and the first 4 KiB of the image (its header), all
 * synchronously. No parsing, no output: what any YOLO converter that reads image headers must at least do.
 *
 * @example
 *   node dist/bench/yolo/floor.js bench/data/yolo/20k
 * Prints the files and bytes read, so a run that read nothing shows.
 */
import { closeSync, openSync, readdirSync, readFileSync, readSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2];
if (!root) throw new Error('usage: floor.js <dataset dir>');
let files = 0;
let bytes = 0;
const buf = Buffer.allocUnsafe(4096);
for (const split of readdirSync(join(root, 'images')).sort()) {
  for (const name of readdirSync(join(root, 'images', split)).sort()) {
    try {
      bytes += readFileSync(join(root, 'labels', split, name.replace(/\.jpg$/, '.txt'))).length;
      files++;
    } catch {
      // background image
    }
    const fd = openSync(join(root, 'images', split, name), 'r');
    bytes += readSync(fd, buf, 0, 4096, 0);
    closeSync(fd);
    files++;
  }
}
console.log(`${files} files, ${bytes} bytes`);
