/**
 * Reading the image headers of many items, results in input order: synchronously, one by one, while
 * the disk answers fast (no promise per image: on a local disk or the page cache thread-pool
 * hand-offs cost more than the reads), else with up to {@link HEADER_READS_IN_FLIGHT} reads at once.
 * {@link HeaderReader} decides when to switch; {@link readInOrder} runs a stream of items through it.
 *
 * @example
 *   const headers = await HeaderReader.for(imagesDir);
 *   const steps = {
 *     quick: (abs: string) => { const d = headers.readSync(abs); return d && { abs, ...d }; },
 *     settle: async (abs: string) => ({ abs, ...(await readImageDetails(abs, abs)) }),
 *   };
 *   for await (const results of readInOrder(batchesOfPaths, headers, steps)) for (const r of results) console.log(r);
 */
import { statfs } from 'node:fs/promises';
import { mapOrdered } from '../concurrency.js';
import { readImageDetails, readImageDetailsSync, type ImageReadOptions } from '../images.js';
import type { ImageDetails } from '../types.js';

/** How many image headers are read at once once reads are asynchronous. */
export const HEADER_READS_IN_FLIGHT = 64;

/** A synchronous read slower than this counts as slow storage. */
const SLOW_READ_MS = 2;
/** Reads are judged in windows of this many: a window with more than half slow reads switches to asynchronous. */
const WINDOW = 32;

/**
 * Linux filesystems reached over a network or through FUSE, where a read can be slow or hang:
 * NFS, SMB/CIFS (two magics), FUSE (blobfuse, s3fs, sshfs, gcsfuse), 9p (WSL2 drives, VM shares),
 * Ceph, AFS, Coda, Lustre, GFS2, OCFS2.
 */
const REMOTE_FS_TYPES: ReadonlySet<number> = new Set([0x6969, 0x517b, 0xff534d42, 0xfe534d42, 0x65735546, 0x01021997, 0x00c36400, 0x5346414f, 0x73757245, 0x0bd00bd0, 0x01161970, 0x7461636f]);

/** True for a `statfs` type of a network or FUSE filesystem (Linux magic numbers, signed or not). */
export function isRemoteFilesystemType(type: number | bigint): boolean {
  return REMOTE_FS_TYPES.has(Number(BigInt.asUintN(32, BigInt(type))));
}

/**
 * Reads image headers for one conversion. While the files answer fast (a local disk, the page
 * cache) each header is read synchronously: no thread hand-offs, about half the CPU of the
 * asynchronous path for small files. When more than half the reads of a window of 32 are slow (a
 * cold disk; a stray slow read, a GC pause, does not count) it reads asynchronously from then on,
 * so that the caller's concurrent reads ({@link readInOrder}) overlap. On a network or FUSE
 * filesystem ({@link HeaderReader.for}) it is asynchronous from the start: a synchronous read that
 * hangs on a stalled mount would block the process, Ctrl-C included.
 * Errors and their messages always come from {@link readImageDetails}.
 */
export class HeaderReader {
  private sync: boolean;
  private reads = 0;
  private slow = 0;
  private readonly options: ImageReadOptions;

  /**
   * @param options.synchronous start with synchronous reads (default true)
   * @param options.verify check that each image is whole (default true; see `readImageDetails`)
   */
  constructor(options: { synchronous?: boolean; verify?: boolean | undefined } = {}) {
    this.sync = options.synchronous ?? true;
    this.options = { verify: options.verify ?? true };
  }

  /**
   * A reader for the images under `dir` (`options.verify` as in the constructor): asynchronous from the start when `dir` lies on a network
   * or FUSE filesystem (Linux `statfs`), synchronous while fast otherwise.
   */
  static async for(dir: string, options: { verify?: boolean | undefined } = {}): Promise<HeaderReader> {
    let synchronous = true;
    if (process.platform === 'linux') {
      try {
        synchronous = !isRemoteFilesystemType((await statfs(dir)).type);
      } catch {
        // unknown: judged by speed
      }
    }
    return new HeaderReader({ synchronous, verify: options.verify });
  }

  /** True while headers are read synchronously. */
  get synchronous(): boolean {
    return this.sync;
  }

  /**
   * @param absPath the image
   * @param display the image as messages name it, or a function that makes that name (called only
   *   for an error, so a run without errors formats no paths)
   * @throws ConversionError `IMAGE_NOT_FOUND` or `IMAGE_UNREADABLE`
   */
  async read(absPath: string, display: string | ((absPath: string) => string)): Promise<Required<ImageDetails>> {
    return this.readSync(absPath) ?? readImageDetails(absPath, typeof display === 'string' ? display : display(absPath), this.options);
  }

  /**
   * The synchronous step alone, for callers that avoid a promise per image: the details, or
   * undefined (not read synchronously any more, or not readable that way: then call {@link read}).
   */
  readSync(absPath: string): Required<ImageDetails> | undefined {
    if (!this.sync) return undefined;
    const t0 = performance.now();
    const details = readImageDetailsSync(absPath, this.options);
    if (performance.now() - t0 > SLOW_READ_MS) this.slow++;
    if (++this.reads === WINDOW) {
      if (this.slow * 2 > WINDOW) this.sync = false;
      this.reads = 0;
      this.slow = 0;
    }
    return details;
  }
}

/** How {@link readInOrder} turns one item into its result. */
export interface InOrderSteps<T, R> {
  /**
   * The result without waiting: its header read with {@link HeaderReader.readSync} (or none needed),
   * or undefined when that does not give it.
   */
  quick(item: T): R | undefined;
  /** The result, its header read asynchronously (with `readImageDetails`, whose errors carry the messages). */
  settle(item: T): Promise<R>;
}

/**
 * The results of `batches`' items, in input order, a batch at a time. While `reader` reads
 * synchronously (or is undefined: no header is read), each item goes through `quick`, and through
 * `settle` awaited when `quick` gives nothing: one promise per batch, not per item (the results
 * before a `settle` are yielded before it, so a consumer that stops at one of them starts no
 * asynchronous read after it). Once the reader
 * turns asynchronous, the rest (of this batch and the next ones) goes through `settle` with up to
 * {@link HEADER_READS_IN_FLIGHT} in flight. Ending the loop early ends `batches`.
 */
export async function* readInOrder<T, R>(batches: AsyncIterable<T[]>, reader: HeaderReader | undefined, steps: InOrderSteps<T, R>): AsyncGenerator<R[]> {
  const source = batches[Symbol.asyncIterator]();
  try {
    for (;;) {
      const next = await source.next();
      if (next.done) return;
      const batch = next.value;
      let results: R[] = [];
      let i = 0;
      for (; i < batch.length && (reader === undefined || reader.synchronous); i++) {
        const quick = steps.quick(batch[i]!);
        if (quick !== undefined) {
          results.push(quick);
          continue;
        }
        // The results so far go out first: a consumer that stops at one of them settles nothing more.
        if (results.length > 0) yield results;
        results = [await steps.settle(batch[i]!)];
      }
      if (results.length > 0) yield results;
      if (i < batch.length) {
        // Slow storage: the rest concurrently, still in input order.
        const rest = async function* (): AsyncGenerator<T> {
          yield* batch.slice(i);
          for (let n = await source.next(); !n.done; n = await source.next()) yield* n.value;
        };
        for await (const r of mapOrdered(rest(), HEADER_READS_IN_FLIGHT, (item) => steps.settle(item))) yield [r];
        return;
      }
    }
  } finally {
    await source.return?.(undefined);
  }
}
