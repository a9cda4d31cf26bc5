/**
 * Reads a PNG instance mask into one label value (0–255) per pixel, whatever its encoding:
 * - palette PNGs (VOC's own): the palette indices, never the colours;
 * - greyscale PNGs (the Azure samples): the grey values; 1-, 2- and 4-bit masks are unpacked;
 * - RGB PNGs painted with the VOC colour map (datumaro, CVAT): the index of each pixel's colour.
 *
 * 16-bit masks are read when their values fit in a byte (values up to 255, or 8-bit values scaled
 * by 257 as image tools do); otherwise they are refused. Fully transparent pixels of masks with an
 * alpha channel are background (0); alpha is otherwise ignored. Anything unreadable is a
 * `MASK_UNREADABLE` ConversionError naming the file; a mask above {@link MAX_MASK_PIXELS} pixels or
 * {@link MAX_MASK_BYTES} decoded bytes is `MASK_TOO_LARGE`, refused from its header.
 *
 * @example
 *   const mask = decodeMask(readFileSync('SegmentationObject/a.png'), 'SegmentationObject/a.png');
 *   mask.data[y * mask.width + x]; // label value of pixel (x, y)
 */
import { inflateSync } from 'node:zlib';
import { Unzlib } from 'fflate';
import { decode } from 'fast-png';
import { ConversionError } from '../errors.js';
import { colourIndex } from './colormap.js';
import { MAX_MASK_BYTES, MAX_MASK_PIXELS } from './limits.js';

/** How a mask's pixels were stored. */
export type MaskEncoding = 'palette' | 'grey' | 'rgb';

/** A decoded mask: `data[y * width + x]` is the label value of pixel (x, y). */
export interface LabelMask {
  width: number;
  height: number;
  data: Uint8Array;
  encoding: MaskEncoding;
}

export { MAX_MASK_BYTES, MAX_MASK_PIXELS } from './limits.js';

const CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const COLOR_GREY = 0;
const COLOR_RGB = 2;
const COLOR_PALETTE = 3;
const COLOR_GREY_ALPHA = 4;
const COLOR_RGBA = 6;

/**
 * Decodes a PNG mask.
 * @param bytes the file's bytes
 * @param display the file as messages should name it
 * @throws ConversionError `MASK_UNREADABLE`, `MASK_TOO_LARGE`
 */
export function decodeMask(bytes: Uint8Array, display: string): LabelMask {
  const fail = (detail: string): never => {
    throw new ConversionError('MASK_UNREADABLE', detail, { file: display });
  };
  if (bytes.length === 0) fail('expected a PNG mask, got an empty file');
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b)) fail('expected a PNG mask, got a file without the PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const colorType = view.getUint8(25);
  const interlaced = view.getUint8(28) !== 0;
  const depthInHeader = view.getUint8(24);
  if (depthInHeader < 8 && interlaced) {
    fail(`expected an 8-bit mask, got an interlaced ${depthInHeader}-bit PNG (not supported: save it without interlacing)`);
  }
  refuseTooLarge(view, depthInHeader, colorType, display);
  refuseImageDataBeyondHeader(bytes, view, depthInHeader, colorType, fail);
  let png;
  try {
    png = decode(bytes, { checkCrc: true });
  } catch (e) {
    return fail(`expected a PNG mask, got a corrupt PNG (${(e as Error).message.replace(/[:.]\s*$/, '')})`);
  }
  const { width, height, depth } = png;
  if (width <= 0 || height <= 0) fail(`expected a mask of at least 1×1 pixels, got ${width}×${height}`);
  const n = width * height;

  switch (colorType) {
    case COLOR_PALETTE:
      return { width, height, data: unpack(png.data as Uint8Array, width, height, depth), encoding: 'palette' };
    case COLOR_GREY:
    case COLOR_GREY_ALPHA: {
      const channels = colorType === COLOR_GREY ? 1 : 2;
      const samples = depth === 16 ? to8Bits(png.data as Uint16Array, channels, width, fail) : unpack(png.data as Uint8Array, width * channels, height, depth);
      if (channels === 1) return { width, height, data: samples, encoding: 'grey' };
      const data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = samples[2 * i + 1] === 0 ? 0 : samples[2 * i]!;
      return { width, height, data, encoding: 'grey' };
    }
    case COLOR_RGB:
    case COLOR_RGBA: {
      const channels = colorType === COLOR_RGB ? 3 : 4;
      const samples = depth === 16 ? to8Bits(png.data as Uint16Array, channels, width, fail) : (png.data as Uint8Array);
      return { width, height, data: rgbToIndices(samples, channels, width, height, fail), encoding: 'rgb' };
    }
    default:
      return fail(`expected a PNG mask, got colour type ${colorType}`);
  }
}

/** MASK_TOO_LARGE when the header's size is above {@link MAX_MASK_PIXELS} or {@link MAX_MASK_BYTES}. */
function refuseTooLarge(view: DataView, depth: number, colorType: number, display: string): void {
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const pixels = width * height;
  const bytes = Math.ceil((width * (CHANNELS[colorType] ?? 4) * depth) / 8) * height;
  if (pixels <= MAX_MASK_PIXELS && bytes <= MAX_MASK_BYTES) return;
  const what = pixels > MAX_MASK_PIXELS ? `${pixels.toLocaleString('en-US')} pixels` : `${bytes.toLocaleString('en-US')} bytes of ${depth}-bit samples`;
  throw new ConversionError(
    'MASK_TOO_LARGE',
    `expected a mask of at most ${MAX_MASK_PIXELS.toLocaleString('en-US')} pixels and ${MAX_MASK_BYTES.toLocaleString('en-US')} bytes decoded, got ${width}×${height} (${what})`,
    { file: display },
  );
}

/**
 * A PNG whose header says 100×100 may still inflate to gigabytes (a decompression bomb: the decoder
 * keeps all it inflates). The image data is inflated first natively, capped a little above what the
 * header's size needs; more is `MASK_UNREADABLE`. Other inflate errors are left to the decoder.
 */
function refuseImageDataBeyondHeader(bytes: Uint8Array, view: DataView, depth: number, colorType: number, fail: (d: string) => never): void {
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const rowBytes = Math.ceil((width * (CHANNELS[colorType] ?? 4) * depth) / 8);
  // Rows with their filter byte, plus Adam7's extra filter bytes and rounding (at most 7 passes).
  const needed = height * (rowBytes + 1) + 16 * (height + 8);
  const parts: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    if (type === 'IDAT') parts.push(bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length)));
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const data = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  const tooMuch = (): never => fail(`expected at most ${needed} bytes of image data for ${width}×${height}, got more (a corrupt PNG)`);
  if (needed <= NATIVE_CHECK_BYTES) {
    // Small masks (nearly all): native zlib, capped; its output is dropped at once.
    try {
      inflateSync(data, { maxOutputLength: needed + 1 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') tooMuch();
    }
    return;
  }
  // Large masks: streamed, each piece counted and dropped, so the check holds a window, not the image.
  let inflated = 0;
  const inflater = new Unzlib((chunk) => {
    inflated += chunk.length;
    if (inflated > needed) throw new TooMuchData();
  });
  try {
    // Fed 4 KiB at a time: one push inflates all it is given (at most about 4 MiB from 4 KiB).
    for (let at = 0; at < data.length; at += PIECE) inflater.push(data.subarray(at, at + PIECE), at + PIECE >= data.length);
  } catch (e) {
    if (e instanceof TooMuchData) tooMuch();
  }
}

class TooMuchData extends Error {}

const PIECE = 4096;
/** Up to this much image data the check inflates natively into one buffer (fast); above, streamed. */
const NATIVE_CHECK_BYTES = 16 << 20;

/** One byte per sample from rows packed at 1, 2 or 4 bits (8 bits: the data itself). */
function unpack(packed: Uint8Array, samplesPerRow: number, height: number, depth: number): Uint8Array {
  if (depth === 8) return packed;
  const out = new Uint8Array(samplesPerRow * height);
  const bytesPerRow = Math.ceil((samplesPerRow * depth) / 8);
  const perByte = 8 / depth;
  const max = (1 << depth) - 1;
  for (let y = 0; y < height; y++) {
    const row = y * bytesPerRow;
    for (let x = 0; x < samplesPerRow; x++) {
      const byte = packed[row + Math.floor(x / perByte)]!;
      const shift = 8 - depth * ((x % perByte) + 1);
      out[y * samplesPerRow + x] = (byte >> shift) & max;
    }
  }
  return out;
}

/**
 * 16-bit samples to bytes: as they are when every value is at most 255, divided by 257 when every
 * value is a multiple of 257 (an 8-bit mask saved at 16 bits); refused otherwise.
 */
function to8Bits(samples: Uint16Array, channels: number, width: number, fail: (d: string) => never): Uint8Array {
  let small = true;
  let scaled = true;
  let firstLarge = -1;
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i]!;
    if (v > 255) {
      small = false;
      if (firstLarge < 0) firstLarge = i;
    }
    if (v % 257 !== 0) scaled = false;
    if (!small && !scaled) break;
  }
  if (small) return Uint8Array.from(samples);
  if (scaled) return Uint8Array.from(samples, (v) => v / 257);
  const pixel = Math.floor(firstLarge / channels);
  return fail(`expected a 16-bit mask with values up to 255 (or 8-bit values scaled by 257), got ${samples[firstLarge]} at pixel (${pixel % width}, ${Math.floor(pixel / width)})`);
}

function rgbToIndices(samples: Uint8Array, channels: number, width: number, height: number, fail: (d: string) => never): Uint8Array {
  const n = width * height;
  const out = new Uint8Array(n);
  let lastRgb = 0;
  let lastIndex = 0;
  for (let i = 0, s = 0; i < n; i++, s += channels) {
    if (channels === 4 && samples[s + 3] === 0) continue;
    const rgb = (samples[s]! << 16) | (samples[s + 1]! << 8) | samples[s + 2]!;
    if (rgb !== lastRgb) {
      const index = colourIndex(rgb);
      if (index < 0) {
        fail(`expected colours of the VOC colour map, got (${samples[s]}, ${samples[s + 1]}, ${samples[s + 2]}) at pixel (${i % width}, ${Math.floor(i / width)})`);
      }
      lastRgb = rgb;
      lastIndex = index;
    }
    out[i] = lastIndex;
  }
  return out;
}
