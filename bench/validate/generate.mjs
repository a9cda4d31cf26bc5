// Writes a large object-detection JSONL for the validate/stats benchmark: n lines, 3 boxes each,
// one bad box every 1000 lines. Usage: node bench/validate/generate.mjs <out.jsonl> <n>
import { createWriteStream } from 'node:fs';
const [out, nArg] = process.argv.slice(2);
const n = Number(nArg ?? 300000);
const ws = createWriteStream(out);
let seed = 1;
const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
const r6 = (v) => Number(v.toFixed(6));
for (let i = 0; i < n; i++) {
  const label = [];
  for (let k = 0; k < 3; k++) {
    const x = rnd() * 0.5,
      y = rnd() * 0.5;
    label.push({ label: ['can', 'carton', 'milk_bottle', 'water_bottle'][k], topX: r6(x), topY: r6(y), bottomX: r6(x + 0.1 + rnd() * 0.4), bottomY: r6(y + 0.1 + rnd() * 0.4), isCrowd: 0 });
  }
  if (i % 1000 === 999) label[0].topX = 1.5;
  const line = JSON.stringify({
    image_url: `azureml://datastores/workspaceblobstore/paths/fridge/images/${String(i).padStart(7, '0')}.jpg`,
    image_details: { format: 'jpg', width: 499, height: 666 },
    label,
  });
  if (!ws.write(line + '\n')) await new Promise((r) => ws.once('drain', r));
}
ws.end();
