/**
 * The probe of an image file before it is sent (SPEC §7): is it a readable file whose first bytes are
 * an image's, and how large is it? A file up to {@link KEEP_BYTES} is read whole in the same read, so
 * that its body needs no second open. Plain data in, plain data out, no message text: the calling
 * thread or the image-reading thread (src/score/probe-worker.ts) runs it, and src/score/body.ts turns
 * a failure into the image's error.
 *
 * @example
 *   const r = probeFile('imgs/cat.jpg');
 *   if ('failure' in r) console.log(r.failure, r.detail);
 *   else console.log(r.size, r.data?.length); // data: the whole file, when small
 */
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Files up to this size are read whole by {@link probeFile} and kept with the image until it is answered. */
export const KEEP_BYTES = 64 * 1024;

/** Why a file cannot be sent. */
export type ProbeFailure =
  /** open: no such file (or a folder on the way is a file) */
  | 'missing'
  /** open failed otherwise (`detail`: the system's message) */
  | 'open'
  /** zero bytes */
  | 'empty'
  /** the first bytes are no JPEG, PNG, BMP or TIFF */
  | 'header'
  /** larger than {@link KEEP_BYTES} and not a regular file */
  | 'device'
  /** a read or the stat failed (`detail`: the system's message) */
  | 'read';

/** What {@link probeFile} found. */
export type ProbeResult =
  | {
      size: number;
      /** The whole file when `size` ≤ {@link KEEP_BYTES}. */
      data: Buffer | undefined;
    }
  | { failure: ProbeFailure; detail?: string };

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** True when the first bytes are those of a JPEG, PNG, BMP or TIFF (classic or BigTIFF). */
function hasImageSignature(b: Buffer): boolean {
  if (b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return true;
  if (b.length >= 8 && PNG_SIGNATURE.equals(b.subarray(0, 8))) return true;
  if (b[0] === 0x42 && b[1] === 0x4d) return true;
  if (b[0] === 0x49 && b[1] === 0x49 && (b[2] === 0x2a || b[2] === 0x2b) && b[3] === 0) return true;
  return b[0] === 0x4d && b[1] === 0x4d && b[2] === 0 && (b[3] === 0x2a || b[3] === 0x2b);
}

/** Opened without waiting: a FIFO named like an image is refused (its read fails) instead of blocking the run; no effect on files. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0);

/** Where {@link probeFile} reads: one byte more than a file it keeps. */
const probeBuf = Buffer.allocUnsafe(KEEP_BYTES + 1);

/**
 * The file's size, after checking that it is a readable file whose first bytes are an image's.
 * Synchronous (an open, one read, a close; a stat only past {@link KEEP_BYTES}): a few microseconds
 * on a local disk, where an asynchronous round trip per step would cost more than the rest.
 */
export function probeFile(path: string): ProbeResult {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'ENOTDIR' ? { failure: 'missing' } : { failure: 'open', detail: (e as Error).message };
  }
  try {
    // One read of up to KEEP_BYTES + 1: a shorter one is the whole file (no stat needed); else stat for the size.
    let n = 0;
    for (;;) {
      const got = readSync(fd, probeBuf, n, probeBuf.length - n, n);
      n += got;
      if (got === 0 || n === probeBuf.length) break;
    }
    if (n === 0) return { failure: 'empty' };
    if (n < 2 || !hasImageSignature(probeBuf.subarray(0, Math.min(n, 8)))) return { failure: 'header' };
    if (n <= KEEP_BYTES) return { size: n, data: Buffer.from(probeBuf.subarray(0, n)) };
    const s = fstatSync(fd);
    if (!s.isFile()) return { failure: 'device' };
    return { size: s.size, data: undefined };
  } catch (e) {
    return { failure: 'read', detail: (e as Error).message };
  } finally {
    closeSync(fd);
  }
}
