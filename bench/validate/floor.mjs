// The floor of validate: read every line with readline and JSON.parse it, nothing else.
// Usage: node bench/validate/floor.mjs <file.jsonl> parse   (or "read" to skip the parse)
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
const t = performance.now();
let n = 0;
const mode = process.argv[3];
for await (const l of createInterface({ input: createReadStream(process.argv[2], { encoding: 'utf8' }), crlfDelay: Infinity })) {
  n++;
  if (mode === 'parse') JSON.parse(l);
}
console.log(mode, n, ((performance.now() - t) / 1000).toFixed(2));
