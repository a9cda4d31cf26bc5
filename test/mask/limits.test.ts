/**
 * Mask size limits (issue 12.5): a mask above MAX_MASK_PIXELS or MAX_MASK_BYTES is MASK_TOO_LARGE from
 * its header (nothing decoded); image data that inflates to more than the header's size needs (a
 * decompression bomb behind a small header) is MASK_UNREADABLE. Peak memory: bench/masks/peak.mjs.
 */
import { crc32, deflateSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { ConversionError } from '../../src/errors.js';
import { decodeMask, MAX_MASK_BYTES, MAX_MASK_PIXELS } from '../../src/mask/png.js';

function chunk(type: string, data: Buffer): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** A PNG whose header says width×height (colour type, 8 bits) and whose IDAT inflates to `raw` bytes of zeros. */
function png(width: number, height: number, colorType: number, raw: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = colorType;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    ...(colorType === 3 ? [chunk('PLTE', Buffer.from([0, 0, 0, 128, 0, 0]))] : []),
    chunk('IDAT', deflateSync(Buffer.alloc(raw))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function failure(bytes: Buffer): ConversionError {
  try {
    decodeMask(bytes, 'SegmentationObject/a.png');
  } catch (e) {
    if (e instanceof ConversionError) return e;
    throw e;
  }
  throw new Error('expected the mask to be refused');
}

describe('mask size limits', () => {
  test('the documented limits', () => {
    expect([MAX_MASK_PIXELS, MAX_MASK_BYTES]).toEqual([2 ** 26, 2 ** 26]);
  });

  test('8192×8192 palette (the limit) passes the size check (its cut-short data is what is refused)', () => {
    const e = failure(png(8192, 8192, 3, 10));
    expect(e.code).toBe('MASK_UNREADABLE');
    expect(e.detail).toMatch(/^expected a PNG mask, got a corrupt PNG/);
  });

  test('one pixel above the limit: MASK_TOO_LARGE from the header', () => {
    const e = failure(png(8193, 8192, 3, 10));
    expect([e.code, e.file, e.exitCode]).toEqual(['MASK_TOO_LARGE', 'SegmentationObject/a.png', 1]);
    expect(e.detail).toBe('expected a mask of at most 67,108,864 pixels and 67,108,864 bytes decoded, got 8193×8192 (67,117,056 pixels)');
  });

  test('20000×20000 with one object: MASK_TOO_LARGE, nothing decoded', () => {
    const e = failure(png(20000, 20000, 3, 10));
    expect(e.code).toBe('MASK_TOO_LARGE');
    expect(e.detail).toMatch(/got 20000×20000 \(400,000,000 pixels\)$/);
  });

  test('RGB: the decoded bytes count (3 per pixel)', () => {
    const e = failure(png(4730, 4730, 2, 10));
    expect(e.code).toBe('MASK_TOO_LARGE');
    expect(e.detail).toMatch(/got 4730×4730 \(67,118,700 bytes of 8-bit samples\)$/);
  });

  test('a 10×10 header over 10 MB of image data (a bomb): MASK_UNREADABLE', () => {
    const e = failure(png(10, 10, 0, 10 << 20));
    expect([e.code, e.detail]).toEqual(['MASK_UNREADABLE', 'expected at most 398 bytes of image data for 10×10, got more (a corrupt PNG)']);
  });

  test('a 4200×4200 header over 40 MB of image data (the streamed check): MASK_UNREADABLE', () => {
    const e = failure(png(4200, 4200, 0, 40 << 20));
    expect(e.code).toBe('MASK_UNREADABLE');
    expect(e.detail).toMatch(/^expected at most 17\d{6} bytes of image data for 4200×4200, got more/);
  });
});
