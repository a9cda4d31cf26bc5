/**
 * Running the CLI in tests: in-process through `main(argv, io)` (fast, most tests), or the real
 * `node bin/automl-img.js` (a few end-to-end tests; needs `dist/`, which test/global-setup.ts builds).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Writable } from 'node:stream';
import { inject } from 'vitest';
import { main, type CliIo } from '../../src/cli/main.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bin the end-to-end tests run (provided by test/global-setup.ts). */
    automlImgBin: string;
  }
}

/** The repository root. */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
/**
 * The real bin script: the private build of test/global-setup.ts (immune to other runs rebuilding
 * dist/), or the repository's `bin/automl-img.js` when there is none.
 */
export const BIN: string = ((): string => {
  try {
    const provided = inject('automlImgBin');
    if (provided) return provided;
  } catch {
    // not inside a vitest worker
  }
  return fileURLToPath(new URL('../../bin/automl-img.js', import.meta.url));
})();

/** A writable stream that keeps what is written; `isTTY` as asked. */
export class CaptureStream extends Writable {
  chunks: Buffer[] = [];
  isTTY: boolean;
  columns = 80;
  constructor(isTTY = false) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer | string, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk));
    cb();
  }
  get text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  /** Environment seen by the CLI (default: `{}` — no NO_COLOR, nothing from the host). */
  env?: NodeJS.ProcessEnv;
  /** Pretend stderr (and stdout) is a terminal. */
  tty?: boolean;
  /** Working directory while it runs (process.chdir; restored after). */
  cwd?: string;
}

/**
 * Runs `main(argv, io)` in-process with captured stdout/stderr.
 * Unknown errors (bugs) are rethrown by `main`; this helper rethrows them too.
 */
export async function runCli(argv: readonly string[], opts: RunCliOptions = {}): Promise<CliRun> {
  const stdout = new CaptureStream(opts.tty ?? false);
  const stderr = new CaptureStream(opts.tty ?? false);
  const io: CliIo = { stdout, stderr, env: opts.env ?? {} };
  const before = process.cwd();
  if (opts.cwd) process.chdir(opts.cwd);
  try {
    const code = await main(argv, io);
    return { code, stdout: stdout.text, stderr: stderr.text };
  } finally {
    if (opts.cwd) process.chdir(before);
  }
}

export interface BinRun extends CliRun {
  /** The signal that ended the process, if any. */
  signal: NodeJS.Signals | null;
}

/** How to start the real bin. */
export interface BinOptions {
  cwd?: string;
  /** Added to the environment (NO_COLOR=1 is set unless overridden). */
  env?: NodeJS.ProcessEnv;
  /** Arguments for node itself, before the script (e.g. `['--import', FAULT]`). */
  nodeArgs?: readonly string[];
}

/** A preload for `nodeArgs` that makes a run hang or crash on purpose (see test/helpers/fault.mjs). */
export const FAULT = fileURLToPath(new URL('./fault.mjs', import.meta.url));

/** Starts `node bin/automl-img.js ...argv` and returns the child (for signal tests). */
export function spawnBin(argv: readonly string[], opts: BinOptions = {}): ChildProcess {
  return spawn(process.execPath, [...(opts.nodeArgs ?? []), BIN, ...argv], {
    cwd: opts.cwd ?? REPO_ROOT,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Runs `node bin/automl-img.js ...argv` to the end; collects stdout, stderr and the exit code. */
export function runBin(argv: readonly string[], opts: BinOptions = {}): Promise<BinRun> {
  const child = spawnBin(argv, opts);
  return collect(child);
}

/** Waits for a spawned child to end and collects its output. */
export function collect(child: ChildProcess): Promise<BinRun> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code: code ?? -1, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}
