/**
 * What every command of the CLI is given: where it reads and writes, how it sets the exit code, the
 * abort signal of Ctrl-C, and colours for stderr. Each `src/cli/<command>.ts` exports
 * `register<Command>Command(program, env)`.
 */
import type { ChalkInstance } from 'chalk';

/** Where the CLI reads and writes; tests pass their own. */
export interface CliIo {
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
}

/** What every command registration gets from {@link createProgram}. */
export interface CommandEnv {
  io: CliIo;
  /** Sets the process exit code (0 done, 1 bad input, 2 wrong usage, 130 interrupted). */
  setExitCode: (code: number) => void;
  /** Aborted on SIGINT/SIGTERM. */
  signal: AbortSignal | undefined;
  /** Colours for stderr: none unless stderr is a terminal, and never with NO_COLOR or --no-color. */
  colorFor: (flags: { color?: boolean }) => ChalkInstance;
}

/**
 * Whether stderr gets colours: only on a terminal, and never with `--no-color`, `NO_COLOR` (any
 * value), `FORCE_COLOR=0` or `TERM=dumb`.
 */
export function wantsColor(io: CliIo, noColorFlag: boolean): boolean {
  const env = io.env;
  if (noColorFlag || (env['NO_COLOR'] ?? '') !== '' || env['FORCE_COLOR'] === '0' || env['TERM'] === 'dumb') return false;
  return io.stderr.isTTY === true;
}

/**
 * Makes a stream's loss harmless: once its reader has gone (EPIPE, a closed log), writes to it are
 * dropped instead of raising an unhandled 'error' event that would end the run and leak its
 * temporary files. Messages are best effort; the data a command writes to files is not affected.
 */
export function ignoreLoss(stream: NodeJS.WritableStream): void {
  const marked = stream as { automlImgGuarded?: boolean };
  if (marked.automlImgGuarded) return;
  marked.automlImgGuarded = true;
  stream.on('error', () => undefined);
}
