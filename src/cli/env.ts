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

