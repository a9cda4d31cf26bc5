/**
 * The package as a user gets it: `npm pack`, installed into a fresh project (offline, from npm's cache),
 * the README's library example type-checked with strict TypeScript and run, the bin run, and nothing
 * of the repository leaking in (no source maps pointing at unshipped files; a LICENSE).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN } from './helpers/cli.js';
import { makeTempDir, removeDir } from './helpers/fs.js';

const REPO = join(import.meta.dirname, '..');

/** The README's first ```ts block under "## Library API". */
function readmeExample(): string {
  const readme = readFileSync(join(REPO, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Library API'));
  const m = /```ts\n([\s\S]*?)```/.exec(section);
  if (!m?.[1]) throw new Error('no ```ts block in the Library API section');
  return m[1];
}

describe('the packed package in a consumer project', () => {
  it('installs offline, type-checks and runs the README example, runs the bin; ships LICENSE and no source maps', { timeout: 600_000 }, () => {
    const dir = makeTempDir('automl-img-pack-');
    try {
      const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      // Packed from the test run's private build (test/global-setup.ts): `npm pack` here would run prepack,
      // which rebuilds dist/ under the other tests' feet.
      const build = dirname(dirname(BIN));
      for (const f of ['README.md', 'LICENSE']) copyFileSync(join(REPO, f), join(build, f));
      npm(['pack', '--ignore-scripts', '--pack-destination', dir, '--silent'], build);
      const tgz = readdirSync(dir).find((f) => f.endsWith('.tgz'));
      expect(tgz).toBeDefined();
      const proj = join(dir, 'proj');
      mkdirSync(proj);
      writeFileSync(join(proj, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
      npm(['install', '--offline', '--no-audit', '--no-fund', join(dir, tgz!)], proj);
      const pkg = join(proj, 'node_modules', 'automl-img');
      expect(existsSync(join(pkg, 'LICENSE'))).toBe(true);
      const files = execFileSync('find', [pkg, '-name', '*.map'], { encoding: 'utf8' }).trim();
      expect(files).toBe('');

      // The README example, in a strict TypeScript project that has @types/node (as the README says).
      writeFileSync(join(proj, 'example.ts'), readmeExample());
      writeFileSync(
        join(proj, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            target: 'ES2022',
            module: 'NodeNext',
            moduleResolution: 'NodeNext',
            strict: true,
            outDir: 'out',
            typeRoots: [join(REPO, 'node_modules', '@types')],
            types: ['node'],
            skipLibCheck: false,
          },
          include: ['example.ts'],
        }),
      );
      const tsc = spawnSync(process.execPath, [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], { cwd: proj, encoding: 'utf8' });
      expect(tsc.stdout + tsc.stderr).toBe('');
      expect(tsc.status).toBe(0);

      // Run it beside a copy of the VOC sample (its paths are relative).
      execFileSync('cp', ['-r', join(REPO, 'samples'), join(proj, 'samples')]);
      const run = spawnSync(process.execPath, ['out/example.js'], { cwd: proj, encoding: 'utf8' });
      expect(run.status).toBe(0);
      expect(run.stdout).toMatch(/^\d+ train, \d+ validation, 12 objects\n$/);

      // The bin works.
      const bin = spawnSync(join(proj, 'node_modules', '.bin', 'automl-img'), ['--version'], { cwd: proj, encoding: 'utf8' });
      expect(bin.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
    } finally {
      removeDir(dir);
    }
  });
});
