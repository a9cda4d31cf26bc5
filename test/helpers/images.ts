/**
 * Tiny image files for tests, made in memory: PNG (fast-png), baseline JPEG (a real, decodable
 * solid-grey image of any size), 24-bit BMP and uncompressed TIFF. Every function returns the
 * file's bytes; write them with `writeTree` (./fs.ts) or `writeFile`.
 */
import { encode } from 'fast-png';

/** A PNG of `width` × `height`, filled with `rgb` (default mid grey), or from `data` when given. */
export function png(width: number, height: number, opts: { rgb?: readonly [number, number, number]; data?: Uint8Array; channels?: 1 | 3 | 4 } = {}): Buffer {
  const channels = opts.channels ?? (opts.data ? 1 : 3);
  let data = opts.data;
  if (!data) {
    data = new Uint8Array(width * height * channels);
    const rgb = opts.rgb ?? [128, 128, 128];
    for (let i = 0; i < width * height; i++) for (let c = 0; c < channels; c++) data[i * channels + c] = c < 3 ? rgb[c]! : 255;
  }
  return Buffer.from(encode({ width, height, data, channels, depth: 8 }));
}

/** Bit writer for JPEG entropy-coded data (with 0xFF byte stuffing). */
class Bits {
  private bytes: number[] = [];
  private acc = 0;
  private n = 0;
  put(value: number, length: number): void {
    for (let i = length - 1; i >= 0; i--) {
      this.acc = (this.acc << 1) | ((value >> i) & 1);
      if (++this.n === 8) this.flushByte();
    }
  }
  private flushByte(): void {
    this.bytes.push(this.acc);
    if (this.acc === 0xff) this.bytes.push(0);
    this.acc = 0;
    this.n = 0;
  }
  end(): number[] {
    while (this.n !== 0) this.put(1, 1);
    return this.bytes;
  }
}

const segment = (marker: number, body: number[] | Buffer): Buffer => {
  const len = body.length + 2;
  return Buffer.concat([Buffer.from([0xff, marker, len >> 8, len & 0xff]), Buffer.from(body)]);
};

/**
 * A baseline greyscale JPEG of `width` × `height`, every pixel `grey` (0–255, default 128).
 * Decoders (PIL, browsers) read it. `exifBytes` inserts an APP1 "Exif" segment of about that
 * many bytes before the frame header (at most 65,000 per segment; larger sizes add several
 * segments), to test readers that must look past the first few KiB for the SOF marker.
 */
export function jpeg(width: number, height: number, opts: { grey?: number; exifBytes?: number; orientation?: number; bigEndianExif?: boolean } = {}): Buffer {
  const parts: Buffer[] = [Buffer.from([0xff, 0xd8])];
  parts.push(segment(0xe0, [...Buffer.from('JFIF\0'), 1, 1, 0, 0, 1, 0, 1, 0, 0]));
  if (opts.orientation !== undefined) parts.push(segment(0xe1, exifWithOrientation(opts.orientation, opts.bigEndianExif ?? false)));
  let exif = opts.exifBytes ?? 0;
  while (exif > 0) {
    const n = Math.min(exif, 65000);
    const body = Buffer.alloc(Math.max(n, 6));
    body.write('Exif\0\0', 0, 'latin1');
    parts.push(segment(0xe1, body));
    exif -= n;
  }
  // Quantisation table 0: all ones (8-bit precision).
  parts.push(segment(0xdb, [0x00, ...new Array<number>(64).fill(1)]));
  // SOF0: 8-bit, height, width, 1 component (id 1, 1x1 sampling, table 0).
  parts.push(segment(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]));
  // DHT: DC table 0 (the standard luminance table), AC table 0 holding only EOB (code "0").
  const dcCounts = [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0];
  const dcValues = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  parts.push(segment(0xc4, [0x00, ...dcCounts, ...dcValues, 0x10, 1, ...new Array<number>(15).fill(0), 0x00]));
  // SOS: 1 component, tables 0/0, spectral 0..63, approx 0.
  parts.push(segment(0xda, [1, 1, 0x00, 0, 63, 0]));
  // Entropy data: first block's DC encodes the grey level, then diff 0 for every other block.
  const dcCodes: [number, number][] = [
    [0b00, 2],
    [0b010, 3],
    [0b011, 3],
    [0b100, 3],
    [0b101, 3],
    [0b110, 3],
    [0b1110, 4],
    [0b11110, 5],
    [0b111110, 6],
    [0b1111110, 7],
    [0b11111110, 8],
    [0b111111110, 9],
  ];
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  const dc = Math.round(8 * ((opts.grey ?? 128) - 128));
  const bits = new Bits();
  for (let b = 0; b < blocks; b++) {
    const diff = b === 0 ? dc : 0;
    const cat = diff === 0 ? 0 : Math.floor(Math.log2(Math.abs(diff))) + 1;
    const [code, len] = dcCodes[cat]!;
    bits.put(code, len);
    if (cat > 0) bits.put(diff > 0 ? diff : diff + (1 << cat) - 1, cat);
    bits.put(0, 1); // EOB
  }
  parts.push(Buffer.from(bits.end()), Buffer.from([0xff, 0xd9]));
  return Buffer.concat(parts);
}

/** A 24-bit bottom-up BMP of `width` × `height` filled with `rgb`. */
export function bmp(width: number, height: number, rgb: readonly [number, number, number] = [128, 128, 128]): Buffer {
  const rowSize = Math.ceil((width * 3) / 4) * 4;
  const size = 54 + rowSize * height;
  const b = Buffer.alloc(size);
  b.write('BM', 0, 'latin1');
  b.writeUInt32LE(size, 2);
  b.writeUInt32LE(54, 10);
  b.writeUInt32LE(40, 14);
  b.writeInt32LE(width, 18);
  b.writeInt32LE(height, 22);
  b.writeUInt16LE(1, 26);
  b.writeUInt16LE(24, 28);
  b.writeUInt32LE(rowSize * height, 34);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = 54 + y * rowSize + x * 3;
      b[o] = rgb[2];
      b[o + 1] = rgb[1];
      b[o + 2] = rgb[0];
    }
  }
  return b;
}

/**
 * An uncompressed 8-bit greyscale TIFF (one strip) of `width` × `height`. Options: `bigEndian`
 * (`MM` byte order), `ifdAtEnd` (the IFD after the pixels, as many writers put it), `padding`
 * (bytes of zeros between the header and the pixels, to push the IFD far into the file).
 */
export function tiff(width: number, height: number, grey = 128, opts: { bigEndian?: boolean; ifdAtEnd?: boolean; padding?: number } = {}): Buffer {
  const le = !opts.bigEndian;
  const entries: [tag: number, type: number, value: number][] = [
    [256, 4, width], // ImageWidth (LONG)
    [257, 3, height], // ImageLength (SHORT)
    [258, 3, 8], // BitsPerSample
    [259, 3, 1], // Compression: none
    [262, 3, 1], // Photometric: BlackIsZero
    [273, 4, 0], // StripOffsets (set below)
    [277, 3, 1], // SamplesPerPixel
    [278, 4, height], // RowsPerStrip
    [279, 4, width * height], // StripByteCounts
  ];
  const ifdSize = 2 + entries.length * 12 + 4;
  const pixels = width * height;
  const padding = opts.padding ?? 0;
  const ifdOffset = opts.ifdAtEnd ? 8 + padding + pixels : 8;
  const dataOffset = opts.ifdAtEnd ? 8 + padding : 8 + ifdSize + padding;
  const b = Buffer.alloc(8 + ifdSize + padding + pixels);
  b.fill(grey, dataOffset, dataOffset + pixels);
  const w16 = (v: number, o: number) => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const w32 = (v: number, o: number) => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  b.write(le ? 'II' : 'MM', 0, 'latin1');
  w16(42, 2);
  w32(ifdOffset, 4);
  w16(entries.length, ifdOffset);
  entries.forEach(([tag, type, value], i) => {
    const o = ifdOffset + 2 + i * 12;
    w16(tag, o);
    w16(type, o + 2);
    w32(1, o + 4);
    if (tag === 273) value = dataOffset;
    if (type === 3) w16(value, o + 8);
    else w32(value, o + 8);
  });
  w32(0, ifdOffset + 2 + entries.length * 12);
  return b;
}

/** Picks the generator by extension (`jpg jpeg jpe jfif png bmp tif tiff`). */
export function imageFor(name: string, width: number, height: number): Buffer {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase();
  if (ext === 'png') return png(width, height);
  if (ext === 'bmp') return bmp(width, height);
  if (ext === 'tif' || ext === 'tiff') return tiff(width, height);
  if (['jpg', 'jpeg', 'jpe', 'jfif'].includes(ext)) return jpeg(width, height);
  throw new Error(`imageFor: no generator for ${name}`);
}

/** An APP1 body: `Exif\0\0`, then a TIFF block whose IFD0 holds a software tag and the orientation (SHORT). */
function exifWithOrientation(orientation: number, bigEndian: boolean): Buffer {
  const t = Buffer.alloc(8 + 2 + 2 * 12 + 4);
  const u16 = (v: number, o: number) => (bigEndian ? t.writeUInt16BE(v, o) : t.writeUInt16LE(v, o));
  const u32 = (v: number, o: number) => (bigEndian ? t.writeUInt32BE(v, o) : t.writeUInt32LE(v, o));
  t.write(bigEndian ? 'MM' : 'II', 0, 'latin1');
  u16(42, 2);
  u32(8, 4);
  u16(2, 8); // two entries
  u16(0x0131, 10); // Software, ASCII, 4 bytes inline: "tst\0"
  u16(2, 12);
  u32(4, 14);
  t.write('tst\0', 18, 'latin1');
  u16(0x0112, 22); // Orientation, SHORT, 1
  u16(3, 24);
  u32(1, 26);
  u16(orientation, 30);
  return Buffer.concat([Buffer.from('Exif\0\0', 'latin1'), t]);
}
