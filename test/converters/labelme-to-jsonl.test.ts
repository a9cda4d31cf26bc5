/**
 * labelme-to-jsonl: facts behind the golden cases (test/fixtures/labelme-to-jsonl), one test per bad input
 * pinning code and message (file and JSON path), the CLI's exit code, and LabelMe's own example files of
 * ../shared/realdata when present.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { convert } from '../../src/convert.js';
import { ConversionError } from '../../src/errors.js';
import type { BoxLabel, ConvertOptions, PolygonLabel } from '../../src/types.js';
import { blockMask, embeddedImages, embeddedTree, labelmeJson, shape, shapesTree } from '../fixtures/labelme-to-jsonl/datasets.js';
import { runBin, runCli } from '../helpers/cli.js';
import { conversionFailure, runConversion, type Run } from '../helpers/convert.js';
import { listTree, useTempDir, writeTree, type Tree, scrubRoot } from '../helpers/fs.js';
import { jpeg } from '../helpers/images.js';

const REALDATA = new URL('../../../shared/realdata/labelme-examples/', import.meta.url).pathname;
const tmp = useTempDir('labelme-');

const scrub = (s: string) => scrubRoot(s, tmp.path);

type Line = { image_url: string; image_details?: Record<string, unknown>; label: (BoxLabel & PolygonLabel)[] };
const lines = (r: Run): Line[] =>
  (r.train + r.validation)
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Line)
    .sort((a, b) => (a.image_url < b.image_url ? -1 : 1));

const run = (input: string, options: ConvertOptions = {}) => runConversion('labelme', input, { validationRatio: 0, ...options });

/** The failure of a dry run over `tree`. */
async function failure(tree: Tree, options: ConvertOptions = {}): Promise<[string, string]> {
  await writeTree(tmp.path, tree);
  const e = await conversionFailure('labelme', tmp.path, options);
  return [e.code, scrub(e.message)];
}

/** One 10×10 image with one JSON holding `shapes`. */
const oneImage = (shapes: unknown[], size: readonly [number, number] | null = [10, 10], extra: Record<string, unknown> = {}): Tree => ({
  'x.jpg': jpeg(10, 10),
  'x.json': labelmeJson('x.jpg', shapes, size, extra),
});

describe('shapes (facts behind the golden cases)', () => {
  test('rectangles, polygons, circles, masks, groups; __ignore__ and lines left out; clamping counted', async () => {
    await writeTree(tmp.path, shapesTree());
    const r = await run(tmp.path);
    const byUrl = new Map(lines(r).map((l) => [l.image_url, l]));
    // imagePath "..\b\2.png" (Windows separators) and "3.json" (the JSON itself) both find their image; 5.jpg has no JSON
    expect([...byUrl.keys()]).toEqual(['3.jpg', '4.jpg', 'a/1.jpg', 'a/b/2.png']);
    expect(byUrl.get('a/1.jpg')!.label.map((o) => o.label)).toEqual(['cat', 'dog', 'ball', 'cat']);
    expect(byUrl.get('a/1.jpg')!.label[2]).toEqual({ label: 'ball', topX: 0.4, topY: 0.3, bottomX: 0.6, bottomY: 0.7, isCrowd: 0 });
    // group 3: two "car" polygons are one object (their box), the "person" of group 3 another
    expect(byUrl.get('a/b/2.png')!.label.map((o) => [o.label, o.topX, o.bottomX])).toEqual([
      ['car', 0.05, 0.6],
      ['person', 0.5, 0.6],
      ['tree', 0.7, 0.9],
    ]);
    // the mask's pixels x 11..14, y 3..4 of the 20×10 image
    expect(byUrl.get('3.jpg')!.label).toEqual([{ label: 'blob', topX: 0.55, topY: 0.3, bottomX: 0.75, bottomY: 0.5, isCrowd: 0 }]);
    expect(byUrl.get('4.jpg')!.label).toEqual([]);
    expect(r.summary.counts).toEqual({ ignoredShapes: 1, clampedBoxes: 1 });
    expect(r.summary.warnings.map((w) => [w.code, scrub(w.message)])).toEqual([
      ['SHAPE_LEFT_OUT', '<root>/a/1.json: shapes[3]: a line ("dog") has no area, so it cannot be an object: left out'],
      ['MISSING_ANNOTATION', '<root>/5.jpg: image without a LabelMe JSON: not converted'],
    ]);
  });

  test('segmentation: a group is one object with a ring per shape; a circle is a 32-gon; a mask is traced', async () => {
    await writeTree(tmp.path, shapesTree());
    const r = await run(tmp.path, { task: 'instance-segmentation', tolerance: 0 });
    const byUrl = new Map(lines(r).map((l) => [l.image_url, l]));
    const car = byUrl.get('a/b/2.png')!.label[0]!;
    expect(car.polygon).toEqual([
      [0.05, 0.05, 0.25, 0.05, 0.25, 0.25, 0.05, 0.25],
      [0.4, 0.05, 0.6, 0.05, 0.6, 0.25],
    ]);
    expect(byUrl.get('a/1.jpg')!.label[2]!.polygon[0]).toHaveLength(64);
    const blob = byUrl.get('3.jpg')!.label[0]!.polygon;
    expect(blob).toHaveLength(1);
    const xs = blob[0]!.filter((_, i) => i % 2 === 0);
    const ys = blob[0]!.filter((_, i) => i % 2 === 1);
    expect([Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)]).toEqual([0.55, 0.75, 0.3, 0.5]);
  });

  test('a file given alone; --no-image-details takes the size from imageWidth/imageHeight', async () => {
    await writeTree(tmp.path, shapesTree());
    const r = await run(join(tmp.path, 'a', '1.json'), { imageDetails: false });
    expect(lines(r).map((l) => [l.image_url, l.image_details])).toEqual([['1.jpg', { width: 40, height: 20 }]]);
  });

  test('imagePath naming a missing image: found by the JSON stem, with a warning', async () => {
    await writeTree(tmp.path, { 'x.png': jpeg(10, 10), 'x.json': labelmeJson('renamed.jpg', [], [10, 10]) });
    const r = await run(tmp.path);
    expect(lines(r).map((l) => l.image_url)).toEqual(['x.png']);
    expect(r.summary.warnings.map((w) => [w.code, w.path])).toEqual([['IMAGE_NOT_FOUND', 'imagePath']]);
  });
});

describe('bad input: one test each (code, file, JSON path)', () => {
  test('no image, and the JSON embeds it: the message names --extract-images', async () => {
    expect(await failure({ 'x.json': labelmeJson('x.jpg', [], [10, 10], { imageData: '/9j/4AAQSkZJRg==' }) })).toEqual([
      'IMAGE_NOT_FOUND',
      '<root>/x.json: imagePath: expected the image "x.jpg" (imagePath) or x.<jpg|png|...> beside the JSON, got none; the JSON embeds it (imageData): --extract-images <dir> writes such images into <dir> (mirroring the dataset\'s folders) and points image_url at them',
    ]);
  });

  test('no image at all', async () => {
    expect(await failure({ 'x.json': labelmeJson(null, [], [10, 10]) })).toEqual(['IMAGE_NOT_FOUND', '<root>/x.json: imagePath: expected the image x.<jpg|png|...> beside the JSON, got none']);
  });

  test('imageWidth/imageHeight disagreeing with the image', async () => {
    expect(await failure(oneImage([], [10, 12]))).toEqual(['IMAGE_SIZE_MISMATCH', '<root>/x.json: imageWidth: expected the size of <root>/x.jpg, 10x10, got imageWidth 10, imageHeight 12']);
  });

  test('--no-image-details without imageWidth/imageHeight', async () => {
    expect(await failure(oneImage([], null), { imageDetails: false })).toEqual([
      'JSON_MISSING',
      '<root>/x.json: imageWidth: expected imageWidth and imageHeight (--no-image-details opens no image to read them from), got nothing and nothing',
    ]);
  });

  test('not JSON, or not a LabelMe file', async () => {
    expect((await failure({ 'x.jpg': jpeg(4, 4), 'x.json': '{\n  "shapes": [,]\n}\n' }))[1]).toMatch(/^<root>\/x\.json(:2)?: expected JSON, got Unexpected token/);
    expect(await failure({ 'x.jpg': jpeg(4, 4), 'x.json': '{"images": []}' })).toEqual([
      'JSON_MISSING',
      '<root>/x.json: shapes: expected a LabelMe file (an object with shapes and imagePath), got another JSON',
    ]);
  });

  test('a polygon of fewer than 3 points', async () => {
    expect(
      await failure(
        oneImage([
          shape('a', 'polygon', [
            [1, 1],
            [2, 2],
          ]),
        ]),
      ),
    ).toEqual(['BAD_POLYGON', '<root>/x.json: shapes[0]: expected a polygon of 3 points or more, got 2']);
  });

  test('a rectangle or circle of the wrong point count', async () => {
    expect(await failure(oneImage([shape('a', 'rectangle', [[1, 1]])]))).toEqual(['JSON_BAD_VALUE', '<root>/x.json: shapes[0]: expected 2 points (two corners) for a rectangle, got 1 point']);
    expect(
      (
        await failure(
          oneImage([
            shape('a', 'circle', [
              [1, 1],
              [2, 2],
              [3, 3],
            ]),
          ]),
        )
      )[1],
    ).toBe('<root>/x.json: shapes[0]: expected 2 points (the centre and a point on the circle) for a circle, got 3 points');
  });

  test('a point that is not two finite numbers', async () => {
    expect(
      await failure(
        oneImage([
          shape('a', 'polygon', [
            [1, 1],
            [2, null],
            [3, 3],
          ] as unknown as number[][]),
        ]),
      ),
    ).toEqual(['JSON_BAD_VALUE', '<root>/x.json: shapes[0]: points[1]: expected [x, y] of finite numbers, got [2,null]']);
  });

  test('a missing or empty label', async () => {
    expect(
      await failure(
        oneImage([
          {
            points: [
              [1, 1],
              [5, 5],
            ],
            shape_type: 'rectangle',
          },
        ]),
      ),
    ).toEqual(['JSON_BAD_VALUE', '<root>/x.json: shapes[0]: label: expected a non-empty string, got nothing']);
  });

  test('an unknown shape_type', async () => {
    expect(
      await failure(
        oneImage([
          shape('a', 'ellipse', [
            [1, 1],
            [5, 5],
          ]),
        ]),
      ),
    ).toEqual(['JSON_BAD_VALUE', '<root>/x.json: shapes[0]: shape_type: expected polygon, rectangle, circle or mask, got "ellipse"']);
  });

  test('a shape with no area, or outside the image', async () => {
    expect(
      await failure(
        oneImage([
          shape('a', 'rectangle', [
            [1, 1],
            [5, 1],
          ]),
        ]),
      ),
    ).toEqual(['EMPTY_BOX', '<root>/x.json: shapes[0]: expected a shape with area, got y from 1 to 1']);
    expect(
      await failure(
        oneImage([
          shape('a', 'polygon', [
            [20, 20],
            [30, 20],
            [30, 30],
          ]),
        ]),
        { task: 'instance-segmentation' },
      ),
    ).toEqual(['BAD_POLYGON', '<root>/x.json: shapes[0]: expected a shape overlapping the 10x10 image, got x 20..30, y 20..30']);
  });

  test('a mask that is not a PNG, or has no pixels', async () => {
    expect(
      await failure(
        oneImage([
          shape(
            'a',
            'mask',
            [
              [1, 1],
              [3, 3],
            ],
            { mask: 'bm90IGEgcG5n' },
          ),
        ]),
      ),
    ).toEqual(['MASK_UNREADABLE', '<root>/x.json: shapes[0].mask: expected a PNG mask, got a file without the PNG signature']);
    expect(
      await failure(
        oneImage([
          shape('a', 'mask', [
            [1, 1],
            [3, 3],
          ]),
        ]),
      ),
    ).toEqual(['JSON_BAD_VALUE', '<root>/x.json: shapes[0]: expected mask: a base64 PNG, got null']);
    // a mask of the right kind traces (control for the two above)
    await writeTree(
      tmp.path,
      oneImage([
        shape(
          'a',
          'mask',
          [
            [1, 1],
            [6, 4],
          ],
          { mask: blockMask() },
        ),
      ]),
    );
    expect((await run(tmp.path)).summary.objects).toBe(1);
  });

  test('the CLI: exit 1, the message on stderr, nothing written; --on-error skip keeps the image', { timeout: 30_000 }, async () => {
    await writeTree(
      tmp.path,
      oneImage([
        shape('ok', 'rectangle', [
          [1, 1],
          [5, 5],
        ]),
        shape('a', 'polygon', [[1, 1]]),
      ]),
    );
    const out = join(tmp.path, 'out');
    const r = await runBin(['convert', 'labelme', tmp.path, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('x.json: shapes[1]: expected a polygon of 3 points or more, got 1');
    expect(existsSync(out)).toBe(false);
    const s = await runCli(['convert', 'labelme', tmp.path, '-o', out, '--on-error', 'skip', '--validation-ratio', '0', '--json']);
    expect(s.code).toBe(0);
    const summary = JSON.parse(s.stdout) as { train: number; objects: number; skippedObjects: number };
    expect([summary.train, summary.objects, summary.skippedObjects]).toEqual([1, 1, 1]);
  });
});

describe('--extract-images: the images JSONs embed (imageData), written out', () => {
  /** The dataset goes to <tmp>/data, the images to <tmp>/ext, the outputs to <tmp>/out. */
  const at = (name: string) => join(tmp.path, name);

  /** Every file under `dir` with its bytes. */
  async function contents(dir: string): Promise<Record<string, Buffer>> {
    const out: Record<string, Buffer> = {};
    for (const rel of await listTree(dir)) out[rel] = readFileSync(join(dir, ...rel.split('/')));
    return out;
  }

  /** Converts <tmp>/data (written from `tree` when given) with --extract-images <tmp>/ext into `out`. */
  async function extract(tree: Tree | undefined, options: ConvertOptions = {}, out = at('out')): Promise<{ summary: Awaited<ReturnType<typeof convert>>; jsonl: string }> {
    if (tree) await writeTree(at('data'), tree);
    const summary = await convert('labelme', at('data'), { out, extractImages: at('ext'), validationRatio: 0, ...options });
    return { summary, jsonl: readFileSync(join(out, 'train_annotations.jsonl'), 'utf8') };
  }

  /** The ConversionError a promise rejects with. */
  async function rejection(p: Promise<unknown>): Promise<ConversionError> {
    try {
      await p;
    } catch (e) {
      if (e instanceof ConversionError) return e;
      throw e;
    }
    throw new Error('expected a failure');
  }

  /** Code and message of a dry run over `tree` (in <tmp>/data) with --extract-images <tmp>/ext. */
  async function extractFailure(tree: Tree, options: ConvertOptions = {}): Promise<[string, string]> {
    await writeTree(at('data'), tree);
    const e = await conversionFailure('labelme', at('data'), { extractImages: at('ext'), ...options });
    return [e.code, scrub(e.message)];
  }

  test('each image is written where its image_url points (<dir>/<image_url>), with the bytes embedded; image_details from its header', async () => {
    const r = await extract(embeddedTree(), { baseUrl: 'azureml://datastores/d/paths/x/' });
    expect(await contents(at('ext'))).toEqual(embeddedImages());
    const got = r.jsonl
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Line);
    expect(got.map((l) => [l.image_url, l.image_details])).toEqual([
      ['azureml://datastores/d/paths/x/3.jpg', { format: 'jpg', width: 10, height: 10 }],
      ['azureml://datastores/d/paths/x/a/1.png', { format: 'png', width: 12, height: 8 }],
      ['azureml://datastores/d/paths/x/b/2.jpg', { format: 'jpg', width: 16, height: 10 }],
    ]);
    expect(got[1]!.label).toEqual([{ label: 'cat', topX: 0.166667, topY: 0.25, bottomX: 0.5, bottomY: 0.75, isCrowd: 0 }]);
    expect(r.summary.counts).toEqual({ extractedImages: 2 });
    expect(r.summary.outputs.map(scrub)).toEqual(['<root>/out/train_annotations.jsonl']);
    // the input is as it was
    expect(await listTree(at('data'))).toEqual(Object.keys(embeddedTree()).sort());
  });

  test('two runs give the same bytes; a second run finds its images already there and leaves them untouched', async () => {
    const first = await extract(embeddedTree());
    const images = await contents(at('ext'));
    const old = new Date('2020-01-01T00:00:00Z');
    for (const rel of Object.keys(images)) utimesSync(join(at('ext'), rel), old, old);
    // same images in place: no --force needed for them (the JSONL goes to a new folder)
    const second = await extract(undefined, {}, at('out2'));
    expect(second.jsonl).toBe(first.jsonl);
    for (const rel of Object.keys(images)) expect(statSync(join(at('ext'), rel)).mtimeMs).toBe(old.getTime());
    // a fresh folder: byte-identical images
    const third = await convert('labelme', at('data'), { out: at('out3'), extractImages: at('ext3'), validationRatio: 0 });
    expect(third.counts).toEqual({ extractedImages: 2 });
    expect(readFileSync(join(at('out3'), 'train_annotations.jsonl'), 'utf8')).toBe(first.jsonl);
    expect(await contents(at('ext3'))).toEqual(images);
  });

  test('a file of other bytes in the way: refused without --force (nothing written), replaced with it', async () => {
    await writeTree(at('ext'), { 'a/1.png': 'mine' });
    const e = await rejection(extract(embeddedTree()));
    expect([e.code, scrub(e.message)]).toEqual(['OUTPUT_EXISTS', '<root>/ext/a/1.png: the file exists with other bytes; use --force to overwrite it']);
    expect(await listTree(at('ext'))).toEqual(['a/1.png']);
    expect(readFileSync(join(at('ext'), 'a/1.png'), 'utf8')).toBe('mine');
    expect(existsSync(at('out'))).toBe(false);
    // the dry run says the same
    expect((await rejection(extract(undefined, { dryRun: true }))).code).toBe('OUTPUT_EXISTS');
    await extract(undefined, { force: true });
    expect(await contents(at('ext'))).toEqual(embeddedImages());
  });

  test('a failure leaves no image, no temporary file and no folder behind (and the input as it was)', async () => {
    const tree = { ...embeddedTree(), 'c/9.json': labelmeJson('9.png', [], [4, 4], { imageData: 'bm90IGFuIGltYWdl' }) };
    await writeTree(at('ext'), { 'keep.txt': 'mine' });
    const e = await rejection(extract(tree));
    expect(e.code).toBe('IMAGE_UNREADABLE');
    expect(await listTree(at('ext'))).toEqual(['keep.txt']);
    expect(existsSync(at('out'))).toBe(false);
    expect(await listTree(at('data'))).toEqual(Object.keys(tree).sort());
    // --on-error skip: the others are written
    const r = await extract(undefined, { onError: 'skip' });
    expect([r.summary.train, r.summary.skippedImages]).toEqual([3, 1]);
    expect(await listTree(at('ext'))).toEqual(['a/1.png', 'b/2.jpg', 'keep.txt']);
  });

  test('a dry run writes nothing; --no-image-details takes the size from the JSON and still writes the image; -o - writes it too', async () => {
    await writeTree(at('data'), embeddedTree());
    await convert('labelme', at('data'), { out: at('out'), extractImages: at('ext'), dryRun: true });
    expect([existsSync(at('out')), existsSync(at('ext'))]).toEqual([false, false]);
    const r = await extract(undefined, { imageDetails: false });
    expect(r.jsonl).toContain('{"image_url":"a/1.png","image_details":{"width":12,"height":8},');
    expect(await contents(at('ext'))).toEqual(embeddedImages());
    const chunks: Buffer[] = [];
    const stdout = new PassThrough().on('data', (c: Buffer) => chunks.push(c));
    await convert('labelme', at('data'), { out: '-', stdout, extractImages: at('ext2') });
    expect(Buffer.concat(chunks).toString('utf8')).toBe((await extract(undefined, {}, at('out2'))).jsonl);
    expect(await contents(at('ext2'))).toEqual(embeddedImages());
  });

  test('refused (wrong usage, exit 2): a folder inside the input, or an image that would land inside it', async () => {
    const inside = await extractFailure(embeddedTree(), { extractImages: join(at('data'), 'images') });
    expect(inside).toEqual([
      'USAGE',
      `--extract-images ${tmp.path}/data/images: expected a folder outside the input folder <root>/data (automl-img never writes into its input), got one inside it`.split(tmp.path).join('<root>'),
    ]);
    expect((await extractFailure(embeddedTree(), { extractImages: at('data') }))[0]).toBe('USAGE');
    // one JSON given: its folder is the input's
    const single = await conversionFailure('labelme', join(at('data'), 'a', '1.json'), { extractImages: join(at('data'), 'a') });
    expect(single.code).toBe('USAGE');
    // <tmp>/data2 holds the input <tmp>/data2/data: data/x.json's image would be <tmp>/data2/data/x.png
    await writeTree(at('data2'), { 'data/x.json': labelmeJson('x.png', [], [12, 8], { imageData: embeddedImages()['a/1.png']!.toString('base64') }) });
    const ancestor = await conversionFailure('labelme', join(at('data2'), 'data'), { extractImages: at('data2'), root: at('data2'), onError: 'skip' });
    expect([ancestor.code, scrub(ancestor.message)]).toEqual([
      'USAGE',
      "--extract-images <root>/data2: <root>/data2/data/x.json's image would be written to <root>/data2/data/x.png, inside the input (automl-img never writes into its input); choose another folder",
    ]);
  });

  test('bad imageData: one error each, naming the JSON and imageData', async () => {
    const withData = (imageData: string, size: readonly [number, number] = [12, 8]) => ({ 'x.json': labelmeJson('x.png', [], size, { imageData }) });
    const good = embeddedImages()['a/1.png']!;
    const gif = Buffer.concat([Buffer.from('GIF89a'), Buffer.from([12, 0, 8, 0, 0x80, 0, 0]), Buffer.alloc(20)]);
    expect(await extractFailure(withData('iVBOR!'))).toEqual(['JSON_BAD_VALUE', '<root>/data/x.json: imageData: expected a base64 image, got "!" at character 5, which base64 does not use']);
    expect(await extractFailure(withData('iVBORw0KG'))).toEqual([
      'JSON_BAD_VALUE',
      '<root>/data/x.json: imageData: expected a base64 image, got 9 characters, a length base64 cannot have (cut short?)',
    ]);
    expect(await extractFailure(withData('iV=BOR=='))).toEqual([
      'JSON_BAD_VALUE',
      '<root>/data/x.json: imageData: expected a base64 image, got "=" at character 2 of 8: padding only ends base64 text of a length divisible by 4',
    ]);
    expect(await extractFailure(withData(Buffer.from('not an image at all').toString('base64')))).toEqual([
      'IMAGE_UNREADABLE',
      '<root>/data/x.json: imageData: expected an image (a JPEG, PNG, BMP or TIFF file in base64), got 19 bytes that are not an image: unrecognised file header (they begin 6E 6F 74 20 61 6E 20 69)',
    ]);
    expect((await extractFailure(withData(good.subarray(0, good.length - 12).toString('base64'))))[1]).toMatch(
      /^<root>\/data\/x\.json: imageData: expected an image \(a JPEG, PNG, BMP or TIFF file in base64\), got \d+ bytes that are truncated: /,
    );
    expect(await extractFailure(withData(gif.toString('base64')))).toEqual([
      'IMAGE_UNREADABLE',
      '<root>/data/x.json: imageData: expected a JPEG, PNG, BMP or TIFF image (what AutoML for Images reads), got a GIF image; convert it first',
    ]);
    expect(await extractFailure(withData(good.toString('base64'), [13, 8]))).toEqual([
      'IMAGE_SIZE_MISMATCH',
      '<root>/data/x.json: imageWidth: expected the size of the image it embeds (imageData), 12x8, got imageWidth 13, imageHeight 8',
    ]);
    // white space inside the base64 (wrapped lines) is fine (control for the errors above)
    await writeTree(at('data'), withData(good.toString('base64').replace(/(.{60})/g, '$1\n')));
    expect((await extract(undefined)).summary.counts).toEqual({ extractedImages: 1 });
    expect(readFileSync(join(at('ext'), 'x.png'))).toEqual(good);
  });
});

describe("LabelMe's example files (../shared/realdata/labelme-examples, skipped when absent)", () => {
  const has = existsSync(REALDATA);

  test.skipIf(!has)('bbox_detection/data_annotated: 3 images, 9 rectangles (person 6, bus 2, car 1)', async () => {
    const r = await run(join(REALDATA, 'bbox_detection/data_annotated'));
    const all = lines(r);
    expect(all.map((l) => [l.image_url, l.label.length])).toEqual([
      ['2011_000003.jpg', 2],
      ['2011_000006.jpg', 4],
      ['2011_000025.jpg', 3],
    ]);
    expect(all.flatMap((l) => l.label.map((o) => o.label)).sort()).toEqual(['bus', 'bus', 'car', 'person', 'person', 'person', 'person', 'person', 'person']);
    expect(all[0]!.image_details).toEqual({ format: 'jpg', width: 500, height: 338 });
    expect(r.summary.errors).toEqual([]);
  });

  test.skipIf(!has)('bbox_detection with each image embedded instead of beside its JSON: --extract-images writes the same bytes, and the lines are the same', async () => {
    const src = join(REALDATA, 'bbox_detection/data_annotated');
    const data = join(tmp.path, 'data');
    mkdirSync(data);
    const names = readdirSync(src).filter((n) => n.endsWith('.json'));
    for (const name of names) {
      const doc = JSON.parse(readFileSync(join(src, name), 'utf8')) as { imagePath: string; imageData: string | null };
      doc.imageData = readFileSync(join(src, doc.imagePath)).toString('base64');
      writeFileSync(join(data, name), JSON.stringify(doc));
    }
    const ext = join(tmp.path, 'ext');
    const extracted = await run(data, { extractImages: ext });
    expect(lines(extracted)).toEqual(lines(await run(src)));
    expect(extracted.summary.counts).toEqual({ extractedImages: names.length });
    for (const l of lines(extracted)) expect(readFileSync(join(ext, l.image_url)).equals(readFileSync(join(src, l.image_url)))).toBe(true);
  });

  test.skipIf(!has)('instance_segmentation/data_annotated: groups joined, __ignore__ left out: 12 objects', async () => {
    const r = await run(join(REALDATA, 'instance_segmentation/data_annotated'), { task: 'instance-segmentation' });
    const all = lines(r);
    // 2011_000003: person, person (group 0: two polygons), bottle; 2011_000006: 4 persons, chair, sofa (group 0: four polygons); 2011_000025: bus, bus, car
    expect(all.map((l) => l.label.map((o) => `${o.label}:${o.polygon.length}`))).toEqual([
      ['person:1', 'person:2', 'bottle:1'],
      ['person:1', 'person:1', 'person:1', 'chair:1', 'person:1', 'sofa:4'],
      ['bus:1', 'bus:1', 'car:1'],
    ]);
    expect(r.summary.counts['ignoredShapes']).toBe(2);
    expect(r.summary.errors).toEqual([]);
  });
});
