import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { splitJsonl } from '../../src/jsonl/split.js';
import { ConversionError } from '../../src/errors.js';
import { splitItems } from '../../src/split.js';
import { runCli } from '../helpers/cli.js';
import { listTree, useTempDir, writeTree } from '../helpers/fs.js';

const tmp = useTempDir('automl-img-split-');

function jsonl(n: number, label = (i: number) => `c${i % 3}`): string {
  return Array.from({ length: n }, (_, i) => `{"image_url":"img/${String(i).padStart(3, '0')}.jpg","label":"${label(i)}"}`).join('\n') + '\n';
}

const readLines = async (f: string) => (await readFile(f, 'utf8')).split('\n').filter(Boolean);

describe('split command', () => {
  it('splits by image_url with the shared splitter, copies lines byte for byte, sorted', async () => {
    // unsorted input, odd spacing kept as is
    const lines = Array.from({ length: 20 }, (_, i) => `{"image_url": "img/${String(19 - i).padStart(2, '0')}.jpg",  "label": "c${i % 2}"}`);
    await writeTree(tmp.path, { 'all.jsonl': lines.join('\r\n') + '\r\n' });
    const s = await splitJsonl(join(tmp.path, 'all.jsonl'), { out: join(tmp.path, 'out'), seed: '7' });
    expect(s).toMatchObject({ ok: true, converter: 'split', task: 'multi-class', train: 16, validation: 4, labels: { c0: 10, c1: 10 } });
    const train = await readLines(join(tmp.path, 'out/train_annotations.jsonl'));
    const val = await readLines(join(tmp.path, 'out/validation_annotations.jsonl'));
    for (const l of [...train, ...val]) expect(lines).toContain(l);
    const urls = (ls: string[]) => ls.map((l) => (JSON.parse(l) as { image_url: string }).image_url);
    expect(urls(train)).toEqual([...urls(train)].sort());
    const expected = splitItems(
      lines.map((l) => ({ key: (JSON.parse(l) as { image_url: string }).image_url })),
      { ratio: 0.2, seed: '7' },
    );
    expect(new Set(urls(val))).toEqual(new Set(lines.filter((_, i) => expected[i]).map((l) => (JSON.parse(l) as { image_url: string }).image_url)));
  });

  it("stratifies by label (detection: the objects' labels)", async () => {
    const det = Array.from({ length: 12 }, (_, i) => JSON.stringify({ image_url: `${i}.jpg`, label: i < 2 ? [{ label: 'rare', topX: 0, topY: 0, bottomX: 1, bottomY: 1, isCrowd: 0 }] : [] }));
    await writeTree(tmp.path, { 'd.jsonl': det.join('\n') });
    const s = await splitJsonl(join(tmp.path, 'd.jsonl'), { out: join(tmp.path, 'o'), stratify: true, validationRatio: 0.25 });
    expect(s.task).toBe('object-detection');
    expect(s.objects).toBe(2);
    const val = await readLines(join(tmp.path, 'o/validation_annotations.jsonl'));
    expect(val.filter((l) => l.includes('rare'))).toHaveLength(1);
  });

  it('a malformed line: JSON_PARSE with file and line number, nothing written', async () => {
    await writeTree(tmp.path, { 'bad.jsonl': jsonl(3) + '{"image_url": "x.jpg", \n' + jsonl(2) });
    const e = (await splitJsonl(join(tmp.path, 'bad.jsonl'), { out: join(tmp.path, 'out') }).catch((err: unknown) => err)) as ConversionError;
    expect(e.code).toBe('JSON_PARSE');
    expect(e.line).toBe(4);
    expect(e.message).toMatch(/bad\.jsonl:4: expected a JSON object, got malformed JSON/);
    expect(await listTree(tmp.path)).toEqual(['bad.jsonl']);
  });

  it('a missing or non-string image_url, a non-object line, a repeated image_url: one code each, with line numbers', async () => {
    const cases: [string, string, string][] = [
      ['{"label":"a"}', 'JSON_MISSING', ':2: image_url: expected a non-empty string, got nothing'],
      ['{"image_url":3,"label":"a"}', 'JSON_BAD_VALUE', ':2: image_url: expected a non-empty string, got 3'],
      ['[1,2]', 'JSON_BAD_VALUE', ':2: expected a JSON object, got an array'],
      ['{"image_url":"img/000.jpg","label":"x"}', 'DUPLICATE_IMAGE', ':2: image "img/000.jpg" appears more than once'],
    ];
    for (const [line, code, text] of cases) {
      await writeTree(tmp.path, { 'f.jsonl': jsonl(1) + line + '\n' + jsonl(1).replace('000', '999') });
      const e = (await splitJsonl(join(tmp.path, 'f.jsonl'), { out: join(tmp.path, 'out') }).catch((err: unknown) => err)) as ConversionError;
      expect(e.code).toBe(code);
      expect(e.message).toContain(`f.jsonl${text}`);
    }
  });

  it('--on-error skip leaves bad lines out and reports them; blank lines are ignored', async () => {
    await writeTree(tmp.path, { 'f.jsonl': jsonl(4) + '\n   \nnot json\n' });
    const seen: string[] = [];
    const s = await splitJsonl(join(tmp.path, 'f.jsonl'), { out: join(tmp.path, 'out'), onError: 'skip', onDiagnostic: (d) => seen.push(d.code) });
    expect(s).toMatchObject({ train: 3, validation: 1, skipped: 1 });
    expect(seen).toEqual(['JSON_PARSE']);
    expect(s.errors[0]).toMatchObject({ line: 7, code: 'JSON_PARSE' });
  });

  it('refuses to write over its own input, and existing outputs without --force', async () => {
    await writeTree(tmp.path, { 'out/train_annotations.jsonl': jsonl(5) });
    const self = (await splitJsonl(join(tmp.path, 'out/train_annotations.jsonl'), { out: join(tmp.path, 'out'), force: true }).catch((e: unknown) => e)) as ConversionError;
    expect(self.code).toBe('USAGE');
    expect(self.exitCode).toBe(2);
    await writeTree(tmp.path, { 'all.jsonl': jsonl(5) });
    const exists = (await splitJsonl(join(tmp.path, 'all.jsonl'), { out: join(tmp.path, 'out') }).catch((e: unknown) => e)) as ConversionError;
    expect(exists.code).toBe('OUTPUT_EXISTS');
    expect(await readFile(join(tmp.path, 'out/train_annotations.jsonl'), 'utf8')).toBe(jsonl(5));
  });

  it('an empty file: EMPTY_DATASET; a missing file: INPUT_NOT_FOUND; a folder: INPUT_LAYOUT', async () => {
    await writeTree(tmp.path, { 'empty.jsonl': '\n\n', 'dir/': null });
    const codes = [];
    for (const f of ['empty.jsonl', 'missing.jsonl', 'dir']) {
      codes.push(((await splitJsonl(join(tmp.path, f), { out: join(tmp.path, 'out') }).catch((e: unknown) => e)) as ConversionError).code);
    }
    expect(codes).toEqual(['EMPTY_DATASET', 'INPUT_NOT_FOUND', 'INPUT_LAYOUT']);
    expect(await listTree(tmp.path)).toEqual(['dir/', 'empty.jsonl']);
  });

  it('CLI: flags, --json, -o -, exit codes', async () => {
    await writeTree(tmp.path, { 'all.jsonl': jsonl(10), 'bad.jsonl': 'nope\n' });
    const ok = await runCli(['split', 'all.jsonl', '-o', 'out', '--validation-ratio', '0.3', '--seed', 's', '--json'], { cwd: tmp.path });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true, train: 7, validation: 3, skipped: 0, errors: [], outputs: ['out/train_annotations.jsonl', 'out/validation_annotations.jsonl'] });
    const again = await runCli(['split', 'all.jsonl', '-o', 'out'], { cwd: tmp.path });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('[OUTPUT_EXISTS]');
    const forced = await runCli(['split', 'all.jsonl', '-o', 'out', '--force', '--mltable', '-q'], { cwd: tmp.path });
    expect(forced.code).toBe(0);
    expect(forced.stderr).toBe('');
    expect(await listTree(join(tmp.path, 'out'))).toContain('training-mltable-folder/MLTable');
    const piped = await runCli(['split', 'all.jsonl', '-o', '-'], { cwd: tmp.path });
    expect(piped.stdout.trim().split('\n')).toHaveLength(10);
    const bad = await runCli(['split', 'bad.jsonl', '-o', 'o2', '--json'], { cwd: tmp.path });
    expect(bad.code).toBe(1);
    expect(JSON.parse(bad.stdout)).toMatchObject({ ok: false, errors: [{ file: 'bad.jsonl', line: 1, code: 'JSON_PARSE' }] });
    expect((await runCli(['split', 'all.jsonl', '-o', 'o3', '--validation-ratio', '1'], { cwd: tmp.path })).code).toBe(2);
    expect((await runCli(['split', 'all.jsonl'], { cwd: tmp.path })).code).toBe(2);
    const dry = await runCli(['split', 'all.jsonl', '-o', 'o4', '--dry-run'], { cwd: tmp.path });
    expect(dry.stdout).toBe('would write 8 train lines, 2 validation lines\n  o4/train_annotations.jsonl\n  o4/validation_annotations.jsonl\n');
    expect(await listTree(tmp.path)).not.toContain('o4/train_annotations.jsonl');
  });
});
