/** src/mask: PNG mask decoding (palette, grey, RGB colour map, bit depths), the colour map, and the job pool. */
import { encode } from 'fast-png';
import { describe, expect, test } from 'vitest';
import { colourIndex, vocColour } from '../src/mask/colormap.js';
import { decodeMask } from '../src/mask/png.js';
import { runMaskJob, type MaskJob } from '../src/mask/job.js';
import { MaskPool, workerScript } from '../src/mask/pool.js';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { useTempDir } from './helpers/fs.js';
import { jpeg } from './helpers/images.js';
import { thrown as failure } from './helpers/convert.js';

const GREY_PALETTE = Array.from({ length: 256 }, (_, i) => [i, i, i]);

/** Packs one value a pixel into rows of `depth` bits (PNG order: high bits first). */
function pack(values: number[], width: number, height: number, depth: number): Uint8Array {
  const bytesPerRow = Math.ceil((width * depth) / 8);
  const out = new Uint8Array(bytesPerRow * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const bit = x * depth;
      out[y * bytesPerRow + (bit >> 3)]! |= values[y * width + x]! << (8 - depth - (bit & 7));
    }
  }
  return out;
}

const VALUES = [0, 1, 2, 3, 0, 1, 2, 3, 3, 2, 1, 0, 3, 3, 3, 1, 0, 2, 2, 0, 1];

describe('vocColour / colourIndex', () => {
  test('the VOC colour map: known entries, and every colour maps back to its index', () => {
    expect(vocColour(0)).toEqual([0, 0, 0]);
    expect(vocColour(1)).toEqual([128, 0, 0]);
    expect(vocColour(2)).toEqual([0, 128, 0]);
    expect(vocColour(15)).toEqual([192, 128, 128]);
    expect(vocColour(255)).toEqual([224, 224, 192]);
    for (let k = 0; k < 256; k++) {
      const [r, g, b] = vocColour(k);
      expect(colourIndex((r << 16) | (g << 8) | b)).toBe(k);
    }
    expect(colourIndex((1 << 16) | (1 << 8) | 1)).toBe(-1);
  });
});

describe('decodeMask', () => {
  test('palette PNG: the indices, not the colours', () => {
    const data = Uint8Array.from([0, 1, 2, 255, 7, 0]);
    const m = decodeMask(encode({ width: 3, height: 2, data, channels: 1, depth: 8, palette: GREY_PALETTE.map(() => [9, 9, 9]) }), 'm.png');
    expect(m).toMatchObject({ width: 3, height: 2, encoding: 'palette' });
    expect([...m.data]).toEqual([0, 1, 2, 255, 7, 0]);
  });

  test.each([1, 2, 4] as const)('%i-bit palette PNG with a row width not a multiple of a byte', (depth) => {
    const width = 7;
    const height = 3;
    const values = VALUES.map((v) => v & ((1 << depth) - 1));
    const bytes = encode({ width, height, data: pack(values, width, height, depth), channels: 1, depth, palette: GREY_PALETTE.slice(0, 1 << depth) });
    expect([...decodeMask(bytes, 'm.png').data]).toEqual(values);
  });

  test('8-bit and 2-bit greyscale: the grey values', () => {
    const data = Uint8Array.from([0, 1, 2, 3, 254, 255]);
    expect([...decodeMask(encode({ width: 3, height: 2, data, channels: 1, depth: 8 }), 'm.png').data]).toEqual([0, 1, 2, 3, 254, 255]);
    const two = decodeMask(encode({ width: 7, height: 3, data: pack(VALUES, 7, 3, 2), channels: 1, depth: 2 }), 'm.png');
    expect(two.encoding).toBe('grey');
    expect([...two.data]).toEqual(VALUES);
  });

  test('16-bit greyscale: values up to 255 as they are, multiples of 257 scaled down, others refused', () => {
    const small = decodeMask(encode({ width: 2, height: 2, data: Uint16Array.from([0, 1, 2, 255]), channels: 1, depth: 16 }), 'm.png');
    expect([...small.data]).toEqual([0, 1, 2, 255]);
    const scaled = decodeMask(encode({ width: 2, height: 2, data: Uint16Array.from([0, 257, 514, 65535]), channels: 1, depth: 16 }), 'm.png');
    expect([...scaled.data]).toEqual([0, 1, 2, 255]);
    const err = failure(() => decodeMask(encode({ width: 2, height: 2, data: Uint16Array.from([0, 1, 2, 1000]), channels: 1, depth: 16 }), 'masks/a.png'));
    expect(err.code).toBe('MASK_UNREADABLE');
    expect(err.message).toBe('masks/a.png: expected a 16-bit mask with values up to 255 (or 8-bit values scaled by 257), got 1000 at pixel (1, 1)');
  });

  test('grey + alpha: transparent pixels are background', () => {
    const data = Uint8Array.from([3, 255, 3, 0, 5, 128]);
    expect([...decodeMask(encode({ width: 3, height: 1, data, channels: 2, depth: 8 }), 'm.png').data]).toEqual([3, 0, 5]);
  });

  test('RGB painted with the VOC colour map: the colour indices', () => {
    const indices = [0, 1, 2, 255, 15, 40];
    const data = Uint8Array.from(indices.flatMap((k) => vocColour(k)));
    const m = decodeMask(encode({ width: 3, height: 2, data, channels: 3, depth: 8 }), 'm.png');
    expect(m.encoding).toBe('rgb');
    expect([...m.data]).toEqual(indices);
    const rgba = Uint8Array.from(indices.flatMap((k, i) => [...vocColour(k), i === 1 ? 0 : 255]));
    expect([...decodeMask(encode({ width: 3, height: 2, data: rgba, channels: 4, depth: 8 }), 'm.png').data]).toEqual([0, 0, 2, 255, 15, 40]);
    const wide = Uint16Array.from(indices.flatMap((k) => vocColour(k).map((v) => v * 257)));
    expect([...decodeMask(encode({ width: 3, height: 2, data: wide, channels: 3, depth: 16 }), 'm.png').data]).toEqual(indices);
  });

  test('RGB with a colour outside the VOC colour map is refused, naming the pixel', () => {
    const data = Uint8Array.from([0, 0, 0, 128, 0, 0, 0, 0, 0, 10, 20, 30]);
    const err = failure(() => decodeMask(encode({ width: 2, height: 2, data, channels: 3, depth: 8 }), 'SegmentationObject/x.png'));
    expect(err.code).toBe('MASK_UNREADABLE');
    expect(err.file).toBe('SegmentationObject/x.png');
    expect(err.message).toBe('SegmentationObject/x.png: expected colours of the VOC colour map, got (10, 20, 30) at pixel (1, 1)');
  });

  test('interlaced masks: 8-bit read, fewer bits refused', () => {
    const data = Uint8Array.from({ length: 9 * 9 }, (_, i) => i % 5);
    const m = decodeMask(encode({ width: 9, height: 9, data, channels: 1, depth: 8 }, { interlace: 'Adam7' }), 'm.png');
    expect([...m.data]).toEqual([...data]);
    const four = encode({ width: 7, height: 3, data: pack(VALUES, 7, 3, 4), channels: 1, depth: 4, palette: GREY_PALETTE.slice(0, 16) }, { interlace: 'Adam7' });
    expect(failure(() => decodeMask(four, 'm.png')).message).toBe('m.png: expected an 8-bit mask, got an interlaced 4-bit PNG (not supported: save it without interlacing)');
  });

  test.each([
    ['an empty file', new Uint8Array(0), 'masks/a.png: expected a PNG mask, got an empty file'],
    ['a text file', new TextEncoder().encode('not a png at all, just some text here'), 'masks/a.png: expected a PNG mask, got a file without the PNG signature'],
  ])('%s is MASK_UNREADABLE', (_what, bytes, message) => {
    const err = failure(() => decodeMask(bytes, 'masks/a.png'));
    expect(err.code).toBe('MASK_UNREADABLE');
    expect(err.message).toBe(message);
  });

  test('a truncated PNG and a PNG with a damaged chunk are MASK_UNREADABLE naming the file', () => {
    const good = encode({ width: 20, height: 20, data: new Uint8Array(400).fill(3), channels: 1, depth: 8 });
    const truncated = failure(() => decodeMask(good.subarray(0, good.length - 30), 'masks/t.png'));
    expect(truncated.code).toBe('MASK_UNREADABLE');
    expect(truncated.message).toMatch(/^masks\/t\.png: expected a PNG mask, got a corrupt PNG \(.+\)$/);
    const damaged = Uint8Array.from(good);
    damaged[45] = damaged[45]! ^ 0xff; // inside the IDAT data: the CRC no longer matches
    const err = failure(() => decodeMask(damaged, 'masks/d.png'));
    expect(err.code).toBe('MASK_UNREADABLE');
    expect(err.message).toMatch(/^masks\/d\.png: expected a PNG mask, got a corrupt PNG \(.+\)$/);
  });
});

describe('runMaskJob and MaskPool', () => {
  const tmp = useTempDir();
  const polygon = { tolerance: 0 };

  function writeMask(name: string, width: number, rows: number[][]): string {
    const abs = join(tmp.path, name);
    writeFileSync(abs, encode({ width, height: rows.length, data: Uint8Array.from(rows.flat()), channels: 1, depth: 8 }));
    return abs;
  }

  test('objects by pixel value, 255 never an object, values beyond the XML reported', async () => {
    const mask = writeMask('m.png', 4, [
      [1, 1, 255, 3],
      [1, 1, 255, 3],
      [0, 0, 255, 0],
    ]);
    const outcome = await runMaskJob({ mask, maskDisplay: 'm.png', objects: 2, xmlDisplay: 'a.xml', polygon });
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.objects.map((o) => o.present)).toEqual([true, false]);
    expect(outcome.objects[0]!.rings).toHaveLength(1);
    expect(outcome.objects[1]!.rings).toEqual([]);
    expect(outcome.unknownValues).toEqual([3]);
  });

  test('the class value most pixels of an object carry', async () => {
    const mask = writeMask('m.png', 3, [
      [1, 1, 1],
      [2, 2, 0],
    ]);
    const classMask = writeMask('c.png', 3, [
      [8, 8, 255],
      [0, 12, 0],
    ]);
    const outcome = await runMaskJob({ mask, maskDisplay: 'm.png', classMask, classMaskDisplay: 'c.png', objects: 2, xmlDisplay: 'a.xml', polygon });
    expect(outcome.ok && outcome.objects.map((o) => o.classValue)).toEqual([8, 12]);
  });

  test('size mismatches and unreadable files come back as failures', async () => {
    const mask = writeMask('m.png', 3, [[1, 1, 1]]);
    const job = { mask, maskDisplay: 'm.png', objects: 1, xmlDisplay: 'a.xml', polygon };
    expect(await runMaskJob({ ...job, size: { width: 4, height: 1 } })).toEqual({
      ok: false,
      code: 'MASK_SIZE_MISMATCH',
      detail: 'expected a mask of 4×1 (the <size> of a.xml), got 3×1',
      file: 'm.png',
      path: undefined,
    });
    const image = join(tmp.path, 'a.jpg');
    writeFileSync(image, jpeg(3, 2));
    expect(await runMaskJob({ ...job, image: { abs: image, display: 'a.jpg' } })).toMatchObject({
      ok: false,
      code: 'MASK_SIZE_MISMATCH',
      detail: 'expected a mask of 3×2 (the size of a.jpg), got 3×1',
    });
    expect(await runMaskJob({ ...job, image: { abs: image, display: 'a.jpg' }, size: { width: 3, height: 1 } })).toEqual({
      ok: false,
      code: 'IMAGE_SIZE_MISMATCH',
      detail: 'expected the size of a.jpg, 3x2, got 3x1',
      file: 'a.xml',
      path: 'size',
    });
    writeFileSync(image, jpeg(3, 1));
    expect(await runMaskJob({ ...job, image: { abs: image, display: 'a.jpg' } })).toMatchObject({ ok: true, details: { format: 'jpg', width: 3, height: 1 } });
    expect(await runMaskJob({ ...job, mask: join(tmp.path, 'none.png'), maskDisplay: 'none.png' })).toMatchObject({ ok: false, code: 'MASK_NOT_FOUND', file: 'none.png' });
    expect(await runMaskJob({ ...job, image: { abs: join(tmp.path, 'none.jpg'), display: 'none.jpg' } })).toMatchObject({ ok: false, code: 'IMAGE_NOT_FOUND', file: 'none.jpg' });
  });

  test("worker threads and the calling thread give the same results, in the caller's order", async () => {
    expect(workerScript()).toBeDefined(); // dist/ is built by test/global-setup.ts
    const jobs: MaskJob[] = Array.from({ length: 12 }, (_, i) => ({
      mask: writeMask(`m${i}.png`, 6, [
        [0, 1, 1, 0, 2, 2],
        [1, 1, 1, i % 3, 2, 0],
        [0, 1, 0, 0, 2, 2],
      ]),
      maskDisplay: `m${i}.png`,
      objects: 2,
      xmlDisplay: `m${i}.xml`,
      polygon: {},
    }));
    const pool = new MaskPool(2);
    expect(pool.threads).toBe(2);
    const inThreads = await Promise.all(jobs.map((j) => pool.run(j)));
    await pool.close();
    const inline = new MaskPool(1);
    expect(inline.threads).toBe(0);
    const here = await Promise.all(jobs.map((j) => inline.run(j)));
    expect(inThreads).toEqual(here);
    expect(new MaskPool(2, null).threads).toBe(0); // no worker script: runs here
  });
});
