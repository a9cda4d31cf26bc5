/**
 * A pool of worker threads that decode and trace masks ({@link runMaskJob}) on every core, while the
 * main thread reads XML and writes lines. Results come back through promises, so callers keep their
 * own order (see `mapOrdered`), and the output does not depend on the pool size.
 *
 * With one job, or when no built worker script can be found (running the TypeScript sources without
 * a build), jobs run in the calling thread instead: same function, same results.
 */
import type { Worker } from 'node:worker_threads';
import { builtWorkerScript, errorOfBug, WorkerCrew, type WorkerBug } from '../kit/workers.js';
import { runMaskJob, type MaskJob, type MaskOutcome } from './job.js';

/** The built worker script (dist/src/mask/worker.js); undefined when there is none. */
export function workerScript(): URL | undefined {
  return builtWorkerScript(import.meta.url, 'worker.js');
}

interface Pending {
  resolve: (o: MaskOutcome) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  /** Jobs sent and not answered yet. */
  running: number;
}

/**
 * Jobs a worker holds at once: two, so that one job's image-header read overlaps another's decoding
 * (a job awaits that read; the rest is synchronous).
 */
const PER_WORKER = 2;

type Reply = { id: number; outcome: MaskOutcome } | { id: number; bug: WorkerBug };

/** Runs mask jobs on `size` worker threads (or in this thread when `size` is 1). */
export class MaskPool {
  /** Threads actually started (0: jobs run in the calling thread). */
  readonly threads: number;
  private readonly slots: Slot[] = [];
  private readonly crew: WorkerCrew<Reply> | undefined;
  private readonly queue: { id: number; job: MaskJob }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;
  private failure: Error | undefined;

  /**
   * @param size jobs at once; 1 runs in the calling thread
   * @param script the worker script (default {@link workerScript}); `null`: none, jobs run in this thread
   */
  constructor(size: number, script?: URL | null) {
    const found = size > 1 ? (script === undefined ? workerScript() : script) : null;
    const threads = found ? size : 0;
    this.crew = found
      ? new WorkerCrew<Reply>(found, threads, {
          name: 'mask',
          onMessage: (thread, reply) => {
            const slot = this.slots[thread];
            if (slot) this.onReply(slot, reply); // none after close()
          },
          onFailure: (e) => this.fail(e),
        })
      : undefined;
    for (const worker of this.crew?.workers ?? []) this.slots.push({ worker, running: 0 });
    this.threads = threads;
  }

  /** Decodes and traces one mask. Bad input resolves to a failure; a crash rejects. */
  run(job: MaskJob): Promise<MaskOutcome> {
    if (this.threads === 0) return runMaskJob(job);
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise<MaskOutcome>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.queue.push({ id, job });
      this.dispatch();
    });
  }

  /** Stops the threads. Call it when done (the threads keep the process alive until then). */
  async close(): Promise<void> {
    this.slots.length = 0;
    await this.crew?.close();
  }

  private dispatch(): void {
    for (let round = 0; round < PER_WORKER; round++) {
      for (const slot of this.slots) {
        if (this.queue.length === 0) return;
        if (slot.running > round) continue;
        slot.running++;
        slot.worker.postMessage(this.queue.shift()!);
      }
    }
  }

  private onReply(slot: Slot, reply: Reply): void {
    slot.running--;
    const p = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    if (p) {
      if ('outcome' in reply) p.resolve(reply.outcome);
      else p.reject(errorOfBug(reply.bug));
    }
    this.dispatch();
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
    this.queue.length = 0;
  }
}
