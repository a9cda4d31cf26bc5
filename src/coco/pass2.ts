/**
 * Pass 2 of coco-to-jsonl: the elements of `annotations`, read range by range (ranges of about 4 MiB
 * found by pass 1, see `elementRanges` in src/coco/json), on `--jobs` worker threads or in this thread.
 *
 * A range is read by a {@link RangeReader}: its own file descriptor and scanner, {@link AnnotationReader}
 * for the checks and arithmetic, and the objects encoded as the binary records of src/coco/spill.ts,
 * per bucket. What a range gives back ({@link RangeResult}) is plain data: the records (ArrayBuffers,
 * transferred without a copy), counters, and the errors and warnings in element order. The caller
 * applies results in range order ({@link Pass2Pool.results}), so diagnostics come in file order and the
 * first bad annotation in the file is the one reported with `--on-error fail`, whatever the number of
 * threads; the records' order inside a bucket does not matter (objects are sorted per image when read back).
 *
 * @example
 *   const pool = new Pass2Pool(2);                 // this thread and one worker, which loads while pass 1 runs
 *   pool.start(setup, ranges);
 *   for await (const result of pool.results()) apply(result);
 *   const { hasAnnotations, hasObjects } = await pool.finish();
 *   await pool.close();
 */
import { closeSync, openSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { AnnotationReader, IdTables, isCocoId, member, type CocoTask, type IdTablesData } from './index.js';
import { RecordBatch, type PackedRecords } from './spill.js';
import { ConversionError, type ErrorCode, type Location } from '../errors.js';
import { readJsonAtSync, readRangeSync, scanRestSync, type ArraySpec, type ElementRange, type JsonArrayElement, type RestOfFile, type WantedArrays } from './json/index.js';
import { builtWorkerScript, bugOf, errorOfBug, WorkerCrew, type WorkerBug } from '../kit/workers.js';
import type { PolygonOptions } from '../polygon/index.js';

/** Everything a {@link RangeReader} needs (plain data: it is sent to each worker thread). */
export interface Pass2Setup {
  /** The JSON file, absolute. */
  input: string;
  /** The JSON file as messages name it. */
  file: string;
  task: CocoTask;
  polygon: PolygonOptions;
  /** `--on-error fail`: a range stops at its first bad annotation (the rest would not be used). */
  failFast: boolean;
  ids: IdTablesData;
  width: Uint32Array;
  height: Uint32Array;
  ok: Uint8Array;
  imageCount: number;
  imagesPerBucket: number;
  bucketCount: number;
}

/** A ConversionError as plain data. */
export interface ErrorData {
  code: ErrorCode;
  detail: string;
  loc: Location;
}

/** A bad annotation or a warning, in element order. */
export type RangeEvent = { bad: ErrorData } | { warn: ErrorData };

/** What one range gave. */
export interface RangeResult {
  /** Position of the range in the list given to {@link Pass2Pool.start}. */
  range: number;
  /** Encoded records, per bucket (see ObjectBuckets.addEncoded). */
  records: PackedRecords;
  /** Counters, in the order they were first incremented. */
  counts: [string, number][];
  events: RangeEvent[];
  /** A problem that ends the conversion whatever `--on-error` says (malformed JSON), after `events`. */
  fatal?: ErrorData | undefined;
  /** A bug (not a ConversionError) in the thread. */
  bug?: WorkerBug | undefined;
}

/** Per image: annotated at all, and given at least one object (see the converter). */
export interface ImageFlags {
  hasAnnotations: Uint8Array;
  hasObjects: Uint8Array;
}

export function errorData(e: ConversionError): ErrorData {
  return { code: e.code, detail: e.detail, loc: { file: e.file, line: e.line, path: e.path } };
}

export function fromErrorData(d: ErrorData): ConversionError {
  return new ConversionError(d.code, d.detail, d.loc);
}

/** Thrown inside a range to stop it at its first bad annotation (`failFast`). */
const STOP = Symbol('stop');

/** How pass 2 reads `annotations`: detection leaves `segmentation` unparsed (read back only when `bbox` is missing). */
export function annotationSpec(task: CocoTask): ArraySpec {
  return task === 'object-detection' ? { defer: ['segmentation'] } : { mode: 'parse' };
}

/** Bytes read at a time in a range. */
const CHUNK = 256 << 10;

/** Reads ranges of `annotations` into encoded records (in a worker thread, or in the calling one). */
export class RangeReader {
  private readonly ids: IdTables;
  private readonly reader: AnnotationReader;
  private readonly batch: RecordBatch;
  private readonly spec: ArraySpec;
  /** Read buffer and scanner buffer, reused from range to range. */
  private readonly io: { chunk: Buffer; scanner?: Buffer | undefined } = { chunk: Buffer.allocUnsafe(CHUNK) };
  private readonly flags: ImageFlags;
  private fd: number | undefined;
  private counts = new Map<string, number>();
  private events: RangeEvent[] = [];

  constructor(private readonly setup: Pass2Setup) {
    this.ids = new IdTables(setup.ids);
    this.flags = { hasAnnotations: new Uint8Array(setup.imageCount), hasObjects: new Uint8Array(setup.imageCount) };
    this.batch = new RecordBatch(setup.imagesPerBucket, setup.bucketCount);
    this.spec = annotationSpec(setup.task);
    const file = setup.file;
    this.reader = new AnnotationReader(
      this.ids,
      { width: setup.width, height: setup.height, ok: setup.ok },
      {
        task: setup.task,
        file,
        polygon: setup.polygon,
        readDeferred: (span, path) => readJsonAtSync(this.open(), span, { file, path }),
        count: (name, by = 1) => this.counts.set(name, (this.counts.get(name) ?? 0) + by),
        warn: (code, message, loc) => this.events.push({ warn: { code, detail: message, loc } }),
      },
    );
  }

  private open(): number {
    this.fd ??= openSync(this.setup.input, 'r');
    return this.fd;
  }

  /**
   * Reads range number `n`. Never throws: bad input is in the result's `events` and `fatal`, and a bug
   * (anything else thrown) in its `bug`, so that the caller meets it in range order like the rest
   * (see {@link RangeResult}). The records go into `reuse` when it is large enough (a buffer of an
   * earlier result, given back).
   */
  read(n: number, range: ElementRange, reuse?: ArrayBuffer): RangeResult {
    this.counts = new Map();
    this.events = [];
    let fatal: ErrorData | undefined;
    try {
      readRangeSync(this.open(), 'annotations', this.spec, range, this.io, (elements) => this.elements(elements), { file: this.setup.file });
    } catch (e) {
      if (e instanceof ConversionError) fatal = errorData(e);
      else if (e !== STOP) {
        this.batch.take(reuse); // the range's records so far: not to be mixed into the next range's
        return { range: n, records: { records: new Uint8Array(0), ends: [] }, counts: [], events: [], bug: bugOf(e) };
      }
    }
    return { range: n, records: this.batch.take(reuse), counts: [...this.counts], events: this.events, fatal };
  }

  private elements(elements: JsonArrayElement[]): void {
    const { hasAnnotations, hasObjects } = this.flags;
    for (const e of elements) {
      let object;
      try {
        object = this.reader.read(e.value, e.index, e.deferred);
      } catch (err) {
        if (!(err instanceof ConversionError)) throw err;
        this.markAnnotated(e.value);
        this.events.push({ bad: errorData(err) });
        if (this.setup.failFast) throw STOP;
        continue;
      }
      if (object === undefined) {
        this.markAnnotated(e.value);
        continue;
      }
      hasAnnotations[object.image] = 1;
      hasObjects[object.image] = 1;
      this.batch.add(object);
    }
  }

  /** An image with an annotation that gave no object is left out rather than written as a background image. */
  private markAnnotated(annotation: unknown): void {
    const id = typeof annotation === 'object' && annotation !== null ? member(annotation, 'image_id') : undefined;
    const image = isCocoId(id) ? this.ids.imageIndex(id) : undefined;
    if (image !== undefined && image >= 0) this.flags.hasAnnotations[image] = 1;
  }

  /** The per-image flags of every range read; closes the file. */
  finish(): ImageFlags {
    this.close();
    return this.flags;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Messages to a pass-2 worker (`reuse`: the records buffer of one of its earlier results, given back). */
export type ToWorker = { setup: Pass2Setup } | { range: number; at: ElementRange; reuse?: ArrayBuffer | undefined } | { finish: true } | { rest: RestRequest };
/** Messages from a pass-2 worker. */
export type FromWorker = { result: RangeResult } | { flags: ImageFlags } | { rest: RestOfFile | null } | { bug: WorkerBug };

/** Pass 1 on two threads: scan the file from `offset` on as if an element of `annotations` started there (see {@link Pass2Pool.scanRest}). */
export interface RestRequest {
  input: string;
  file: string;
  offset: number;
  checkpointBytes: number;
}

/** The wanted arrays of pass 1. */
export function pass1Arrays(checkpointBytes: number): WantedArrays {
  return { images: 'parse', categories: 'parse', annotations: { mode: 'count', checkpointBytes } };
}

/** {@link RestRequest} answered: null when the scan failed (the guess was wrong, or the file is bad: the calling thread will tell). */
export function scanRest(request: RestRequest): RestOfFile | null {
  const fd = openSync(request.input, 'r');
  try {
    return scanRestSync(fd, pass1Arrays(request.checkpointBytes), 'annotations', request.offset, Buffer.allocUnsafe(CHUNK), { file: request.file });
  } catch (e) {
    if (e instanceof ConversionError) return null;
    throw e;
  } finally {
    closeSync(fd);
  }
}

/** The built worker script (dist/src/coco/worker.js); undefined when there is none. */
export function pass2WorkerScript(): URL | undefined {
  return builtWorkerScript(import.meta.url, 'worker.js');
}

/** Ranges a worker holds at once: enough that it does not wait while the calling thread reads one. */
const PER_WORKER = 3;

/**
 * Ranges read (or being read) ahead of the next one due, per thread: a result waits in memory until
 * the ones before it have been taken, so a thread that the OS does not run for a while (or that is
 * slow on one range) must not let the others read on to the end of the file.
 */
const AHEAD_PER_THREAD = PER_WORKER;

interface Slot {
  worker: Worker;
  running: number;
  flags?: (f: ImageFlags) => void;
  rest?: (r: RestOfFile | null) => void;
  /** Records buffers given back, to send with the next ranges. */
  spare: ArrayBuffer[];
}

/** The worker's young generation, in MB (V8's `maxYoungGenerationSizeMb`). */
const WORKER_YOUNG_MB = 4;

/**
 * Reads ranges on the calling thread and `size - 1` worker threads (none when `size` is 1 or no built
 * worker script exists): the calling thread would otherwise only wait, and one thread fewer is one
 * V8 heap fewer. Results come out in range order.
 */
export class Pass2Pool {
  /** Worker threads started (0: every range is read in the calling thread). */
  readonly threads: number;
  private readonly slots: Slot[] = [];
  private readonly crew: WorkerCrew<FromWorker> | undefined;
  private local: RangeReader | undefined;
  private ranges: readonly ElementRange[] = [];
  private next = 0;
  /** The next range due in {@link results}; no range from `due + window` on is started. */
  private due = 0;
  private window = AHEAD_PER_THREAD;
  /** Stop handing out ranges after this one (set when a range ends the conversion). */
  private limit = Infinity;
  private readonly done = new Map<number, RangeResult>();
  /** Who read each range not yet given back: a slot, or undefined for this thread. */
  private readonly readBy = new Map<number, Slot | undefined>();
  /** Records buffers of this thread's results, given back. */
  private readonly spare: ArrayBuffer[] = [];
  private wake: (() => void) | undefined;
  private failure: Error | undefined;
  private failFast = false;
  /** Rejects when a thread fails (so that {@link finish} does not wait for it forever). */
  private readonly failed: Promise<never>;
  private rejectFailed: ((e: Error) => void) | undefined;

  /**
   * @param size threads reading ranges, the calling one included
   * @param script the worker script (default {@link pass2WorkerScript}); `null`: none
   */
  constructor(size: number, script?: URL | null) {
    const found = size > 1 ? (script === undefined ? pass2WorkerScript() : script) : null;
    const threads = found ? size - 1 : 0;
    this.failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));
    this.failed.catch(() => undefined);
    // A small young generation: the worker's short-lived objects (elements, rings) are scavenged
    // sooner instead of filling large semi-spaces. Instance segmentation on the 462 MB file, 2 threads:
    // 336 MB peak with V8's default, 274 MB with 4 MB, the same time (bench/coco/RESULTS.md).
    this.crew = found
      ? new WorkerCrew<FromWorker>(found, threads, {
          name: 'coco',
          onMessage: (thread, m) => {
            const slot = this.slots[thread];
            if (slot) this.onMessage(slot, m); // none after close()
          },
          onFailure: (e) => this.fail(e),
          resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_MB },
        })
      : undefined;
    for (const worker of this.crew?.workers ?? []) this.slots.push({ worker, running: 0, spare: [] });
    this.threads = threads;
  }

  /**
   * Pass 1's second half on the first worker: the file scanned from `offset` (a guessed element start
   * of `annotations`) to its end; undefined without a worker, or when that scan failed.
   */
  scanRest(request: RestRequest): Promise<RestOfFile | undefined> {
    const slot = this.slots[0];
    if (!slot) return Promise.resolve(undefined);
    return Promise.race([
      new Promise<RestOfFile | undefined>((resolve) => {
        slot.rest = (r) => resolve(r ?? undefined);
        slot.worker.postMessage({ rest: request } satisfies ToWorker);
      }),
      this.failed,
    ]);
  }

  /** Sends the setup and starts reading `ranges`. */
  start(setup: Pass2Setup, ranges: readonly ElementRange[]): void {
    this.ranges = ranges;
    this.window = AHEAD_PER_THREAD * (this.slots.length + 1);
    this.failFast = setup.failFast;
    this.local = new RangeReader(setup);
    for (const slot of this.slots) slot.worker.postMessage({ setup } satisfies ToWorker);
    this.dispatch();
  }

  /**
   * The results, in range order. Stop iterating on a result with `fatal`, or a bad annotation that throws.
   * Ends early, without waiting for a thread, as soon as `signal` aborts (the caller then checks it).
   */
  async *results(signal?: AbortSignal): AsyncGenerator<RangeResult> {
    const onAbort = () => {
      this.wake?.();
      this.wake = undefined;
    };
    signal?.addEventListener('abort', onAbort);
    try {
      yield* this.inOrder(signal);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async *inOrder(signal: AbortSignal | undefined): AsyncGenerator<RangeResult> {
    for (let n = 0; n < this.ranges.length; n++) {
      this.due = n;
      while (!this.done.has(n)) {
        if (this.failure) throw this.failure;
        if (signal?.aborted) return;
        if (this.startable()) {
          // Read the next range here, then let the threads' messages (and an abort) through.
          const k = this.next++;
          this.readBy.set(k, undefined);
          this.settled(this.local!.read(k, this.ranges[k]!, this.spare.pop()));
          await new Promise((resolve) => setImmediate(resolve));
          this.dispatch();
        } else {
          await new Promise<void>((resolve) => (this.wake = resolve));
        }
      }
      const result = this.done.get(n)!;
      this.done.delete(n);
      if (result.bug) throw errorOfBug(result.bug);
      yield result;
      // The caller is done with it: its records buffer goes back to whoever filled it.
      const by = this.readBy.get(n);
      this.readBy.delete(n);
      (by ? by.spare : this.spare).push(result.records.records.buffer as ArrayBuffer);
      this.due = n + 1;
      this.dispatch();
    }
  }

  /** Whether the next range may be started: there is one, no range before it ends the conversion, and it is not too far ahead. */
  private startable(): boolean {
    return this.next < this.ranges.length && this.next <= this.limit && this.next < this.due + this.window;
  }

  /** The per-image flags of every thread, combined. Call after every result has been taken. */
  async finish(): Promise<ImageFlags> {
    if (this.failure) throw this.failure;
    const mine = this.local!.finish();
    const theirs = await Promise.race([
      Promise.all(
        this.slots.map(
          (slot) =>
            new Promise<ImageFlags>((resolve) => {
              slot.flags = resolve;
              slot.worker.postMessage({ finish: true } satisfies ToWorker);
            }),
        ),
      ),
      this.failed,
    ]);
    for (const f of theirs) {
      for (let i = 0; i < f.hasAnnotations.length; i++) {
        mine.hasAnnotations[i]! |= f.hasAnnotations[i]!;
        mine.hasObjects[i]! |= f.hasObjects[i]!;
      }
    }
    return mine;
  }

  /** Stops the threads (also after a failure). Safe to call twice. */
  async close(): Promise<void> {
    this.local?.close();
    this.slots.length = 0;
    await this.crew?.close();
  }

  /** Keeps a result until its turn; no range after one that ends the conversion is started. */
  private settled(r: RangeResult): void {
    this.done.set(r.range, r);
    // With --on-error fail a bad annotation ends the conversion: no need to read further.
    if (r.fatal || r.bug || (this.failFast && r.events.some((e) => 'bad' in e))) this.limit = Math.min(this.limit, r.range);
  }

  private dispatch(): void {
    for (let round = 0; round < PER_WORKER; round++) {
      for (const slot of this.slots) {
        if (!this.startable()) return;
        if (slot.running > round) continue;
        slot.running++;
        const n = this.next++;
        this.readBy.set(n, slot);
        const reuse = slot.spare.pop();
        slot.worker.postMessage({ range: n, at: this.ranges[n]!, reuse } satisfies ToWorker, reuse ? [reuse] : []);
      }
    }
  }

  private onMessage(slot: Slot, m: FromWorker): void {
    if ('result' in m) {
      slot.running--;
      this.settled(m.result);
      this.dispatch();
    } else if ('flags' in m) {
      slot.flags?.(m.flags);
    } else if ('rest' in m) {
      slot.rest?.(m.rest);
    } else {
      this.fail(errorOfBug(m.bug));
    }
    this.wake?.();
    this.wake = undefined;
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.rejectFailed?.(e);
    this.wake?.();
    this.wake = undefined;
  }
}
