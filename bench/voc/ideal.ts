/**
 * The ideal bound for voc-detection on this machine (the lead's prototype, kept as a measurement; not a
 * converter): W threads (this one and W - 1 workers) each take a contiguous share of the XML files, and for
 * each do open/read/close of the XML, a crude indexOf "parse" (`<filename>`, `<object>`, `<name>`, the four
 * coordinates), open/read/close of the image up to its JPEG frame header, and build the JSON line; each
 * thread returns one joined string and this thread writes one file. No validation, no error paths, no
 * split, no sorting, no atomic rename: what any converter reading every header must at least spend.
 * It only understands the Azure layout with JPEG images, as bench/voc/gen.ts writes it.
 *
 *   node dist/bench/voc/ideal.js bench/data/voc-20k <threads> <out.jsonl>
 */
import { closeSync, openSync, readdirSync, readSync, writeFileSync } from 'node:fs';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

function work(root: string, list: readonly string[]): string {
  const buf = Buffer.allocUnsafe(65536);
  const hb = Buffer.allocUnsafe(65536);
  const out: string[] = [];
  for (const name of list) {
    let fd = openSync(`${root}/annotations/${name}`, 'r');
    const n = readSync(fd, buf, 0, buf.length, 0);
    closeSync(fd);
    const t = buf.toString('latin1', 0, n);
    const fnm = t.slice(t.indexOf('<filename>') + 10, t.indexOf('</filename>'));
    fd = openSync(`${root}/images/${fnm}`, 'r');
    let m = readSync(fd, hb, 0, 4096, 0);
    let p = 2;
    let w = 0;
    let h = 0;
    for (;;) {
      if (p + 9 > m) {
        m = readSync(fd, hb, 0, 65536, 0);
        if (p + 9 > m) break;
      }
      const mk = hb[p + 1]!;
      const len = hb.readUInt16BE(p + 2);
      if (mk >= 0xc0 && mk <= 0xc3) {
        h = hb.readUInt16BE(p + 5);
        w = hb.readUInt16BE(p + 7);
        break;
      }
      p += 2 + len;
    }
    closeSync(fd);
    const labels: string[] = [];
    let i = 0;
    while ((i = t.indexOf('<object>', i)) >= 0) {
      const nm = t.slice(t.indexOf('<name>', i) + 6, t.indexOf('</name>', i));
      const g = (k: string) => +t.slice(t.indexOf(`<${k}>`, i) + k.length + 2, t.indexOf(`</${k}>`, i));
      labels.push(`{"label":${JSON.stringify(nm)},"topX":${g('xmin') / w},"topY":${g('ymin') / h},"bottomX":${g('xmax') / w},"bottomY":${g('ymax') / h},"isCrowd":0}`);
      i += 8;
    }
    out.push(`{"image_url":"images/${fnm}","image_details":{"format":"jpg","width":${w},"height":${h}},"label":[${labels.join(',')}]}\n`);
  }
  return out.join('');
}

async function main(): Promise<void> {
  const [root, threads, outFile] = process.argv.slice(2);
  if (!root || !threads || !outFile) throw new Error('usage: ideal.js <dataset> <threads> <out.jsonl>');
  const W = Number(threads);
  const names = readdirSync(`${root}/annotations`);
  readdirSync(`${root}/images`); // listed, as a converter must
  const per = Math.ceil(names.length / W);
  const workers: Promise<string>[] = [];
  for (let w = 1; w < W; w++) {
    workers.push(
      new Promise((resolve, reject) => {
        const wk = new Worker(new URL(import.meta.url), { workerData: { root, list: names.slice(w * per, (w + 1) * per) } });
        wk.once('message', resolve);
        wk.once('error', reject);
      }),
    );
  }
  const parts = [work(root, names.slice(0, per))];
  for (const p of workers) parts.push(await p);
  writeFileSync(outFile, parts.join(''));
  process.exit(0);
}

if (isMainThread) await main();
else {
  const { root, list } = workerData as { root: string; list: string[] };
  parentPort!.postMessage(work(root, list));
}
