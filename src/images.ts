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
 * only when that fails.
 *
 * @example
 *   if (isImageName('photos/cat.JPG')) await readImageDetails('/data/photos/cat.JPG', 'photos/cat.JPG');
 *   // { format: 'jpg', width: 640, height: 480 }, or ConversionError IMAGE_NOT_FOUND / IMAGE_UNREADABLE
 */
import { close as fsClose, closeSync, fstat as fsFstat, open as fsOpen, openSync, read as fsRead, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { ConversionError } from './errors.js';
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
/** Bytes read at each later JPEG segment while walking to the frame header. */
const SEGMENT_READ = 4096;

/** JPEG start-of-frame markers (SOF0–SOF15 but DHT C4, JPG C8, DAC CC): they hold the height and width. */
function isStartOfFrame(m: number): boolean {
  return m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
}

/**
 * A header parser that asks for more bytes as it goes: it yields `[position, length]` and is given
 * back the bytes read there (fewer at the end of the file). The same parser runs on asynchronous
 * reads ({@link probeAsync}) and synchronous ones ({@link probeSync}).
 */
type Probe<T> = Generator<[position: number, length: number], T | undefined, Buffer>;

/**
 * Walks a JPEG's segments from the first bytes `head` to its frame header, reading only the few
 * bytes at the start of each segment that lies beyond `head` (a large EXIF block is stepped over,
 * not read). Undefined when the walk meets anything unexpected: the caller then reads more.
 */
function* jpegFrameSize(head: Buffer): Probe<{ width: number; height: number }> {
  let window = head;
  let windowStart = 0;
  let pos = 2;
  for (let steps = 0; steps < 512; steps++) {
    if (pos + 9 > windowStart + window.length) {
      window = yield [pos, SEGMENT_READ];
      if (window.length < 4) return undefined;
      windowStart = pos;
    }
    const at = pos - windowStart;
    if (window[at] !== 0xff) return undefined;
    const marker = window[at + 1]!;
    if (marker === 0xff) {
      pos += 1; // a fill byte
      continue;
    }
    if (isStartOfFrame(marker)) {
      if (at + 9 > window.length) return undefined;
      const height = window.readUInt16BE(at + 5);
      const width = window.readUInt16BE(at + 7);
      return width > 0 && height > 0 ? { width, height } : undefined;
    }
    if (marker === 0xd9 || marker === 0xda) return undefined; // end of image, or scan data before any frame
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd8)) {
      pos += 2; // markers without a length
      continue;
    }
    if (at + 4 > window.length) return undefined;
    pos += 2 + window.readUInt16BE(at + 2);
  }
  return undefined;
}

/**
 * Width and height from a TIFF's first IFD (classic or BigTIFF, either byte order), read where
 * the header points, so a TIFF whose IFD sits at the end of a large file costs two small reads.
 * Undefined when the header or the IFD is not as expected: the caller then tries image-size.
 */
function* tiffSize(head: Buffer): Probe<{ width: number; height: number }> {
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
  for (let i = 0; i < count; i++) {
    const o = countSize + i * entrySize;
    const tag = u16(buf, o);
    if (tag !== 256 && tag !== 257) continue;
    const type = u16(buf, o + 2);
    const v = big ? o + 12 : o + 8;
    const value = type === 3 ? u16(buf, v) : type === 4 ? u32(buf, v) : type === 16 && big ? u64(buf, v) : undefined;
    if (tag === 256) width = value;
    else height = value;
  }
  return width && height ? { width, height } : undefined;
}

/** Beyond this, a header that was not found is not looked for further (memory stays bounded). */
const MAX_READ = 16 << 20;

// fs callbacks on plain descriptors: cheaper per call than FileHandle objects, which matters
// when each image costs two or three calls.
const openFd = (path: string): Promise<number> =>
  new Promise((res, rej) => fsOpen(path, 'r', (e, fd) => (e ? rej(e) : res(fd))));
const readAt = (fd: number, buf: Buffer, length: number, position: number): Promise<number> =>
  new Promise((res, rej) => fsRead(fd, buf, 0, length, position, (e, n) => (e ? rej(e) : res(n))));
const closeFd = (fd: number): Promise<void> => new Promise((res) => fsClose(fd, () => res()));
const sizeOf = (fd: number): Promise<number> =>
  new Promise((res, rej) => fsFstat(fd, (e, st) => (e ? rej(e) : res(st.size))));

/** Runs a probe on asynchronous reads of `fd`. */
async function probeAsync<T>(fd: number, probe: Probe<T>): Promise<T | undefined> {
  let step = probe.next();
  while (!step.done) {
    const [position, length] = step.value;
    const buf = Buffer.allocUnsafe(length);
    const n = await readAt(fd, buf, length, position);
    step = probe.next(buf.subarray(0, n));
  }
  return step.value;
}

/** Runs a probe on synchronous reads of `fd` (into one shared buffer: synchronous code cannot overlap). */
function probeSync<T>(fd: number, probe: Probe<T>): T | undefined {
  let step = probe.next();
  while (!step.done) {
    const [position, length] = step.value;
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

/**
 * Reads `{format, width, height}` from an image's header.
 * @param absPath the file to read
 * @param display the file as messages should name it
 * @throws ConversionError `IMAGE_NOT_FOUND` or `IMAGE_UNREADABLE`
 */
export async function readImageDetails(absPath: string, display: string): Promise<Required<ImageDetails>> {
  let fd: number;
  try {
    fd = await openFd(absPath);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConversionError('IMAGE_NOT_FOUND', 'image not found', { file: display });
    throw new ConversionError('IMAGE_UNREADABLE', `cannot open image: ${(e as Error).message}`, { file: display });
  }
  try {
    let size = FIRST_READ;
    let lastError = '';
    for (;;) {
      const buf = Buffer.allocUnsafe(size);
      let bytesRead;
      try {
        bytesRead = await readAt(fd, buf, size, 0);
      } catch (e) {
        throw new ConversionError('IMAGE_UNREADABLE', `cannot read image: ${(e as Error).message}`, { file: display });
      }
      if (bytesRead === 0) throw new ConversionError('IMAGE_UNREADABLE', 'not an image: the file is empty', { file: display });
      const data = buf.subarray(0, bytesRead);
      if (size === FIRST_READ && bytesRead === size && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) {
        const frame = await probeAsync(fd, jpegFrameSize(data));
        if (frame) return { format: 'jpg', ...frame };
      }
      if (size === FIRST_READ && (data[0] === 0x49 || data[0] === 0x4d)) {
        const frame = await probeAsync(fd, tiffSize(data));
        if (frame) return { format: 'tiff', ...frame };
      }
      try {
        const r = imageSize(data);
        const format = formatName(r.type);
        if (format && r.width !== undefined && r.height !== undefined && r.width > 0 && r.height > 0) {
          return { format, width: r.width, height: r.height };
        }
        lastError = 'no width and height in the header';
      } catch (e) {
        lastError = (e as Error).message;
        if (/unsupported file type/i.test(lastError)) {
          throw new ConversionError('IMAGE_UNREADABLE', 'not an image: unrecognised file header', { file: display });
        }
      }
      if (bytesRead < size) break; // the whole file was read
      if (size === FIRST_READ) size = SECOND_READ;
      else {
        const full = await sizeOf(fd);
        if (full <= size || size >= MAX_READ) break;
        size = Math.min(full, MAX_READ);
      }
    }
    throw new ConversionError('IMAGE_UNREADABLE', `not a readable image: ${lastError}`, { file: display });
  } finally {
    await closeFd(fd);
  }
}

/** The first bytes of every synchronous read land here, and later reads in {@link syncBuf}. */
const syncHead = Buffer.allocUnsafe(FIRST_READ);
let syncBuf = Buffer.allocUnsafe(SEGMENT_READ);

/**
 * Reads `{format, width, height}` synchronously: the first 4 KiB, then what the JPEG or TIFF walk
 * asks for. Undefined when that is not enough or anything fails (a missing file, a bad header...):
 * {@link readImageDetails} then gives the answer or the error with its message.
 */
export function readImageDetailsSync(absPath: string): Required<ImageDetails> | undefined {
  let fd: number;
  try {
    fd = openSync(absPath, 'r');
  } catch {
    return undefined;
  }
  try {
    const n = readSync(fd, syncHead, 0, FIRST_READ, 0);
    const data = syncHead.subarray(0, n);
    if (n === FIRST_READ && data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) {
      const frame = probeSync(fd, jpegFrameSize(data));
      return frame ? { format: 'jpg', ...frame } : undefined;
    }
    if (n >= 16 && (data[0] === 0x49 || data[0] === 0x4d)) {
      const frame = probeSync(fd, tiffSize(data));
      if (frame) return { format: 'tiff', ...frame };
    }
    const r = imageSize(data);
    const format = formatName(r.type);
    return format && r.width > 0 && r.height > 0 ? { format, width: r.width, height: r.height } : undefined;
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
