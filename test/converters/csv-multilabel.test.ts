/**
 * csv-multilabel: golden cases (test/fixtures/csv-multilabel/, UPDATE=1 rewrites them), real CSV
 * rules, how the form and the columns are found, one test per bad input (code, message, CSV line),
 * the images folder and the root, names kept exactly, determinism, the real bin, and the real
 * datasets of ../shared/realdata (compared with ref_convert.py csv) when present.
 */
import { OFFICIAL_CSV } from '../fixtures/csv-multilabel/cases.js';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, writeCsvSet } from './csv-helpers.js';
import { describe, expect, test, vi } from 'vitest';
import { CSV_CHUNK_BYTES, csvLayout, splitLabels } from '../../converters/csv-multilabel.js';
import { ConversionError } from '../../src/errors.js';
import type { ConvertOptions, Summary } from '../../src/types.js';
import { runBin, runCli } from '../helpers/cli.js';
import { useTempDir, writeTree, writeTreeReversed, type Tree } from '../helpers/fs.js';
import { conversionFailure, runConversion, type Run } from '../helpers/convert.js';
import { jpeg, png } from '../helpers/images.js';

const FIXTURES = new URL('../fixtures/csv-multilabel/', import.meta.url).pathname;
const tmp = useTempDir('csv-');

const run = (input: string, options: ConvertOptions = {}): Promise<Run> => runConversion('csv', input, options);

/** Everything in one file, for tests that do not care about the split. */
async function lines(input: string, options: ConvertOptions = {}): Promise<{ image_url: string; image_details?: unknown; label: string[] }[]> {
  const { train } = await run(input, { validationRatio: 0, ...options });
  return parse(train);
}

const failure = (input: string, options: ConvertOptions = {}): Promise<ConversionError> => conversionFailure('csv', input, options);

/** Writes `<tmp>/data/labels.csv` (exact bytes) and the images; returns the CSV's path. */
const csvSet = (csv: string | Buffer, images: Tree = {}): Promise<string> => writeCsvSet(join(tmp.path, 'data'), csv, images);

const stable = (text: string) => text.split(tmp.path).join('<tmp>');

/** Images 1.jpg … n.jpg, each a distinct size. */
function numbered(n: number): Tree {
  const t: Tree = {};
  for (let i = 1; i <= n; i++) t[`${i}.jpg`] = jpeg(10 + i, 5 + i);
  return t;
}

// ---------------------------------------------------------------------------------------------

describe('golden cases (compared by test/golden.test.ts): facts they hold', () => {
  test('facts the official golden holds', async () => {
    const all = parse(
      readFileSync(join(FIXTURES, 'official', 'expected', 'train_annotations.jsonl'), 'utf8') + readFileSync(join(FIXTURES, 'official', 'expected', 'validation_annotations.jsonl'), 'utf8'),
    );
    expect(all).toHaveLength(10);
    expect(all.find((l) => l.image_url === 'images/6.jpg')).toEqual({
      image_url: 'images/6.jpg',
      image_details: { format: 'jpg', width: 16, height: 11 },
      label: ['carton', 'water_bottle', 'milk_bottle'],
    });
    expect(
      readFileSync(join(FIXTURES, 'official', 'expected', 'validation_annotations.jsonl'), 'utf8')
        .split('\n')
        .filter(Boolean),
    ).toHaveLength(2);
  });

  test('facts the one-hot golden holds (a row of zeros is an image with no labels)', async () => {
    const all = parse(
      readFileSync(join(FIXTURES, 'one-hot', 'expected', 'train_annotations.jsonl'), 'utf8') + readFileSync(join(FIXTURES, 'one-hot', 'expected', 'validation_annotations.jsonl'), 'utf8'),
    );
    const byUrl = Object.fromEntries(all.map((l) => [l.image_url, l.label]));
    expect(byUrl).toEqual({
      'images/1.jpg': ['dog'],
      'images/2.jpg': ['cat'],
      'images/3.jpg': ['person'],
      'images/4.jpg': ['dog', 'cat'],
      'images/5.jpg': ['dog', 'person'],
      'images/6.jpg': ['cat', 'person'],
      'images/7.jpg': [],
    });
    const summary = JSON.parse(readFileSync(join(FIXTURES, 'one-hot', 'expected', 'summary.json'), 'utf8')) as Summary;
    expect(summary.counts).toEqual({ imagesWithoutLabels: 1 });
  });
});

describe('CSV rules', () => {
  test('BOM, CRLF, blank and whitespace-only lines, no final newline', async () => {
    const path = await csvSet('\ufefffilename,labels\r\n1.jpg,a\r\n\r\n   \r\n2.jpg,b\r\n3.jpg,c', numbered(3));
    expect((await lines(path)).map((l) => [l.image_url, l.label])).toEqual([
      ['images/1.jpg', ['a']],
      ['images/2.jpg', ['b']],
      ['images/3.jpg', ['c']],
    ]);
  });

  test('labels split on runs of spaces and tabs, deduplicated, no empty strings', async () => {
    const path = await csvSet('filename,labels\n1.jpg,"  can   milk_bottle\tcan  "\n2.jpg,carton  carton\n', numbered(2));
    expect((await lines(path)).map((l) => l.label)).toEqual([['can', 'milk_bottle'], ['carton']]);
  });

  test('quoted fields: a comma or a newline inside a file name, doubled quotes, spaces kept inside quotes', async () => {
    const path = await csvSet('filename,labels\n"a, b.jpg",x\n"say ""hi"".jpg",y\n" padded .jpg",z\n', {
      'a, b.jpg': jpeg(2, 2),
      'say "hi".jpg': jpeg(3, 3),
      ' padded .jpg': jpeg(4, 4),
    });
    expect((await lines(path)).map((l) => [l.image_url, l.label])).toEqual([
      ['images/ padded .jpg', ['z']],
      ['images/a, b.jpg', ['x']],
      ['images/say "hi".jpg', ['y']],
    ]);
  });

  test('unquoted cells are trimmed: "1.jpg , can" names 1.jpg', async () => {
    const path = await csvSet('filename , labels\n 1.jpg , can \n', numbered(1));
    expect(await lines(path)).toEqual([{ image_url: 'images/1.jpg', image_details: { format: 'jpg', width: 11, height: 6 }, label: ['can'] }]);
  });

  test('a row with no labels is kept as label [] and counted', async () => {
    const path = await csvSet('filename,labels\n1.jpg,\n2.jpg,"  "\n3.jpg,a\n', numbered(3));
    const { summary, train } = await run(path, { validationRatio: 0 });
    expect(parse(train).map((l) => l.label)).toEqual([[], [], ['a']]);
    expect(summary.counts).toEqual({ imagesWithoutLabels: 2 });
  });

  test('--delimiter ";" (and tab) for CSVs saved by European spreadsheets', async () => {
    const path = await csvSet('filename;labels\n1.jpg;a b\n', numbered(1));
    expect((await lines(path, { delimiter: ';' })).map((l) => l.label)).toEqual([['a', 'b']]);
    const tsv = await csvSet('filename\tlabels\n1.jpg\ta\n', numbered(1));
    expect((await lines(tsv, { delimiter: '\t' })).map((l) => l.label)).toEqual([['a']]);
  });

  test('--delimiter from the library: "tab" is a tab; more than one character is USAGE (exit 2)', async () => {
    const tsv = await csvSet('filename\tlabels\n1.jpg\ta\n', numbered(1));
    expect((await lines(tsv, { delimiter: 'tab' })).map((l) => l.label)).toEqual([['a']]);
    const e = await failure(tsv, { delimiter: ';;' });
    expect(e.code).toBe('USAGE');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe(`option '--delimiter <c>' argument ';;' is invalid. expected one character (or "tab"), not a quote or a newline`);
  });

  test('--label-separator splits on that string instead of whitespace', async () => {
    const path = await csvSet('filename,labels\n1.jpg,"milk bottle; can ;;can"\n', numbered(1));
    expect((await lines(path, { labelSeparator: ';' })).map((l) => l.label)).toEqual([['milk bottle', 'can']]);
  });

  test('a large CSV streams in chunks and keeps line numbers right across them (CRLF inside quotes counts once)', async () => {
    const rows = ['filename,labels'];
    for (let i = 0; i < 3000; i++) {
      const name = `${String(i).padStart(5, '0')}-${'x'.repeat(40)}.jpg`;
      rows.push(i % 500 === 7 ? `"${name}","a\r\nb"` : `${name},a b`);
    }
    rows.push(`00000-${'x'.repeat(40)}.jpg,z`);
    const path = await csvSet(rows.join('\r\n') + '\r\n');
    expect(Buffer.byteLength(rows.join('\r\n'))).toBeGreaterThan(2 * 64 * 1024);
    const e = await failure(path, { imageDetails: false });
    expect(e.code).toBe('CSV_DUPLICATE_ROW');
    // 1 header + 3000 rows (6 of them two lines long) → the last row is on line 3008.
    expect(e.line).toBe(3008);
    expect(e.message).toMatch(/\(first on line 2\)/);
  });
});

describe('form and columns', () => {
  const layout = (header: string, opts: Partial<{ filenameColumn: string; labelsColumn: string; oneHot: boolean; delimiter: string }> = {}) =>
    csvLayout(header.split(opts.delimiter ?? ','), { oneHot: false, delimiter: ',', filenameColumn: undefined, labelsColumn: undefined, ...opts }, 'x.csv');

  test('the official header, two columns of any names, and extra columns beside a labels column: list form', () => {
    expect(layout('filename,labels')).toMatchObject({ form: 'list', filename: 0, labels: 1 });
    expect(layout('image_name,label_name')).toMatchObject({ form: 'list', filename: 0, labels: 1 });
    expect(layout('Labels,File_Name')).toMatchObject({ form: 'list', filename: 1, labels: 0 });
    expect(layout('id,filename,split,tags')).toMatchObject({ form: 'list', filename: 1, labels: 3 });
    expect(layout('pic,what')).toMatchObject({ form: 'list', filename: 0, labels: 1 });
  });

  test('more than two columns and no labels column: one-hot, every other column a label', () => {
    expect(layout('image,dog,cat,person')).toEqual({ form: 'one-hot', columns: ['image', 'dog', 'cat', 'person'], filename: 0, labelColumns: [1, 2, 3] });
    expect(layout('dog,cat,image_name')).toMatchObject({ form: 'one-hot', filename: 2, labelColumns: [0, 1] });
  });

  test('--one-hot for a single-label one-hot CSV; --filename-column / --labels-column by name', () => {
    expect(layout('image,dog', { oneHot: true })).toMatchObject({ form: 'one-hot', labelColumns: [1] });
    expect(layout('a,b,c', { filenameColumn: 'b', labelsColumn: 'C' })).toMatchObject({ form: 'list', filename: 1, labels: 2 });
  });

  test('end to end: one-hot with --filename-column, list with --labels-column', async () => {
    const path = await csvSet('dog,pic,cat\n1,1.jpg,1\n0,2.jpg,0\n', numbered(2));
    expect((await lines(path, { filenameColumn: 'pic' })).map((l) => l.label)).toEqual([['dog', 'cat'], []]);
    const list = await csvSet('file,notes,tags\n1.jpg,hello there,a b\n', numbered(1));
    expect((await lines(list, { labelsColumn: 'tags' })).map((l) => l.label)).toEqual([['a', 'b']]);
  });

  test('an unknown --labels-column: CSV_HEADER listing the columns', async () => {
    const path = await csvSet('filename,labels\n1.jpg,a\n', numbered(1));
    const e = await failure(path, { labelsColumn: 'tags' });
    expect(e.code).toBe('CSV_HEADER');
    expect(e.line).toBe(1);
    expect(stable(e.message)).toBe('<tmp>/data/labels.csv:1: --labels-column: expected one of the header\'s columns "filename,labels", got "tags"');
  });

  test('an unknown --filename-column: CSV_HEADER', async () => {
    const path = await csvSet('filename,labels\n1.jpg,a\n', numbered(1));
    const e = await failure(path, { filenameColumn: 'image' });
    expect(e.code).toBe('CSV_HEADER');
    expect(stable(e.message)).toBe('<tmp>/data/labels.csv:1: --filename-column: expected one of the header\'s columns "filename,labels", got "image"');
  });

  test('no header row (the first row is data): CSV_HEADER', async () => {
    const path = await csvSet('1.jpg,can\n2.jpg,carton\n', numbered(2));
    const e = await failure(path);
    expect(e.code).toBe('CSV_HEADER');
    expect(stable(e.message)).toBe('<tmp>/data/labels.csv:1: expected a header row first (e.g. "filename,labels"), got what looks like an image row "1.jpg,can"');
  });

  test('one column (another delimiter): CSV_HEADER suggesting --delimiter', async () => {
    const path = await csvSet('filename;labels\n1.jpg;a\n', numbered(1));
    const e = await failure(path);
    expect(e.code).toBe('CSV_HEADER');
    expect(stable(e.message)).toBe(
      '<tmp>/data/labels.csv:1: expected a header with a filename column and labels (e.g. "filename,labels"), got 1 column "filename;labels"; if the columns are separated by something else than ",", use --delimiter',
    );
  });

  test('a one-hot label named twice: CSV_HEADER', async () => {
    const path = await csvSet('image,dog,cat,dog\n1.jpg,1,0,0\n', numbered(1));
    const e = await failure(path);
    expect(e.code).toBe('CSV_HEADER');
    expect(stable(e.message)).toBe('<tmp>/data/labels.csv:1: one-hot header: expected each label once, got "dog" in columns 2 and 4');
  });

  test('--one-hot with --labels-column: USAGE (exit 2)', async () => {
    const path = await csvSet('filename,labels\n1.jpg,a\n', numbered(1));
    const e = await failure(path, { oneHot: true, labelsColumn: 'labels' });
    expect(e.code).toBe('USAGE');
    expect(e.exitCode).toBe(2);
  });

  test('splitLabels', () => {
    expect(splitLabels('  a  b\t\ta ')).toEqual(['a', 'b']);
    expect(splitLabels('')).toEqual([]);
    expect(splitLabels('x, y,,x', ',')).toEqual(['x', 'y']);
  });
});

describe('bad rows (one test each: code, message, CSV line)', () => {
  test('a missing image: IMAGE_NOT_FOUND on its line', async () => {
    const path = await csvSet('filename,labels\n1.jpg,a\n2.jpg,b\n', numbered(1));
    const e = await failure(path);
    expect(e.code).toBe('IMAGE_NOT_FOUND');
    expect([e.file && stable(e.file), e.line]).toEqual(['<tmp>/data/labels.csv', 3]);
    expect(stable(e.message)).toBe('<tmp>/data/labels.csv:3: expected an image file at <tmp>/data/images/2.jpg, got no such file');
  });

  test('an empty filename: CSV_EMPTY_FILENAME', async () => {
    const path = await csvSet('filename,labels\n1.jpg,a\n,b\n', numbered(1));
    const e = await failure(path);
    expect(e.code).toBe('CSV_EMPTY_FILENAME');
    expect(stable(e.message)).toBe('<tmp>/data/labels.csv:3: expected a file name in column "filename", got an empty cell');
  });

  test('a duplicate row: CSV_DUPLICATE_ROW naming the first line (also when spelt differently)', async () => {
    const path = await csvSet('filename,labels\n1.jpg,a\n2.jpg,b\n./1.jpg,c\n', numbered(2));
    const e = await failure(path);
    expect(e.code).toBe('CSV_DUPLICATE_ROW');
    expect(stable(e.message)).toBe('<tmp>/data/labels.csv:4: expected each image once, got "./1.jpg" again (first on line 2); this row is left out');
  });

  test('an unterminated quote: CSV_PARSE on the line where the quote opens, fatal even with --on-error skip', async () => {
    const path = await csvSet('filename,labels\r\n1.jpg,a\r\n\r\n"2.jpg,b\r\n3.jpg,c\r\n', numbered(3));
    for (const onError of ['fail', 'skip'] as const) {
      const e = await failure(path, { onError });
      expect(e.code).toBe('CSV_PARSE');
      expect(e.line).toBe(4);
      expect(stable(e.message)).toBe('<tmp>/data/labels.csv:4: unterminated quote: expected a closing " before the end of the file, got none (nothing after this line can be read)');
    }
  });

  test('a quote inside an unquoted cell: CSV_PARSE, fatal', async () => {
    const path = await csvSet('filename,labels\n1.jpg,a\n"2".jpg,b\n', numbered(2));
    const e = await failure(path, { onError: 'skip' });
    expect(e.code).toBe('CSV_PARSE');
    expect(e.line).toBe(3);
    expect(stable(e.message)).toMatch(/^<tmp>\/data\/labels\.csv:3: malformed CSV: /);
  });

  test('a quoting error after a CRLF inside quotes is still reported on its own line', async () => {
    const path = await csvSet('filename,labels\r\n"a\r\nb.jpg",x\r\n1.jpg,a\r\n"2".jpg,b\r\n', numbered(2));
    const e = await failure(path, { imageDetails: false });
    expect(e.code).toBe('CSV_PARSE');
    expect(e.line).toBe(5);
  });

  test('a ragged row: CSV_PARSE saying how many fields, with a hint', async () => {
    const path = await csvSet('filename,labels\n1.jpg,a,b\n', numbered(1));
    const e = await failure(path);
    expect(e.code).toBe('CSV_PARSE');
    expect(stable(e.message)).toBe('<tmp>/data/labels.csv:2: expected 2 fields (filename,labels), got 3; quote a field that contains ",", and separate labels with spaces');
  });

  test('a one-hot cell that is not 0 or 1: CSV_BAD_VALUE naming the column', async () => {
    const path = await csvSet('image,dog,cat\n1.jpg,1,0\n2.jpg,yes,0\n', numbered(2));
    const e = await failure(path);
    expect(e.code).toBe('CSV_BAD_VALUE');
    expect(stable(e.message)).toBe('<tmp>/data/labels.csv:3: column "dog": expected 0 or 1, got "yes"');
  });

  test('not an image: IMAGE_UNREADABLE on the line, naming the file', async () => {
    const path = await csvSet('filename,labels\n1.jpg,a\n2.jpg,b\n', { '1.jpg': jpeg(2, 2), '2.jpg': 'plain text, not pixels' });
    const e = await failure(path);
    expect(e.code).toBe('IMAGE_UNREADABLE');
    expect(stable(e.message)).toBe('<tmp>/data/labels.csv:3: <tmp>/data/images/2.jpg: not an image: unrecognised file header');
  });

  test('an unreadable image (a folder named like one): IMAGE_UNREADABLE', async () => {
    const path = await csvSet('filename,labels\n1.jpg,a\n', {});
    mkdirSync(join(tmp.path, 'data', 'images', '1.jpg'));
    const e = await failure(path);
    expect(e.code).toBe('IMAGE_UNREADABLE');
    expect(stable(e.message)).toMatch(/^<tmp>\/data\/labels\.csv:2: <tmp>\/data\/images\/1\.jpg: cannot read image: /);
  });

  test('a file name escaping the images folder: PATH_OUTSIDE_ROOT', async () => {
    const path = await csvSet('filename,labels\n../labels.csv,a\n', {});
    const e = await failure(path);
    expect(e.code).toBe('PATH_OUTSIDE_ROOT');
    expect(stable(e.message)).toBe('<tmp>/data/labels.csv:2: expected a file inside the images folder <tmp>/data/images, got "../labels.csv"');
    const abs = await csvSet('filename,labels\n/etc/hostname,a\n', {});
    expect((await failure(abs)).code).toBe('PATH_OUTSIDE_ROOT');
  });

  test('--on-error skip: every bad row reported in line order, the good rows converted', async () => {
    const csv = ['filename,labels', '1.jpg,a', 'missing.jpg,b', ',c', '1.jpg,d', '2.jpg,e,f', '../x.jpg,g', '3.jpg,h', '4.jpg,i'].join('\n') + '\n';
    const path = await csvSet(csv, { ...numbered(3), '4.jpg': 'text' });
    const { summary, train, validation } = await run(path, { onError: 'skip' });
    expect(
      parse(train + validation)
        .map((l) => l.image_url)
        .sort(),
    ).toEqual(['images/1.jpg', 'images/3.jpg']);
    expect(summary.skipped).toBe(6);
    expect(summary.errors.map((d) => [d.line, d.code])).toEqual([
      [3, 'IMAGE_NOT_FOUND'],
      [4, 'CSV_EMPTY_FILENAME'],
      [5, 'CSV_DUPLICATE_ROW'],
      [6, 'CSV_PARSE'],
      [7, 'PATH_OUTSIDE_ROOT'],
      [9, 'IMAGE_UNREADABLE'],
    ]);
  });

  test('an empty CSV, and a header alone: EMPTY_DATASET', async () => {
    const empty = await csvSet('', {});
    const e = await failure(empty);
    expect(e.code).toBe('EMPTY_DATASET');
    expect(stable(e.message)).toBe('<tmp>/data/labels.csv: the CSV is empty: expected a header row and one row per image');
    const headerOnly = await csvSet('filename,labels\r\n', {});
    expect((await failure(headerOnly)).code).toBe('EMPTY_DATASET');
  });
});

describe('images folder, root and names', () => {
  test('default images/ missing: INPUT_LAYOUT saying to use --images', async () => {
    const root = join(tmp.path, 'data');
    await writeTree(root, { 'labels.csv': 'filename,labels\n1.jpg,a\n', '1.jpg': jpeg(2, 2) });
    const e = await failure(join(root, 'labels.csv'));
    expect(e.code).toBe('INPUT_LAYOUT');
    expect(stable(e.message)).toBe('<tmp>/data/images: expected an images folder at <tmp>/data/images (the default images/ beside labels.csv), got none; name it with --images <dir>');
    // Images beside the CSV: --images names the CSV's folder, image_url is the bare name.
    expect((await lines(join(root, 'labels.csv'), { images: root })).map((l) => l.image_url)).toEqual(['1.jpg']);
  });

  test('--images inside the CSV folder: image_url relative to the CSV folder', async () => {
    const root = join(tmp.path, 'data');
    await writeTree(root, { 'labels.csv': 'filename,labels\n1.jpg,a\n', 'pics/train/1.jpg': jpeg(2, 2) });
    expect((await lines(join(root, 'labels.csv'), { images: join(root, 'pics', 'train') })).map((l) => l.image_url)).toEqual(['pics/train/1.jpg']);
  });

  test("--images elsewhere: image_url relative to the images folder's parent; --root overrides", async () => {
    await writeTree(tmp.path, { 'meta/labels.csv': 'filename,labels\n1.jpg,a\n', 'store/imgs/1.jpg': jpeg(2, 2) });
    const csv = join(tmp.path, 'meta', 'labels.csv');
    const imgs = join(tmp.path, 'store', 'imgs');
    expect((await lines(csv, { images: imgs })).map((l) => l.image_url)).toEqual(['imgs/1.jpg']);
    expect((await lines(csv, { images: imgs, root: tmp.path })).map((l) => l.image_url)).toEqual(['store/imgs/1.jpg']);
    const e = await failure(csv, { images: imgs, root: join(tmp.path, 'meta') });
    expect(e.code).toBe('PATH_OUTSIDE_ROOT');
    expect(stable(e.message)).toBe('<tmp>/meta/labels.csv:2: expected an image inside --root <tmp>/meta, got "1.jpg" (in <tmp>/store/imgs)');
  });

  test('a folder as input: its labels.csv; a folder without one: INPUT_LAYOUT', async () => {
    const path = await csvSet('filename,labels\n1.jpg,a\n', numbered(1));
    expect((await lines(join(tmp.path, 'data'))).map((l) => l.image_url)).toEqual(['images/1.jpg']);
    const e = await failure(tmp.path);
    expect(e.code).toBe('INPUT_LAYOUT');
    expect(stable(e.message)).toBe('<tmp>: expected a CSV file, or a folder with labels.csv, got a folder without labels.csv');
    void path;
  });

  test('sub-folders in file names, with / or a Windows \\', async () => {
    const path = await csvSet('filename,labels\nsub/1.jpg,a\n"sub\\2.jpg",b\n', { 'sub/1.jpg': jpeg(2, 2), 'sub/2.jpg': jpeg(3, 3) });
    expect((await lines(path)).map((l) => l.image_url)).toEqual(['images/sub/1.jpg', 'images/sub/2.jpg']);
  });

  test('non-ASCII and space-containing names kept exactly in image_url (no percent-encoding, no normalisation)', async () => {
    const nfd = 'cafe\u0301 1.jpg';
    const path = await csvSet(`filename,labels\n${nfd},a\n日本 語#%20.png,b\n"milk bottle (2).jpg",c\n`, { [nfd]: jpeg(2, 2), '日本 語#%20.png': png(2, 2), 'milk bottle (2).jpg': jpeg(2, 2) });
    const got = await lines(path);
    expect(got.map((l) => l.image_url)).toEqual([`images/${nfd}`, 'images/milk bottle (2).jpg', 'images/日本 語#%20.png']);
  });

  test('images that no row names: a MISSING_ANNOTATION warning each, in path order (hidden files ignored)', async () => {
    const path = await csvSet('filename,labels\n1.jpg,a\nsub/2.jpg,b\n', {
      '1.jpg': jpeg(2, 2),
      'sub/2.jpg': jpeg(2, 2),
      'sub/3.png': png(2, 2),
      '0.jpg': jpeg(2, 2),
      '.hidden.jpg': 'x',
      'notes.txt': 'x',
    });
    const { summary } = await run(path, { validationRatio: 0 });
    expect(summary.warnings.map((w) => [w.code, stable(w.message)])).toEqual([
      ['MISSING_ANNOTATION', '<tmp>/data/images/0.jpg: image in no CSV row: left out'],
      ['MISSING_ANNOTATION', '<tmp>/data/images/sub/3.png: image in no CSV row: left out'],
    ]);
  });

  test('a name without its extension: the one image file with that stem; two candidates: IMAGE_NOT_FOUND naming them', async () => {
    const path = await csvSet('filename,labels\n1,a\nsub/2,b\n', { '1.png': png(3, 2), 'sub/2.jpg': jpeg(2, 2), 'sub/2.txt': 'x' });
    const { summary, train } = await run(path, { validationRatio: 0 });
    expect(parse(train).map((l) => [l.image_url, l.image_details])).toEqual([
      ['images/1.png', { format: 'png', width: 3, height: 2 }],
      ['images/sub/2.jpg', { format: 'jpg', width: 2, height: 2 }],
    ]);
    expect(summary.counts).toEqual({ extensionsAdded: 2 });
    expect(summary.warnings).toEqual([]); // 1.png and sub/2.jpg are named, so not MISSING_ANNOTATION
    const twice = await csvSet('filename,labels\n1,a\n', { '1.png': png(3, 2), '1.jpg': jpeg(2, 2) });
    const e = await failure(twice);
    expect(e.code).toBe('IMAGE_NOT_FOUND');
    expect(stable(e.message)).toBe(
      '<tmp>/data/labels.csv:2: expected an image file at <tmp>/data/images/1, got no such file (several files are named like it: 1.jpg, 1.png; name one with its extension)',
    );
  });

  test('--no-image-details opens no image: no images folder needed, no image_details written', async () => {
    const root = join(tmp.path, 'data');
    await writeTree(root, { 'labels.csv': 'filename,labels\n1.jpg,a\n2.jpg,b\n' });
    const { train } = await run(join(root, 'labels.csv'), { imageDetails: false, validationRatio: 0 });
    expect(train).toBe('{"image_url":"images/1.jpg","label":["a"]}\n{"image_url":"images/2.jpg","label":["b"]}\n');
  });
});

describe('determinism', () => {
  test('two runs are byte-identical; the rows in reverse order give the same bytes', async () => {
    const rows = OFFICIAL_CSV.split('\r\n').filter(Boolean);
    const images = numbered(10);
    const a = join(tmp.path, 'a');
    const b = join(tmp.path, 'b');
    const tree = (csv: string): Tree => ({ 'labels.csv': csv, ...Object.fromEntries(Object.entries(images).map(([k, v]) => [`images/${k}`, v])) });
    await writeTree(a, tree(rows.join('\n') + '\n'));
    await writeTreeReversed(b, tree([rows[0], ...rows.slice(1).reverse()].join('\r\n')));
    const first = await run(join(a, 'labels.csv'), { stratify: true });
    const second = await run(join(a, 'labels.csv'), { stratify: true });
    const reversed = await run(join(b, 'labels.csv'), { stratify: true });
    expect(second.train).toBe(first.train);
    expect(second.validation).toBe(first.validation);
    expect(reversed.train).toBe(first.train);
    expect(reversed.validation).toBe(first.validation);
  });
});

describe('slow storage', () => {
  test('when header reads turn slow, the rest is read concurrently: the same bytes and the same reports', async () => {
    const rows = ['filename,labels'];
    const images: Tree = {};
    for (let i = 0; i < 150; i++) {
      const name = `${String(i).padStart(3, '0')}.png`;
      if (i !== 90) images[name] = i === 120 ? 'not an image' : png(1 + (i % 3), 2);
      rows.push(i === 140 ? `${name.slice(0, 3)},a` : `${name},${i % 2 ? 'a b' : 'c'}`); // row 140 names "140" (no extension)
    }
    rows.push('000.png,dup');
    const path = await csvSet(rows.join('\n') + '\n', images);
    const fast = await run(path, { onError: 'skip' });
    let now = 0;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => (now += 5)); // every read looks 5 ms long
    try {
      const slow = await run(path, { onError: 'skip' });
      expect(slow.train).toBe(fast.train);
      expect(slow.validation).toBe(fast.validation);
      expect(slow.summary.errors).toEqual(fast.summary.errors);
      expect(slow.summary.counts).toEqual(fast.summary.counts);
      expect(slow.summary.errors.map((d) => [d.line, d.code])).toEqual([
        [92, 'IMAGE_NOT_FOUND'],
        [122, 'IMAGE_UNREADABLE'],
        [152, 'CSV_DUPLICATE_ROW'],
      ]);
      expect(fast.summary.counts).toEqual({ extensionsAdded: 1 });
    } finally {
      spy.mockRestore();
    }
  });
});

describe('the CLI (the real bin once, in-process otherwise)', () => {
  test('node bin/automl-img.js convert csv <labels.csv> -o <out> writes the golden files', async () => {
    const path = await csvSet(OFFICIAL_CSV, numbered(10));
    const out = join(tmp.path, 'out');
    const r = await runBin(['convert', 'csv', path, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('wrote 8 train lines, 2 validation lines, 4 labels');
    expect(readFileSync(join(out, 'train_annotations.jsonl'), 'utf8')).toBe(readFileSync(join(FIXTURES, 'official', 'expected', 'train_annotations.jsonl'), 'utf8'));
  });

  test('an unterminated quote: exit 1, the file and line on stderr, nothing written', async () => {
    const path = await csvSet('filename,labels\n1.jpg,a\n"2.jpg,b\n', numbered(2));
    const out = join(tmp.path, 'out');
    const r = await runCli(['convert', 'csv-multilabel', path, '-o', out, '--on-error', 'skip']);
    expect(r.code).toBe(1);
    expect(stable(r.stderr)).toContain('error: <tmp>/data/labels.csv:3: unterminated quote');
    expect(existsSync(join(out, 'train_annotations.jsonl'))).toBe(false);
  });

  test('--help lists the column flags and an example', async () => {
    const r = await runCli(['convert', 'csv', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--images <dir>', '--filename-column <name>', '--labels-column <name>', '--one-hot', '--label-separator <s>', '--delimiter <c>']) expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('automl-img convert csv ./multilabelFridgeObjects/labels.csv -o out/');
  });
});

describe('CSVs of several chunks', () => {
  /** Everything a run reports, with the temp folder hidden. */
  async function outcome(csv: string | Buffer, images: Tree, options: ConvertOptions = {}): Promise<string> {
    const path = await csvSet(csv, images);
    const { summary, train, validation } = await run(path, { onError: 'skip', validationRatio: 0, ...options });
    return stable(JSON.stringify({ train, validation, errors: summary.errors, warnings: summary.warnings, counts: summary.counts }, null, 1));
  }
  /** The same CSV with its first field quoted. */
  const quotedFirst = (csv: string): string => csv.replace(/^(\ufeff?)([^,;\t\r\n]+)/, '$1"$2"');

  /**
   * Over 64 KiB (several chunks) of CRLF rows, a CR the last byte of a chunk (byte 65535); every
   * 97th row a duplicate and every 89th ragged, so that errors name lines all through the file.
   */
  function bigCsv(): { header: string; rows: string[]; boundary: number } {
    const rowOf = (i: number) => `r${String(i % 97 === 0 ? i - 1 : i).padStart(5, '0')}.jpg,l${i % 7} x${i % 89 === 0 ? ',extra' : ''}\r\n`;
    const rows = Array.from({ length: 5000 }, (_, i) => rowOf(i + 1));
    // Pad the header (trailing spaces are trimmed) so that a row's CR is byte 65535.
    for (let pad = 0; pad < 40; pad++) {
      const header = `filename,labels${' '.repeat(pad)}\r\n`;
      let at = header.length;
      for (const [boundary, r] of rows.entries()) {
        at += r.length;
        if (at - 2 === 65535) return { header, rows, boundary };
        if (at > 65536) break;
      }
    }
    throw new Error('no padding puts a CR at byte 65535');
  }

  test('several chunks, a CRLF across a chunk boundary, a quote after the first chunk: the same rows and lines', async () => {
    expect(65536 % CSV_CHUNK_BYTES).toBe(0);
    const { header, rows } = bigCsv();
    const plain = header + rows.join('');
    const lateQuote = header + rows.map((r, i) => (i === 4000 ? `"${r.slice(0, 10)}"${r.slice(10)}` : r)).join('');
    const options: ConvertOptions = { imageDetails: false };
    const fast = await outcome(plain, {}, options);
    expect(fast).toContain('CSV_DUPLICATE_ROW');
    expect(fast).toContain('"line": 4851');
    expect(await outcome(lateQuote, {}, options)).toBe(fast);
    expect(await outcome(quotedFirst(plain), {}, options)).toBe(fast);
  });

  test('a CSV error after the first chunk names its line: an unterminated quote, a quote inside a cell', async () => {
    const { header, rows } = bigCsv();
    const unterminated = await csvSet(header + rows.map((r, i) => (i === 4500 ? `"${r}` : r)).join(''), {});
    const e1 = await failure(unterminated, { imageDetails: false, onError: 'skip' });
    expect(e1.code).toBe('CSV_PARSE');
    expect(e1.line).toBe(4502);
    const inside = await csvSet(header + rows.map((r, i) => (i === 4600 ? `a"${r}` : r)).join(''), {});
    const e2 = await failure(inside, { imageDetails: false, onError: 'skip' });
    expect(e2.code).toBe('CSV_PARSE');
    expect(e2.line).toBe(4602);
    // The quote opens on the first line of a chunk, after the CR that ends the one before.
    const { boundary } = bigCsv();
    const atBoundary = await csvSet(header + rows.map((r, i) => (i === boundary + 1 ? `"${r}` : r)).join(''), {});
    const e3 = await failure(atBoundary, { imageDetails: false, onError: 'skip' });
    expect(e3.code).toBe('CSV_PARSE');
    expect(e3.line).toBe(boundary + 3);
  });
});
