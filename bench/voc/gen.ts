/**
 * Generates a VOC dataset in the Azure layout for the voc-detection benchmark:
 * `<out>/annotations/<n>.xml` + `<out>/images/<n>.jpg`, the images hard links to a few real JPEGs of
 * different sizes (copied once into `<out>/.sources/`), each XML's `<size>` that of its image, 1–4
 * objects with integer or float coordinates inside the image. Same arguments, same bytes.
 *
 *   node dist/bench/voc/gen.js bench/data/voc-20k [--count 20000]
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { imageSize } from 'image-size';
import { readFileSync } from 'node:fs';
import { SHARED } from '../paths.js';

const REAL = join(SHARED, 'realdata');
const SOURCES = [
  `${REAL}/fridge-official-reduced/odFridgeObjects/images/100.jpg`,
  `${REAL}/icevision-samples/voc/JPEGImages/2007_000063.jpg`,
  `${REAL}/icevision-samples/voc/JPEGImages/2011_003353.jpg`,
  `${REAL}/labelme-examples/bbox_detection/data_dataset_voc/JPEGImages/2011_000003.jpg`,
];
const LABELS = ['can', 'carton', 'milk_bottle', 'water_bottle', 'person', 'dog'];

function main(): void {
  const args = process.argv.slice(2);
  const out = args[0];
  if (!out) throw new Error('usage: gen.js <out-dir> [--count n]');
  const countAt = args.indexOf('--count');
  const count = countAt >= 0 ? Number(args[countAt + 1]) : 20000;
  mkdirSync(join(out, 'annotations'), { recursive: true });
  mkdirSync(join(out, 'images'), { recursive: true });
  mkdirSync(join(out, '.sources'), { recursive: true });
  const sources = SOURCES.map((src, i) => {
    const local = join(out, '.sources', `${i}-${basename(src)}`);
    if (!existsSync(local)) copyFileSync(src, local);
    const { width, height } = imageSize(readFileSync(local));
    return { local, width: width!, height: height! };
  });
  let seed = 12345;
  const rand = (): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed / 2 ** 32;
  };
  for (let n = 1; n <= count; n++) {
    const src = sources[n % sources.length]!;
    const img = join(out, 'images', `${n}.jpg`);
    if (!existsSync(img)) linkSync(src.local, img);
    const objects: string[] = [];
    const k = 1 + Math.floor(rand() * 4);
    for (let i = 0; i < k; i++) {
      const x0 = Math.floor(rand() * (src.width / 2));
      const y0 = Math.floor(rand() * (src.height / 2));
      const x1 = x0 + 1 + Math.floor(rand() * (src.width / 2 - 1));
      const y1 = y0 + 1 + Math.floor(rand() * (src.height / 2 - 1));
      const f = (v: number) => (rand() < 0.2 ? `${v}.5` : String(v));
      objects.push(
        `\t<object>\n\t\t<name>${LABELS[Math.floor(rand() * LABELS.length)]}</name>\n\t\t<pose>Unspecified</pose>\n\t\t<truncated>0</truncated>\n` +
          `\t\t<difficult>${rand() < 0.05 ? 1 : 0}</difficult>\n\t\t<bndbox>\n\t\t\t<xmin>${f(x0)}</xmin>\n\t\t\t<ymin>${f(y0)}</ymin>\n` +
          `\t\t\t<xmax>${x1}</xmax>\n\t\t\t<ymax>${y1}</ymax>\n\t\t</bndbox>\n\t</object>\n`,
      );
    }
    const xml =
      `<annotation>\n\t<folder>images</folder>\n\t<filename>${n}.jpg</filename>\n\t<path>C:\\Users\\someone\\odFridgeObjects\\images\\${n}.jpg</path>\n` +
      `\t<source>\n\t\t<database>Unknown</database>\n\t</source>\n\t<size>\n\t\t<width>${src.width}</width>\n\t\t<height>${src.height}</height>\n\t\t<depth>3</depth>\n\t</size>\n` +
      `\t<segmented>0</segmented>\n${objects.join('')}</annotation>\n`;
    writeFileSync(join(out, 'annotations', `${n}.xml`), xml);
  }
  process.stdout.write(`wrote ${count} XMLs and images into ${out}\n`);
}

main();
