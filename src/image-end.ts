/**
 * Whether an image file is whole, from a few bounded reads at its END (never a decode): the checks
 * `readImageDetails` runs after the header unless told not to (`--no-verify-images`). AutoML trains
 * with PIL, which fails on a cut file ("image file is truncated") hours into a job; these catch the
 * cuts PIL fails on, cheaply:
 * - JPEG: an end-of-image marker (FFD9) after the first scan's start, found in the last 4 KiB (then
 *   64 KiB); bytes after it are fine (PIL ignores them). When the tail holds no FFD9 but is not scan
 *   data either (a byte pair FF xx that cannot occur in a scan: an appended video, a maker trailer
 *   too long to see past), the file is let through: only a tail that looks like a cut scan fails.
 * - PNG: an IEND chunk in the last 4 KiB (then 64 KiB). (PIL reads a PNG cut exactly before IEND;
 *   the PNG standard does not, and such a cut is almost always a longer one.)
 * - BMP, uncompressed: the file holds the rows its header declares (offset + stride × height); for a
 *   compressed one, the file size its header declares.
 * - TIFF: every strip or tile of the first IFD lies inside the file (offset + byte count ≤ size),
 *   when the offset arrays take at most 64 KiB.
 *
 * @example
 *   const problem = bmpEnd(head, fileSize);  // undefined, or 'truncated: ...'
 */

/**
 * A parser that asks for more bytes as it goes: it yields `[position, length]` and is given back the
 * bytes read there (fewer at the end of the file). The same parser runs on asynchronous and
 * synchronous reads (src/images.ts).
 */
export type Probe<T> = Generator<[position: number, length: number], T, Buffer>;

/** The first read from the end of a file. */
const TAIL_READ = 4096;
/** The second, when the first does not decide. */
const LONG_TAIL_READ = 64 * 1024;

/**
 * Second bytes of an FF pair that can occur in a JPEG from its first scan on: stuffing (00), fill
 * (FF), restarts (D0–D7), and the segments allowed between the scans of a progressive JPEG (DHT C4,
 * DAC CC, SOS DA, DQT DB, DNL DC, DRI DD, APPn E0–EF, COM FE). Any other pair means the bytes are not
 * the JPEG's scan data.
 */
const SCAN_PAIRS: ReadonlySet<number> = new Set([
  0x00,
  0xff,
  0xd0,
  0xd1,
  0xd2,
  0xd3,
  0xd4,
  0xd5,
  0xd6,
  0xd7,
  0xc4,
  0xcc,
  0xda,
  0xdb,
  0xdc,
  0xdd,
  0xfe,
  ...Array.from({ length: 16 }, (_, i) => 0xe0 + i),
]);

/** True when `tail` holds an FF pair that scan data cannot hold. */
function holdsNonScanPair(tail: Buffer): boolean {
  for (let i = tail.indexOf(0xff); i >= 0 && i + 1 < tail.length; i = tail.indexOf(0xff, i + 1)) {
    if (!SCAN_PAIRS.has(tail[i + 1]!)) return true;
  }
  return false;
}

/** Where `needle` last occurs in `buf`, or -1. */
const lastIndexOf = (buf: Buffer, needle: Buffer): number => buf.lastIndexOf(needle);

const EOI = Buffer.from([0xff, 0xd9]);
const IEND = Buffer.from([0, 0, 0, 0, 0x49, 0x45, 0x4e, 0x44]);

/**
 * A JPEG's end: undefined when an end-of-image marker follows `scanStart` (where the first scan's
 * entropy-coded data begins), else why the file is taken as cut.
 */
export function* jpegEnd(size: number, scanStart: number): Probe<string | undefined> {
  for (const length of [TAIL_READ, LONG_TAIL_READ]) {
    const from = Math.max(scanStart, size - length);
    if (from >= size) return `truncated: the file ends at byte ${size}, where its image data should begin`;
    const tail = yield [from, size - from];
    if (tail.length >= 2 && tail[tail.length - 2] === 0xff && tail[tail.length - 1] === 0xd9) return undefined;
    if (lastIndexOf(tail, EOI) >= 0) return undefined; // bytes after the end of image: ignored by readers
    if (from === scanStart) break; // the whole scan data was read: no end
    if (holdsNonScanPair(tail)) return undefined; // a long trailer after the image, not a cut scan
  }
  return `truncated: no end-of-image marker (FFD9) after the image data (the file ends at byte ${size})`;
}

/** A PNG's end: undefined when an IEND chunk lies in its last 64 KiB, else why the file is taken as cut. */
export function* pngEnd(size: number): Probe<string | undefined> {
  for (const length of [TAIL_READ, LONG_TAIL_READ]) {
    const from = Math.max(0, size - length);
    const tail = yield [from, size - from];
    if (lastIndexOf(tail, IEND) >= 0) return undefined;
    if (from === 0) break;
  }
  return `truncated: no end chunk (IEND) (the file ends at byte ${size})`;
}

/** BMP compressions whose pixel rows have a fixed size: RGB, BITFIELDS, ALPHABITFIELDS. */
const UNCOMPRESSED_BMP: ReadonlySet<number> = new Set([0, 3, 6]);

/** A BMP's end, from its first bytes `head` and the file's `size`: undefined when whole, else why not. */
export function bmpEnd(head: Buffer, size: number): string | undefined {
  if (head.length < 26) return undefined;
  const pixelsAt = head.readUInt32LE(10);
  const dibSize = head.readUInt32LE(14);
  let width: number, height: number, bitsPerPixel: number, compression: number;
  if (dibSize === 12) {
    width = head.readUInt16LE(18);
    height = head.readUInt16LE(20);
    bitsPerPixel = head.readUInt16LE(24);
    compression = 0;
  } else if (dibSize >= 40 && head.length >= 34) {
    width = head.readInt32LE(18);
    height = Math.abs(head.readInt32LE(22));
    bitsPerPixel = head.readUInt16LE(28);
    compression = head.readUInt32LE(30);
  } else return undefined;
  if (UNCOMPRESSED_BMP.has(compression) && width > 0 && bitsPerPixel > 0) {
    const need = pixelsAt + Math.ceil((width * bitsPerPixel) / 32) * 4 * height;
    if (size < need) return `truncated: its header declares ${height} rows ending at byte ${need}, the file ends at byte ${size}`;
    return undefined;
  }
  const declared = head.readUInt32LE(2);
  if (declared > size) return `truncated: its header declares ${declared} bytes, the file has ${size}`;
  return undefined;
}

/** Where a TIFF's first IFD puts its pixels: the StripOffsets/TileOffsets and byte counts entries. */
export interface TiffPieces {
  /** The offsets entry and the byte counts entry, each `[type, count, value or offset of the values]`. */
  offsets: TiffEntry;
  counts: TiffEntry;
  littleEndian: boolean;
}

/** A TIFF IFD entry: its field type (3 SHORT, 4 LONG, 16 LONG8), count, and inline value or offset. */
export interface TiffEntry {
  type: number;
  count: number;
  /** The value when it fits in the entry (count 1), else where the values lie. */
  value: number;
}

const TIFF_TYPE_SIZE: Readonly<Record<number, number>> = { 3: 2, 4: 4, 16: 8 };
/** Offset arrays larger than this are not read (the check is skipped). */
const MAX_TIFF_ARRAY = 64 * 1024;

/** A TIFF's end: undefined when every strip or tile lies inside the file (or that is not cheap to know), else why not. */
export function* tiffEnd(pieces: TiffPieces, size: number, bigTiff: boolean): Probe<string | undefined> {
  const values = function* (entry: TiffEntry): Probe<number[] | undefined> {
    const width = TIFF_TYPE_SIZE[entry.type];
    if (width === undefined || entry.count < 1) return undefined;
    if (entry.count === 1) return [entry.value];
    const bytes = entry.count * width;
    if (bytes <= (bigTiff ? 8 : 4)) return undefined; // inline arrays: not kept by the IFD reader
    if (bytes > MAX_TIFF_ARRAY) return undefined;
    const buf = yield [entry.value, bytes];
    if (buf.length < bytes) return [Infinity]; // the array itself lies past the end
    const le = pieces.littleEndian;
    const out: number[] = [];
    for (let i = 0; i < entry.count; i++) {
      const o = i * width;
      out.push(
        width === 2 ? (le ? buf.readUInt16LE(o) : buf.readUInt16BE(o)) : width === 4 ? (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o)) : Number(le ? buf.readBigUInt64LE(o) : buf.readBigUInt64BE(o)),
      );
    }
    return out;
  };
  const offsets = yield* values(pieces.offsets);
  const counts = yield* values(pieces.counts);
  if (offsets === undefined || counts === undefined || offsets.length !== counts.length) return undefined;
  for (let i = 0; i < offsets.length; i++) {
    const end = offsets[i]! + counts[i]!;
    if (end > size) {
      return Number.isFinite(end)
        ? `truncated: strip or tile ${i} ends at byte ${end}, the file ends at byte ${size}`
        : `truncated: its strip or tile offsets lie past the end of the file (byte ${size})`;
    }
  }
  return undefined;
}
