// Writes a CVAT for images 1.1 task export of N images with 5 boxes each (no image files: convert it
// with --no-image-details). Usage: node bench/cvat/make-xml.mjs <out.xml> [N=50000]
import { createWriteStream } from 'node:fs';

const [out, n = '50000'] = process.argv.slice(2);
if (!out) throw new Error('usage: node bench/cvat/make-xml.mjs <out.xml> [N]');
const w = createWriteStream(out);
w.write('<?xml version="1.0" encoding="utf-8"?>\n<annotations>\n  <version>1.1</version>\n');
for (let i = 0; i < Number(n); i++) {
  let s = `  <image id="${i}" name="d/${i}.jpg" width="640" height="480">\n`;
  for (let k = 0; k < 5; k++) s += `    <box label="c${k}" occluded="0" xtl="${10 + k}" ytl="20.5" xbr="${100 + k * 3}" ybr="200" z_order="0">\n      <attribute name="a">x</attribute>\n    </box>\n`;
  if (!w.write(s + '  </image>\n')) await new Promise((r) => w.once('drain', r));
}
w.end('</annotations>\n');
