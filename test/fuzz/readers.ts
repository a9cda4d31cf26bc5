/**
 * The readers the fuzzers attack (issue 12.4), in ONE list: each has a generator of valid inputs and a
 * `read` that feeds it bytes. test/fuzz/readers.test.ts (quick) and readers.slow.test.ts (long) mutate
 * the valid inputs (flip, insert, delete bytes, truncate) or draw random bytes, and require that a
 * reader either succeeds or throws a ConversionError — never another error, never a hang (inputs are
 * bounded), never a partial output.
 *
 * To add a reader: append a {@link FuzzReader} to {@link READERS}.
 *
 * @example
 *   READERS.push({ name: 'yolo', valid: fc.constant(Buffer.from('0 0.5 0.5 0.1 0.1\n')), read: (bytes, dir) => convertOne('yolo', ...) });
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { encode } from 'fast-png';
import { convert } from '../../src/convert.js';
import { parseRle, rleToMask, stringToCounts, countsToString } from '../../src/coco/rle.js';
import { decodeMask } from '../../src/mask/png.js';
import { decodeXml, parseXml } from '../../src/xml.js';
import { png } from '../helpers/images.js';

/** A reader under attack. */
export interface FuzzReader {
  name: string;
  /** Valid inputs (bounded in size), mutated by the fuzzers. */
  valid: fc.Arbitrary<Uint8Array>;
  /**
   * Reads `bytes`; `dir` is a fresh empty folder for files (the caller checks that `dir/out` holds
   * nothing after a failure). Resolves or throws; only ConversionError is allowed.
   */
  read: (bytes: Uint8Array, dir: string) => Promise<void> | void;
}

/** Mutations of a valid input: up to 4 byte flips, insertions, deletions, then maybe a truncation. */
export function mutated(valid: fc.Arbitrary<Uint8Array>): fc.Arbitrary<Uint8Array> {
  const op = fc.oneof(
    fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), byte: fc.constantFrom(0, 0x22, 0x2c, 0x3c, 0x3e, 0x5b, 0x7b, 0x26, 0x0a, 0xff, 0x30, 0x2d) }),
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  );
  return fc.tuple(valid, fc.array(op, { minLength: 1, maxLength: 4 }), fc.option(fc.nat())).map(([base, ops, cut]) => {
    const bytes = [...base];
    for (const o of ops) {
      if (bytes.length === 0) break;
      const at = o.at % bytes.length;
      if (o.kind === 'flip') bytes[at] = bytes[at]! ^ (1 << o.bit);
      else if (o.kind === 'insert') bytes.splice(at, 0, o.byte);
      else bytes.splice(at, 1);
    }
    if (cut !== null && bytes.length > 0) bytes.length = cut % bytes.length;
    return Uint8Array.from(bytes);
  });
}

/** Any of: a mutated valid input, random bytes, random text. */
export function hostile(reader: FuzzReader): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { weight: 6, arbitrary: mutated(reader.valid) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 300 }) },
    { weight: 1, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)) },
  );
}

const name = fc.stringMatching(/^[a-z][a-z0-9 _-]{0,8}$/);
const text = (s: string) => Buffer.from(s, 'utf8');

const vocXml = fc
  .record({
    file: name,
    w: fc.integer({ min: 1, max: 500 }),
    h: fc.integer({ min: 1, max: 500 }),
    objects: fc.array(fc.tuple(name, fc.nat(100), fc.nat(100), fc.nat(100), fc.nat(100)), { maxLength: 3 }),
  })
  .map(({ file, w, h, objects }) =>
    text(
      `<annotation><filename>${file}.jpg</filename><size><width>${w}</width><height>${h}</height><depth>3</depth></size>` +
        objects.map(([n, a, b, c, d]) => `<object><name>${n}</name><bndbox><xmin>${a}</xmin><ymin>${b}</ymin><xmax>${a + c + 1}</xmax><ymax>${b + d + 1}</ymax></bndbox></object>`).join('') +
        '</annotation>',
    ),
  );

const IMAGES = ['a.png', 'b.png', 'c.png'];

const csvFile = fc
  .array(fc.tuple(fc.constantFrom(...IMAGES), fc.array(name, { maxLength: 3 })), { minLength: 1, maxLength: 3 })
  .map((rows) => text('filename,labels\n' + rows.map(([f, labels]) => `${f},${labels.join(' ')}`).join('\n') + '\n'));

const cocoFile = fc
  .record({
    anns: fc.array(
      fc.record({
        image: fc.integer({ min: 1, max: 3 }),
        cat: fc.integer({ min: 1, max: 2 }),
        box: fc.tuple(fc.nat(8), fc.nat(8), fc.integer({ min: 1, max: 8 }), fc.integer({ min: 1, max: 8 })),
        poly: fc.boolean(),
      }),
      { maxLength: 4 },
    ),
  })
  .map(({ anns }) =>
    text(
      JSON.stringify({
        images: IMAGES.map((f, i) => ({ id: i + 1, file_name: f, width: 10, height: 10 })),
        annotations: anns.map((a, i) => ({
          id: i + 1,
          image_id: a.image,
          category_id: a.cat,
          iscrowd: 0,
          area: 4,
          ...(a.poly ? { segmentation: [[a.box[0], a.box[1], a.box[0] + a.box[2], a.box[1], a.box[0], a.box[1] + a.box[3]]] } : { bbox: a.box }),
        })),
        categories: [
          { id: 1, name: 'cat', supercategory: 'animal' },
          { id: 2, name: 'dog' },
        ],
      }),
    ),
  );

const rleJson = fc
  .record({ w: fc.integer({ min: 1, max: 16 }), h: fc.integer({ min: 1, max: 16 }), runs: fc.array(fc.nat(20), { maxLength: 12 }), compressed: fc.boolean() })
  .map(({ w, h, runs, compressed }) => {
    const counts = [...runs];
    const rest = w * h - counts.reduce((s, c) => s + c, 0);
    if (rest >= 0) counts.push(rest);
    return text(JSON.stringify({ size: [h, w], counts: compressed ? countsToString(counts) : counts }));
  });

const maskPng = fc
  .record({ w: fc.integer({ min: 1, max: 24 }), h: fc.integer({ min: 1, max: 24 }), seed: fc.nat(255), kind: fc.constantFrom('palette', 'grey', 'rgb') })
  .map(({ w, h, seed, kind }) => {
    const data = Uint8Array.from({ length: w * h }, (_, i) => ((i * 7 + seed) % 5 === 0 ? 1 + (i % 3) : 0));
    if (kind === 'palette')
      return Uint8Array.from(
        encode({
          width: w,
          height: h,
          data,
          channels: 1,
          depth: 8,
          palette: [
            [0, 0, 0],
            [128, 0, 0],
            [0, 128, 0],
            [128, 128, 0],
          ],
        }),
      );
    if (kind === 'grey') return Uint8Array.from(encode({ width: w, height: h, data, channels: 1, depth: 8 }));
    const rgb = new Uint8Array(w * h * 3);
    data.forEach((v, i) => ((rgb[3 * i] = v === 1 || v === 3 ? 128 : 0), (rgb[3 * i + 1] = v >= 2 ? 128 : 0)));
    return Uint8Array.from(encode({ width: w, height: h, data: rgb, channels: 3, depth: 8 }));
  });

const yoloLabels = fc
  .array(fc.tuple(fc.nat(2), fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 4, maxLength: 8 })), { maxLength: 4 })
  .map((lines) => text(lines.map(([c, v]) => `${c} ${v.map((x) => x.toFixed(4)).join(' ')}`).join('\n') + '\n'));

const labelmeJson = fc.array(fc.tuple(name, fc.constantFrom('rectangle', 'polygon', 'circle', 'line'), fc.nat(8), fc.nat(8)), { maxLength: 3 }).map((shapes) =>
  text(
    JSON.stringify({
      version: '5.4.1',
      flags: {},
      shapes: shapes.map(([label, type, x, y]) => ({
        label,
        shape_type: type,
        group_id: null,
        flags: {},
        points:
          type === 'polygon'
            ? [
                [x, y],
                [x + 1, y],
                [x, y + 1],
              ]
            : [
                [x, y],
                [x + 1, y + 1],
              ],
      })),
      imagePath: 'a.png',
      imageData: null,
      imageHeight: 10,
      imageWidth: 10,
    }),
  ),
);

const cvatXml = fc
  .array(fc.tuple(name, fc.nat(8), fc.nat(8), fc.boolean()), { maxLength: 3 })
  .map((shapes) =>
    text(
      '<annotations><version>1.1</version><image id="0" name="a.png" width="10" height="10">' +
        shapes
          .map(([label, x, y, poly]) =>
            poly
              ? `<polygon label="${label}" occluded="0" points="${x},${y};${x + 1},${y};${x},${y + 1}"/>`
              : `<box label="${label}" occluded="0" xtl="${x}" ytl="${y}" xbr="${x + 1}" ybr="${y + 1}"/>`,
          )
          .join('') +
        '</image></annotations>',
    ),
  );

/** Writes the images a dataset refers to (10×10 PNGs) under `dir/images`. */
function writeImages(dir: string): void {
  mkdirSync(join(dir, 'images'), { recursive: true });
  for (const f of IMAGES) writeFileSync(join(dir, 'images', f), png(10, 10));
}

/** Converts into `dir/out`: on a failure `dir/out` must be empty (checked by the caller). */
async function convertInto(converter: string, input: string, dir: string, options: Record<string, unknown> = {}): Promise<void> {
  await convert(converter, input, { out: join(dir, 'out'), validationRatio: 0.5, ...options });
  if (readdirSync(join(dir, 'out')).some((f) => f.startsWith('.'))) throw new Error('a temporary file was left in the output');
}

/** A reader that writes the bytes as `file` beside the images (writeImages) and converts it with `converter`. */
function besideImages(file: string, converter: string, options: Record<string, unknown> = {}): FuzzReader['read'] {
  return async (bytes, dir) => {
    writeImages(dir);
    writeFileSync(join(dir, file), bytes);
    await convertInto(converter, join(dir, file), dir, options);
  };
}

export const READERS: FuzzReader[] = [
  { name: 'xml (src/xml.ts)', valid: vocXml, read: (bytes) => void parseXml(decodeXml(Buffer.from(bytes), 'a.xml'), 'a.xml') },
  {
    name: 'csv (csv-multilabel through convert)',
    valid: csvFile,
    read: besideImages('labels.csv', 'csv'),
  },
  {
    name: 'json/coco (coco-to-jsonl through convert, detection)',
    valid: cocoFile,
    read: besideImages('annotations.json', 'coco'),
  },
  {
    name: 'json/coco (coco-to-jsonl through convert, segmentation, 2 jobs)',
    valid: cocoFile,
    read: besideImages('annotations.json', 'coco', { task: 'instance-segmentation', imageDetails: false, jobs: 2 }),
  },
  {
    name: 'rle (src/coco/rle.ts)',
    valid: rleJson,
    read: (bytes) => {
      let value: unknown;
      try {
        value = JSON.parse(Buffer.from(bytes).toString('utf8'));
      } catch {
        stringToCounts(Buffer.from(bytes).toString('latin1'), { file: 'a.json' }); // the compressed-string decoder alone
        return;
      }
      const rle = parseRle(value, { file: 'a.json', path: 'segmentation' });
      if (rle.width * rle.height <= 1 << 16) rleToMask(rle);
    },
  },
  { name: 'png (src/mask/png.ts)', valid: maskPng, read: (bytes) => void decodeMask(bytes, 'mask.png') },
  {
    name: 'yolo (yolo-to-jsonl through convert: a label file)',
    valid: yoloLabels,
    read: async (bytes, dir) => {
      mkdirSync(join(dir, 'data'));
      writeFileSync(join(dir, 'data', 'a.png'), png(10, 10));
      writeFileSync(join(dir, 'data', 'classes.txt'), 'cat\ndog\nbird\n');
      writeFileSync(join(dir, 'data', 'a.txt'), bytes);
      await convertInto('yolo', join(dir, 'data'), dir, { validationRatio: 0 });
    },
  },
  {
    name: 'labelme (labelme-to-jsonl through convert)',
    valid: labelmeJson,
    read: async (bytes, dir) => {
      mkdirSync(join(dir, 'data'));
      writeFileSync(join(dir, 'data', 'a.png'), png(10, 10));
      writeFileSync(join(dir, 'data', 'a.json'), bytes);
      await convertInto('labelme', join(dir, 'data'), dir, { validationRatio: 0 });
    },
  },
  {
    name: 'cvat (cvat-to-jsonl through convert)',
    valid: cvatXml,
    read: besideImages('annotations.xml', 'cvat', { validationRatio: 0 }),
  },
];
