/**
 * folder-to-jsonl: golden case (test/fixtures/folder-to-jsonl/, UPDATE=1 rewrites it), what is
 * reported and left out, nested folders, bad images (one test each, code and message pinned), the
 * empty dataset, names kept exactly, determinism, the real bin, and the real datasets of
 * ../shared/realdata (compared with ref_convert.py folder) when present.
 */
import { existsSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test, vi } from 'vitest';
import { convert } from '../../src/convert.js';
import { ConversionError } from '../../src/errors.js';
import type { ConvertOptions, Summary } from '../../src/types.js';
import { runBin, runCli } from '../helpers/cli.js';
import { useTempDir, writeTree, writeTreeReversed, type Tree } from '../helpers/fs.js';
import { conversionFailure, runConversion, type Run } from '../helpers/convert.js';
import { jpeg, png } from '../helpers/images.js';
import { FRIDGE } from '../fixtures/folder-to-jsonl/cases.js';

const FIXTURES = new URL('../fixtures/folder-to-jsonl/', import.meta.url).pathname;
const tmp = useTempDir('folder-');

const run = (root: string, options: ConvertOptions = {}): Promise<Run> => runConversion('folder', root, options);

const failure = (root: string, options: ConvertOptions = {}): Promise<ConversionError> => conversionFailure('folder', root, options);

async function dataset(tree: Tree): Promise<string> {
  const root = join(tmp.path, 'data');
  await writeTree(root, tree);
  return root;
}

const stable = (text: string, root: string) => text.split(root).join('<root>');

function parse(jsonl: string): { image_url: string; image_details?: unknown; label: string }[] {
  return jsonl
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as { image_url: string; image_details?: unknown; label: string });
}

describe('golden: fridge-shaped class folders', () => {
  test('what the golden lines hold', async () => {
    const root = await dataset(FRIDGE);
    const { summary, train, validation } = await run(root);
    // The golden files are compared by test/golden.test.ts; these are facts they must hold, so a wrong regeneration shows.
    const dir = join(FIXTURES, 'fridge', 'expected');
    expect(train).toBe(readFileSync(join(dir, 'train_annotations.jsonl'), 'utf8'));
    expect(validation).toBe(readFileSync(join(dir, 'validation_annotations.jsonl'), 'utf8'));
    expect(summary.train + summary.validation).toBe(14);
    expect(summary.validation).toBe(3); // round(0.2 × 14)
    const all = parse(train + validation);
    expect(all.find((l) => l.image_url === 'carton/13.jpg')).toEqual({ image_url: 'carton/13.jpg', image_details: { format: 'jpg', width: 64, height: 48 }, label: 'carton' });
    expect(all.find((l) => l.image_url === 'carton/12.TIFF')?.image_details).toEqual({ format: 'tiff', width: 3, height: 6 });
    expect(all.find((l) => l.image_url === 'carton/10.bmp')?.image_details).toEqual({ format: 'bmp', width: 5, height: 4 });
    expect(summary.labels).toEqual({ can: 4, carton: 4, milk_bottle: 3, water_bottle: 3 });
    for (const text of [train, validation]) {
      const urls = parse(text).map((l) => l.image_url);
      expect(urls).toEqual([...urls].sort());
    }
    expect(train).toMatch(/^\{"image_url":"can\/1\.jpg","image_details":\{"format":"jpg","width":40,"height":30\},"label":"can"\}\n/);
  });
});

describe('what is reported and left out', () => {
  test('.DS_Store, .gif, text files and images at the root: warnings, not lines', async () => {
    const root = await dataset({
      ...FRIDGE,
      '.DS_Store': 'junk',
      'can/.DS_Store': 'junk',
      'can/anim.gif': Buffer.from('GIF89a\x01\x00\x01\x00\x00\x00\x00;', 'latin1'),
      'can/notes.txt': 'a note',
      'stray.jpg': jpeg(4, 4),
      'README.md': '# data',
    });
    const { summary, train, validation } = await run(root);
    expect(summary.train + summary.validation).toBe(14);
    expect(train + validation).not.toMatch(/DS_Store|gif|txt|stray|README/);
    expect(summary.warnings.map((w) => [w.code, stable(w.message, root)])).toEqual([
      ['NOT_AN_IMAGE', '<root>/.DS_Store: not an image file (a Finder .DS_Store): left out'],
      ['NOT_AN_IMAGE', '<root>/README.md: not a class folder: left out'],
      ['NOT_AN_IMAGE', '<root>/can/.DS_Store: not an image file (a Finder .DS_Store): left out'],
      ['NOT_AN_IMAGE', '<root>/can/anim.gif: not an image file (by its extension): left out'],
      ['NOT_AN_IMAGE', '<root>/can/notes.txt: not an image file (by its extension): left out'],
      ['IMAGE_OUTSIDE_CLASS', '<root>/stray.jpg: image outside any class folder (its class would be unknown): left out'],
    ]);
    expect(summary.errors).toEqual([]);
  });

  test('other hidden files and folders are ignored silently', async () => {
    const root = await dataset({
      'can/1.jpg': jpeg(4, 4),
      'can/.hidden.jpg': 'not even an image',
      'can/._1.jpg': 'AppleDouble',
      '.git/objects/x.jpg': 'x',
      '.thumbnails/can/1.jpg': 'x',
      'can/.cache/2.jpg': 'x',
    });
    const { summary, train } = await run(root, { validationRatio: 0 });
    expect(parse(train).map((l) => l.image_url)).toEqual(['can/1.jpg']);
    expect(summary.warnings).toEqual([]);
    expect(summary.errors).toEqual([]);
  });

  test('a broken link named like an image: reported, left out', async () => {
    const root = await dataset({ 'can/1.jpg': jpeg(4, 4) });
    symlinkSync(join(root, 'nowhere.jpg'), join(root, 'can', 'broken.jpg'));
    const { summary, train } = await run(root, { validationRatio: 0 });
    expect(parse(train)).toHaveLength(1);
    expect(summary.warnings.map((w) => stable(w.message, root))).toEqual(['<root>/can/broken.jpg: not a regular file (a broken link, a socket, ...): left out']);
  });
});

describe('nested folders', () => {
  const tree: Tree = { 'can/1.jpg': jpeg(4, 4), 'can/sub/2.jpg': jpeg(5, 5), 'can/sub/deeper/3.jpg': jpeg(6, 6), 'carton/4.jpg': jpeg(7, 7) };

  test('default --depth 1: NESTED_FOLDER names the folder and says what to do', async () => {
    const root = await dataset(tree);
    const e = await failure(root);
    expect(e.code).toBe('NESTED_FOLDER');
    expect(e.file).toBe(join(root, 'can', 'sub'));
    expect(stable(e.message, root)).toBe(
      '<root>/can/sub: expected images directly in class folder "can", got a folder 1 level down; use --depth 2 to include its images as "can", or --on-error skip to leave it out',
    );
  });

  test('--depth 2 takes can/sub/2.jpg as "can" and still stops at can/sub/deeper', async () => {
    const root = await dataset(tree);
    const e = await failure(root, { depth: 2 });
    expect(stable(e.message, root)).toBe(
      '<root>/can/sub/deeper: expected images directly in class folder "can" or in folders at most 1 level below it, got a folder 2 levels down; use --depth 3 to include its images as "can", or --on-error skip to leave it out',
    );
    const { train } = await run(root, { depth: 3, validationRatio: 0 });
    expect(parse(train).map((l) => [l.image_url, l.label])).toEqual([
      ['can/1.jpg', 'can'],
      ['can/sub/2.jpg', 'can'],
      ['can/sub/deeper/3.jpg', 'can'],
      ['carton/4.jpg', 'carton'],
    ]);
  });

  test('--on-error skip leaves the nested folder out and reports it', async () => {
    const root = await dataset(tree);
    const { summary, train } = await run(root, { onError: 'skip', validationRatio: 0 });
    expect(parse(train).map((l) => l.image_url)).toEqual(['can/1.jpg', 'carton/4.jpg']);
    expect(summary.skipped).toBe(1);
    expect(summary.errors.map((d) => [d.code, d.file && stable(d.file, root)])).toEqual([['NESTED_FOLDER', '<root>/can/sub']]);
  });

  test('the --depth flag is checked by the CLI parser', async () => {
    const { findConverter } = await import('../../src/registry.js');
    const opt = findConverter('folder')!.options['depth']!;
    expect(opt.parse('2')).toBe(2);
    expect(() => opt.parse('0')).toThrow(/integer of 1 or more/);
    expect(() => opt.parse('x')).toThrow(/integer of 1 or more/);
  });
});

describe('bad images (one test each)', () => {
  test('a text file named .jpg: IMAGE_UNREADABLE naming the file', async () => {
    const root = await dataset({ 'can/1.jpg': jpeg(4, 4), 'can/2.jpg': 'not pixels at all, just text' });
    const e = await failure(root);
    expect(e.code).toBe('IMAGE_UNREADABLE');
    expect(e.file).toBe(join(root, 'can', '2.jpg'));
    expect(stable(e.message, root)).toBe('<root>/can/2.jpg: not an image: unrecognised file header');
  });

  test('a truncated JPEG: IMAGE_UNREADABLE', async () => {
    const root = await dataset({ 'can/1.jpg': jpeg(4, 4), 'can/cut.jpg': jpeg(50, 40, { exifBytes: 10_000 }).subarray(0, 6_000) });
    const e = await failure(root);
    expect(e.code).toBe('IMAGE_UNREADABLE');
    expect(stable(e.message, root)).toMatch(/^<root>\/can\/cut\.jpg: not a readable JPEG: truncated: /);
  });

  test('an empty file: IMAGE_UNREADABLE', async () => {
    const root = await dataset({ 'can/1.jpg': jpeg(4, 4), 'can/empty.png': '' });
    const e = await failure(root);
    expect(e.code).toBe('IMAGE_UNREADABLE');
    expect(stable(e.message, root)).toBe('<root>/can/empty.png: not an image: the file is empty');
  });

  test('--on-error skip: bad images left out, reported in path order, the rest converted', async () => {
    const tree: Tree = { 'a/1.jpg': jpeg(4, 4) };
    for (let i = 0; i < 150; i++) tree[`b/${String(i).padStart(3, '0')}.jpg`] = i % 10 === 0 ? 'broken' : jpeg(3, 3);
    const root = await dataset(tree);
    const first = await run(root, { onError: 'skip' });
    expect(first.summary.skipped).toBe(15);
    expect(first.summary.train + first.summary.validation).toBe(136);
    const files = first.summary.errors.map((d) => d.file);
    expect(files).toEqual([...files].sort());
    expect(files[0]).toBe(join(root, 'b', '000.jpg'));
    const second = await run(root, { onError: 'skip' });
    expect(second.summary.errors).toEqual(first.summary.errors);
  });

  test('--no-image-details opens no image: a broken file still becomes a line, without image_details', async () => {
    const root = await dataset({ 'can/1.jpg': 'broken', 'can/2.jpg': jpeg(4, 4) });
    const { train } = await run(root, { imageDetails: false, validationRatio: 0 });
    expect(train).toBe('{"image_url":"can/1.jpg","label":"can"}\n{"image_url":"can/2.jpg","label":"can"}\n');
  });
});

describe('the dataset as a whole', () => {
  test('an empty folder: EMPTY_DATASET', async () => {
    const root = await dataset({ 'can/': null });
    const e = await failure(root);
    expect(e.code).toBe('EMPTY_DATASET');
    expect(e.message).toMatch(/nothing to convert/);
  });

  test('only junk: EMPTY_DATASET, with the junk reported', async () => {
    const root = await dataset({ 'notes.txt': 'x', 'can/readme.txt': 'x', 'top.jpg': jpeg(2, 2) });
    try {
      await convert('folder', root, { dryRun: true });
      throw new Error('expected a failure');
    } catch (e) {
      expect((e as ConversionError).code).toBe('EMPTY_DATASET');
      const { summaryOf } = await import('../../src/convert.js');
      expect(summaryOf(e)!.warnings.map((w) => w.code)).toEqual(['NOT_AN_IMAGE', 'NOT_AN_IMAGE', 'IMAGE_OUTSIDE_CLASS']);
    }
  });

  test('a file instead of a folder: INPUT_LAYOUT', async () => {
    const file = join(tmp.path, 'x.jpg');
    writeFileSync(file, jpeg(2, 2));
    const e = await failure(file);
    expect(e.code).toBe('INPUT_LAYOUT');
    expect(stable(e.message, tmp.path)).toBe('<root>/x.jpg: expected a folder of class folders, got a file');
  });

  test('a missing folder: INPUT_NOT_FOUND', async () => {
    const e = await failure(join(tmp.path, 'nope'));
    expect(e.code).toBe('INPUT_NOT_FOUND');
  });

  test('non-ASCII and space-containing names are kept exactly (no percent-encoding, no normalisation)', async () => {
    const nfd = 'cafe\u0301'; // "café" decomposed, as macOS writes it
    const root = await dataset({ 'milk bottle/ö 1.jpg': jpeg(3, 2), [`${nfd}/日本 #1%20.png`]: png(2, 3), 'can/a+b&c.jpg': jpeg(2, 2) });
    const { train, summary } = await run(root, { validationRatio: 0 });
    expect(parse(train).map((l) => [l.image_url, l.label])).toEqual([
      [`${nfd}/日本 #1%20.png`, nfd], // "cafe" + U+0301 sorts before "can"
      ['can/a+b&c.jpg', 'can'],
      ['milk bottle/ö 1.jpg', 'milk bottle'],
    ]);
    expect(Object.keys(summary.labels)).toContain(nfd);
    expect(train).toContain(`"image_url":"${nfd}/日本 #1%20.png"`);
  });

  test('--root and --base-url: image_url is the base URL + the path relative to the root', async () => {
    const root = await dataset({ 'can/1.jpg': jpeg(2, 2) });
    const { train } = await run(root, { root: tmp.path, baseUrl: 'azureml://datastores/ws/paths/x', validationRatio: 0 });
    expect(parse(train)[0]!.image_url).toBe('azureml://datastores/ws/paths/x/data/can/1.jpg');
    const e = await failure(root, { root: join(tmp.path, 'elsewhere') });
    expect(e.code).toBe('PATH_OUTSIDE_ROOT');
    expect(stable(e.message, tmp.path)).toBe('<root>/data/can/1.jpg: expected an image inside --root <root>/elsewhere, got one outside it');
  });
});

describe('determinism', () => {
  test('two runs are byte-identical; a copy created in reverse order gives the same bytes', async () => {
    const tree: Tree = { ...FRIDGE };
    for (let i = 0; i < 40; i++) tree[`extra_${i % 3}/${i}.png`] = png(1 + (i % 5), 2);
    const a = join(tmp.path, 'a');
    const b = join(tmp.path, 'b');
    await writeTree(a, tree);
    await writeTreeReversed(b, tree);
    const first = await run(a, { stratify: true });
    const second = await run(a, { stratify: true });
    const reversed = await run(b, { stratify: true });
    expect(second.train).toBe(first.train);
    expect(second.validation).toBe(first.validation);
    expect(reversed.train).toBe(first.train);
    expect(reversed.validation).toBe(first.validation);
    expect(first.validation.length).toBeGreaterThan(0);
  });
});

describe('slow storage', () => {
  test('when header reads turn slow, the rest is read concurrently: the same bytes and the same reports', async () => {
    const tree: Tree = { ...FRIDGE, 'can/bad.jpg': 'broken' };
    for (let i = 0; i < 120; i++) tree[`many/${String(i).padStart(3, '0')}.png`] = i === 77 ? 'broken too' : png(1 + (i % 4), 2);
    const root = await dataset(tree);
    const fast = await run(root, { onError: 'skip' });
    let now = 0;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => (now += 5)); // every read looks 5 ms long
    try {
      const slow = await run(root, { onError: 'skip' });
      expect(slow.train).toBe(fast.train);
      expect(slow.validation).toBe(fast.validation);
      expect(slow.summary.errors).toEqual(fast.summary.errors);
      expect(slow.summary.errors.map((d) => d.file)).toEqual([join(root, 'can', 'bad.jpg'), join(root, 'many', '077.png')]);
    } finally {
      spy.mockRestore();
    }
  });
});

describe('the CLI (the real bin once, in-process otherwise)', () => {
  test('node bin/automl-img.js convert folder <dir> -o <out> writes both files and says so', async () => {
    const root = await dataset(FRIDGE);
    const out = join(tmp.path, 'out');
    const r = await runBin(['convert', 'folder', root, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('wrote 11 train lines, 3 validation lines, 4 labels');
    expect(readFileSync(join(out, 'train_annotations.jsonl'), 'utf8')).toBe(readFileSync(join(FIXTURES, 'fridge', 'expected', 'train_annotations.jsonl'), 'utf8'));
    expect(readFileSync(join(out, 'validation_annotations.jsonl'), 'utf8')).toBe(readFileSync(join(FIXTURES, 'fridge', 'expected', 'validation_annotations.jsonl'), 'utf8'));
  });

  test('a nested folder: exit 1, one plain line naming it, nothing written', async () => {
    const root = await dataset({ 'can/1.jpg': jpeg(2, 2), 'can/sub/2.jpg': jpeg(2, 2) });
    const out = join(tmp.path, 'out');
    const r = await runCli(['convert', 'folder', root, '-o', out, '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error: ${join(root, 'can', 'sub')}: expected images directly in class folder "can"`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const summary = JSON.parse(r.stdout) as Summary;
    expect(summary.ok).toBe(false);
    expect(summary.errors[0]!.code).toBe('NESTED_FOLDER');
    expect(existsSync(join(out, 'train_annotations.jsonl'))).toBe(false);
  });

  test('--help of the subcommand shows --depth and an example', async () => {
    const r = await runCli(['convert', 'folder', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--depth <n>');
    expect(r.stdout).toContain('automl-img convert folder ./fridgeObjects -o out/');
  });
});
