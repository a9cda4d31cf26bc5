import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { convert, displayPath, resolveOptions, summaryOf } from '../src/convert.js';
import { ConversionError } from '../src/errors.js';
import { CaptureStream } from './helpers/cli.js';
import { listTree, useTempDir, writeTree } from './helpers/fs.js';
import { png } from './helpers/images.js';

const tmp = useTempDir('automl-img-convert-');

async function dataset(n = 40): Promise<string> {
  const ds = join(tmp.path, 'ds');
  const tree: Record<string, Uint8Array> = {};
  for (let i = 0; i < n; i++) tree[`${i % 2 ? 'a' : 'b'}/${i}.png`] = png(3, 2);
  await writeTree(ds, tree);
  return ds;
}

const usageOf = async (p: Promise<unknown>) => {
  const e = (await p.catch((err: unknown) => err)) as ConversionError;
  expect(e).toBeInstanceOf(ConversionError);
  expect(e.code).toBe('USAGE');
  expect(e.exitCode).toBe(2);
  return e.message;
};

describe('resolveOptions', () => {
  it('applies the defaults', () => {
    expect(resolveOptions({ dryRun: true })).toEqual({
      out: undefined,
      validationRatio: 0.2,
      seed: '0',
      stratify: false,
      baseUrl: '',
      root: undefined,
      imageDetails: true,
      verifyImages: true,
      mltable: false,
      onError: 'fail',
      dryRun: true,
      force: false,
      precision: 6,
    });
    expect(resolveOptions({ out: '-', seed: 7 as unknown as string }).seed).toBe('7');
    expect(resolveOptions({ out: 'x' }).out).toBe(join(process.cwd(), 'x'));
  });
  it('refuses values out of range with USAGE (exit 2)', async () => {
    expect(await usageOf(Promise.resolve().then(() => resolveOptions({ out: 'o', validationRatio: 1 })))).toContain('--validation-ratio');
    expect(await usageOf(Promise.resolve().then(() => resolveOptions({ out: 'o', validationRatio: Number.NaN })))).toContain('--validation-ratio');
    expect(await usageOf(Promise.resolve().then(() => resolveOptions({ out: 'o', precision: 16 })))).toContain('--precision');
    expect(await usageOf(Promise.resolve().then(() => resolveOptions({ out: 'o', onError: 'maybe' as 'fail' })))).toContain('--on-error');
    expect(await usageOf(Promise.resolve().then(() => resolveOptions({})))).toContain('an output is required');
  });
});

describe('convert', () => {
  it('returns the summary', async () => {
    const ds = await dataset();
    const s = await convert('folder', ds, { out: join(tmp.path, 'out') });
    expect(s).toMatchObject({ ok: true, converter: 'folder-to-jsonl', task: 'multi-class', input: ds, train: 32, validation: 8, labels: { a: 20, b: 20 } });
    expect(s.outputs).toEqual([displayPath(join(tmp.path, 'out/train_annotations.jsonl')), displayPath(join(tmp.path, 'out/validation_annotations.jsonl'))]);
  });

  it('unknown converters and options are USAGE errors', async () => {
    expect(await usageOf(convert('nope', 'x', { dryRun: true }))).toBe('unknown converter "nope"');
    expect(await usageOf(convert('folder', 'x', { dryRun: true, frob: 1 }))).toBe('the folder-to-jsonl converter has no option "frob"');
  });

  it('a missing input is INPUT_NOT_FOUND naming it, with a failed summary attached', async () => {
    const e = (await convert('folder', join(tmp.path, 'nope'), { dryRun: true }).catch((err: unknown) => err)) as ConversionError;
    expect(e.code).toBe('INPUT_NOT_FOUND');
    expect(e.file).toBe(displayPath(join(tmp.path, 'nope')));
    expect(summaryOf(e)).toMatchObject({ ok: false, errors: [expect.objectContaining({ code: 'INPUT_NOT_FOUND' })] });
    expect(summaryOf(new Error('x'))).toBeUndefined();
  });

  it('out "-" writes to the stdout option', async () => {
    const ds = await dataset(4);
    const stdout = new CaptureStream();
    const s = await convert('folder', ds, { out: '-', stdout });
    expect(s.train).toBe(4);
    expect(stdout.text.split('\n').filter(Boolean)).toHaveLength(4);
  });

  it('an abort in the middle of a run: INTERRUPTED (exit 130), nothing left, the summary says not ok', async () => {
    const ds = await dataset(200);
    const out = join(tmp.path, 'new', 'out');
    const controller = new AbortController();
    let progressed = 0;
    const e = (await convert('folder', ds, {
      out,
      signal: controller.signal,
      onProgress: (done) => {
        progressed = done;
        if (done === 10) controller.abort();
      },
    }).catch((err: unknown) => err)) as ConversionError;
    expect(e.code).toBe('INTERRUPTED');
    expect(e.exitCode).toBe(130);
    expect(progressed).toBeGreaterThanOrEqual(10);
    expect(summaryOf(e)?.ok).toBe(false);
    expect((await listTree(tmp.path)).filter((f) => !f.startsWith('ds/'))).toEqual([]);
  });
});
