import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { resolveOptions } from '../src/common-options.js';
import { CONVERTERS } from '../src/registry.js';
import type { ConvertOptions } from '../src/types.js';
import { CaptureStream, runCli } from './helpers/cli.js';
import { listTree, useTempDir, writeTree } from './helpers/fs.js';
import { png } from './helpers/images.js';

// Record what the CLI hands to convert(), and let one input name simulate a bug.
const { calls } = vi.hoisted(() => ({ calls: [] as [string, string, ConvertOptions][] }));
vi.mock('../src/convert.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/convert.js')>();
  return {
    ...real,
    convert: async (name: string, input: string, options: ConvertOptions) => {
      calls.push([name, input, options]);
      if (input.endsWith('BUG')) throw new TypeError('a bug in a converter');
      return real.convert(name, input, options);
    },
  };
});

const tmp = useTempDir('automl-img-cli-');
// eslint-disable-next-line no-control-regex -- terminal escapes are what these tests look for
const ANSI = /\x1b\[/;

/** can/ and milk/ with 5 PNGs each, plus a text file that is reported and left out. */
async function dataset(): Promise<string> {
  const ds = join(tmp.path, 'ds');
  const tree: Record<string, Uint8Array | string> = { 'can/readme.txt': 'not an image' };
  for (let i = 0; i < 5; i++) {
    tree[`can/${i}.png`] = png(4, 3);
    tree[`milk/${i}.png`] = png(2, 2);
  }
  await writeTree(ds, tree);
  return ds;
}

beforeEach(() => {
  calls.length = 0;
});

describe('options', () => {
  it('passes every shared option to convert()', async () => {
    const ds = await dataset();
    const out = join(tmp.path, 'out');
    const r = await runCli([
      'convert',
      'folder',
      ds,
      '-o',
      out,
      '--validation-ratio',
      '0.5',
      '--seed',
      'abc',
      '--stratify',
      '--base-url',
      'azureml://x/',
      '--root',
      ds,
      '--no-image-details',
      '--mltable',
      '--on-error',
      'skip',
      '--force',
      '--precision',
      '3',
      '-q',
    ]);
    expect(r.code).toBe(0);
    const [name, input, o] = calls[0]!;
    expect(name).toBe('folder-to-jsonl');
    expect(input).toBe(ds);
    expect(o).toMatchObject({
      out,
      validationRatio: 0.5,
      seed: 'abc',
      stratify: true,
      baseUrl: 'azureml://x/',
      root: ds,
      imageDetails: false,
      mltable: true,
      onError: 'skip',
      force: true,
      precision: 3,
    });
    expect(typeof o.signal).toBe('object');
    const line = (await readFile(join(out, 'training-mltable-folder/train_annotations.jsonl'), 'utf8')).split('\n')[0];
    expect(line).toMatch(/^\{"image_url":"azureml:\/\/x\/(can|milk)\/\d\.png","label":"(can|milk)"\}$/);
  });

  it('applies the defaults of SPEC §2 (the library applies them to what the CLI passes)', async () => {
    const ds = await dataset();
    await runCli(['convert', 'folder-to-jsonl', ds, '--dry-run']);
    expect(resolveOptions(calls[0]![2])).toMatchObject({
      out: undefined,
      validationRatio: 0.2,
      seed: '0',
      stratify: false,
      imageDetails: true,
      mltable: false,
      onError: 'fail',
      dryRun: true,
      force: false,
      precision: 6,
    });
  });

  it('accepts the alias and the full name', async () => {
    const ds = await dataset();
    expect((await runCli(['convert', 'folder', ds, '--dry-run'])).code).toBe(0);
    expect((await runCli(['convert', 'folder-to-jsonl', ds, '--dry-run'])).code).toBe(0);
    expect(calls.map((c) => c[0])).toEqual(['folder-to-jsonl', 'folder-to-jsonl']);
  });
});

describe('exit codes', () => {
  it('0 when done, with the files written', async () => {
    const ds = await dataset();
    const r = await runCli(['convert', 'folder', ds, '-o', join(tmp.path, 'out')]);
    expect(r.code).toBe(0);
    expect(await listTree(join(tmp.path, 'out'))).toEqual(['train_annotations.jsonl', 'validation_annotations.jsonl']);
  });

  it('1 for bad input or nothing to convert, with one plain line and no stack', async () => {
    await writeTree(tmp.path, { empty: null });
    const r = await runCli(['convert', 'folder', 'empty', '-o', join(tmp.path, 'out')], { cwd: tmp.path });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error: empty: nothing to convert.* \[EMPTY_DATASET\]\n$/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const missing = await runCli(['convert', 'folder', join(tmp.path, 'nope'), '-o', join(tmp.path, 'out')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toContain('[INPUT_NOT_FOUND]');
    expect(await listTree(tmp.path)).toEqual(['empty/']);
  });

  it.each([
    ['an unknown converter', ['convert', 'nope', 'x', '-o', 'o']],
    ['an unknown command', ['frobnicate']],
    ['no command', []],
    ['convert without a converter', ['convert']],
    ['--validation-ratio 1', ['convert', 'folder', 'x', '-o', 'o', '--validation-ratio', '1']],
    ['--validation-ratio -0.1', ['convert', 'folder', 'x', '-o', 'o', '--validation-ratio', '-0.1']],
    ['--validation-ratio abc', ['convert', 'folder', 'x', '-o', 'o', '--validation-ratio', 'abc']],
    ['--validation-ratio ""', ['convert', 'folder', 'x', '-o', 'o', '--validation-ratio', '']],
    ['--on-error maybe', ['convert', 'folder', 'x', '-o', 'o', '--on-error', 'maybe']],
    ['--precision 1.5', ['convert', 'folder', 'x', '-o', 'o', '--precision', '1.5']],
    ['an unknown option', ['convert', 'folder', 'x', '-o', 'o', '--frob']],
    ['a missing argument', ['convert', 'folder', '-o', 'o']],
    ['no output and no --dry-run', ['convert', 'folder', 'x']],
    ['-o - with --json', ['convert', 'folder', 'x', '-o', '-', '--json']],
    ['-o - with --mltable', ['convert', 'folder', 'x', '-o', '-', '--mltable']],
  ])('2 for wrong usage: %s', async (_what, argv) => {
    const r = await runCli(argv, { cwd: tmp.path });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toBe('');
    if (argv.includes('--json')) expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, errors: [{ code: 'USAGE', severity: 'error' }] });
    else expect(r.stdout).toBe('');
    expect(await listTree(tmp.path)).toEqual([]);
  });

  it.each([
    ['an unknown option', ['convert', 'folder', 'x', '-o', 'o', '--frob', '--json'], "unknown option '--frob'"],
    ['a missing argument', ['convert', 'voc', '--json'], "missing required argument 'dir'"],
    ['a bad value', ['convert', 'folder', 'x', '-o', 'o', '--json', '--validation-ratio', '2'], '--validation-ratio'],
    ['no output', ['convert', 'folder', 'x', '--json'], 'an output is required'],
    ['validate without a file', ['validate', '--json'], 'missing required argument'],
    ['stats with an unknown option', ['stats', 'a.jsonl', '--json', '--frob'], "unknown option '--frob'"],
  ])('2 for wrong usage with --json: one JSON object on stdout (%s)', async (_what, argv, says) => {
    const r = await runCli(argv, { cwd: tmp.path });
    expect(r.code).toBe(2);
    expect(r.stdout.endsWith('\n')).toBe(true);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const out = JSON.parse(r.stdout) as { ok: boolean; errors: { code: string; severity: string; message: string }[] };
    expect(out.ok).toBe(false);
    expect(out.errors).toHaveLength(1);
    expect(out.errors[0]).toMatchObject({ code: 'USAGE', severity: 'error' });
    expect(out.errors[0]!.message).toContain(says);
    expect(out.errors[0]!.message).not.toMatch(/^error: /);
    expect(await listTree(tmp.path)).toEqual([]);
  });

  it('--json after -- is an argument, not the flag: no JSON for the usage error', async () => {
    const r = await runCli(['convert', 'folder', '--frob', '--', '--json'], { cwd: tmp.path });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });

  it('0 for --help and --version', async () => {
    expect((await runCli(['--help'])).code).toBe(0);
    expect((await runCli(['convert', '--help'])).code).toBe(0);
    expect((await runCli(['convert', 'folder', '--help'])).code).toBe(0);
    expect((await runCli(['help', 'convert'])).code).toBe(0);
    const v = await runCli(['--version']);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('130 when interrupted (in-process: an aborted signal), nothing written', async () => {
    const ds = await dataset();
    const out = join(tmp.path, 'out');
    const controller = new AbortController();
    controller.abort();
    const stdout = new CaptureStream();
    const stderr = new CaptureStream();
    const code = await main(['convert', 'folder', ds, '-o', out], { stdout, stderr, env: {} }, { signal: controller.signal });
    expect(code).toBe(130);
    expect(stderr.text).toContain('interrupted');
    expect(await listTree(out)).toEqual([]);
  });

  it('unknown errors (bugs) are not swallowed: main rejects with them, so the bin prints their stack', async () => {
    await expect(runCli(['convert', 'folder', 'BUG', '-o', join(tmp.path, 'out')])).rejects.toThrow(TypeError);
  });
});

describe('help', () => {
  it('lists every converter of the registry with its alias and an example', async () => {
    const top = (await runCli(['--help'])).stdout;
    const conv = (await runCli(['convert', '--help'])).stdout;
    expect(Object.keys(CONVERTERS).length).toBeGreaterThan(0);
    for (const c of Object.values(CONVERTERS)) {
      expect(top).toContain(`${c.name} (alias: ${c.alias})`);
      expect(top).toContain(c.example);
      expect(conv).toContain(`${c.name}|${c.alias}`);
      expect(conv).toContain(c.example);
      const sub = (await runCli(['convert', c.alias, '--help'])).stdout;
      expect(sub).toContain(`Example:\n  $ ${c.example}`);
      for (const flag of [
        '--out',
        '--validation-ratio',
        '--seed',
        '--stratify',
        '--base-url',
        '--root',
        '--no-image-details',
        '--mltable',
        '--on-error',
        '--dry-run',
        '--force',
        '--json',
        '--quiet',
        '--no-color',
      ]) {
        expect(sub).toContain(flag);
      }
    }
    expect(top).toContain('split');
  });
});

describe('output', () => {
  it('--json prints one summary object on stdout with the shape of SPEC §2', async () => {
    const ds = await dataset();
    const out = join(tmp.path, 'out');
    const r = await runCli(['convert', 'folder', ds, '-o', out, '--json'], { cwd: tmp.path });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(1);
    const s = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(s).toMatchObject({ ok: true, train: 8, validation: 2, skipped: 0, errors: [], outputs: ['out/train_annotations.jsonl', 'out/validation_annotations.jsonl'] });
    expect(s['warnings']).toEqual([expect.objectContaining({ code: 'NOT_AN_IMAGE', file: 'ds/can/readme.txt' })]);
  });

  it('--json on failure: ok false, the error with file/code/message, exit 1', async () => {
    const ds = await dataset();
    await writeTree(ds, { 'can/bad.png': 'not a png' });
    const r = await runCli(['convert', 'folder', ds, '-o', join(tmp.path, 'out'), '--json'], { cwd: tmp.path });
    expect(r.code).toBe(1);
    const s = JSON.parse(r.stdout) as { ok: boolean; errors: Record<string, unknown>[]; outputs: string[] };
    expect(s.ok).toBe(false);
    expect(s.outputs).toEqual([]);
    expect(s.errors).toEqual([expect.objectContaining({ file: 'ds/can/bad.png', code: 'IMAGE_UNREADABLE', message: expect.stringMatching(/^ds\/can\/bad\.png: /) })]);
    expect(await listTree(join(tmp.path, 'out'))).toEqual([]);
  });

  it('--on-error skip with --json: skipped items are in errors, the rest is written', async () => {
    const ds = await dataset();
    await writeTree(ds, { 'can/bad.png': '' });
    const r = await runCli(['convert', 'folder', ds, '-o', join(tmp.path, 'out'), '--json', '--on-error', 'skip'], { cwd: tmp.path });
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { skipped: number; errors: { file: string; code: string }[]; train: number; validation: number };
    expect(s.skipped).toBe(1);
    expect(s.errors).toEqual([expect.objectContaining({ file: 'ds/can/bad.png', code: 'IMAGE_UNREADABLE' })]);
    expect(s.train + s.validation).toBe(10);
    expect(r.stderr).toContain('error: ds/can/bad.png: not an image: the file is empty [IMAGE_UNREADABLE]');
  });

  it('-o - writes every line, unsplit, to stdout', async () => {
    const ds = await dataset();
    const r = await runCli(['convert', 'folder', ds, '-o', '-', '-q']);
    expect(r.code).toBe(0);
    const urls = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { image_url: string }).image_url);
    expect(urls).toEqual(['can/0.png', 'can/1.png', 'can/2.png', 'can/3.png', 'can/4.png', 'milk/0.png', 'milk/1.png', 'milk/2.png', 'milk/3.png', 'milk/4.png']);
  });

  it('--dry-run prints what would be written on stdout and writes nothing', async () => {
    const ds = await dataset();
    const r = await runCli(['convert', 'folder', ds, '-o', 'out', '--dry-run', '-q'], { cwd: tmp.path });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('would write 8 train lines, 2 validation lines, 2 labels, 1 warning\n  out/train_annotations.jsonl\n  out/validation_annotations.jsonl\n');
    expect(await listTree(tmp.path)).not.toContain('out/train_annotations.jsonl');
  });

  it('-q: nothing on stderr for a clean run; warnings hidden, errors still shown', async () => {
    const ds = await dataset();
    const r = await runCli(['convert', 'folder', ds, '-o', join(tmp.path, 'out'), '-q'], { tty: true });
    expect(r.stderr).toBe('');
    const loud = await runCli(['convert', 'folder', ds, '-o', join(tmp.path, 'out2')]);
    expect(loud.stderr).toContain('warning:');
    expect(loud.stderr).toContain('wrote 8 train lines, 2 validation lines');
  });

  it('progress and colours only when stderr is a terminal', async () => {
    const ds = await dataset();
    const tty = await runCli(['convert', 'folder', ds, '-o', join(tmp.path, 'a')], { tty: true });
    expect(tty.stderr).toContain('\r');
    expect(tty.stderr).toMatch(ANSI);
    const pipe = await runCli(['convert', 'folder', ds, '-o', join(tmp.path, 'b')]);
    expect(pipe.stderr).not.toContain('\r');
    expect(pipe.stderr).not.toMatch(ANSI);
  });

  it('NO_COLOR and --no-color remove every ANSI escape, on a terminal too', async () => {
    const ds = await dataset();
    const env = await runCli(['convert', 'folder', ds, '-o', join(tmp.path, 'a')], { tty: true, env: { NO_COLOR: '1' } });
    const flag = await runCli(['convert', 'folder', ds, '-o', join(tmp.path, 'b'), '--no-color'], { tty: true });
    for (const r of [env, flag]) {
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('wrote');
      // eslint-disable-next-line no-control-regex -- the progress bar's own escapes are removed first
      expect(r.stderr.replace(/\r\x1b\[K/g, '').replace(/\x1b\[K/g, '')).not.toMatch(ANSI);
    }
    const err = await runCli(['convert', 'folder', join(tmp.path, 'nope'), '-o', 'x', '--no-color'], { tty: true });
    expect(err.stderr).not.toMatch(ANSI);
  });
});

describe('signals', () => {
  it('main() installs one SIGINT/SIGTERM listener per process, whatever the number of runs (it stays until the process exits)', async () => {
    const ds = await dataset();
    const before = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    for (let i = 0; i < 3; i++) {
      const stdout = new CaptureStream();
      const stderr = new CaptureStream();
      await main(['convert', 'folder', ds, '--dry-run'], { stdout, stderr, env: {} }, { handleSignals: true });
      await main(['convert', 'nope'], { stdout, stderr, env: {} }, { handleSignals: true });
    }
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')].map((n, i) => n - before[i]!)).toEqual([1, 1]);
  });

  it('in-process runs do not install process signal handlers by default', async () => {
    const ds = await dataset();
    const before = process.listenerCount('SIGINT');
    let during = -1;
    const stderr = new CaptureStream();
    const stdout = new CaptureStream();
    const p = main(['convert', 'folder', ds, '--dry-run'], { stdout, stderr, env: {} });
    during = process.listenerCount('SIGINT');
    await p;
    expect(during).toBe(before);
  });
});
