/**
 * One image file at a time: whether a name is an image ({@link IMAGE_EXTENSIONS}, {@link isImageName},
 * {@link extensionOf}); its format, width and height from the header ({@link readImageDetails}, and
 * {@link readImageDetailsSync} for the fast path); its EXIF orientation ({@link readExifOrientationSync},
 * {@link exifOrientation}), for the hint when an annotation's size is the image's turned a quarter
 * ({@link turnedSizeHint}). Reading the headers of many images in order, fast: src/kit/headers.ts.
 *
 * A header is read with image-size on the first 4 KiB; for a JPEG whose frame header lies further
 * in, behind a large EXIF block, a walk over the segment headers that reads 4 KiB at the segment it
 * needs; for a TIFF, a read of the first IFD where the header points; more bytes, at most 16 MiB,
 * only when that fails. The end check (src/image-end.ts) reads a few bytes at the end; the
 * synchronous path reads a file of up to 256 KiB whole in its first read instead, and checks its end
 * from those bytes (no fstat, no second read).
 *
 * @example
 *   if (isImageName('photos/cat.JPG')) await readImageDetails('/data/photos/cat.JPG', 'photos/cat.JPG');
 *   // { format: 'jpg', width: 640, height: 480 }, or ConversionError IMAGE_NOT_FOUND / IMAGE_UNREADABLE
 */
import { close as fsClose, closeSync, fstat as fsFstat, fstatSync, open as fsOpen, openSync, read as fsRead, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ConversionError } from './errors.js';
import { bmpEnd, jpegEnd, pngEnd, tiffEnd, type Probe, type TiffEntry, type TiffPieces } from './image-end.js';
import type { ImageDetails } from './types.js';

/** Extensions AutoML for Images reads (SPEC §4), lower case, without the dot. */
export const IMAGE_EXTENSIONS: ReadonlySet<string> = new Set(['jpg', 'jpeg', 'jpe', 'jfif', 'png', 'bmp', 'tif', 'tiff']);

/** The lower-case extension of a file name, without the dot (`''` when none). */
export function extensionOf(name: string): string {
  const slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  const dot = name.lastIndexOf('.');
  return dot > slash + 1 ? name.slice(dot + 1).toLowerCase() : '';
}

/** True when the name has an image extension (any case). */
export function isImageName(name: string): boolean {
  return IMAGE_EXTENSIONS.has(extensionOf(name));
}

/**
 * image-size, loaded on first use (synchronously, its CommonJS build): JPEG and TIFF headers, nearly
 * every image, are read without it, and loading it costs every thread (workers too) a few ms.
 */
let imageSizeFn: typeof import('image-size').imageSize | undefined;
function imageSize(data: Uint8Array): ReturnType<typeof import('image-size').imageSize> {
  imageSizeFn ??= (createRequire(import.meta.url)('image-size') as typeof import('image-size')).imageSize;
  return imageSizeFn(data);
}

/** Bytes read first from every image: enough for nearly every header. */
const FIRST_READ = 4096;
/** Bytes read next when the first read held no size (then the whole file, up to {@link MAX_READ}). */
const SECOND_READ = 256 * 1024;
/** Bytes read at each later JPEG segment while walking to the frame header and the scan. */
const SEGMENT_READ = 4096;
/**
 * A JPEG's frame header and first scan must come within this many segments (markers) of its start:
 * the walk reads at most this many times 4 KiB, whatever follows (zeros, garbage, a huge file).
 */
export const MAX_JPEG_SEGMENTS = 512;

/** JPEG start-of-frame markers (SOF0–SOF15 but DHT C4, JPG C8, DAC CC): they hold the height and width. */
function isStartOfFrame(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

/** What a header read found: the details, or why the file is not a readable image (a message). */
type Found = Required<ImageDetails> | string;

const hex = (b: number | undefined) => (b === undefined ? 'the end of the file' : `0x${b.toString(16).toUpperCase().padStart(2, '0')}`);

/** Why a JPEG walk that ran out of bytes at `pos` (its last read: `length` bytes at `start`) stopped. */
function headersEnd(length: number, start: number, pos: number): string {
  return length > 0 || start === 0 ? `truncated: the file ends at byte ${start + length}, inside its headers` : `truncated: a segment runs to byte ${pos}, past the end of the file`;
}

/**
 * Walks a JPEG's segments by their lengths from its start to its frame header (and, with `toScan`,
 * on to its first scan), reading only the few bytes at the start of each segment that lies beyond
 * `head` (a large EXIF block is stepped over, not read). Strict: anything but a marker where one
 * must be, an impossible frame header, or more than {@link MAX_JPEG_SEGMENTS} segments, and the
 * file is not a readable JPEG (a message says why): the walk is bounded by construction.
 */
function* jpegLayout(head: Buffer, toScan: boolean): Probe<{ width: number; height: number; scanStart: number } | string> {
  let window = head;
  let windowStart = 0;
  let pos = 2;
  let width = 0; // 0 until the frame header is read
  let height = 0;
  for (let steps = 0; steps < MAX_JPEG_SEGMENTS; steps++) {
    // (no closures over pos and window here: they would move these hot variables off the stack)
    if (pos + 10 > windowStart + window.length && windowStart !== pos) {
      window = yield [pos, SEGMENT_READ];
      windowStart = pos;
    }
    const at = pos - windowStart;
    const left = window.length - at;
    if (left < 2) return headersEnd(window.length, windowStart, pos);
    if (window[at] !== 0xff) return `expected a JPEG marker (FF) at byte ${pos}, got ${hex(window[at])}`;
    const marker = window[at + 1]!;
    if (marker === 0xff) {
      pos += 1; // a fill byte
      continue;
    }
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      pos += 2; // markers without a length
      continue;
    }
    if (marker === 0x00) return `expected a JPEG marker at byte ${pos}, got FF00 (scan data)`;
    if (marker === 0xd9) return `no image data: an end-of-image marker (FFD9) at byte ${pos}, before ${width ? 'any scan' : 'the frame header'}`;
    if (left < 4) return headersEnd(window.length, windowStart, pos);
    const length = window.readUInt16BE(at + 2);
    if (length < 2) return `JPEG segment FF${hex(marker).slice(2)} at byte ${pos}: expected a length of at least 2, got ${length}`;
    if (isStartOfFrame(marker) && width === 0) {
      if (left < 10) return headersEnd(window.length, windowStart, pos);
      const precision = window[at + 4]!;
      height = window.readUInt16BE(at + 5);
      width = window.readUInt16BE(at + 7);
      const components = window[at + 9]!;
      if (length !== 8 + 3 * components || components < 1 || components > 4 || precision < 2 || precision > 16) {
        return `JPEG frame header at byte ${pos}: expected a length of 8 + 3 × components (1-4) and a precision of 2-16 bits, got length ${length}, ${components} components, ${precision} bits`;
      }
      if (width === 0 || height === 0) return `JPEG frame header at byte ${pos}: expected a width and height above 0, got ${width}x${height}`;
      if (!toScan) return { width, height, scanStart: -1 };
    } else if (marker === 0xda) {
      if (width === 0) return `a scan (FFDA) at byte ${pos} before any frame header`;
      return { width, height, scanStart: pos + 2 + length };
    }
    pos += 2 + length;
  }
  return `no ${width ? 'scan' : 'frame header'} in the first ${MAX_JPEG_SEGMENTS} segments`;
}

/** What {@link tiffLayout} reads: the size, and where the pixels lie. */
interface TiffLayout {
  width: number;
  height: number;
  big: boolean;
  pieces: TiffPieces | undefined;
}

/**
 * Width and height from a TIFF's first IFD (classic or BigTIFF, either byte order), read where
 * the header points, so a TIFF whose IFD sits at the end of a large file costs two small reads;
 * and its strip or tile entries, for the end check.
 * Undefined when the header or the IFD is not as expected: the caller then tries image-size.
 */
function* tiffLayout(head: Buffer): Probe<TiffLayout | undefined> {
  if (head.length < 16) return undefined;
  const le = head[0] === 0x49 && head[1] === 0x49;
  if (!le && !(head[0] === 0x4d && head[1] === 0x4d)) return undefined;
  const u16 = (b: Buffer, o: number) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const u64 = (b: Buffer, o: number) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
  const magic = u16(head, 2);
  const big = magic === 43;
  if (magic !== 42 && !(big && u16(head, 4) === 8)) return undefined;
  const ifd = big ? u64(head, 8) : u32(head, 4);
  const entrySize = big ? 20 : 12;
  const countSize = big ? 8 : 2;
  const buf: Buffer = yield [ifd, countSize + 256 * entrySize];
  const n = buf.length;
  if (n < countSize) return undefined;
  const count = Math.min(big ? u64(buf, 0) : u16(buf, 0), Math.floor((n - countSize) / entrySize));
  let width: number | undefined;
  let height: number | undefined;
  const entries = new Map<number, TiffEntry>();
  for (let i = 0; i < count; i++) {
    const o = countSize + i * entrySize;
    const tag = u16(buf, o);
    if (tag !== 256 && tag !== 257 && tag !== 273 && tag !== 279 && tag !== 324 && tag !== 325) continue;
    const type = u16(buf, o + 2);
    const values = big ? u64(buf, o + 4) : u32(buf, o + 4);
    const v = big ? o + 12 : o + 8;
    const inline = type === 3 ? u16(buf, v) : type === 4 ? u32(buf, v) : type === 16 && big ? u64(buf, v) : undefined;
    if (tag === 256) width = inline;
    else if (tag === 257) height = inline;
    else if (values === 1 && inline !== undefined) entries.set(tag, { type, count: 1, value: inline });
    else entries.set(tag, { type, count: values, value: big ? u64(buf, v) : u32(buf, v) });
  }
  if (!width || !height) return undefined;
  const offsets = entries.get(273) ?? entries.get(324);
  const counts = entries.get(279) ?? entries.get(325);
  return { width, height, big, pieces: offsets && counts ? { offsets, counts, littleEndian: le } : undefined };
}

/**
 * Reads an image's header from its first bytes `head` (and what the JPEG or TIFF walk asks for)
 * and, with `size` (the file's length: `verify`), checks that the file is whole ({@link jpegEnd}...).
 * Undefined when image-size needs more than `head` to find the header.
 */
function* inspect(head: Buffer, size: number | undefined): Probe<Found | undefined> {
  const verify = size !== undefined;
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) {
    const jpeg = yield* jpegLayout(head, false);
    if (typeof jpeg === 'string') return `not a readable JPEG: ${jpeg}`;
    const details = { format: 'jpg', width: jpeg.width, height: jpeg.height };
    if (!verify) return details;
    // Nearly every whole JPEG ends with its end-of-image marker: two bytes decide. Else the walk goes
    // on to the first scan, and the end is looked for after it.
    const last = size >= 4 ? yield [size - 2, 2] : undefined;
    if (last && last[0] === 0xff && last[1] === 0xd9) return details;
    const scan = yield* jpegLayout(head, true);
    if (typeof scan === 'string') return `not a readable JPEG: ${scan}`;
    return (yield* jpegEnd(size, scan.scanStart)) ?? details;
  }
  if (head[0] === 0x49 || head[0] === 0x4d) {
    const tiff = yield* tiffLayout(head);
    if (tiff) {
      const problem = verify && tiff.pieces ? yield* tiffEnd(tiff.pieces, size, tiff.big) : undefined;
      return problem ?? { format: 'tiff', width: tiff.width, height: tiff.height };
    }
  }
  let r;
  try {
    r = imageSize(head);
  } catch (e) {
    if (/unsupported file type/i.test((e as Error).message)) return 'not an image: unrecognised file header';
    return undefined;
  }
  const format = formatName(r.type);
  if (!format || !(r.width > 0) || !(r.height > 0)) return undefined;
  const problem = verify ? yield* endOf(format, head, size) : undefined;
  return problem ?? { format, width: r.width, height: r.height };
}

/** The end check of a format read by image-size (PNG, BMP; others have none): undefined when whole. */
function* endOf(format: string, head: Buffer, size: number): Probe<string | undefined> {
  if (format === 'png') return yield* pngEnd(size);
  if (format === 'bmp') return bmpEnd(head, size);
  return undefined;
}

/** Beyond this, a header that was not found is not looked for further (memory stays bounded). */
const MAX_READ = 16 << 20;

// fs callbacks on plain descriptors: cheaper per call than FileHandle objects, which matters
// when each image costs two or three calls.
const openFd = (path: string): Promise<number> => new Promise((res, rej) => fsOpen(path, 'r', (e, fd) => (e ? rej(e) : res(fd))));
const readAt = (fd: number, buf: Buffer, length: number, position: number): Promise<number> => new Promise((res, rej) => fsRead(fd, buf, 0, length, position, (e, n) => (e ? rej(e) : res(n))));
const closeFd = (fd: number): Promise<void> => new Promise((res) => fsClose(fd, () => res()));
const sizeOf = (fd: number): Promise<number> => new Promise((res, rej) => fsFstat(fd, (e, st) => (e ? rej(e) : res(st.size))));

/** Runs a probe on asynchronous reads of `fd`. */
async function probeAsync<T>(fd: number, probe: Probe<T>): Promise<T> {
  let step = probe.next();
  while (!step.done) {
    const [position, length] = step.value;
    const buf = Buffer.allocUnsafe(length);
    const n = await readAt(fd, buf, length, position);
    step = probe.next(buf.subarray(0, n));
  }
  return step.value;
}

/**
 * Runs a probe on synchronous reads of `fd` (into one shared buffer: synchronous code cannot overlap).
 * Bytes that `head` (the file's first bytes; all of them when `whole`) already holds are taken from
 * it, not read again.
 */
function probeSync<T>(fd: number, probe: Probe<T>, head: Buffer, whole: boolean): T {
  let step = probe.next();
  while (!step.done) {
    const [position, length] = step.value;
    const end = position + length;
    if (end <= head.length || whole) {
      step = probe.next(head.subarray(Math.min(position, head.length), Math.min(end, head.length)));
      continue;
    }
    if (syncBuf.length < length) syncBuf = Buffer.allocUnsafe(length);
    const buf = syncBuf;
    const n = readSync(fd, buf, 0, length, position);
    step = probe.next(buf.subarray(0, n));
  }
  return step.value;
}

/** Normalises image-size's type names to the ones AutoML writes. */
function formatName(type: string | undefined): string | undefined {
  if (type === undefined) return undefined;
  const t = type.toLowerCase();
  return t === 'jpeg' ? 'jpg' : t === 'tif' ? 'tiff' : t;
}

/** How an image's header is read. */
export interface ImageReadOptions {
  /**
   * Also check that the file is whole (its end marker or chunk, its pixels inside the file: a few
   * bounded reads at its end, no decode), as AutoML's reader (PIL) fails on a cut file. Default true
   * (`--no-verify-images` sets false).
   */
  verify?: boolean | undefined;
}

/**
 * Reads `{format, width, height}` from an image's header and, unless `options.verify` is false,
 * checks that the file is not cut short (src/image-end.ts).
 * @param absPath the file to read
 * @param display the file as messages should name it
 * @throws ConversionError `IMAGE_NOT_FOUND` or `IMAGE_UNREADABLE` (`truncated: ...` for a cut file)
 */
export async function readImageDetails(absPath: string, display: string, options: ImageReadOptions = {}): Promise<Required<ImageDetails>> {
  const verify = options.verify ?? true;
  let fd: number;
  try {
    fd = await openFd(absPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConversionError('IMAGE_NOT_FOUND', 'image not found', { file: display });
    throw new ConversionError('IMAGE_UNREADABLE', `cannot open image: ${(e as Error).message}`, { file: display });
  }
  const unreadable = (message: string) => new ConversionError('IMAGE_UNREADABLE', message, { file: display });
  try {
    let size = FIRST_READ;
    let lastError = 'no width and height in the header';
    let fileSize: number | undefined;
    for (;;) {
      const buf = Buffer.allocUnsafe(size);
      let bytesRead;
      try {
        bytesRead = await readAt(fd, buf, size, 0);
        if (verify && fileSize === undefined) fileSize = bytesRead < size ? bytesRead : await sizeOf(fd);
      } catch (e) {
        throw unreadable(`cannot read image: ${(e as Error).message}`);
      }
      if (bytesRead === 0) throw unreadable('not an image: the file is empty');
      const data = buf.subarray(0, bytesRead);
      if (size === FIRST_READ) {
        const found = await probeAsync(fd, inspect(data, fileSize));
        if (typeof found === 'string') throw unreadable(found);
        if (found) return found;
      } else {
        try {
          const r = imageSize(data);
          const format = formatName(r.type);
          if (format && r.width !== undefined && r.height !== undefined && r.width > 0 && r.height > 0) {
            const problem = fileSize === undefined ? undefined : await probeAsync(fd, endOf(format, data, fileSize));
            if (problem) throw unreadable(problem);
            return { format, width: r.width, height: r.height };
          }
          lastError = 'no width and height in the header';
        } catch (e) {
          if (e instanceof ConversionError) throw e;
          lastError = (e as Error).message;
        }
      }
      if (bytesRead < size) break; // the whole file was read
      if (size === FIRST_READ) size = SECOND_READ;
      else {
        const full = fileSize ?? (await sizeOf(fd));
        if (full <= size || size >= MAX_READ) break;
        size = Math.min(full, MAX_READ);
      }
    }
    throw unreadable(`not a readable image: ${lastError}`);
  } finally {
    await closeFd(fd);
  }
}

/**
 * {@link readImageDetails} for an image held in memory (an image embedded in an annotation file, such
 * as LabelMe's `imageData`): the same header reads and, unless `options.verify` is false, the same
 * check that the bytes are whole.
 * @param display what messages name (the annotation file and where in it)
 * @throws ConversionError `IMAGE_UNREADABLE`
 */
export function readImageDetailsFromBytes(data: Buffer, display: string, options: ImageReadOptions = {}): Required<ImageDetails> {
  const unreadable = (message: string) => new ConversionError('IMAGE_UNREADABLE', message, { file: display });
  if (data.length === 0) throw unreadable('not an image: no bytes');
  const size = (options.verify ?? true) ? data.length : undefined;
  const found = probeBytes(data, inspect(data.subarray(0, FIRST_READ), size));
  if (typeof found === 'string') throw unreadable(found);
  if (found) return found;
  let problem = 'no width and height in the header';
  try {
    const r = imageSize(data.subarray(0, MAX_READ));
    const format = formatName(r.type);
    if (format && r.width > 0 && r.height > 0) {
      const cut = size === undefined ? undefined : probeBytes(data, endOf(format, data.subarray(0, FIRST_READ), size));
      if (cut) throw unreadable(cut);
      return { format, width: r.width, height: r.height };
    }
  } catch (e) {
    if (e instanceof ConversionError) throw e;
    problem = (e as Error).message;
  }
  throw unreadable(`not a readable image: ${problem}`);
}

/** Runs a probe on `data` (its reads past the end come back short, as from a file). */
function probeBytes<T>(data: Buffer, probe: Probe<T>): T {
  let step = probe.next();
  while (!step.done) {
    const [position, length] = step.value;
    step = probe.next(data.subarray(Math.min(position, data.length), Math.min(position + length, data.length)));
  }
  return step.value;
}

/**
 * The first synchronous read of a file checked for its end, while the files are small: a file this
 * size or smaller comes whole in that one read (a short read says so), and its end is checked from
 * the bytes in hand, without asking the file's size (fstat) and reading its end (pread): about half
 * the system calls per image. Copying 100 KB costs about as much as one of those calls, 256 KiB
 * about two (bench/classify/RESULTS.md).
 */
const WHOLE_READ = 256 * 1024;
/** The first bytes of every synchronous read land here, and later reads in {@link syncBuf}. */
const syncHead = Buffer.allocUnsafe(WHOLE_READ);
let syncBuf = Buffer.allocUnsafe(SEGMENT_READ);
/**
 * The size of the last file whose end was checked synchronously: after a file larger than
 * {@link WHOLE_READ} the next first read is {@link FIRST_READ} (a set of large photos pays no copy
 * of bytes it does not need), after a smaller one it is {@link WHOLE_READ}. Only the speed depends
 * on it, never the result.
 */
let lastSyncSize = 0;

/**
 * Reads `{format, width, height}` synchronously (and checks the file is whole, as
 * {@link readImageDetails}): the first 4 KiB, then what the JPEG or TIFF walk and the end check ask
 * for. Undefined when that is not enough or anything fails (a missing file, a bad header, a cut
 * file...): {@link readImageDetails} then gives the answer or the error with its message.
 */
export function readImageDetailsSync(absPath: string, options: ImageReadOptions = {}): Required<ImageDetails> | undefined {
  let fd: number;
  try {
    fd = openSync(absPath, 'r');
  } catch {
    return undefined;
  }
  try {
    const verify = options.verify ?? true;
    const first = verify && lastSyncSize <= WHOLE_READ ? WHOLE_READ : FIRST_READ;
    const n = readSync(fd, syncHead, 0, first, 0);
    if (n === 0) return undefined;
    const whole = n < first;
    let fileSize: number | undefined;
    if (verify) lastSyncSize = fileSize = whole ? n : fstatSync(fd).size;
    // The header is read from the first 4 KiB as by readImageDetails (the same answers); the walk's
    // and the end check's later reads come from the rest of the buffer when it holds them.
    const held = syncHead.subarray(0, n);
    const found = probeSync(fd, inspect(n > FIRST_READ ? held.subarray(0, FIRST_READ) : held, fileSize), held, whole);
    return typeof found === 'string' ? undefined : found;
  } catch {
    return undefined;
  } finally {
    closeSync(fd);
  }
}

/**
 * The EXIF orientation (1–8) of a JPEG, from the TIFF block of its APP1 "Exif" segment, or undefined
 * (not a JPEG, no EXIF, no orientation tag, unreadable). Only read when a size disagrees (see
 * {@link turnedSizeHint}): the headers of every image are read without it.
 */
export function readExifOrientationSync(absPath: string): number | undefined {
  try {
    const fd = openSync(absPath, 'r');
    try {
      // EXIF sits in the first segments, each at most 64 KiB.
      const head = Buffer.allocUnsafe(128 * 1024);
      return exifOrientation(head.subarray(0, readSync(fd, head, 0, head.length, 0)));
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
}

/** {@link readExifOrientationSync} on bytes from the start of a file. */
export function exifOrientation(data: Buffer): number | undefined {
  if (data.length < 4 || data[0] !== 0xff || data[1] !== 0xd8) return undefined;
  let pos = 2;
  while (pos + 4 <= data.length && data[pos] === 0xff) {
    const marker = data[pos + 1]!;
    if (marker === 0xda || marker === 0xd9 || isStartOfFrame(marker)) return undefined; // EXIF comes before the frame
    const length = data.readUInt16BE(pos + 2);
    const body = pos + 4;
    if (marker === 0xe1 && length >= 16 && body + length - 2 <= data.length && data.toString('latin1', body, body + 6) === 'Exif\0\0') {
      return tiffOrientation(data.subarray(body + 6, body + length - 2));
    }
    pos += 2 + length;
  }
  return undefined;
}

/** Tag 0x0112 of IFD0 of a TIFF block (classic TIFF, either byte order). */
function tiffOrientation(t: Buffer): number | undefined {
  if (t.length < 8) return undefined;
  const le = t[0] === 0x49 && t[1] === 0x49;
  if (!le && !(t[0] === 0x4d && t[1] === 0x4d)) return undefined;
  const u16 = (o: number) => (le ? t.readUInt16LE(o) : t.readUInt16BE(o));
  const u32 = (o: number) => (le ? t.readUInt32LE(o) : t.readUInt32BE(o));
  if (u16(2) !== 42) return undefined;
  const ifd = u32(4);
  if (ifd + 2 > t.length) return undefined;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const o = ifd + 2 + i * 12;
    if (o + 12 > t.length) return undefined;
    if (u16(o) !== 0x0112) continue;
    const v = u16(o + 2) === 3 ? u16(o + 8) : undefined;
    return v !== undefined && v >= 1 && v <= 8 ? v : undefined;
  }
  return undefined;
}

/**
 * When an annotation's size is the image's turned a quarter, and the image's EXIF orientation (5–8)
 * says viewers show it turned: a sentence saying so, to append to IMAGE_SIZE_MISMATCH (the labelling
 * tool most likely drew on the turned image, so its boxes do not fit the stored pixels). Else ''.
 * The item stays bad: which way the boxes were drawn is not guessed.
 */
export function turnedSizeHint(absPath: string, image: { width: number; height: number }, annotated: { width?: number | undefined; height?: number | undefined }): string {
  if (image.width === image.height || annotated.width !== image.height || annotated.height !== image.width) return '';
  const o = readExifOrientationSync(absPath);
  if (o === undefined || o < 5) return '';
  return ` (its EXIF orientation ${o} shows it turned a quarter, as ${image.height}x${image.width}: the annotation was likely made on the turned image, and its boxes do not fit the stored pixels)`;
}
