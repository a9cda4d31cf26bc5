/**
 * Small CLI things (issues 11.3, 11.7, 11.8, 11.13): stats --json with an unreadable file, the Azure
 * docs' own image_details, --mltable without --base-url, stdout closed early, split -o - wording, -q help.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { validateJsonl } from '../../src/jsonl/validate.js';
import { runCli } from '../helpers/cli.js';
import { useTempDir, writeTree } from '../helpers/fs.js';
import { jpeg } from '../helpers/images.js';

const tmp = useTempDir('cli-small-');

describe('validate: image_details as in the Azure docs', () => {
  test('{"format": "jpg", "width": "499px", "height": "666px"}: warnings saying what convert writes; the load does not fail', async () => {
    const f = join(tmp.path, 'a.jsonl');
    writeFileSync(f, JSON.stringify({ image_url: 'a/1.jpg', image_details: { format: 'jpg', width: '499px', height: '666px' }, label: 'can' }) + '\n');
    const r = await validateJsonl([f]);
    expect(r.findings.map((x) => [x.code, x.severity, x.path])).toEqual([
      ['DETAILS_BAD', 'warning', 'image_details.width'],
      ['DETAILS_BAD', 'warning', 'image_details.height'],
    ]);
    expect(r.findings[0]!.message).toContain('got "499px": convert would write the number 499');
    expect(r.ok).toBe(true);
    expect(r.failedLoads).toEqual([]);
  });
});

describe('stats --json', () => {
  test('an unreadable file: the JSON object with the error is printed, exit 1', async () => {
    const good = join(tmp.path, 'a.jsonl');
    writeFileSync(good, JSON.stringify({ image_url: 'a/1.jpg', label: 'can' }) + '\n');
    const r = await runCli(['stats', '--json', good, join(tmp.path, 'missing.jsonl')]);
    expect(r.code).toBe(1);
    const o = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string; file: string } };
    expect(o.ok).toBe(false);
    expect(o.error.code).toBe('INPUT_NOT_FOUND');
    expect(o.error.message).toContain('missing.jsonl');
  });
});

describe('convert', () => {
  async function data(n = 3): Promise<string> {
    const root = join(tmp.path, 'in');
    const tree: Record<string, Buffer> = {};
    for (let i = 0; i < n; i++) tree[`can/${i}.jpg`] = jpeg(4, 3);
    await writeTree(root, tree);
    return root;
  }

  test('--mltable without --base-url warns, naming the option and an example', async () => {
    const root = await data();
    const r = await runCli(['convert', 'folder', root, '-o', join(tmp.path, 'o'), '--mltable']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('--base-url');
    expect(r.stderr).toContain('azureml://datastores/workspaceblobstore/paths/');
    const withUrl = await runCli(['convert', 'folder', root, '-o', join(tmp.path, 'o2'), '--mltable', '--base-url', 'azureml://datastores/workspaceblobstore/paths/in/']);
    expect(withUrl.stderr).not.toContain('warning');
  });

  test('no "1 images" / "1 lines" in messages: one image skipped', async () => {
    const root = await data(2);
    writeFileSync(join(root, 'can', 'bad.jpg'), 'not a jpeg');
    const r = await runCli(['convert', 'folder', root, '-o', join(tmp.path, 'o'), '--on-error', 'skip', '--validation-ratio', '0']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/1 image skipped/);
    expect(r.stderr).not.toMatch(/\b1 (images|lines|labels|warnings|objects)\b/);
  });

  test('stdout closed by its reader: said so, not "wrote N lines"', async () => {
    const root = await data(200);
    const { Writable } = await import('node:stream');
    // In-process: a stdout that fails with EPIPE after the first write.
    const { main } = await import('../../src/cli/main.js');
    const { CaptureStream } = await import('../helpers/cli.js');
    let writes = 0;
    const stdout = new Writable({
      write(_chunk, _enc, cb) {
        writes++;
        cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      },
    });
    const stderr = new CaptureStream();
    const code = await main(['convert', 'folder', root, '-o', '-', '--no-image-details'], { stdout, stderr, env: {} });
    expect(writes).toBeGreaterThan(0);
    expect(code).toBe(0);
    expect(stderr.text).toContain('stdout was closed by its reader');
    expect(stderr.text).not.toMatch(/wrote 200 lines/);
  });
});

describe('wording', () => {
  test('split -o - says "wrote N lines to stdout", as convert does', async () => {
    const f = join(tmp.path, 'a.jsonl');
    writeFileSync(f, [1, 2].map((i) => JSON.stringify({ image_url: `a/${i}.jpg`, label: 'can' })).join('\n') + '\n');
    const r = await runCli(['split', f, '-o', '-']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('wrote 2 lines to stdout');
  });

  test('-q help matches the README', async () => {
    for (const argv of [
      ['convert', 'folder', '--help'],
      ['split', '--help'],
    ]) {
      const r = await runCli(argv);
      expect(r.stdout.replace(/\s+/g, ' ')).toContain('no progress, no info lines, no warnings; errors are still printed');
    }
  });
});

describe('plurals', () => {
  test('evaluate: "1 prediction line names an image that is not", "1 ground-truth image has"', { timeout: 30_000 }, async () => {
    const { generateEvalData } = await import('../../bench/evaluate/generate.js');
    const { writeLines } = await import('../evaluate/reference.js');
    const { gt, predictions } = generateEvalData({ seed: 3, images: 3, task: 'object-detection', baseUrl: 'azureml://d/' });
    // One extra prediction line (of the generator's two), and no line for images/00001.jpg.
    const kept = predictions.filter((l) => !l.includes('elsewhere/1.jpg') && !l.includes('images/00001.jpg'));
    const g = writeLines(tmp.path, 'gt.jsonl', gt);
    const p = writeLines(tmp.path, 'pred.jsonl', kept);
    const r = await runCli(['evaluate', g, '--predictions', p, '--base-url', 'azureml://d/']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('warning: 1 prediction line names an image that is not in the ground truth: left out');
    expect(r.stderr).toContain('warning: 1 ground-truth image has no prediction line');
  });
});
