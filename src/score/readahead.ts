/**
 * Images probed ahead of the requests that send them, for `score`: the first images are probed here,
 * one at a time; once a run has listed {@link READ_AHEAD}`.threadAfter` images, a thread of its own
 * starts, and as soon as it is up, the images are handed to it in chunks, a few chunks ahead of the
 * requests. Opening and reading the files (in steady state 15–30 % of the sending thread's time at
 * 16 requests in flight, bench/score/RESULTS.md) then costs the thread that sends and answers nothing. Items come out in
 * input order, each with its probe (bad items without one). Without a built worker script (the
 * TypeScript sources alone) every image is probed here.
 *
 * @example
 *   for await (const chunk of probedChunks(listImages(['imgs/']), { thread: true })) {
 *     for (const { item, probe } of chunk) if (item.ok) console.log(item.image.path, probe);
 *   }
 */
import { probeFile, type ProbeFailure, type ProbeResult } from './probe.js';
import { WorkerCrew, builtWorkerScript, errorOfBug, type WorkerBug } from '../kit/workers.js';
import type { InputItem } from './inputs.js';

/**
 * When the thread starts (after this many images listed), how many images go to it a message, how
 * many such chunks are probed ahead of the one being sent, and whether the listing waits for the
 * thread to be up once it is started (else images are probed here meanwhile). Fixed for users; tests
 * lower them, and wait, so that the thread's path is taken whatever the machine's speed.
 */
export const READ_AHEAD = { threadAfter: 256, chunk: 64, depth: 3, waitForThread: false };

/** An input item and, for an image, its probe. */
export interface ProbedItem {
  item: InputItem;
  probe: ProbeResult | undefined;
}

/**
 * The thread's answer to one chunk: sizes (-1: failed), which files' bytes it kept (1) and those bytes
 * end to end, the failures. Kept is said, not inferred from the size: a file read whole past
 * KEEP_BYTES can be stat'ed smaller if it shrank meanwhile, and must then be read again as here.
 */
export interface ProbeReply {
  sizes: Float64Array;
  kept: Uint8Array;
  data: ArrayBuffer;
  failures: [index: number, failure: ProbeFailure, detail: string | undefined][];
}

/** What the thread sends: ready once, then one reply a chunk in order (or a bug). */
export type FromProbeThread = { ready: true } | { bug: WorkerBug } | ProbeReply;

/** The reading thread: chunks of paths in, their probes out, in order. */
class ProbeThread {
  /** True once the thread has loaded and listens. */
  ready = false;
  /** Settles when the thread is up (or has failed). */
  readonly up: Promise<void>;
  private onUp: { resolve: () => void; reject: (e: Error) => void } | undefined;
  private readonly crew: WorkerCrew<FromProbeThread>;
  private readonly waiting: { resolve: (r: ProbeResult[]) => void; reject: (e: Error) => void }[] = [];
  private failure: Error | undefined;

  constructor(script: URL) {
    this.up = new Promise((resolve, reject) => (this.onUp = { resolve, reject }));
    this.up.catch(() => {}); // awaited only when READ_AHEAD.waitForThread; a failure also rejects every chunk
    this.crew = new WorkerCrew<FromProbeThread>(script, 1, {
      name: 'image reader',
      onMessage: (_thread, m) => this.receive(m),
      onFailure: (e) => this.fail(e),
    });
  }

  probe(paths: string[]): Promise<ProbeResult[]> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      this.crew.workers[0]!.postMessage(paths);
    });
  }

  close(): Promise<void> {
    return this.crew.close();
  }

  private receive(m: FromProbeThread): void {
    if ('bug' in m) this.fail(errorOfBug(m.bug));
    else if ('ready' in m) {
      this.ready = true;
      this.onUp?.resolve();
    } else this.waiting.shift()?.resolve(unpack(m));
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.onUp?.reject(e);
    for (const w of this.waiting.splice(0)) w.reject(e);
  }
}

/**
 * A reply as probes. Each kept file is copied out of the transferred buffer: a view would keep the
 * whole chunk (up to 64 files of 64 KiB) alive for as long as any one of its images waits for an answer.
 */
export function unpack(reply: ProbeReply): ProbeResult[] {
  const data = Buffer.from(reply.data);
  const results: ProbeResult[] = new Array<ProbeResult>(reply.sizes.length);
  for (const [i, failure, detail] of reply.failures) results[i] = detail === undefined ? { failure } : { failure, detail };
  let at = 0;
  for (let i = 0; i < reply.sizes.length; i++) {
    const size = reply.sizes[i]!;
    if (size < 0) continue;
    if (reply.kept[i] === 0) {
      results[i] = { size, data: undefined };
      continue;
    }
    results[i] = { size, data: Buffer.from(data.subarray(at, at + size)) };
    at += size;
  }
  return results;
}

/** The built script of the reading thread, once looked for. */
let script: URL | null | undefined;

/**
 * The items of `items` in order, each image with its probe, in chunks: one item a chunk while the
 * images are probed here, {@link READ_AHEAD}`.chunk` once the thread probes them (`thread: true`).
 */
export async function* probedChunks(items: AsyncIterable<InputItem>, options: { thread: boolean }): AsyncGenerator<ProbedItem[]> {
  const it = items[Symbol.asyncIterator]();
  let thread: ProbeThread | undefined;
  let listed = 0;
  try {
    while (!thread?.ready) {
      const next = await it.next();
      if (next.done) return;
      const item = next.value;
      if (!item.ok) {
        yield [{ item, probe: undefined }];
        continue;
      }
      if (options.thread && !thread && ++listed >= READ_AHEAD.threadAfter) {
        if (script === undefined) script = builtWorkerScript(import.meta.url, 'probe-worker.js') ?? null;
        if (script) thread = new ProbeThread(script);
        if (thread && READ_AHEAD.waitForThread) await thread.up;
      }
      yield [{ item, probe: probeFile(item.image.path) }];
    }
    const running = thread;
    const queue: { items: InputItem[]; probes: Promise<ProbeResult[]> }[] = [];
    let ended = false;
    const fill = async () => {
      while (!ended && queue.length < READ_AHEAD.depth) {
        const chunk: InputItem[] = [];
        const paths: string[] = [];
        while (chunk.length < READ_AHEAD.chunk) {
          const next = await it.next();
          if (next.done) {
            ended = true;
            break;
          }
          chunk.push(next.value);
          if (next.value.ok) paths.push(next.value.image.path);
        }
        if (chunk.length === 0) break;
        const probes = paths.length > 0 ? running.probe(paths) : Promise.resolve([]);
        probes.catch(() => {}); // awaited in turn below; a failure of the thread rejects every chunk queued
        queue.push({ items: chunk, probes });
      }
    };
    for (;;) {
      await fill();
      const head = queue.shift();
      if (!head) return;
      const probes = await head.probes;
      let k = 0;
      yield head.items.map((item) => ({ item, probe: item.ok ? probes[k++] : undefined }));
    }
  } finally {
    await thread?.close();
    await it.return?.(); // a listing left early (abort, a stop) closes what it reads
  }
}
