/**
 * Where the benchmarks find the repository and the shared folder beside it (`../shared`), whether they
 * run built (`dist/bench/...`) or from the sources: no path of one machine in the repository.
 *
 * @example
 *   const reference = join(SHARED, 'reference', 'ref_convert.py');
 */
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The repository root. */
export const REPO = resolve(here, here.includes(`${sep}dist${sep}`) ? '../..' : '..');
/** The shared folder beside the repository (reference scripts, real data). */
export const SHARED = join(REPO, '..', 'shared');
