/**
 * Builds the program once before the tests.
 *
 * tsc writes into a private folder under the OS temp dir, which also gets a copy of bin/ and
 * package.json and a link to node_modules: end-to-end tests run that copy of the bin (test/helpers/
 * cli.ts `BIN`), so a rebuild of the shared dist/ by another run cannot change it under them. The
 * build is then copied into dist/ too, for tests that run `bin/automl-img.js` from the repository.
 * Type errors do not stop the build (tsc still emits); they are printed as a warning.
 * Set AUTOML_IMG_SKIP_BUILD=1 to skip it (tests then run the repository's bin on the dist/ there is).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The bin the end-to-end tests run (a private build). */
    automlImgBin: string;
  }
}

export default function setup(project: TestProject): (() => void) | undefined {
  const root = fileURLToPath(new URL('../', import.meta.url));
  if (process.env['AUTOML_IMG_SKIP_BUILD']) {
    project.provide('automlImgBin', join(root, 'bin', 'automl-img.js'));
    return undefined;
  }
  const build = mkdtempSync(join(tmpdir(), 'automl-img-build-'));
  if (process.env['npm_lifecycle_event']?.startsWith('test') && existsSync(join(root, 'dist', 'src', 'cli', 'main.js'))) {
    // `npm test` / `npm run test:slow` have just built dist/ with tsc: a copy is the same build, in a second.
    cpSync(join(root, 'dist'), join(build, 'dist'), { recursive: true });
  } else {
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--outDir', join(build, 'dist')], { cwd: root, encoding: 'utf8' });
    if (r.status !== 0) {
      process.stderr.write(`global-setup: tsc reported errors (the build was still emitted):\n${(r.stdout + r.stderr).slice(0, 4000)}\n`);
    }
  }
  mkdirSync(join(build, 'bin'));
  copyFileSync(join(root, 'bin', 'automl-img.js'), join(build, 'bin', 'automl-img.js'));
  copyFileSync(join(root, 'package.json'), join(build, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(build, 'node_modules'), 'dir');
  cpSync(join(build, 'dist'), join(root, 'dist'), { recursive: true, force: true });
  project.provide('automlImgBin', join(build, 'bin', 'automl-img.js'));
  return () => rmSync(build, { recursive: true, force: true });
}
