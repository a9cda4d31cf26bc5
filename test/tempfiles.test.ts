/**
 * src/tempfiles.ts: what is registered is removed by removeAllTempSync (the signal handler) and by the
 * exit hook; created folders only when empty; what was unregistered is left alone.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test } from 'vitest';
import { liveTempCount, registerCreatedDir, registerTemp, removeAllTempSync, unregisterCreatedDir, unregisterTemp } from '../src/tempfiles.js';
import { listTree, useTempDir } from './helpers/fs.js';

const tmp = useTempDir('tempfiles-');

describe('tempfiles', () => {
  test('removeAllTempSync removes temporary files and folders, then the created folders left empty, deepest first', async () => {
    const made = join(tmp.path, 'made');
    const deeper = join(made, 'deeper');
    const kept = join(tmp.path, 'kept');
    mkdirSync(deeper, { recursive: true });
    mkdirSync(kept);
    writeFileSync(join(kept, 'user-file'), 'x');
    const file = join(deeper, '.out.tmp');
    const folder = join(made, '.automl-img-coco-x');
    writeFileSync(file, 'partial');
    mkdirSync(folder);
    writeFileSync(join(folder, 'bucket-0.bin'), 'records');
    const done = join(tmp.path, 'renamed-into-place');
    writeFileSync(done, 'output');
    for (const p of [file, folder, done]) registerTemp(p);
    unregisterTemp(done);
    for (const d of [made, deeper, kept]) registerCreatedDir(d);
    const forgotten = join(tmp.path, 'forgotten');
    mkdirSync(forgotten);
    registerCreatedDir(forgotten);
    unregisterCreatedDir(forgotten);
    expect(liveTempCount()).toBe(2);
    removeAllTempSync();
    expect(liveTempCount()).toBe(0);
    expect(await listTree(tmp.path)).toEqual(['forgotten/', 'kept/user-file', 'renamed-into-place']);
    removeAllTempSync(); // twice: nothing left to do
  });

  test('the exit hook removes what a process leaves when it exits', { timeout: 20_000 }, () => {
    const module = pathToFileURL(fileURLToPath(new URL('../dist/src/tempfiles.js', import.meta.url))).href;
    const folder = join(tmp.path, '.automl-img-coco-y');
    const script = `
      import { mkdirSync, writeFileSync } from 'node:fs';
      import { registerTemp } from ${JSON.stringify(module)};
      mkdirSync(${JSON.stringify(folder)});
      writeFileSync(${JSON.stringify(join(folder, 'bucket-0.bin'))}, 'records');
      registerTemp(${JSON.stringify(folder)});
      process.exit(3);`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect([r.status, r.stderr]).toEqual([3, '']);
    expect(existsSync(folder)).toBe(false);
  });
});
