/**
 * `--jobs <n>`, the one thread policy of the converters that use worker threads (coco-to-jsonl,
 * voc-mask-to-polygon): declared once, with one default rule.
 *
 * @example
 *   options: { jobs: jobsOption('masks decoded and traced on n threads') },
 *   // in run(ctx): const jobs = ctx.own.jobs ?? defaultJobs();
 */
import { availableParallelism } from 'node:os';
import { integer, type OptionSpec } from './options.js';

/**
 * Threads used when `--jobs` is not given: the available cores, at most 2. Measured (bench/RESULTS.md):
 * each COCO thread adds ~35 MB (3 threads peaked at 301 MB on the 703 MB file, over the 300 MB goal),
 * and on this 2-core machine a third thread gains nothing.
 */
export function defaultJobs(): number {
  return Math.min(availableParallelism(), 2);
}

/** The `--jobs <n>` declaration: an integer of 1 or more; the help says what the threads do. */
export function jobsOption(what: string): OptionSpec<number> {
  return integer('--jobs <n>', `${what} (default: the available cores, at most 2; 1 = no worker threads); the output is the same for every n`, { min: 1 });
}
