/**
 * Ctrl-C and SIGTERM for the real process. The first signal aborts the run, which unwinds: the writer
 * removes its temporary files and the command reports `INTERRUPTED` (exit 130) — unless its outputs
 * were already committed, in which case the run finishes and says so (exit 0): never both. If the run
 * has not ended {@link GRACE_MS} later, or a second signal comes, the process removes every temporary
 * file and exits 130 at once. The handlers stay installed until the process exits, so a signal after
 * the run has ended is ignored rather than killing the process mid-exit.
 *
 * @example
 *   const interrupts = new Interrupts(controller, io, argv.includes('--json'));
 *   interrupts.install();  ...run...  interrupts.finish();
 */
import { removeAllTempSync } from '../tempfiles.js';
import type { CliIo } from './env.js';

/** How long an aborted run may take to unwind before the process exits anyway. */
export const GRACE_MS = 3000;

/** The line printed when a run is interrupted (also by bin/ before the program has loaded). */
export const INTERRUPTED_LINE = 'error: interrupted: nothing written [INTERRUPTED]\n';

/** What `--json` prints when the process has to exit before the command could print its summary. */
export const INTERRUPTED_JSON = JSON.stringify({ ok: false, errors: [{ code: 'INTERRUPTED', severity: 'error', message: 'interrupted: nothing written' }] }) + '\n';

/** The run the process's one pair of listeners speaks for (the latest to install). */
let current: Interrupts | undefined;
let listening = false;
const onSignal = (): void => current?.signal();

export class Interrupts {
  private finished = false;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly controller: AbortController,
    private readonly io: CliIo,
    private readonly json: boolean,
  ) {}

  /** Makes this run the one signals speak for; the process gets one pair of listeners, ever. */
  install(): void {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- the process's listeners speak for the latest run
    current = this;
    if (listening) return;
    listening = true;
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  }

  signal(): void {
    if (this.finished) return;
    if (this.controller.signal.aborted) return this.exitNow();
    this.controller.abort();
    this.timer = setTimeout(() => this.exitNow(), GRACE_MS);
  }

  /**
   * The run has ended (its exit code is set): later signals are ignored. An interrupted run's process
   * then exits soon even if something it started still holds the event loop (a read that hangs).
   */
  finish(): void {
    this.finished = true;
    clearTimeout(this.timer);
    if (this.controller.signal.aborted) setTimeout(() => process.exit(), 500).unref();
  }

  private exitNow(): never {
    removeAllTempSync();
    this.io.stderr.write('\n' + INTERRUPTED_LINE);
    if (this.json) this.io.stdout.write(INTERRUPTED_JSON);
    process.exit(130);
  }
}
