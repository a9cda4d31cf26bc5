/** Where the polygon benches find the shared data and the reference tools, and where they write. */
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist/bench/polygon/). */
export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
/** The shared folder with realdata/ and reference/; `AUTOML_IMG_SHARED` overrides. */
export const SHARED = process.env['AUTOML_IMG_SHARED'] ?? resolve(ROOT, '../shared');
/** Generated data and outputs (git-ignored). */
export const DATA = join(ROOT, 'bench/data/polygon');
/** Debian's Python, which has numpy, Pillow and scikit-image for the reference tools. */
export const PYTHON = '/usr/bin/python3';
