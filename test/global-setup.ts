/**
 * Builds dist/ once before the tests (end-to-end tests run `node bin/automl-img.js`, which imports
 * dist/). Type errors do not stop the build (tsc still emits); they are printed as a warning.
 * Set AUTOML_IMG_SKIP_BUILD=1 to skip.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export default function setup(): void {
  if (process.env['AUTOML_IMG_SKIP_BUILD']) return;
  const root = fileURLToPath(new URL('../', import.meta.url));
  const tsc = fileURLToPath(new URL('../node_modules/typescript/bin/tsc', import.meta.url));
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: root, encoding: 'utf8' });
  if (r.status !== 0) {
    process.stderr.write(`global-setup: tsc reported errors (dist/ was still emitted):\n${(r.stdout + r.stderr).slice(0, 4000)}\n`);
  }
}
