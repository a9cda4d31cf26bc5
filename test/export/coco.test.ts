/**
 * `export coco`: the round trip through coco-to-jsonl over every detection and segmentation golden
 * fixture, RLE for holed objects, the options, one test per bad input (code, message, exit code).
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { decodeRle } from '../../src/coco/rle.js';
import { convert } from '../../src/convert.js';
import { ConversionError } from '../../src/errors.js';
import { exportCoco, ringsOverlap, type ExportCocoOptions } from '../../src/export/index.js';
import { rasterizeRings } from '../../src/polygon/rasterize.js';
import { runCli } from '../helpers/cli.js';
import { useTempDir, writeTree } from '../helpers/fs.js';
import { png } from '../helpers/images.js';

const FIXTURES = join(import.meta.dirname, '../fixtures');
const tmp = useTempDir('automl-img-export-');

interface Line {
  image_url: string;
  image_details: { format?: string; width: number; height: number };
  label: { label: string; isCrowd: number; polygon?: number[][]; topX?: number }[];
}

/** Every golden case of the detection and segmentation converters, with its expected JSONL lines. */
function goldenCases(): { name: string; lines: string[] }[] {
  const out: { name: string; lines: string[] }[] = [];
  for (const converter of ['voc-detection', 'voc-mask-to-polygon', 'coco-to-jsonl']) {
    for (const name of readdirSync(join(FIXTURES, converter)).sort()) {
      const dir = join(FIXTURES, converter, name, 'expected');
      if (!existsSync(dir)) continue;
      const lines = ['train_annotations.jsonl', 'validation_annotations.jsonl'].flatMap((f) =>
        readFileSync(join(dir, f), 'utf8')
          .split('\n')
          .filter((l) => l !== ''),
      );
      out.push({ name: `${converter}/${name}`, lines });
    }
  }
  return out;
}

async function exportFailure(files: string[], options: ExportCocoOptions): Promise<ConversionError> {
  try {
    await exportCoco(files, options);
  } catch (e) {
    if (e instanceof ConversionError) return e;
    throw e;
  }
  throw new Error('expected the export to fail');
}

/** A pixel mask of normalised rings (even–odd, as AutoML reads them). */
function maskOf(rings: number[][], width: number, height: number): Uint8Array {
  return rasterizeRings(
    rings.map((r) => r.map((v, i) => v * (i & 1 ? height : width))),
    width,
    height,
  );
}

const CASES = goldenCases();

describe('round trip: export coco, then coco-to-jsonl', () => {
  test('there are detection and segmentation fixtures to go round', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(10);
  });

  test.each(CASES)('$name', async ({ lines }) => {
    const input = join(tmp.path, 'in.jsonl');
    writeFileSync(input, lines.join('\n') + '\n');
    const coco = join(tmp.path, 'coco.json');
    await exportCoco([input], { out: coco });
    const originals = lines.map((l) => JSON.parse(l) as Line);
    const segmentation = originals.some((o) => o.label.some((x) => x.polygon));
    const outDir = join(tmp.path, 'back');
    await convert('coco', coco, { out: outDir, validationRatio: 0, imageDetails: false, task: segmentation ? 'instance-segmentation' : 'object-detection', tolerance: 0 });
    const back = readFileSync(join(outDir, 'train_annotations.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    const byUrl = new Map(back.map((l) => [(JSON.parse(l) as Line).image_url, l]));
    expect(back.length).toBe(lines.length);
    for (const original of originals) {
      // COCO has no image format: the line comes back as --no-image-details writes it.
      const { format: _format, ...details } = original.image_details;
      const expected = { ...original, image_details: details };
      const got = JSON.parse(byUrl.get(original.image_url)!) as Line;
      const holed = (o: Line['label'][number]) => o.polygon !== undefined && ringsOverlap(o.polygon);
      if (!expected.label.some(holed)) {
        expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
        continue;
      }
      // Holed objects went as RLE and were traced again: the same masks, not the same rings.
      expect(got.label.length).toBe(expected.label.length);
      expected.label.forEach((o, i) => {
        const g = got.label[i]!;
        expect([g.label, g.isCrowd]).toEqual([o.label, o.isCrowd]);
        expect(maskOf(g.polygon!, details.width, details.height)).toEqual(maskOf(o.polygon!, details.width, details.height));
      });
    }
  });

  test('some fixture has a holed object, which goes as RLE', async () => {
    const holed = CASES.flatMap((c) => c.lines).filter((l) => (JSON.parse(l) as Line).label.some((o) => o.polygon && ringsOverlap(o.polygon)));
    expect(holed.length).toBeGreaterThan(0);
    const input = join(tmp.path, 'holed.jsonl');
    writeFileSync(input, holed.join('\n') + '\n');
    const summary = await exportCoco([input], { out: join(tmp.path, 'c.json') });
    expect(summary.rleAnnotations).toBeGreaterThan(0);
  });
});

const RING = [0.1, 0.1, 0.9, 0.1, 0.9, 0.9, 0.1, 0.9];
const HOLE = [0.4, 0.4, 0.6, 0.4, 0.6, 0.6, 0.4, 0.6];
const det = (url: string, extra: object = {}) =>
  JSON.stringify({
    image_url: url,
    image_details: { format: 'jpg', width: 10, height: 20 },
    label: [
      { label: 'b', topX: 0.1, topY: 0.25, bottomX: 0.5, bottomY: 1, isCrowd: 0 },
      { label: 'a', topX: 0, topY: 0, bottomX: 1, bottomY: 0.5, isCrowd: 1 },
    ],
    ...extra,
  });

describe('what is written', () => {
  test('detection: ids, sorted categories, pixel boxes, areas; no segmentation; same bytes twice', async () => {
    const a = join(tmp.path, 'a.jsonl');
    const b = join(tmp.path, 'b.jsonl');
    writeFileSync(a, det('images/1.jpg') + '\n');
    writeFileSync(b, JSON.stringify({ image_url: 'images/2.jpg', image_details: { width: 4, height: 4 }, label: [] }) + '\n');
    const s = await exportCoco([a, b], { out: join(tmp.path, 'c.json') });
    const text = readFileSync(join(tmp.path, 'c.json'), 'utf8');
    const coco = JSON.parse(text) as { images: unknown[]; annotations: Record<string, unknown>[]; categories: unknown[] };
    expect(coco.images).toEqual([
      { id: 1, file_name: 'images/1.jpg', width: 10, height: 20 },
      { id: 2, file_name: 'images/2.jpg', width: 4, height: 4 },
    ]);
    expect(coco.categories).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
    expect(coco.annotations).toEqual([
      { id: 1, image_id: 1, category_id: 2, bbox: [1, 5, 4, 15], area: 60, iscrowd: 0 },
      { id: 2, image_id: 1, category_id: 1, bbox: [0, 0, 10, 10], area: 100, iscrowd: 1 },
    ]);
    expect(s).toMatchObject({ images: 2, annotations: 2, categories: 2, rleAnnotations: 0, task: 'object-detection' });
    await exportCoco([a, b], { out: join(tmp.path, 'c.json'), force: true });
    expect(readFileSync(join(tmp.path, 'c.json'), 'utf8')).toBe(text);
    expect(readdirSync(tmp.path).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  test('segmentation: separate parts stay polygons; a hole makes an RLE whose mask is the XOR', async () => {
    const f = join(tmp.path, 's.jsonl');
    const parts = [
      [0.1, 0.1, 0.3, 0.1, 0.3, 0.3],
      [0.6, 0.6, 0.9, 0.6, 0.9, 0.9],
    ];
    writeFileSync(
      f,
      JSON.stringify({
        image_url: 'x.png',
        image_details: { width: 20, height: 10 },
        label: [
          { label: 'p', isCrowd: 0, polygon: parts },
          { label: 'h', isCrowd: 0, polygon: [RING, HOLE] },
        ],
      }) + '\n',
    );
    const s = await exportCoco([f], { out: join(tmp.path, 'c.json') });
    expect(s.rleAnnotations).toBe(1);
    const coco = JSON.parse(readFileSync(join(tmp.path, 'c.json'), 'utf8')) as { annotations: { segmentation: unknown; area: number; bbox: number[] }[] };
    const [poly, holed] = coco.annotations;
    expect(poly!.segmentation).toEqual([
      [2, 1, 6, 1, 6, 3],
      [12, 6, 18, 6, 18, 9],
    ]);
    expect(poly!.area).toBe(4 + 9);
    expect(holed!.bbox).toEqual([2, 1, 16, 8]);
    const rle = decodeRle(holed!.segmentation, {});
    expect([rle.width, rle.height]).toEqual([20, 10]);
    const expected = maskOf([RING, HOLE], 20, 10);
    expect(rle.mask).toEqual(expected);
    expect(holed!.area).toBe(expected.reduce((n, v) => n + v, 0));
    expect(holed!.area).toBe(16 * 8 - 4 * 2);
  });

  test('ringsOverlap: nested and crossing rings overlap; apart ones do not', () => {
    expect(ringsOverlap([RING, HOLE])).toBe(true);
    expect(ringsOverlap([HOLE, RING])).toBe(true);
    expect(
      ringsOverlap([
        [0, 0, 2, 0, 2, 2, 0, 2],
        [1, -1, 3, -1, 3, 1, 1, 1],
      ]),
    ).toBe(true);
    expect(
      ringsOverlap([
        [0, 0, 1, 0, 1, 1],
        [2, 2, 3, 2, 3, 3],
      ]),
    ).toBe(false);
    expect(ringsOverlap([RING])).toBe(false);
  });

  test('--base-url is removed from file_name; --images-root gives sizes to lines without image_details', async () => {
    await writeTree(tmp.path, { 'data/images/1.png': png(7, 5) });
    const f = join(tmp.path, 'a.jsonl');
    writeFileSync(f, JSON.stringify({ image_url: 'azureml://x/images/1.png', label: [] }) + '\n');
    const s = await exportCoco([f], { out: join(tmp.path, 'c.json'), baseUrl: 'azureml://x/', imagesRoot: join(tmp.path, 'data') });
    expect(s.sizesFromHeaders).toBe(1);
    const coco = JSON.parse(readFileSync(join(tmp.path, 'c.json'), 'utf8')) as { images: unknown[] };
    expect(coco.images).toEqual([{ id: 1, file_name: 'images/1.png', width: 7, height: 5 }]);
  });

  test('--precision rounds pixel values', async () => {
    const f = join(tmp.path, 'a.jsonl');
    writeFileSync(f, JSON.stringify({ image_url: 'a.jpg', image_details: { width: 3, height: 3 }, label: [{ label: 'x', topX: 0.123456, topY: 0, bottomX: 0.5, bottomY: 1 }] }) + '\n');
    await exportCoco([f], { out: join(tmp.path, 'c.json'), precision: 2 });
    const coco = JSON.parse(readFileSync(join(tmp.path, 'c.json'), 'utf8')) as { annotations: { bbox: number[] }[] };
    expect(coco.annotations[0]!.bbox).toEqual([0.37, 0, 1.13, 3]);
  });
});

describe('bad input: code, message, nothing written', () => {
  const cases: [string, string, string, RegExp][] = [
    ['malformed JSON', '{"image_url": ', 'JSON_PARSE', /^in\.jsonl:1: expected a JSON object, got malformed JSON/],
    ['no image_url', JSON.stringify({ label: [] }), 'JSON_MISSING', /^in\.jsonl:1: image_url: expected a non-empty string, got nothing$/],
    ['no label', JSON.stringify({ image_url: 'a.jpg', image_details: { width: 2, height: 2 } }), 'JSON_MISSING', /^in\.jsonl:1: label: expected a label, got nothing$/],
    [
      'a classification label',
      JSON.stringify({ image_url: 'a.jpg', image_details: { width: 2, height: 2 }, label: 'cat' }),
      'JSON_BAD_VALUE',
      /^in\.jsonl:1: label: expected an object-detection or instance-segmentation label/,
    ],
    ['a box outside [0, 1]', det('a.jpg').replace('"bottomX":0.5', '"bottomX":1.5'), 'JSON_BAD_VALUE', /^in\.jsonl:1: label\[0\]\.bottomX: expected a number in \[0, 1\], got 1\.5$/],
    ['an empty box', det('a.jpg').replace('"bottomX":0.5', '"bottomX":0.1'), 'EMPTY_BOX', /^in\.jsonl:1: label\[0\]\.bottomX: expected bottomX > topX \(0\.1\), got 0\.1$/],
    [
      'a short ring',
      JSON.stringify({ image_url: 'a.jpg', image_details: { width: 2, height: 2 }, label: [{ label: 'x', isCrowd: 0, polygon: [[0, 0, 1, 1]] }] }),
      'BAD_POLYGON',
      /^in\.jsonl:1: label\[0\]\.polygon\[0\]: expected at least 3 points, got 2$/,
    ],
    ['no image size', JSON.stringify({ image_url: 'a.jpg', label: [] }), 'JSON_MISSING', /^in\.jsonl:1: image_details: expected image_details with width and height \(or --images-root/],
    ['the same image twice', `${det('a.jpg')}\n${det('a.jpg')}`, 'DUPLICATE_IMAGE', /^in\.jsonl:2: image_url: expected each image once, got "a\.jpg" again$/],
    [
      'mixed tasks',
      `${det('a.jpg')}\n${JSON.stringify({ image_url: 'b.jpg', image_details: { width: 2, height: 2 }, label: [{ label: 'x', isCrowd: 0, polygon: [RING] }] })}`,
      'JSON_BAD_VALUE',
      /^in\.jsonl:2: label: expected an object-detection label .*got an instance-segmentation label/,
    ],
    ['no lines', '', 'EMPTY_DATASET', /^in\.jsonl: nothing to export/],
  ];
  test.each(cases)('%s → %s', async (_name, text, code, message) => {
    writeFileSync(join(tmp.path, 'in.jsonl'), text + '\n');
    const before = process.cwd();
    process.chdir(tmp.path);
    try {
      const e = await exportFailure(['in.jsonl'], { out: 'c.json' });
      expect([e.code, e.exitCode]).toEqual([code, 1]);
      expect(e.message).toMatch(message);
      const r = await runCli(['export', 'coco', 'in.jsonl', '-o', 'c.json']);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`[${code}]`);
    } finally {
      process.chdir(before);
    }
    expect(readdirSync(tmp.path)).toEqual(['in.jsonl']);
  });

  test('an image that is not under --images-root → IMAGE_NOT_FOUND', async () => {
    const f = join(tmp.path, 'in.jsonl');
    writeFileSync(f, JSON.stringify({ image_url: 'gone.jpg', label: [] }) + '\n');
    const e = await exportFailure([f], { out: join(tmp.path, 'c.json'), imagesRoot: tmp.path });
    expect([e.code, e.message]).toEqual(['IMAGE_NOT_FOUND', `${join(tmp.path, 'gone.jpg')}: image not found`]);
  });

  test('a missing input → INPUT_NOT_FOUND; an existing output without --force → OUTPUT_EXISTS (untouched)', async () => {
    const missing = await exportFailure([join(tmp.path, 'none.jsonl')], { out: join(tmp.path, 'c.json') });
    expect(missing.code).toBe('INPUT_NOT_FOUND');
    writeFileSync(join(tmp.path, 'in.jsonl'), det('a.jpg') + '\n');
    writeFileSync(join(tmp.path, 'c.json'), 'mine');
    const exists = await exportFailure([join(tmp.path, 'in.jsonl')], { out: join(tmp.path, 'c.json') });
    expect(exists.code).toBe('OUTPUT_EXISTS');
    expect(exists.message).toMatch(/c\.json: the file exists: add --force to replace it$/);
    expect(readFileSync(join(tmp.path, 'c.json'), 'utf8')).toBe('mine');
  });
});

describe('the command line', () => {
  test('--json prints the summary; exit 0', async () => {
    writeFileSync(join(tmp.path, 'in.jsonl'), det('a.jpg') + '\n');
    const r = await runCli(['export', 'coco', join(tmp.path, 'in.jsonl'), '-o', join(tmp.path, 'c.json'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, images: 1, annotations: 2, categories: 2 });
  });

  test.each([
    [['--precision', 'x'], /option '--precision <digits>' argument 'x' is invalid/],
    [[], /-o, --out: expected the COCO JSON file to write, got nothing/],
    [['-o', '-'], /expected a file, got "-"/],
  ])('usage %j → exit 2', async (args, message) => {
    writeFileSync(join(tmp.path, 'in.jsonl'), det('a.jpg') + '\n');
    const r = await runCli(['export', 'coco', join(tmp.path, 'in.jsonl'), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  test('the library checks options as the CLI does', async () => {
    const e = await exportFailure([join(tmp.path, 'in.jsonl')], { out: 'c.json', precision: 'abc' as unknown as number });
    expect([e.code, e.exitCode, e.message]).toEqual(['USAGE', 2, "option '--precision <digits>' argument 'abc' is invalid. expected an integer from 0 to 15"]);
  });
});
