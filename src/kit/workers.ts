/**
 * Worker threads for converters, one way (coco-to-jsonl's pass 2, voc-mask-to-polygon's masks):
 * {@link builtWorkerScript} finds the built worker script, {@link WorkerCrew} starts n threads and
 * turns whatever loses a thread's work (an uncaught error, a message that cannot be read back, an
 * exit before {@link WorkerCrew.close}) into one failure, reported once; {@link bugOf} and
 * {@link errorOfBug} carry a bug (an unexpected exception) from a thread back as an Error with its stack.
 *
 * @example
 *   const script = builtWorkerScript(import.meta.url, 'worker.js'); // undefined: no build, run here
 *   const crew = new WorkerCrew<Reply>(script!, 2, {
 *     name: 'mask',
 *     onMessage: (thread, reply) => settle(thread, reply),
 *     onFailure: (e) => rejectEverything(e),
 *   });
 *   crew.workers[0]!.postMessage(job);
 *   await crew.close();
 */
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker, type ResourceLimits } from 'node:worker_threads';

/** The repository root when this module runs from the TypeScript sources (`src/kit/workers.ts`). */
const SOURCE_ROOT = fileURLToPath(new URL('../../', import.meta.url));

/**
 * The built worker script `script` beside the module `moduleUrl` (pass `import.meta.url`): beside it
 * when that module runs from `dist/`; when it runs from the TypeScript sources (a test runner), the
 * same place under `dist/`. Undefined when there is none (sources without a build).
 */
export function builtWorkerScript(moduleUrl: string, script: string): URL | undefined {
  const module = fileURLToPath(moduleUrl);
  const beside = join(dirname(module), script);
  const candidates = [beside];
  if (module.endsWith('.ts')) candidates.push(join(SOURCE_ROOT, 'dist', relative(SOURCE_ROOT, beside)));
  const found = candidates.find((p) => existsSync(p));
  return found === undefined ? undefined : pathToFileURL(found);
}

/** An unexpected exception of a thread, as plain data (it crosses to the calling thread). */
export interface WorkerBug {
  message: string;
  stack?: string | undefined;
}

/** What a thread sends back for an unexpected exception. */
export function bugOf(e: unknown): WorkerBug {
  const err = e as Error | undefined;
  return { message: String(err?.message ?? e), stack: err?.stack };
}

/** The Error to throw in the calling thread for a thread's bug, with the thread's stack. */
export function errorOfBug(bug: WorkerBug): Error {
  const err = new Error(bug.message);
  if (bug.stack) err.stack = bug.stack;
  return err;
}

/** How a {@link WorkerCrew} reports. */
export interface CrewOptions<M> {
  /** Names the threads in the failure for an exit: `<name> worker stopped with exit code <n>`. */
  name: string;
  /** A message from thread number `thread`. */
  onMessage: (thread: number, message: M) => void;
  /** The first failure of any thread; called at most once, never after {@link WorkerCrew.close}. */
  onFailure: (error: Error) => void;
  /** V8 limits of each thread. */
  resourceLimits?: ResourceLimits | undefined;
}

/** `n` worker threads running one script, their failures reported as one. */
export class WorkerCrew<M> {
  /** The threads (none after {@link close}). */
  readonly workers: Worker[] = [];
  private closed = false;
  private failed = false;

  constructor(
    script: URL,
    n: number,
    private readonly options: CrewOptions<M>,
  ) {
    for (let i = 0; i < n; i++) {
      // Not unref'd: while the caller awaits a thread's answer, the thread is what keeps the process alive.
      const worker = options.resourceLimits ? new Worker(script, { resourceLimits: options.resourceLimits }) : new Worker(script);
      worker.on('message', (m: M) => this.options.onMessage(i, m));
      worker.on('error', (e) => this.fail(e));
      // A message that cannot be read back is an answer lost: fail rather than wait for it.
      worker.on('messageerror', (e) => this.fail(e));
      // Before close(), a thread never ends on its own: whatever its exit code, what it held is lost.
      worker.on('exit', (code) => this.fail(new Error(`${options.name} worker stopped with exit code ${code}`)));
      this.workers.push(worker);
    }
  }

  /** Stops the threads; their exits are then no failure. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    const workers = this.workers.splice(0);
    await Promise.all(workers.map((w) => w.terminate()));
  }

  private fail(e: Error): void {
    if (this.closed || this.failed) return;
    this.failed = true;
    this.options.onFailure(e);
  }
}
