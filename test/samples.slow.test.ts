/**
 * The bundled samples, the slower checks: the generator writes exactly the committed samples, the
 * same bytes on a second run, and so does the built generator (`npm run samples`, from dist/).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { generateSamples, SAMPLE_DATASETS } from '../samples/generate.js';
import { readTree, treeDifferences, useTempDir } from './helpers/fs.js';

const REPO = join(import.meta.dirname, '..');
const SAMPLES = join(REPO, 'samples');
const tmp = useTempDir('automl-img-samples-');

describe('samples/generate.ts', () => {
  test('two runs write byte-identical files, exactly the committed samples', async () => {
    await generateSamples(join(tmp.path, 'a'));
    await generateSamples(join(tmp.path, 'b'));
    for (const name of SAMPLE_DATASETS) {
      const a = await readTree(join(tmp.path, 'a', name));
      expect(a.size, name).toBeGreaterThan(0);
      expect(treeDifferences(a, await readTree(join(tmp.path, 'b', name))), `${name}: two runs differ`).toEqual([]);
      expect(treeDifferences(a, await readTree(join(SAMPLES, name))), `${name}: samples/ is stale, run npm run build && npm run samples`).toEqual([]);
    }
  });

  // The real generator, which runs from dist/ (`npm run test:slow` builds it first; build here when it is missing).
  beforeAll(() => {
    if (!existsSync(join(REPO, 'dist/samples/generate.js'))) spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { cwd: REPO, stdio: 'ignore' });
  }, 120_000);

  test('npm run samples (the built generator) writes the committed samples', async () => {
    const run = spawnSync(process.execPath, ['dist/samples/generate.js', tmp.path], { cwd: REPO, encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    for (const name of SAMPLE_DATASETS) {
      expect(treeDifferences(await readTree(join(tmp.path, name)), await readTree(join(SAMPLES, name))), name).toEqual([]);
    }
  });
});
