/**
 * How a converting command talks to the user on stderr: one line per diagnostic (at most
 * {@link MAX_SHOWN_PER_CODE} of one code, the rest counted), a progress bar on a terminal, info lines.
 *
 * @example
 *   const reporter = new Reporter(io, color, quiet, io.stderr.isTTY === true);
 *   reporter.diagnostic({ code: 'NOT_AN_IMAGE', message: 'a/.DS_Store: ...', severity: 'warning' });
 */
import type { ChalkInstance } from 'chalk';
import type { ConversionError, Diagnostic } from '../errors.js';
import type { CliIo } from './env.js';

/** Shows at most this many diagnostics of one code on stderr; the rest are counted. */
export const MAX_SHOWN_PER_CODE = 20;

export class Reporter {
  private shown = new Map<string, number>();
  private bar = '';
  private drawnAt = 0;
  constructor(
    private readonly io: CliIo,
    private readonly color: ChalkInstance,
    private readonly quiet: boolean,
    private readonly showProgress: boolean,
  ) {}

  diagnostic(d: Diagnostic): void {
    if (this.quiet && d.severity === 'warning') return;
    const n = (this.shown.get(d.code) ?? 0) + 1;
    this.shown.set(d.code, n);
    if (n > MAX_SHOWN_PER_CODE) return;
    this.clearBar();
    const tag = d.severity === 'error' ? this.color.red('error') : this.color.yellow('warning');
    this.io.stderr.write(`${tag}: ${d.message} ${this.color.dim(`[${d.code}]`)}\n`);
  }

  /** The error that stopped a run: always shown, one plain line. */
  error(e: ConversionError): void {
    this.clearBar();
    this.io.stderr.write(`${this.color.red('error')}: ${e.message} ${this.color.dim(`[${e.code}]`)}\n`);
  }

  hidden(): string[] {
    return [...this.shown].filter(([, n]) => n > MAX_SHOWN_PER_CODE).map(([code, n]) => `${n - MAX_SHOWN_PER_CODE} more ${code} not shown`);
  }

  /** Redraws at most every 100 ms (a terminal write per image would slow large runs). */
  progress(done: number, total: number | undefined): void {
    if (!this.showProgress) return;
    const now = Date.now();
    if (now - this.drawnAt < 100 && done !== total) return;
    this.drawnAt = now;
    const width = 30;
    let text: string;
    if (total) {
      const filled = Math.round((done / total) * width);
      text = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`;
    } else text = `${done} image${done === 1 ? '' : 's'}`;
    if (text === this.bar) return;
    this.bar = text;
    this.io.stderr.write(`\r${this.color.cyan(text)}\x1b[K`);
  }

  clearBar(): void {
    if (this.bar) {
      this.io.stderr.write('\r\x1b[K');
      this.bar = '';
    }
  }

  info(line: string): void {
    if (this.quiet) return;
    this.clearBar();
    this.io.stderr.write(line + '\n');
  }
}
