/**
 * The real bin under signals and lost streams (src/cli/signals.ts, src/cli/env.ts ignoreLoss):
 * all or nothing, and the exit code that says which; a reader that goes away loses messages, never data.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BIN, collect, spawnBin } from '../helpers/cli.js';
import { listTree, useTempDir, writeTree, type Tree } from '../helpers/fs.js';
import { png } from '../helpers/images.js';

const tmp = useTempDir('automl-img-signals-');
const SLOW_COMMIT = fileURLToPath(new URL('../helpers/slow-commit.mjs', import.meta.url));

function dataset(images = 12, junk = 0): Tree {
  const tree: Tree = {};
  for (let i = 0; i < images; i++) tree[`${i % 2 ? 'a' : 'b'}/${i}.png`] = png(4, 3);
  for (let i = 0; i < junk; i++) tree[`a/n${i}.txt`] = 'not an image';
  return tree;
}

/** Resolves when `text` has appeared on the child's stderr. */
function when(child: ReturnType<typeof spawnBin>, text: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = '';
    child.stderr?.on('data', (b: Buffer) => {
      seen += b.toString();
      if (seen.includes(text)) resolve();
    });
  });
}

describe('a signal during the commit', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`${signal}: the commit finishes and the run says so (exit 0), never "nothing written" beside the files`, async () => {
      await writeTree(join(tmp.path, 'ds'), dataset());
      const child = spawnBin(['convert', 'folder', 'ds', '-o', 'out', '--json'], { cwd: tmp.path, nodeArgs: ['--import', SLOW_COMMIT] });
      const done = collect(child);
      await when(child, 'commit');
      child.kill(signal);
      const r = await done;
      const files = existsSync(join(tmp.path, 'out')) ? readdirSync(join(tmp.path, 'out')).sort() : [];
      expect([r.code, files]).toEqual([0, ['train_annotations.jsonl', 'validation_annotations.jsonl']]);
      expect(r.stderr).not.toContain('nothing written');
      expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, train: 10, validation: 2 });
    }, 60_000);
  }

  it('a second signal after the run has ended changes nothing: the outputs are whole', async () => {
    await writeTree(join(tmp.path, 'ds'), dataset());
    const child = spawnBin(['convert', 'folder', 'ds', '-o', 'out'], { cwd: tmp.path, nodeArgs: ['--import', SLOW_COMMIT] });
    const done = collect(child);
    await when(child, 'commit');
    child.kill('SIGINT');
    await when(child, 'wrote');
    child.kill('SIGTERM');
    const r = await done;
    // The run has ended and said so: the outputs are whole. Exit 0, unless the signal lands in Node's own
    // teardown after the exit code is set (signal handlers are gone by then): the one window we cannot close.
    expect(readdirSync(join(tmp.path, 'out')).sort()).toEqual(['train_annotations.jsonl', 'validation_annotations.jsonl']);
    expect(r.signal === null ? r.code : r.signal).toBe(r.signal === null ? 0 : 'SIGTERM');
  }, 60_000);
});

describe('interrupted runs', () => {
  it('with --json: one object on stdout with INTERRUPTED, and "error: ... [INTERRUPTED]" on stderr', async () => {
    await writeTree(join(tmp.path, 'ds'), dataset());
    const fault = fileURLToPath(new URL('../helpers/fault.mjs', import.meta.url));
    const child = spawnBin(['convert', 'folder', 'ds', '-o', 'out', '--json'], { cwd: tmp.path, nodeArgs: ['--import', fault], env: { AUTOML_IMG_TEST_FAULT: 'hang-images' } });
    const done = collect(child);
    for (let i = 0; i < 500 && !existsSync(join(tmp.path, 'out')); i++) await new Promise((r) => setTimeout(r, 20));
    child.kill('SIGINT');
    const r = await done;
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('error: interrupted: nothing written [INTERRUPTED]');
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, errors: [{ code: 'INTERRUPTED' }] });
    expect(await listTree(tmp.path)).toEqual(expect.not.arrayContaining([expect.stringMatching(/^out/)]));
  }, 60_000);

  it('a signal while the program is still loading: exit 130 with the INTERRUPTED line', async () => {
    const child = spawn(process.execPath, [BIN, 'convert', 'folder', 'ds', '-o', 'out'], { cwd: tmp.path, stdio: ['ignore', 'pipe', 'pipe'] });
    const done = collect(child);
    child.kill('SIGINT'); // before node has even loaded the script
    const r = await done;
    // Node may not have installed any handler yet (killed by the signal), or bin's early one ran.
    if (r.signal === null) expect([r.code, r.stderr]).toEqual([130, 'error: interrupted: nothing written [INTERRUPTED]\n']);
    else expect(r.signal).toBe('SIGINT');
    expect(readdirSync(tmp.path)).toEqual([]);
  }, 60_000);
});

describe('a reader that goes away', () => {
  it('closed stderr (2>&1 | head -1): the run completes, writes its files and leaks no temporary file', async () => {
    await writeTree(join(tmp.path, 'many'), dataset(2, 200));
    const child = spawnBin(['convert', 'folder', 'many', '-o', 'out'], { cwd: tmp.path });
    child.stderr!.once('data', () => child.stderr!.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(readdirSync(join(tmp.path, 'out')).sort()).toEqual(['train_annotations.jsonl', 'validation_annotations.jsonl']);
  }, 60_000);

  it('closed stdout under --json (| head -c 10): ends quietly, no stack trace', async () => {
    const lines = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ image_url: `a/${i}.jpg`, label: 'x', extra: i })).join('\n') + '\n';
    await writeTree(tmp.path, { 'big.jsonl': lines });
    const child = spawnBin(['validate', '--json', 'big.jsonl'], { cwd: tmp.path });
    let err = '';
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.stdout!.once('data', () => child.stdout!.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).not.toMatch(/\n\s+at /);
    expect(err).not.toContain('EPIPE');
    expect(code).toBe(0); // warnings only (unknown keys): validate's own exit code
  }, 60_000);
});
