/**
 * Grouping COCO objects by image in bounded memory.
 *
 * Annotations come in any order and an output line needs every object of its image, so objects are
 * encoded into compact binary records and appended to buckets, one bucket per contiguous range of
 * image indices. Buckets live in memory until their total passes `memoryBudget`; from then on they are
 * appended to one temporary file each. At the end the buckets are read back one at a time, the records
 * of a bucket grouped by image (a counting sort over its image range), and each image's objects
 * decoded only when its line is built. Memory is the budget plus one bucket, whatever the file size:
 * {@link bucketCountFor} makes buckets about `bucketBytes` each.
 *
 * Record layout (little-endian): u32 image, u32 length of the rest, u32 element, u8 id kind
 * (0 none, 1 number → f64, 2 string → u32 length + UTF-8), u32 label, u8 isCrowd, u8 shape
 * (0 box → 4 × f64, 1 rings → u32 count, then per ring u32 n + n × f64).
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, fstatSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { registerTemp, unregisterTemp } from '../tempfiles.js';
import type { CocoId, CocoObject } from './index.js';

/** Default in-memory budget before buckets go to disk. */
export const DEFAULT_MEMORY_BUDGET = 16 << 20;
/** Target size of one bucket on disk (what is held while its images are written). */
export const DEFAULT_BUCKET_BYTES = 12 << 20;

/** Buckets for an expected amount of spilled bytes: about `bucketBytes` each, 1 to 4096. */
export function bucketCountFor(expectedBytes: number, bucketBytes = DEFAULT_BUCKET_BYTES): number {
  return Math.max(1, Math.min(4096, Math.ceil(expectedBytes / bucketBytes)));
}

/**
 * The records of one bucket in memory: full chunks plus the one being filled. A record never straddles
 * two chunks. Chunks grow from 4 KiB to 256 KiB, so small buckets stay small and large ones waste little.
 */
class Chunks {
  full: Buffer[] = [];
  buf: Buffer = EMPTY;
  view: DataView = new DataView(new ArrayBuffer(0));
  len = 0;
  private nextSize: number;

  /** @param spare where chunks of the largest size are taken from and given back ({@link recycle}), when shared */
  constructor(
    private readonly firstSize = 1 << 12,
    private readonly spare: Buffer[] | undefined = undefined,
  ) {
    this.nextSize = firstSize;
  }

  /** Makes room for `n` more bytes in the current chunk. */
  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    if (this.len > 0) this.full.push(this.buf.subarray(0, this.len));
    const size = Math.max(this.nextSize, n);
    this.nextSize = Math.min(this.nextSize * 2, MAX_CHUNK);
    const reused = size === MAX_CHUNK ? this.spare?.pop() : undefined;
    this.buf = reused ?? Buffer.from(new ArrayBuffer(size));
    this.view = new DataView(this.buf.buffer as ArrayBuffer, 0, size);
    this.len = 0;
  }

  /** Every byte, in order (the current chunk included). */
  parts(): Buffer[] {
    return this.len > 0 ? [...this.full, this.buf.subarray(0, this.len)] : this.full;
  }

  /**
   * {@link clear}, giving chunks of the largest size back to the spare list once their bytes are no
   * longer needed (written to disk): buckets that spill again and again then reuse the same memory
   * instead of leaving ~`memoryBudget` of garbage in V8's old space per spill.
   */
  recycle(): void {
    if (this.spare) {
      for (const part of this.full) if (part.buffer.byteLength === MAX_CHUNK && part.byteOffset === 0) this.spare.push(Buffer.from(part.buffer));
      if (this.buf.length === MAX_CHUNK) this.spare.push(this.buf);
    }
    this.clear();
  }

  clear(): void {
    this.full = [];
    this.buf = EMPTY;
    this.view = new DataView(new ArrayBuffer(0));
    this.len = 0;
    this.nextSize = this.firstSize;
  }
}

const EMPTY = Buffer.from(new ArrayBuffer(0));

/** The largest chunk of records: 256 KiB. */
const MAX_CHUNK = 1 << 18;

/** One decoded object of an image, with what sorts it. */
export interface DecodedObject {
  element: number;
  id: CocoId | undefined;
  label: number;
  isCrowd: 0 | 1;
  box: [number, number, number, number] | undefined;
  rings: number[][] | undefined;
}

/** Objects of one image in a fixed order: by annotation id (numbers, then strings, then none), then by position. */
export function compareObjects(a: DecodedObject, b: DecodedObject): number {
  const ka = a.id === undefined ? 2 : typeof a.id === 'number' ? 0 : 1;
  const kb = b.id === undefined ? 2 : typeof b.id === 'number' ? 0 : 1;
  if (ka !== kb) return ka - kb;
  if (a.id !== b.id && a.id !== undefined && b.id !== undefined) return a.id < b.id ? -1 : 1;
  return a.element - b.element;
}

/** The objects of one image, as read back from its bucket. */
export interface ImageGroup {
  image: number;
  objects: DecodedObject[];
}

/** Objects grouped by image, in memory up to a budget, then in temporary files. */
export class ObjectBuckets {
  private readonly chunks: Chunks[];
  private readonly fds: (number | undefined)[];
  /** Images per bucket (the last bucket may have fewer). */
  readonly imagesPerBucket: number;
  private inMemory = 0;
  private dir: string | undefined;
  private closed = false;
  /** Where spilled buckets are read back (see {@link bucketBytes}). */
  private readBuffer: Buffer = EMPTY;
  /** Chunks written to disk, for reuse (see Chunks.recycle). */
  private readonly spare: Buffer[] = [];
  /** Bytes written to temporary files (for the summary's counters). */
  spilledBytes = 0;

  /**
   * @param imageCount images (indices 0 .. imageCount-1)
   * @param bucketCount see {@link bucketCountFor}
   * @param tempParent where the temporary folder goes when the budget is passed
   */
  constructor(
    private readonly imageCount: number,
    bucketCount: number,
    private readonly tempParent: string,
    private readonly memoryBudget = DEFAULT_MEMORY_BUDGET,
  ) {
    const buckets = Math.max(1, Math.min(bucketCount, Math.max(1, imageCount)));
    this.imagesPerBucket = Math.max(1, Math.ceil(imageCount / buckets));
    const n = Math.max(1, Math.ceil(imageCount / this.imagesPerBucket));
    this.chunks = Array.from({ length: n }, () => new Chunks(1 << 12, this.spare));
    this.fds = new Array<number | undefined>(n).fill(undefined);
  }

  /** Number of buckets. */
  get bucketCount(): number {
    return this.chunks.length;
  }

  /** Appends one object to its image's bucket. */
  add(o: CocoObject): void {
    this.inMemory += encodeObject(this.chunks[Math.floor(o.image / this.imagesPerBucket)]!, o);
    if (this.inMemory > this.memoryBudget) this.flushAll();
  }

  /** The bucket of an image. */
  bucketOf(image: number): number {
    return Math.floor(image / this.imagesPerBucket);
  }

  /**
   * Appends records encoded elsewhere (by a {@link RecordBatch}, maybe in a worker thread) to their
   * buckets. They are copied: `packed` can be reused as soon as this returns.
   */
  addEncoded(packed: PackedRecords): void {
    let start = 0;
    for (let b = 0; b < packed.ends.length; b++) {
      const end = packed.ends[b]!;
      if (end > start) {
        const c = this.chunks[b]!;
        c.reserve(end - start);
        c.buf.set(packed.records.subarray(start, end), c.len);
        c.len += end - start;
        this.inMemory += end - start;
      }
      start = end;
    }
    if (this.inMemory > this.memoryBudget) this.flushAll();
  }

  private flushAll(): void {
    if (this.dir === undefined) {
      this.dir = mkdtempSync(join(this.tempParent, '.automl-img-coco-'));
      registerTemp(this.dir);
    }
    this.chunks.forEach((c, b) => {
      const parts = c.parts();
      if (parts.length === 0) return;
      let fd = this.fds[b];
      if (fd === undefined) fd = this.fds[b] = openSync(join(this.dir!, `bucket-${b}.bin`), 'a+');
      for (const part of parts) {
        let written = 0;
        while (written < part.length) written += writeSync(fd, part, written, part.length - written);
        this.spilledBytes += part.length;
      }
      c.recycle();
    });
    this.inMemory = 0;
  }

  /** The images of every bucket in index order, each with its objects sorted (see {@link compareObjects}). */
  *groups(): Generator<ImageGroup> {
    for (let b = 0; b < this.chunks.length; b++) {
      const data = this.bucketBytes(b);
      const view = new DataView(data.buffer, data.byteOffset, data.length);
      const first = b * this.imagesPerBucket;
      const count = Math.min(this.imageCount, first + this.imagesPerBucket) - first;
      if (count <= 0) continue;
      // Counting sort of record offsets by image.
      const starts = new Uint32Array(count + 1);
      let records = 0;
      for (let p = 0; p < data.length; p += 8 + view.getUint32(p + 4, true)) {
        starts[view.getUint32(p, true) - first + 1]!++;
        records++;
      }
      for (let i = 0; i < count; i++) starts[i + 1]! += starts[i]!;
      const offsets = new Uint32Array(records);
      const fill = starts.slice(0, count);
      for (let p = 0; p < data.length; p += 8 + view.getUint32(p + 4, true)) {
        offsets[fill[view.getUint32(p, true) - first]!++] = p + 8;
      }
      for (let i = 0; i < count; i++) {
        const objects: DecodedObject[] = [];
        for (let k = starts[i]!; k < starts[i + 1]!; k++) objects.push(decode(data, view, offsets[k]!));
        objects.sort(compareObjects);
        yield { image: first + i, objects };
      }
    }
  }

  private bucketBytes(b: number): Buffer {
    const c = this.chunks[b]!;
    const inMemory = c.parts();
    const memoryBytes = inMemory.reduce((sum, part) => sum + part.length, 0);
    const fd = this.fds[b];
    if (fd === undefined) {
      const data = inMemory.length === 1 ? inMemory[0]! : Buffer.concat(inMemory, memoryBytes);
      c.clear();
      this.inMemory -= memoryBytes;
      return data;
    }
    const onDisk = fstatSync(fd).size;
    // One buffer for every bucket read back (a bucket's bytes are not referenced once its images are
    // yielded: decode copies what it keeps), grown as needed: no 12 MiB of garbage per bucket.
    if (this.readBuffer.length < onDisk + memoryBytes) this.readBuffer = Buffer.allocUnsafe(Math.max(onDisk + memoryBytes, Math.floor(this.readBuffer.length * 1.25)));
    const data = this.readBuffer.subarray(0, onDisk + memoryBytes);
    let read = 0;
    while (read < onDisk) {
      const n = readSync(fd, data, read, onDisk - read, read);
      if (n === 0) throw new Error(`temporary bucket file shorter than expected (${read} of ${onDisk} bytes)`);
      read += n;
    }
    let at = onDisk;
    for (const part of inMemory) at += part.copy(data, at);
    c.clear();
    this.inMemory -= memoryBytes;
    closeSync(fd);
    this.fds[b] = undefined;
    return data;
  }

  /** Closes and removes the temporary files. Safe to call twice. */
  dispose(): void {
    if (this.closed) return;
    this.closed = true;
    this.readBuffer = EMPTY;
    this.spare.length = 0;
    for (const fd of this.fds) if (fd !== undefined) closeSync(fd);
    this.fds.fill(undefined);
    if (this.dir !== undefined) {
      rmSync(this.dir, { recursive: true, force: true });
      unregisterTemp(this.dir);
    }
  }
}

/** Appends one object's record to `c`; returns its size in bytes. */
function encodeObject(c: RecordSink, o: CocoObject): number {
  const idBytes = typeof o.id === 'string' ? Buffer.byteLength(o.id, 'utf8') : 0;
  let size = 8 + 4 + 1 + (o.id === undefined ? 0 : typeof o.id === 'number' ? 8 : 4 + idBytes) + 4 + 1 + 1;
  if (o.box) size += 32;
  else {
    size += 4;
    for (const r of o.rings ?? []) size += 4 + 8 * r.length;
  }
  c.reserve(size);
  const v = c.view;
  let p = c.len;
  v.setUint32(p, o.image, true);
  v.setUint32(p + 4, size - 8, true);
  v.setUint32(p + 8, o.element, true);
  p += 12;
  if (o.id === undefined) v.setUint8(p++, 0);
  else if (typeof o.id === 'number') {
    v.setUint8(p, 1);
    v.setFloat64(p + 1, o.id, true);
    p += 9;
  } else {
    v.setUint8(p, 2);
    v.setUint32(p + 1, idBytes, true);
    c.buf.write(o.id, p + 5, 'utf8');
    p += 5 + idBytes;
  }
  v.setUint32(p, o.label, true);
  v.setUint8(p + 4, o.isCrowd);
  p += 5;
  if (o.box) {
    v.setUint8(p, 0);
    v.setFloat64(p + 1, o.box[0], true);
    v.setFloat64(p + 9, o.box[1], true);
    v.setFloat64(p + 17, o.box[2], true);
    v.setFloat64(p + 25, o.box[3], true);
  } else {
    const rings = o.rings ?? [];
    v.setUint8(p, 1);
    v.setUint32(p + 1, rings.length, true);
    p += 5;
    for (const r of rings) {
      v.setUint32(p, r.length, true);
      p += 4;
      for (let i = 0; i < r.length; i++, p += 8) v.setFloat64(p, r[i]!, true);
    }
  }
  c.len += size;
  return size;
}

/** Where {@link encodeObject} appends: a chunk list, or a single buffer that grows. */
interface RecordSink {
  buf: Buffer;
  view: DataView;
  len: number;
  reserve(n: number): void;
}

/** One buffer that doubles when full and is reused once emptied. */
class GrowingBuffer implements RecordSink {
  buf: Buffer = Buffer.from(new ArrayBuffer(1 << 14));
  view = new DataView(this.buf.buffer as ArrayBuffer);
  len = 0;

  reserve(n: number): void {
    if (this.len + n <= this.buf.length) return;
    const grown = Buffer.from(new ArrayBuffer(Math.max(this.buf.length * 2, this.len + n)));
    this.buf.copy(grown, 0, 0, this.len);
    this.buf = grown;
    this.view = new DataView(grown.buffer as ArrayBuffer);
  }
}

/** The records of one {@link RecordBatch.take}: bucket `b`'s are `records[ends[b-1] ?? 0, ends[b])`. */
export interface PackedRecords {
  records: Uint8Array;
  ends: number[];
}

/**
 * Records encoded for {@link ObjectBuckets.addEncoded} away from the buckets (in a worker thread),
 * per bucket: {@link take} packs what was added since the last call into one ArrayBuffer (to
 * transfer without a copy), which may be one given back from an earlier call: in steady state no
 * memory is allocated (each allocation would wait as garbage, outside V8's heap, for a full collection).
 */
export class RecordBatch {
  private readonly sinks: GrowingBuffer[];

  /** @param imagesPerBucket and `bucketCount`: those of the {@link ObjectBuckets} the records go to */
  constructor(
    private readonly imagesPerBucket: number,
    bucketCount: number,
  ) {
    this.sinks = Array.from({ length: bucketCount }, () => new GrowingBuffer());
  }

  add(o: CocoObject): void {
    encodeObject(this.sinks[Math.floor(o.image / this.imagesPerBucket)]!, o);
  }

  /** The records added since the last call, packed into `reuse` when it is large enough. */
  take(reuse?: ArrayBuffer): PackedRecords {
    let total = 0;
    for (const s of this.sinks) total += s.len;
    const out = reuse !== undefined && reuse.byteLength >= total ? reuse : new ArrayBuffer(Math.max(total, 1 << 20));
    const records = new Uint8Array(out, 0, total);
    const ends: number[] = [];
    let at = 0;
    for (const s of this.sinks) {
      records.set(s.buf.subarray(0, s.len), at);
      at += s.len;
      ends.push(at);
      s.len = 0;
    }
    return { records, ends };
  }
}

function decode(data: Buffer, v: DataView, start: number): DecodedObject {
  let p = start;
  const element = v.getUint32(p, true);
  p += 4;
  const kind = v.getUint8(p++);
  let id: CocoId | undefined;
  if (kind === 1) {
    id = v.getFloat64(p, true);
    p += 8;
  } else if (kind === 2) {
    const n = v.getUint32(p, true);
    p += 4;
    id = data.toString('utf8', p, p + n);
    p += n;
  }
  const label = v.getUint32(p, true);
  const isCrowd = v.getUint8(p + 4) === 1 ? 1 : 0;
  const shape = v.getUint8(p + 5);
  p += 6;
  if (shape === 0) {
    const box: [number, number, number, number] = [v.getFloat64(p, true), v.getFloat64(p + 8, true), v.getFloat64(p + 16, true), v.getFloat64(p + 24, true)];
    return { element, id, label, isCrowd, box, rings: undefined };
  }
  const nRings = v.getUint32(p, true);
  p += 4;
  const rings: number[][] = [];
  for (let r = 0; r < nRings; r++) {
    const n = v.getUint32(p, true);
    p += 4;
    const ring = new Array<number>(n);
    for (let i = 0; i < n; i++, p += 8) ring[i] = v.getFloat64(p, true);
    rings.push(ring);
  }
  return { element, id, label, isCrowd, box: undefined, rings };
}
