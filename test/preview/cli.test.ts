import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runBin, runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/fs.js';
import { pageData, srcOf, writeDetection } from './fixtures.js';

const tmp = useTempDir('automl-img-preview-cli-');

describe('automl-img preview', () => {
  it('writes the page and says what is on it', async () => {
    await writeDetection(tmp.path);
    const r = await runCli(['preview', 'out/train_annotations.jsonl', 'out/validation_annotations.jsonl', '--images-root', 'data', '--predictions', 'preds.jsonl'], { cwd: tmp.path });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^wrote preview\.html: 5 images, 5 objects, 3 labels, 4 prediction lines \(1 for images in no file\), 1 image not found \(shown as placeholders\) \(\d+ KB\)\n$/);
    const data = pageData(readFileSync(join(tmp.path, 'preview.html'), 'utf8'));
    expect(data.files.map((f) => f.name)).toEqual(['out/train_annotations.jsonl', 'out/validation_annotations.jsonl', 'preds.jsonl (images in no JSONL file)']);
    expect(srcOf(data, data.images[0]!)).toBe('data/images/1.png');
  });

  it('--json prints the summary on stdout; -o names the page', async () => {
    await writeDetection(tmp.path);
    const r = await runCli(['preview', 'out/train_annotations.jsonl', '--images-root', 'data', '-o', 'site/p.html', '--json', '--embed'], { cwd: tmp.path });
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ ok: true, out: join('site', 'p.html'), images: 3, objects: 3, labels: 2, missingImages: 1 });
    expect(existsSync(join(tmp.path, 'site', 'p.html'))).toBe(true);
  });

  it('exit 1 with the code for bad input, exit 2 for wrong usage', async () => {
    await writeDetection(tmp.path);
    const missing = await runCli(['preview', 'nope.jsonl'], { cwd: tmp.path });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('error: nope.jsonl: expected a JSONL file, got nothing (no such file) [INPUT_NOT_FOUND]\n');
    const usage = await runCli(['preview', 'out/train_annotations.jsonl', '--images-root', 'nope'], { cwd: tmp.path });
    expect(usage.code).toBe(2);
    expect(usage.stderr).toMatch(/--images-root: expected a folder, got "nope" \(no such folder\) \[USAGE\]/);
    expect(existsSync(join(tmp.path, 'preview.html'))).toBe(false);
    const noFile = await runCli(['preview'], { cwd: tmp.path });
    expect(noFile.code).toBe(2);
  });

  it('runs from the real bin', { timeout: 30_000 }, async () => {
    await writeDetection(tmp.path);
    const r = await runBin(['preview', 'out/validation_annotations.jsonl', '--images-root', 'data', '-o', 'v.html'], { cwd: tmp.path });
    expect(r.stderr).toMatch(/^wrote v\.html: 1 image, 2 objects, 2 labels/);
    expect(r.code).toBe(0);
    expect(pageData(readFileSync(join(tmp.path, 'v.html'), 'utf8')).images).toHaveLength(1);
  });
});
