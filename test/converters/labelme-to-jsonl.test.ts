/**
 * labelme-to-jsonl: facts behind the golden cases (test/fixtures/labelme-to-jsonl), one test per bad input
 * pinning code and message (file and JSON path), the CLI's exit code, and LabelMe's own example files of
 * ../shared/realdata when present.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { BoxLabel, ConvertOptions, PolygonLabel } from '../../src/types.js';
import { blockMask, labelmeJson, shape, shapesTree } from '../fixtures/labelme-to-jsonl/datasets.js';
import { runBin } from '../helpers/cli.js';
import { conversionFailure, runConversion, type Run } from '../helpers/convert.js';
import { useTempDir, writeTree, type Tree } from '../helpers/fs.js';
import { jpeg } from '../helpers/images.js';

const REALDATA = new URL('../../../shared/realdata/labelme-examples/', import.meta.url).pathname;
const tmp = useTempDir('labelme-');

const scrub = (s: string) =>
  s
    .split(tmp.path + '/')
    .join('<root>/')
    .split(tmp.path)
    .join('<root>');

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
  test('no image, and the JSON embeds it', async () => {
    expect(await failure({ 'x.json': labelmeJson('x.jpg', [], [10, 10], { imageData: '/9j/4AAQSkZJRg==' }) })).toEqual([
      'IMAGE_NOT_FOUND',
      '<root>/x.json: imagePath: expected the image "x.jpg" (imagePath) or x.<jpg|png|...> beside the JSON, got none; the JSON embeds it (imageData): save it beside the JSON as x.jpg or .png (automl-img does not write images) and convert again',
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
    const s = await runBin(['convert', 'labelme', tmp.path, '-o', out, '--on-error', 'skip', '--validation-ratio', '0', '--json']);
    expect(s.code).toBe(0);
    const summary = JSON.parse(s.stdout) as { train: number; objects: number; skippedObjects: number };
    expect([summary.train, summary.objects, summary.skippedObjects]).toEqual([1, 1, 1]);
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
