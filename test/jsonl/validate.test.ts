import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { join } from 'node:path';
import { afterAll, describe, expect, it, test } from 'vitest';
import { convert, displayPath } from '../../src/convert.js';
import { checkLine, FINDING_CODES, taskOfLabel, type Finding, type FindingCode } from '../../src/jsonl/check.js';
import { validateJsonl, type ValidateOptions } from '../../src/jsonl/validate.js';
import { CONVERTERS } from '../../src/registry.js';
import { BIN, CaptureStream, collect, REPO_ROOT, runBin, runCli } from '../helpers/cli.js';
import { main } from '../../src/cli/main.js';
import { jpeg, png } from '../helpers/images.js';
import { useTempDir, writeTree } from '../helpers/fs.js';

const tmp = useTempDir('automl-img-validate-');

const box = (o: Record<string, unknown> = {}) => ({ label: 'can', topX: 0.1, topY: 0.2, bottomX: 0.5, bottomY: 0.6, isCrowd: 0, ...o });
const poly = (o: Record<string, unknown> = {}) => ({ label: 'can', isCrowd: 0, polygon: [[0.1, 0.1, 0.5, 0.1, 0.5, 0.5]], ...o });
const line = (label: unknown, extra: Record<string, unknown> = {}, url = 'img/x.jpg') => JSON.stringify({ image_url: url, label, ...extra });
const GOOD_DET = line([box()], {}, 'img/first.jpg');
const GOOD_SEG = line([poly()], {}, 'img/first.jpg');
const GOOD_CLASS = line('can', {}, 'img/first.jpg');

async function findingsOf(text: string, options: ValidateOptions = {}, name = 'f.jsonl'): Promise<Finding[]> {
  const file = join(tmp.path, name);
  await writeFile(file, text);
  return (await validateJsonl([file], options)).findings;
}

interface Case {
  name: string;
  /** The file's text; the finding is on line 2 unless `line` says otherwise. */
  text: string;
  code: FindingCode;
  line?: number | undefined;
  path?: string | undefined;
  /** The message after `file:line: path: `. */
  detail: string;
  options?: ValidateOptions;
}

const after = (first: string, bad: string) => `${first}\n${bad}\n`;

/** One crafted line per finding code (several for some), pinning code, line, path and message. */
const CASES: Case[] = [
  { name: 'malformed JSON', text: after(GOOD_DET, '{"image_url": "a.jpg", '), code: 'JSON_MALFORMED', detail: 'expected a JSON object, got malformed JSON (' },
  { name: 'an array line', text: after(GOOD_DET, '[1,2]'), code: 'NOT_AN_OBJECT', detail: 'expected a JSON object, got an array: the data load fails' },
  { name: 'a string line', text: after(GOOD_DET, '"x"'), code: 'NOT_AN_OBJECT', detail: 'expected a JSON object, got "x": the data load fails' },
  { name: 'a blank line inside', text: `${GOOD_DET}\n   \n${line([box()])}\n`, code: 'BLANK_LINE', detail: 'expected a JSON object, got a blank line: some readers fail on it' },
  { name: 'a trailing blank line', text: `${GOOD_DET}\n\n`, code: 'BLANK_LINE', detail: 'expected a JSON object, got a blank line: some readers fail on it' },
  {
    name: 'an unknown top-level key',
    text: after(GOOD_DET, line([box()], { extra: 1 })),
    code: 'UNKNOWN_KEY',
    path: 'extra',
    detail: 'expected image_url, image_details or label, got "extra": AutoML ignores it',
  },
  {
    name: 'an unknown details key',
    text: after(GOOD_DET, line([box()], { image_details: { format: 'jpg', depth: 3 } })),
    code: 'UNKNOWN_KEY',
    path: 'image_details.depth',
    detail: 'expected format, width or height, got "depth": AutoML ignores it',
  },
  {
    name: 'an unknown box key',
    text: after(GOOD_DET, line([box(), box({ score: 0.9 })])),
    code: 'UNKNOWN_KEY',
    path: 'label[1].score',
    detail: 'expected label, topX, topY, bottomX, bottomY or isCrowd, got "score": AutoML ignores it',
  },
  {
    name: 'an unknown polygon key',
    text: after(GOOD_SEG, line([poly({ area: 3 })])),
    code: 'UNKNOWN_KEY',
    path: 'label[0].area',
    detail: 'expected label, isCrowd or polygon, got "area": AutoML ignores it',
  },
  {
    name: 'no image_url',
    text: after(GOOD_DET, JSON.stringify({ label: [box()] })),
    code: 'IMAGE_URL_BAD',
    path: 'image_url',
    detail: 'expected a non-empty string, got nothing: the image is dropped',
  },
  {
    name: 'a numeric image_url',
    text: after(GOOD_DET, JSON.stringify({ image_url: 3, label: [] })),
    code: 'IMAGE_URL_BAD',
    path: 'image_url',
    detail: 'expected a non-empty string, got 3: the image is dropped',
  },
  {
    name: 'an empty image_url',
    text: after(GOOD_DET, JSON.stringify({ image_url: '', label: [] })),
    code: 'IMAGE_URL_BAD',
    path: 'image_url',
    detail: 'expected a non-empty string, got an empty string: the image is dropped',
  },
  {
    name: 'a backslash',
    text: after(GOOD_DET, line([], {}, 'img\\a.jpg')),
    code: 'IMAGE_URL_BACKSLASH',
    path: 'image_url',
    detail: 'expected / between folders, got "img\\\\a.jpg": datastores do not read \\ as a folder separator',
  },
  {
    name: 'a repeated image_url',
    text: `${GOOD_DET}\n${line([])}\n${line([box()], {}, 'img/first.jpg')}\n`,
    line: 3,
    code: 'DUPLICATE_IMAGE_URL',
    path: 'image_url',
    detail: 'expected each image once, got "img/first.jpg" again (first on line 1)',
  },
  {
    name: 'details not an object',
    text: after(GOOD_DET, line([], { image_details: 'jpg' })),
    code: 'DETAILS_BAD',
    path: 'image_details',
    detail: 'expected an object {format, width, height}, got "jpg": convert writes {"format", "width", "height"} read from the image header',
  },
  {
    name: 'a numeric format',
    text: after(GOOD_DET, line([], { image_details: { format: 3 } })),
    code: 'DETAILS_BAD',
    path: 'image_details.format',
    detail: 'expected a non-empty string, got 3: convert writes the format read from the image header ("jpg", "png"...)',
  },
  {
    name: 'a fractional width',
    text: after(GOOD_DET, line([], { image_details: { format: 'jpg', width: 1.5, height: 2 } })),
    code: 'DETAILS_BAD',
    path: 'image_details.width',
    detail: 'expected a positive integer, got 1.5: convert writes the size read from the image header',
  },
  {
    name: 'a string height',
    text: after(GOOD_DET, line([], { image_details: { width: 4, height: '3' } })),
    code: 'DETAILS_BAD',
    path: 'image_details.height',
    detail: 'expected a positive integer, got "3": convert would write the number 3',
  },
  { name: 'no label', text: after(GOOD_DET, JSON.stringify({ image_url: 'a.jpg' })), code: 'LABEL_MISSING', path: 'label', detail: 'expected a label, got nothing: the image is dropped' },
  { name: 'a numeric label', text: after(GOOD_DET, line(3)), code: 'LABEL_BAD', path: 'label', detail: 'expected a string or a list, got 3: the image is dropped' },
  { name: 'a null label', text: after(GOOD_DET, line(null)), code: 'LABEL_BAD', path: 'label', detail: 'expected a string or a list, got null: the image is dropped' },
  { name: 'a list of numbers', text: after(GOOD_DET, line([3])), code: 'LABEL_BAD', path: 'label[0]', detail: 'expected a string or an object, got 3: the image is dropped' },
  { name: 'a mixed list', text: after(GOOD_DET, line([box(), 'can'])), code: 'LABEL_BAD', path: 'label[1]', detail: 'expected a box object like label[0], got a string: the image is dropped' },
  {
    name: 'boxes and polygons in one line',
    text: after(GOOD_DET, line([box(), poly()])),
    code: 'LABEL_BAD',
    path: 'label[1]',
    detail: 'expected a box object like label[0], got a polygon object: the image is dropped',
  },
  {
    name: 'an object without label',
    text: after(GOOD_DET, line([box({ label: undefined })])),
    code: 'LABEL_BAD',
    path: 'label[0].label',
    detail: 'expected a label name, got nothing: the image is dropped',
  },
  { name: 'an empty class', text: after(GOOD_CLASS, line('')), code: 'LABEL_EMPTY', path: 'label', detail: 'expected a label name, got an empty string' },
  { name: 'an empty multi-label name', text: after(line(['a'], {}, 'img/first.jpg'), line(['a', ''])), code: 'LABEL_EMPTY', path: 'label[1]', detail: 'expected a label name, got an empty string' },
  { name: 'an empty object label', text: after(GOOD_DET, line([box({ label: '' })])), code: 'LABEL_EMPTY', path: 'label[0].label', detail: 'expected a label name, got an empty string' },
  {
    name: 'a repeated multi-label name',
    text: after(line(['a'], {}, 'img/first.jpg'), line(['a', 'b', 'a'])),
    code: 'LABEL_DUPLICATE',
    path: 'label[2]',
    detail: 'expected distinct labels, got "a" again (as label[0])',
  },
  {
    name: 'a class in a detection file',
    text: after(GOOD_DET, line('can')),
    code: 'MIXED_TASKS',
    path: 'label',
    detail: 'expected an object-detection label (a list of boxes) (as on line 1), got a multi-class label (a string): the image is dropped',
  },
  {
    name: 'polygons in a detection file',
    text: after(GOOD_DET, line([poly()])),
    code: 'MIXED_TASKS',
    path: 'label',
    detail: 'expected an object-detection label (a list of boxes) (as on line 1), got an instance-segmentation label (a list of polygons): the image is dropped',
  },
  {
    name: 'boxes with --task instance-segmentation',
    text: after(GOOD_SEG, line([box()])),
    code: 'MIXED_TASKS',
    path: 'label',
    detail: 'expected an instance-segmentation label (a list of polygons) (--task), got an object-detection label (a list of boxes): the image is dropped',
    options: { task: 'instance-segmentation' },
  },
  {
    name: 'an empty list with --task multi-class',
    text: after(GOOD_CLASS, line([])),
    code: 'MIXED_TASKS',
    path: 'label',
    detail: 'expected a multi-class label (a string) (--task), got an empty list: the image is dropped',
    options: { task: 'multi-class' },
  },
  { name: 'a string coordinate', text: after(GOOD_DET, line([box({ topY: '0.2' })])), code: 'COORD_NOT_NUMBER', path: 'label[0].topY', detail: 'expected a number, got "0.2": the image is dropped' },
  {
    name: 'a missing coordinate',
    text: after(GOOD_DET, line([box(), box({ bottomY: undefined })])),
    code: 'COORD_NOT_NUMBER',
    path: 'label[1].bottomY',
    detail: 'expected a number, got nothing: the image is dropped',
  },
  {
    name: 'a string polygon value',
    text: after(GOOD_SEG, line([poly({ polygon: [[0.1, 0.1, 0.5, 'x', 0.5, 0.5]] })])),
    code: 'COORD_NOT_NUMBER',
    path: 'label[0].polygon[0][3]',
    detail: 'expected a number, got "x": the image is dropped',
  },
  {
    name: 'a negative box value',
    text: after(GOOD_DET, line([box({ topX: -0.1 })])),
    code: 'BOX_OUT_OF_RANGE',
    path: 'label[0].topX',
    detail: 'expected a number in [0, 1], got -0.1: the object is dropped',
  },
  {
    name: 'a box value above 1',
    text: after(GOOD_DET, line([box(), box({ bottomY: 1.2 })])),
    code: 'BOX_OUT_OF_RANGE',
    path: 'label[1].bottomY',
    detail: 'expected a number in [0, 1], got 1.2: the object is dropped',
  },
  { name: 'topX = bottomX', text: after(GOOD_DET, line([box({ topX: 0.5 })])), code: 'BOX_EMPTY', path: 'label[0].bottomX', detail: 'expected bottomX > topX (0.5), got 0.5: the object is dropped' },
  { name: 'topY > bottomY', text: after(GOOD_DET, line([box({ topY: 0.7 })])), code: 'BOX_EMPTY', path: 'label[0].bottomY', detail: 'expected bottomY > topY (0.7), got 0.6: the object is dropped' },
  { name: 'isCrowd 2', text: after(GOOD_DET, line([box({ isCrowd: 2 })])), code: 'IS_CROWD_BAD', path: 'label[0].isCrowd', detail: 'expected 0 or 1, got 2' },
  { name: 'isCrowd true', text: after(GOOD_SEG, line([poly({ isCrowd: true })])), code: 'IS_CROWD_BAD', path: 'label[0].isCrowd', detail: 'expected 0 or 1, got true' },
  {
    name: 'a polygon that is not a list',
    text: after(GOOD_SEG, line([poly({ polygon: 'x' })])),
    code: 'POLYGON_BAD',
    path: 'label[0].polygon',
    detail: 'expected a list of rings, got "x": the image is dropped',
  },
  {
    name: 'a flat polygon',
    text: after(GOOD_SEG, line([poly({ polygon: [0.1, 0.1, 0.5, 0.1, 0.5, 0.5] })])),
    code: 'POLYGON_BAD',
    path: 'label[0].polygon[0]',
    detail: 'expected a ring (a list of x, y values), got 0.1: the image is dropped',
  },
  { name: 'no rings', text: after(GOOD_SEG, line([poly({ polygon: [] })])), code: 'POLYGON_EMPTY', path: 'label[0].polygon', detail: 'expected at least one ring, got none: the object is dropped' },
  {
    name: 'an odd ring',
    text: after(
      GOOD_SEG,
      line([
        poly({
          polygon: [
            [0.1, 0.1, 0.5, 0.1, 0.5, 0.5],
            [0.1, 0.1, 0.2, 0.2, 0.3],
          ],
        }),
      ]),
    ),
    code: 'POLYGON_ODD_LENGTH',
    path: 'label[0].polygon[1]',
    detail: 'expected x, y pairs, got 5 values: the image is dropped',
  },
  {
    name: 'a two-point ring',
    text: after(
      GOOD_SEG,
      line([
        poly({
          polygon: [
            [0.1, 0.1, 0.5, 0.1, 0.5, 0.5],
            [0.1, 0.1, 0.2, 0.2],
          ],
        }),
      ]),
    ),
    code: 'RING_TOO_SHORT',
    path: 'label[0].polygon[1]',
    detail: 'expected at least 3 points, got 2: the ring is dropped',
  },
  {
    name: 'the only ring too short',
    text: after(GOOD_SEG, line([poly({ polygon: [[0.1, 0.1, 0.2, 0.2]] })])),
    code: 'RING_TOO_SHORT',
    path: 'label[0].polygon[0]',
    detail: 'expected at least 3 points, got 2: the ring is dropped (and the object: no ring is left)',
  },
  {
    name: 'a ring value above 1',
    text: after(GOOD_SEG, line([poly({ polygon: [[0.1, 0.1, 1.5, 0.1, 0.5, 0.5]] })])),
    code: 'RING_OUT_OF_RANGE',
    path: 'label[0].polygon[0][2]',
    detail: 'expected a number in [0, 1], got 1.5: the ring is dropped (and the object: no ring is left)',
  },
];

describe('validate: one finding per code', () => {
  test.each(CASES.map((c) => [c.name, c] as const))('%s', async (_, c) => {
    const findings = await findingsOf(c.text, c.options);
    const f = findings.find((x) => x.code === c.code);
    expect(f, JSON.stringify(findings)).toBeDefined();
    const file = displayPath(join(tmp.path, 'f.jsonl'));
    const ln = c.line ?? 2;
    expect(f).toMatchObject({ file, line: ln, code: c.code, severity: FINDING_CODES[c.code].severity });
    expect(f!.path).toBe(c.path);
    const prefix = `${file}:${ln}: ${c.path ? `${c.path}: ` : ''}`;
    if (c.code === 'JSON_MALFORMED') expect(f!.message.startsWith(prefix + c.detail)).toBe(true);
    else expect(f!.message).toBe(prefix + c.detail);
    // The good first line (or the crafted file) gives no other finding of another code, but for the noted cases.
    expect(findings.filter((x) => x.code !== c.code && x.code !== 'MIXED_TASKS')).toEqual([]);
  });

  it('a BOM (warning), bytes that are not UTF-8 (error: the load fails)', async () => {
    const file = join(tmp.path, 'enc.jsonl');
    const latin1 = Buffer.from(`${line([], {}, 'caf\u00e9.jpg')}\n`, 'latin1');
    await writeFile(file, Buffer.concat([Buffer.from(`\ufeff${GOOD_DET}\n`), latin1]));
    const r = await validateJsonl([file]);
    expect(r.findings.map((f) => [f.code, f.severity, f.line, f.message])).toEqual([
      ['BOM', 'warning', 1, `${displayPath(file)}:1: expected JSON, got a byte-order mark first: readers that do not expect one fail on this line`],
      ['NOT_UTF8', 'error', 2, `${displayPath(file)}:2: expected UTF-8 text, got bytes that are not UTF-8 (at column 18): the data load fails`],
    ]);
    expect(r.failedLoads).toEqual([displayPath(file)]);
  });

  it('whole-file codes: a missing file, a folder, an empty file, only blank lines', async () => {
    await writeTree(tmp.path, { 'empty.jsonl': '', 'blank.jsonl': '\n  \n', 'dir/': null });
    const files = ['nope.jsonl', 'dir', 'empty.jsonl', 'blank.jsonl'].map((n) => join(tmp.path, n));
    const r = await validateJsonl(files);
    expect(r.findings.map((f) => [f.code, f.file, f.line, f.message])).toEqual([
      ['FILE_UNREADABLE', displayPath(files[0]!), undefined, `${displayPath(files[0]!)}: expected a JSONL file, got nothing (no such file)`],
      ['FILE_UNREADABLE', displayPath(files[1]!), undefined, `${displayPath(files[1]!)}: expected a JSONL file, got a folder`],
      ['EMPTY_FILE', displayPath(files[2]!), undefined, `${displayPath(files[2]!)}: expected one JSON line per image, got no lines: AutoML has no images to load from it`],
      ['EMPTY_FILE', displayPath(files[3]!), undefined, `${displayPath(files[3]!)}: expected one JSON line per image, got no lines: AutoML has no images to load from it`],
    ]);
    expect(r.failedLoads).toEqual(files.slice(0, 2).map((f) => displayPath(f)));
    expect(r.ok).toBe(false);
    // An empty file alone is a warning: a one-image dataset's validation file is empty by design.
    const empty = await runCli(['validate', files[2]!]);
    expect(empty.code).toBe(0);
    expect(empty.stderr).toMatch(/^warning: .*empty\.jsonl: expected one JSON line per image, got no lines: AutoML has no images to load from it \[EMPTY_FILE\]\n$/);
  });

  it('a duplicate image_url across files names the first file and line', async () => {
    await writeTree(tmp.path, { 'train.jsonl': `${GOOD_DET}\n${line([])}\n`, 'val.jsonl': `${line([], {}, 'img/other.jpg')}\n${line([box()])}\n` });
    const r = await validateJsonl([join(tmp.path, 'train.jsonl'), join(tmp.path, 'val.jsonl')]);
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ code: 'DUPLICATE_IMAGE_URL', severity: 'warning', line: 2, path: 'image_url' });
    expect(r.findings[0]!.message).toBe(
      `${displayPath(join(tmp.path, 'val.jsonl'))}:2: image_url: expected each image once, got "img/x.jpg" again (first on ${displayPath(join(tmp.path, 'train.jsonl'))}:2)`,
    );
    expect(r.ok).toBe(true);
  });

  it('README.md lists every finding code with its severity and description', async () => {
    const readme = await readFile(join(import.meta.dirname, '../../README.md'), 'utf8');
    const effect = { load: 'the data load fails', image: 'image dropped', object: 'object dropped', ring: 'ring dropped', none: '—' };
    const missing = Object.entries(FINDING_CODES)
      .map(([code, i]) => `| \`${code}\` | ${i.severity} | ${effect[i.effect]} | ${i.description} |`)
      .filter((row) => !readme.includes(row));
    expect(missing, 'update the finding codes table in README.md').toEqual([]);
  });

  it('every finding code is pinned by a case above', () => {
    const pinned = new Set<string>([
      ...CASES.map((c) => c.code),
      'FILE_UNREADABLE',
      'EMPTY_FILE',
      'BOM',
      'NOT_UTF8',
      'IMAGE_NOT_FOUND',
      'IMAGE_UNREADABLE',
      'DETAILS_MISMATCH',
      'LINE_TOO_LONG' /* test/hardening/long-lines.test.ts */,
    ]);
    expect(Object.keys(FINDING_CODES).filter((c) => !pinned.has(c))).toEqual([]);
  });
});

describe('validate: what AutoML drops', () => {
  it('counts dropped images, objects of kept images and rings of kept objects', async () => {
    const text = [
      line([box({ topX: 2 }), box(), box({ topX: 0.9 })], {}, 'a.jpg'), // 2 objects dropped
      line([box({ topX: 2 }), box({ topY: 'x' })], {}, 'b.jpg'), // image dropped (its object drop is not counted)
      line(
        [
          poly({
            polygon: [
              [0.1, 0.1, 0.5, 0.1, 0.5, 0.5],
              [0, 0, 1, 1],
            ],
          }),
          poly({ polygon: [[0, 0, 2, 0, 1, 1]] }),
        ],
        {},
        'c.jpg',
      ),
    ].join('\n');
    await writeFile(join(tmp.path, 'd.jsonl'), text);
    const r = await validateJsonl([join(tmp.path, 'd.jsonl')], { task: undefined });
    expect(r.tasks[displayPath(join(tmp.path, 'd.jsonl'))]).toBe('object-detection');
    // line 3 is a segmentation line in a detection file: MIXED_TASKS drops it
    expect(r.dropped).toEqual({ images: 2, objects: 2, rings: 0 });
    const seg = checkLine(JSON.parse(text.split('\n')[2]!));
    expect(seg).toMatchObject({ task: 'instance-segmentation', imageDropped: false, objectsDropped: 1, ringsDropped: 1 });
    expect(checkLine(JSON.parse(text.split('\n')[1]!))).toMatchObject({ imageDropped: true, objectsDropped: 0 });
  });

  it('a malformed line fails the load of its file only; lines and images are counted', async () => {
    await writeTree(tmp.path, { 'a.jsonl': `${GOOD_CLASS}\nnot json\n${line('b')}\n`, 'b.jsonl': `${line('c', {}, 'z.jpg')}\n` });
    const r = await validateJsonl([join(tmp.path, 'a.jsonl'), join(tmp.path, 'b.jsonl')]);
    expect(r).toMatchObject({ files: 2, lines: 4, images: 3, failedLoads: [displayPath(join(tmp.path, 'a.jsonl'))], ok: false });
    expect(r.counts).toEqual({ errors: 1, warnings: 0, byCode: { JSON_MALFORMED: 1 } });
    expect(r.findings[0]).toMatchObject({ line: 2, code: 'JSON_MALFORMED' });
  });

  it('accepts CRLF line ends, background images, missing isCrowd and image_details', async () => {
    const text =
      [line([]), line([{ label: 'a', topX: 0, topY: 0, bottomX: 1, bottomY: 1 }], {}, 'b.jpg'), line([box()], { image_details: { format: 'png', width: 3, height: 4 } }, 'c.jpg')].join('\r\n') +
      '\r\n';
    expect(await findingsOf(text)).toEqual([]);
  });
});

describe('validate: task detection', () => {
  it('from the first labelled line; [] alone shows no task', () => {
    expect(taskOfLabel('a')).toBe('multi-class');
    expect(taskOfLabel(['a'])).toBe('multi-label');
    expect(taskOfLabel([box()])).toBe('object-detection');
    expect(taskOfLabel([poly()])).toBe('instance-segmentation');
    expect(taskOfLabel([])).toBeUndefined();
    expect(taskOfLabel(3)).toBeUndefined();
  });

  it('per file: background lines first, then polygons; another file of another task; only backgrounds is null', async () => {
    await writeTree(tmp.path, {
      'seg.jsonl': `${line([], {}, '1.jpg')}\n${line([poly()], {}, '2.jpg')}\n${line([], {}, '3.jpg')}\n`,
      'ml.jsonl': `${line(['a', 'b'], {}, '4.jpg')}\n${line([], {}, '5.jpg')}\n`,
      'bg.jsonl': `${line([], {}, '6.jpg')}\n`,
    });
    const files = ['seg.jsonl', 'ml.jsonl', 'bg.jsonl'].map((n) => join(tmp.path, n));
    const r = await validateJsonl(files);
    expect(r.findings).toEqual([]);
    expect(r.tasks).toEqual({ [displayPath(files[0]!)]: 'instance-segmentation', [displayPath(files[1]!)]: 'multi-label', [displayPath(files[2]!)]: null });
  });

  it('background lines before the first multi-class line are reported once the task is known', async () => {
    const findings = await findingsOf(`${line([], {}, '1.jpg')}\n${line('can', {}, '2.jpg')}\n${line([], {}, '3.jpg')}\n`);
    expect(findings.map((f) => [f.code, f.line, f.message.replace(/^.*?: label: /, '')])).toEqual([
      ['MIXED_TASKS', 1, 'expected a multi-class label (a string) (as on line 2), got an empty list: the image is dropped'],
      ['MIXED_TASKS', 3, 'expected a multi-class label (a string) (as on line 2), got an empty list: the image is dropped'],
    ]);
  });

  it('--task is the task of every file', async () => {
    const findings = await findingsOf(`${line(['a'])}\n`, { task: 'object-detection' });
    expect(findings.map((f) => [f.code, f.line])).toEqual([['MIXED_TASKS', 1]]);
  });
});

describe('validate --images-root', () => {
  it('checks each image exists, can be read and agrees with image_details', async () => {
    await writeTree(tmp.path, { 'data/img/a.png': png(8, 6), 'data/img/b.jpg': jpeg(10, 4), 'data/img/c.jpg': 'not an image' });
    const text = [
      line([], { image_details: { format: 'png', width: 8, height: 6 } }, 'img/a.png'),
      line([], { image_details: { format: 'jpeg', width: 11, height: 4 } }, 'img/b.jpg'),
      line([], {}, 'img/c.jpg'),
      line([], {}, 'img/missing.jpg'),
      line([], { image_details: { format: 'png' } }, 'azureml://datastores/x/paths/img/b.jpg'),
      line([], {}, 'https://example.com/img/a.png'),
    ].join('\n');
    const root = join(tmp.path, 'data');
    const file0 = join(tmp.path, 'f.jsonl');
    await writeFile(file0, text);
    const report = await validateJsonl([file0], { imagesRoot: root, baseUrl: 'azureml://datastores/x/paths/' });
    const findings = report.findings;
    expect(report.dropped).toEqual({ images: 3, objects: 0, rings: 0 });
    const file = displayPath(join(tmp.path, 'f.jsonl'));
    expect(findings.map((f) => [f.code, f.line, f.path, f.message])).toEqual([
      ['DETAILS_MISMATCH', 2, 'image_details.width', `${file}:2: image_details.width: expected 10 (the image header), got 11`],
      ['IMAGE_UNREADABLE', 3, 'image_url', `${file}:3: image_url: expected a readable image at ${displayPath(join(root, 'img/c.jpg'))}, got: not an image: unrecognised file header`],
      ['IMAGE_NOT_FOUND', 4, 'image_url', `${file}:4: image_url: expected an image at ${displayPath(join(root, 'img/missing.jpg'))}, got nothing`],
      ['DETAILS_MISMATCH', 5, 'image_details.format', `${file}:5: image_details.format: expected "jpg" (the image header), got "png"`],
      ['IMAGE_NOT_FOUND', 6, 'image_url', `${file}:6: image_url: expected a path under --images-root, got the URL "https://example.com/img/a.png": pass --base-url with the prefix to remove`],
    ]);
    expect(findings.every((f) => f.severity === 'error')).toBe(true);
  });

  it('reads headers several at a time but reports in line order', async () => {
    const tree: Record<string, Uint8Array> = {};
    const lines: string[] = [];
    for (let i = 0; i < 50; i++) {
      if (i % 3 !== 0) tree[`data/${i}.png`] = png(4, 4);
      lines.push(line(i % 5 === 0 ? [box({ topX: 0.9 })] : [box()], {}, `${i}.png`));
    }
    await writeTree(tmp.path, tree);
    const findings = await findingsOf(lines.join('\n'), { imagesRoot: join(tmp.path, 'data') });
    const expected: [number, FindingCode][] = [];
    for (let i = 0; i < 50; i++) {
      if (i % 5 === 0) expected.push([i + 1, 'BOX_EMPTY']);
      if (i % 3 === 0) expected.push([i + 1, 'IMAGE_NOT_FOUND']);
    }
    expect(findings.map((f) => [f.line, f.code])).toEqual(expected);
  });

  it('a missing --images-root is wrong usage (exit 2)', async () => {
    await writeFile(join(tmp.path, 'a.jsonl'), GOOD_CLASS + '\n');
    const run = await runCli(['validate', join(tmp.path, 'a.jsonl'), '--images-root', join(tmp.path, 'nope')]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--images-root must be a folder, got nothing');
  });
});

describe('validate command', () => {
  it('exit 0 and a summary line on stdout when there is nothing to report', async () => {
    await writeFile(join(tmp.path, 'a.jsonl'), `${GOOD_DET}\n${line([])}\n`);
    const run = await runCli(['validate', join(tmp.path, 'a.jsonl')]);
    expect(run).toEqual({ code: 0, stdout: 'checked 1 file (object-detection), 2 lines, 2 images: no problems found\n', stderr: '' });
  });

  it('exit 0 with warnings only; -q hides them and the summary', async () => {
    await writeFile(join(tmp.path, 'a.jsonl'), `${line(['a', 'a'])}\n`);
    const run = await runCli(['validate', join(tmp.path, 'a.jsonl')]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`warning: ${displayPath(join(tmp.path, 'a.jsonl'))}:1: label[1]: expected distinct labels, got "a" again (as label[0]) [LABEL_DUPLICATE]\n`);
    expect(run.stdout).toBe('checked 1 file (multi-label), 1 line, 1 image: 0 errors, 1 warning\n');
    expect(await runCli(['validate', join(tmp.path, 'a.jsonl'), '-q'])).toEqual({ code: 0, stdout: '', stderr: '' });
    expect((await runCli(['validate', join(tmp.path, 'a.jsonl'), '--strict'])).code).toBe(1);
  });

  it('exit 1 on errors; at most 20 lines per code, then a count', async () => {
    const lines = Array.from({ length: 25 }, (_, i) => line([box({ topX: 0.9 })], {}, `${i}.jpg`));
    await writeFile(join(tmp.path, 'a.jsonl'), lines.join('\n') + '\nnot json\n');
    const run = await runCli(['validate', join(tmp.path, 'a.jsonl')]);
    expect(run.code).toBe(1);
    const err = run.stderr.trimEnd().split('\n');
    expect(err.filter((l) => l.endsWith('[BOX_EMPTY]'))).toHaveLength(20);
    expect(err.filter((l) => l.endsWith('[JSON_MALFORMED]'))).toHaveLength(1);
    expect(err.at(-1)).toBe('5 more BOX_EMPTY not shown');
    expect(run.stdout).toBe(
      `checked 1 file (object-detection), 26 lines, 25 images: 26 errors, 0 warnings; AutoML would drop 25 objects; the data load fails for ${displayPath(join(tmp.path, 'a.jsonl'))}\n`,
    );
  });

  it('--json prints the report with findings in SPEC key order', async () => {
    await writeFile(join(tmp.path, 'a.jsonl'), `${GOOD_DET}\n${line([box({ isCrowd: 3 })])}\n`);
    const run = await runCli(['validate', join(tmp.path, 'a.jsonl'), '--json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe('');
    const out = JSON.parse(run.stdout) as Record<string, unknown> & { findings: Record<string, unknown>[] };
    expect(Object.keys(out)).toEqual(['files', 'lines', 'images', 'findings', 'counts', 'tasks', 'dropped', 'failedLoads', 'ok']);
    expect(out).toMatchObject({ files: 1, lines: 2, images: 2, counts: { errors: 1, warnings: 0, byCode: { IS_CROWD_BAD: 1 } }, ok: false });
    expect(Object.keys(out.findings[0]!)).toEqual(['file', 'line', 'path', 'code', 'severity', 'message']);
  });

  it('an aborted run (Ctrl-C) ends with exit 130: validate and stats', async () => {
    await writeFile(join(tmp.path, 'big.jsonl'), Array.from({ length: 3000 }, (_, i) => line('a', {}, `${i}.jpg`)).join('\n'));
    const controller = new AbortController();
    controller.abort();
    for (const command of ['validate', 'stats']) {
      const stderr = new CaptureStream();
      const code = await main([command, join(tmp.path, 'big.jsonl')], { stdout: new CaptureStream(), stderr, env: {} }, { signal: controller.signal });
      expect(code).toBe(130);
      expect(stderr.text).toBe('error: interrupted [INTERRUPTED]\n');
    }
  });

  it('"-" reads standard input, named <stdin>', async () => {
    const r = await validateJsonl(['-'], { stdin: Readable.from([`${GOOD_DET}\n{"image_url":"b.jpg"}\n`]) });
    expect(r.findings.map((f) => f.message)).toEqual(['<stdin>:2: label: expected a label, got nothing: the image is dropped']);
    expect(r.tasks).toEqual({ '<stdin>': 'object-detection' });
  });

  it('the real bin in a pipeline: convert -o - | validate -', async () => {
    const convert = spawn(process.execPath, [BIN, 'convert', 'voc', 'samples/voc', '-o', '-', '-q'], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    const validate = spawn(process.execPath, [BIN, 'validate', '-', '--images-root', 'samples/voc'], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    convert.stdout.pipe(validate.stdin);
    const [c, v] = await Promise.all([collect(convert), collect(validate)]);
    expect(c.code).toBe(0);
    expect({ code: v.code, stdout: v.stdout, stderr: v.stderr }).toEqual({ code: 0, stdout: 'checked 1 file (object-detection), 6 lines, 6 images: no problems found\n', stderr: '' });
  });

  it('wrong usage exits 2: no file, an unknown --task', async () => {
    expect((await runCli(['validate'])).code).toBe(2);
    const run = await runCli(['validate', 'a.jsonl', '--task', 'detection']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/Allowed choices are multi-class, multi-label, object-detection, instance-segmentation/);
  });

  it('the real bin: exit 1 with --json on a bad file, exit 0 on a good one', async () => {
    await writeTree(tmp.path, { 'bad.jsonl': `${GOOD_DET}\n{"image_url":\n`, 'good.jsonl': `${GOOD_DET}\n` });
    const bad = await runBin(['validate', join(tmp.path, 'bad.jsonl'), '--json']);
    expect(bad.code).toBe(1);
    expect((JSON.parse(bad.stdout) as { findings: Finding[] }).findings.map((f) => [f.code, f.line])).toEqual([['JSON_MALFORMED', 2]]);
    const good = await runCli(['validate', join(tmp.path, 'good.jsonl')]);
    expect({ code: good.code, stderr: good.stderr }).toEqual({ code: 0, stderr: '' });
    expect(good.stdout).toMatch(/no problems found/);
  });
});

/** Each converter's bundled sample, converted, then validated with its images. */
const SAMPLES = join(import.meta.dirname, '../../samples');
const outs: string[] = [];
afterAll(async () => {
  for (const d of outs) await rm(d, { recursive: true, force: true });
});

describe.each(Object.keys(CONVERTERS))('validate accepts what %s writes from its sample', (name) => {
  // The samples each converter declares (converters/<name>.ts): image_urls are relative to samples/<folder>.
  const runs = CONVERTERS[name]!.samples.map((s) => ({ input: s.input.replace(/^samples\//, ''), root: s.input.split('/')[1]!, options: s.options }));
  test('it declares a sample', () => expect(runs.length).toBeGreaterThan(0));
  test.each(runs.map((r) => [`${r.input} ${JSON.stringify(r.options ?? {})}`, r] as const))('%s', async (_, run) => {
    const out = await mkdtemp(join(tmpdir(), 'automl-img-validate-sample-'));
    outs.push(out);
    await convert(name, join(SAMPLES, run.input), { ...run.options, out });
    const files = ['train_annotations.jsonl', 'validation_annotations.jsonl'].map((f) => join(out, f));
    const r = await validateJsonl(files, { imagesRoot: join(SAMPLES, run.root) });
    expect(r.findings).toEqual([]);
    expect(r.ok).toBe(true);
    const task = Object.values(r.tasks)[0];
    expect(task).not.toBeNull();
    expect(new Set(Object.values(r.tasks))).toEqual(new Set([task]));
    const lines = (await readFile(files[0]!, 'utf8')).split('\n').length - 1 + (await readFile(files[1]!, 'utf8')).split('\n').length - 1;
    expect(r.images).toBe(lines);
  });
});

const REAL = join(import.meta.dirname, '../../../shared/realdata');
const FRIDGE = join(REAL, 'fridge-official-reduced');

describe.skipIf(!existsSync(FRIDGE))('validate on real files (shared/realdata)', () => {
  it("Azure's own annotations.jsonl files have no findings", async () => {
    const files = ['fridgeObjects', 'multilabelFridgeObjects'].map((d) => join(FRIDGE, d, 'annotations.jsonl'));
    const r = await validateJsonl(files);
    expect(r.findings).toEqual([]);
    expect(Object.values(r.tasks)).toEqual(['multi-class', 'multi-label']);
  });

  it('--base-url strips their azureml:// prefix: the images of the reduced copy are found, the others reported', async () => {
    const file = join(FRIDGE, 'fridgeObjects/annotations.jsonl');
    const urls = (await readFile(file, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { image_url: string }).image_url);
    const base = urls[0]!.slice(0, urls[0]!.indexOf('/fridgeObjects/') + '/fridgeObjects/'.length);
    const present = urls.filter((u) => existsSync(join(FRIDGE, 'fridgeObjects', u.slice(base.length))));
    expect(present.length).toBeGreaterThan(0);
    const r = await validateJsonl([file], { imagesRoot: join(FRIDGE, 'fridgeObjects'), baseUrl: base });
    expect(r.counts.byCode).toEqual({ IMAGE_NOT_FOUND: urls.length - present.length });
  });

  const runs: [string, string, string, Record<string, unknown>][] = [
    ['folder-to-jsonl', 'fridge-official-reduced/fridgeObjects', 'fridge-official-reduced/fridgeObjects', {}],
    ['csv-multilabel', 'fridge-official-reduced/multilabelFridgeObjects/labels.csv', 'fridge-official-reduced/multilabelFridgeObjects', {}],
    ['voc-detection', 'fridge-official-reduced/odFridgeObjects', 'fridge-official-reduced/odFridgeObjects', {}],
    ['voc-mask-to-polygon', 'fridge-official-reduced/odFridgeObjectsMask', 'fridge-official-reduced/odFridgeObjectsMask', {}],
    ['voc-mask-to-polygon', 'icevision-samples/voc', 'icevision-samples/voc', {}],
    ['coco-to-jsonl', 'icevision-samples/annotations.json', 'icevision-samples', { task: 'instance-segmentation' }],
  ];
  test.each(runs)('what %s writes from %s validates clean', async (name, input, root, options) => {
    if (!existsSync(join(REAL, input))) return;
    const out = await mkdtemp(join(tmpdir(), 'automl-img-validate-real-'));
    outs.push(out);
    await convert(name, join(REAL, input), { ...options, out });
    const r = await validateJsonl(
      ['train_annotations.jsonl', 'validation_annotations.jsonl'].map((f) => join(out, f)),
      { imagesRoot: join(REAL, root) },
    );
    // A one-image dataset has an empty validation file (a warning); nothing else.
    expect(r.findings.filter((f) => f.code !== 'EMPTY_FILE')).toEqual([]);
    expect(r.images).toBeGreaterThan(0);
  });
});
