/**
 * A pool of worker threads that decode and trace masks ({@link runMaskJob}) on every core, while the
 * main thread reads XML and writes lines. Results come back through promises, so callers keep their
 * own order (see `mapOrdered`), and the output does not depend on the pool size.
 *
 * With one job, or when no built worker script can be found (running the TypeScript sources without
 * a build), jobs run in the calling thread instead: same function, same results.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { runMaskJob, type MaskJob, type MaskOutcome } from './job.js';

/**
 * The built worker script: beside this module when it runs from `dist/`, else (sources run by a
 * test runner) `dist/src/mask/worker.js` under the repository root; undefined when neither exists.
 */
export function workerScript(): URL | undefined {
  const here = fileURLToPath(import.meta.url);
  const candidates = [join(dirname(here), 'worker.js')];
  const fromSource = /^(.*)[\\/]src[\\/]mask[\\/]pool\.ts$/.exec(here);
  if (fromSource) candidates.push(join(fromSource[1]!, 'dist', 'src', 'mask', 'worker.js'));
  const found = candidates.find((p) => existsSync(p));
  return found === undefined ? undefined : pathToFileURL(found);
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

type Reply = { id: number; outcome: MaskOutcome } | { id: number; bug: { message: string; stack?: string } };

/** Runs mask jobs on `size` worker threads (or in this thread when `size` is 1). */
export class MaskPool {
  /** Threads actually started (0: jobs run in the calling thread). */
  readonly threads: number;
  private readonly slots: Slot[] = [];
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
    for (let i = 0; i < threads; i++) {
      // Not unref'd: while the caller awaits a job, the worker is what keeps the process alive.
      const worker = new Worker(found!);
      const slot: Slot = { worker, running: 0 };
      worker.on('message', (reply: Reply) => this.onReply(slot, reply));
      worker.on('error', (e) => this.fail(e));
      worker.on('exit', (code) => {
        if (code !== 0) this.fail(new Error(`mask worker stopped with exit code ${code}`));
      });
      this.slots.push(slot);
    }
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
    const slots = this.slots.splice(0);
    await Promise.all(slots.map((s) => s.worker.terminate()));
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
      else {
        const err = new Error(reply.bug.message);
        if (reply.bug.stack) err.stack = reply.bug.stack;
        p.reject(err);
      }
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
