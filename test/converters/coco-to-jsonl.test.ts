/**
 * coco-to-jsonl: golden cases (test/fixtures/coco-to-jsonl/, UPDATE=1 rewrites them), one test per bad
 * input pinning code, message and JSON path, determinism (twice, every array reversed), grouping through
 * temporary files, the real bin, the real datasets of ../shared/realdata when present (and the
 * reference converter on them). On threads: test/coco/threads*.test.ts, converter-threads.slow.test.ts;
 * a file above V8's 512 MiB string limit: test/coco/large-file.slow.test.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { ConversionError } from '../../src/errors.js';
import { defaultJobs } from '../../src/jobs.js';
import { encodeRle } from '../../src/coco/rle.js';
import type { BoxLabel, ConvertOptions, PolygonLabel } from '../../src/types.js';
import { CASES, maskOf, type CocoDoc } from '../fixtures/coco-to-jsonl/datasets.js';
import { useTempDir } from '../helpers/fs.js';
import { jpeg } from '../helpers/images.js';
import { BIN, byUrl, failure, parse, run, stable, withRoot, writeCase } from '../coco/cases.js';

const tmp = useTempDir('coco-');

describe('golden cases (compared by test/golden.test.ts): facts they hold', () => {
  test('detection: what the golden lines say', async () => {
    const root = join(tmp.path, 'data');
    const lines = byUrl(await run(writeCase(root, CASES['detection']!), { validationRatio: 0 }));
    expect([...lines.keys()].sort()).toEqual(['images/a/1.png', 'images/a/3.png', 'images/b/2.png', 'images/c/empty.png', 'images/d/proto.png']);
    expect(lines.get('images/c/empty.png')!.label).toEqual([]); // background image
    expect(lines.get('images/a/3.png')!.image_details).toEqual({ format: 'png', width: 16, height: 12 }); // size from the header only
    const b = lines.get('images/b/2.png')!.label as BoxLabel[];
    // Ordered by annotation id: 1 (dog, clamped to the image) before 3 (cat).
    expect(b).toEqual([
      { label: 'dog', topX: 0.75, topY: 0.5, bottomX: 1, bottomY: 1, isCrowd: 0 },
      { label: 'cat', topX: 0.1, topY: 0.1, bottomX: 0.35, bottomY: 0.5, isCrowd: 0 },
    ]);
    const a = lines.get('images/a/1.png')!.label as BoxLabel[];
    expect(a[0]).toEqual({ label: 'zero', topX: 0.1, topY: 0.1, bottomX: 0.3, bottomY: 0.4, isCrowd: 0 }); // from the polygon
    expect(a[1]).toEqual({ label: 'constructor', topX: 0.666667, topY: 0.333333, bottomX: 1, bottomY: 0.5, isCrowd: 1 }); // from the RLE
    expect(lines.get('images/d/proto.png')!.label).toEqual([{ label: '__proto__', topX: 0, topY: 0, bottomX: 1, bottomY: 1, isCrowd: 0 }]);
  });

  test('segmentation: holes of RLE masks are rings, crowd kept', async () => {
    const root = join(tmp.path, 'data');
    const c = CASES['segmentation']!;
    const lines = byUrl(await run(writeCase(root, c), { ...c.options, validationRatio: 0 }));
    const list = lines.get('images/rle-list.png')!.label as PolygonLabel[];
    expect(list).toHaveLength(1);
    expect(list[0]!.isCrowd).toBe(1);
    expect(list[0]!.polygon).toHaveLength(2); // outline + hole
    const str = lines.get('images/rle-string.png')!.label as PolygonLabel[];
    expect(str.map((o) => [o.label, o.isCrowd, o.polygon.length])).toEqual([
      ['ring', 0, 2],
      ['shape', 0, 2], // two parts
    ]);
    expect(str[0]!.polygon).toEqual(list[0]!.polygon); // both RLE forms give the same rings
    const poly = lines.get('images/poly.png')!.label as PolygonLabel[];
    expect(poly[0]!.polygon).toEqual([
      [0.05, 0.1, 0.4, 0.1, 0.4, 0.8, 0.05, 0.8],
      [0.5, 0.2, 0.9, 0.2, 0.7, 0.9],
    ]);
    expect(poly[1]!.polygon).toEqual([[0.75, 0.5, 1, 0.5, 1, 1, 0.75, 1]]); // clamped
    expect(lines.get('images/empty.png')!.label).toEqual([]);
  });

  test('--holes fill leaves the hole rings out; --drop-empty leaves background images out', async () => {
    const root = join(tmp.path, 'data');
    const c = CASES['segmentation']!;
    const r = await run(writeCase(root, c), { ...c.options, validationRatio: 0, holes: 'fill', dropEmpty: true });
    const lines = byUrl(r);
    expect(lines.has('images/empty.png')).toBe(false);
    expect(r.summary.counts['droppedEmptyImages']).toBe(1);
    expect((lines.get('images/rle-list.png')!.label as PolygonLabel[])[0]!.polygon).toHaveLength(1);
  });

  test('the usual COCO layout: image_url is relative to the parent of --images', async () => {
    const root = join(tmp.path, 'data');
    const c = CASES['coco-layout']!;
    const lines = byUrl(await run(writeCase(root, c), withRoot(root, c.options)));
    expect([...lines.keys()].sort()).toEqual(['val/x.jpg', 'val/y.jpg']);
    expect(lines.get('val/y.jpg')!.image_details).toEqual({ width: 100, height: 50 }); // no format without the header
  });

  test('--root and --base-url', async () => {
    const root = join(tmp.path, 'data');
    const c = CASES['coco-layout']!;
    const json = writeCase(root, c);
    const lines = byUrl(await run(json, { ...withRoot(root, c.options), root: join(root, 'val'), baseUrl: 'azureml://x/' }));
    expect([...lines.keys()].sort()).toEqual(['azureml://x/x.jpg', 'azureml://x/y.jpg']);
  });
  test('a box of values below 1.5 is pixels, never "already normalised" (SPEC §9)', async () => {
    const doc: CocoDoc = {
      images: [{ id: 1, file_name: 'a.png', width: 10, height: 20 }],
      annotations: [{ id: 1, image_id: 1, category_id: 1, bbox: [0, 0, 1, 1] }],
      categories: [{ id: 1, name: 'dot' }],
    };
    const r = await run(writeCase(join(tmp.path, 'n'), { doc, images: {} }), { imageDetails: false, validationRatio: 0 });
    expect(parse(r.train)[0]!.label).toEqual([{ label: 'dot', topX: 0, topY: 0, bottomX: 0.1, bottomY: 0.05, isCrowd: 0 }]);
  });
});

describe('where images are looked for', () => {
  const doc: CocoDoc = { images: [{ id: 1, file_name: '1.png', width: 4, height: 4 }], annotations: [], categories: [{ id: 1, name: 'a' }] };

  test('images/ beside the JSON: image_url keeps images/ (Azure samples)', async () => {
    const root = join(tmp.path, 'd');
    const json = writeCase(root, { doc, images: { 'images/1.png': [4, 4] } });
    expect(parse((await run(json, { validationRatio: 0 })).train)[0]!.image_url).toBe('images/1.png');
  });

  test('the JSON in annotations/, images in ../images/', async () => {
    const root = join(tmp.path, 'd');
    const json = writeCase(root, { doc, images: { 'images/1.png': [4, 4] }, jsonPath: 'annotations/coco.json' });
    expect(parse((await run(json, { validationRatio: 0 })).train)[0]!.image_url).toBe('images/1.png');
  });

  test('not found anywhere: IMAGE_NOT_FOUND naming the folders; with --no-image-details a warning', async () => {
    const root = join(tmp.path, 'd');
    const json = writeCase(root, { doc, images: {}, jsonPath: 'ann/coco.json' });
    const e = await failure(json);
    expect(e.code).toBe('IMAGE_NOT_FOUND');
    expect(stable(e.message, root)).toMatch(/coco\.json: images not found: looked for "1\.png" in .*<root>\/ann, .*<root>\/ann\/images, .*<root>, .*<root>\/images; use --images <dir>$/);
    const r = await run(json, { imageDetails: false, validationRatio: 0 });
    expect(parse(r.train)[0]!.image_url).toBe('1.png');
    expect(r.summary.warnings.map((w) => w.code)).toEqual(['IMAGE_NOT_FOUND']);
  });
});

describe('bad input', () => {
  const good = (): CocoDoc => ({
    images: [
      { id: 1, file_name: 'a.png', width: 10, height: 10 },
      { id: 2, file_name: 'b.png', width: 10, height: 10 },
    ],
    annotations: [
      { id: 1, image_id: 1, category_id: 1, bbox: [1, 1, 4, 4], segmentation: [[1, 1, 5, 1, 5, 5]] },
      { id: 2, image_id: 2, category_id: 1, bbox: [2, 2, 4, 4], segmentation: [[2, 2, 6, 2, 6, 6]] },
    ],
    categories: [{ id: 1, name: 'thing' }],
  });
  const images = { 'a.png': [10, 10], 'b.png': [10, 10] } as Record<string, [number, number]>;

  /** Writes `doc` (or `text`) and converts; returns the failure. */
  async function bad(doc: CocoDoc, options: ConvertOptions = {}, text?: string): Promise<ConversionError> {
    const json = writeCase(tmp.path, { doc, images }, text);
    return failure(json, { imageDetails: false, ...options });
  }

  const cases: [string, (d: CocoDoc) => void, string, string, string, ConvertOptions?][] = [
    ['unknown image id', (d) => ((d.annotations as { image_id: unknown }[])[1]!.image_id = 9), 'UNKNOWN_IMAGE_ID', 'annotations[1].image_id', 'expected the id of an entry of "images", got 9'],
    [
      'image id of the other type',
      (d) => ((d.annotations as { image_id: unknown }[])[1]!.image_id = '2'),
      'UNKNOWN_IMAGE_ID',
      'annotations[1].image_id',
      'expected the id of an entry of "images", got "2" (an image has the id 2: a number and a string never match)',
    ],
    [
      'unknown category id',
      (d) => ((d.annotations as { category_id: unknown }[])[0]!.category_id = 3),
      'UNKNOWN_CATEGORY_ID',
      'annotations[0].category_id',
      'expected the id of an entry of "categories", got 3',
    ],
    [
      'missing category id',
      (d) => delete (d.annotations as { category_id?: unknown }[])[0]!.category_id,
      'JSON_MISSING',
      'annotations[0].category_id',
      'expected a category id (a number or a non-empty string), got nothing',
    ],
    [
      'non-numeric bbox',
      (d) => ((d.annotations as { bbox: unknown }[])[0]!.bbox = [1, '1', 4, 4]),
      'JSON_BAD_VALUE',
      'annotations[0].bbox',
      'expected [x, y, width, height] as 4 numbers, got [1, "1", 4, 4]',
    ],
    ['bbox of 3 numbers', (d) => ((d.annotations as { bbox: unknown }[])[0]!.bbox = [1, 1, 4]), 'JSON_BAD_VALUE', 'annotations[0].bbox', 'expected [x, y, width, height] as 4 numbers, got [1, 1, 4]'],
    [
      'bbox without width',
      (d) => ((d.annotations as { bbox: unknown }[])[0]!.bbox = [1, 1, 0, 4]),
      'EMPTY_BOX',
      'annotations[0].bbox',
      'expected a box with a positive width and height, got [1, 1, 0, 4]',
    ],
    [
      'bbox outside the image',
      (d) => ((d.annotations as { bbox: unknown }[])[0]!.bbox = [12, 1, 4, 4]),
      'EMPTY_BOX',
      'annotations[0].bbox',
      'expected a box inside the 10 × 10 image, got [12, 1, 4, 4], which lies outside it',
    ],
    [
      'neither bbox nor segmentation',
      (d) => {
        const a = (d.annotations as Record<string, unknown>[])[0]!;
        delete a['bbox'];
        delete a['segmentation'];
      },
      'JSON_MISSING',
      'annotations[0].bbox',
      'expected a bbox, or a segmentation to take it from, got neither',
    ],
    ['iscrowd 2', (d) => ((d.annotations as { iscrowd?: unknown }[])[0]!.iscrowd = 2), 'JSON_BAD_VALUE', 'annotations[0].iscrowd', 'expected iscrowd to be 0 or 1, got 2'],
    ['annotation not an object', (d) => ((d.annotations as unknown[])[1] = [1, 2]), 'JSON_BAD_VALUE', 'annotations[1]', 'expected an annotation object, got an array of 2'],
    [
      'polygon of 4 numbers',
      (d) => ((d.annotations as { segmentation: unknown }[])[0]!.segmentation = [[1, 1, 5, 5]]),
      'BAD_POLYGON',
      'annotations[0].segmentation[0]',
      'expected at least 3 points (6 numbers), got 4 numbers',
      { task: 'instance-segmentation' },
    ],
    [
      'polygon of odd length',
      (d) => ((d.annotations as { segmentation: unknown }[])[0]!.segmentation = [[1, 1, 5, 1, 5, 5, 1]]),
      'BAD_POLYGON',
      'annotations[0].segmentation[0]',
      'expected x, y pairs (an even count), got 7 numbers',
      { task: 'instance-segmentation' },
    ],
    [
      'non-numeric polygon value',
      (d) => ((d.annotations as { segmentation: unknown }[])[1]!.segmentation = [[1, 1, 5, null, 5, 5]]),
      'BAD_POLYGON',
      'annotations[1].segmentation[0][3]',
      'expected a number, got null',
      { task: 'instance-segmentation' },
    ],
    [
      'empty segmentation',
      (d) => ((d.annotations as { segmentation: unknown }[])[0]!.segmentation = []),
      'BAD_POLYGON',
      'annotations[0].segmentation',
      'expected at least one polygon, got an empty list',
      { task: 'instance-segmentation' },
    ],
    [
      'polygon on a line',
      (d) => ((d.annotations as { segmentation: unknown }[])[0]!.segmentation = [[1, 1, 2, 2, 3, 3]]),
      'BAD_POLYGON',
      'annotations[0].segmentation',
      'expected a polygon with an area inside the image, got one whose points lie on a line (after clamping)',
      { task: 'instance-segmentation' },
    ],
    [
      'RLE size differs from the image',
      (d) =>
        ((d.annotations as { segmentation: unknown }[])[0]!.segmentation = encodeRle(
          maskOf(8, 10, (x) => x < 2),
          8,
          10,
        )),
      'BAD_RLE',
      'annotations[0].segmentation.size',
      "expected the image's size [10, 10] as [height, width], got [10, 8]",
      { task: 'instance-segmentation' },
    ],
    [
      'RLE counts that do not add up',
      (d) => ((d.annotations as { segmentation: unknown }[])[0]!.segmentation = { size: [10, 10], counts: [5, 5] }),
      'BAD_RLE',
      'annotations[0].segmentation.counts',
      'run lengths add up to 10, expected height × width = 10 × 10 = 100',
      { task: 'instance-segmentation' },
    ],
    [
      'RLE read back for a missing bbox',
      (d) => {
        const a = (d.annotations as Record<string, unknown>[])[1]!;
        delete a['bbox'];
        a['segmentation'] = { size: [10, 10], counts: 'zz' };
      },
      'BAD_RLE',
      'annotations[1].segmentation.counts',
      'compressed counts: unexpected character "z" at 0, expected one of "0"–"o"',
    ],
    ['image without file_name', (d) => delete (d.images as Record<string, unknown>[])[1]!['file_name'], 'JSON_MISSING', 'images[1].file_name', 'expected a file name, got nothing'],
    ['image id missing', (d) => delete (d.images as Record<string, unknown>[])[0]!['id'], 'JSON_MISSING', 'images[0].id', 'expected an id (a number or a non-empty string), got nothing'],
    [
      'image width not a number',
      (d) => ((d.images as Record<string, unknown>[])[0]!['width'] = '10'),
      'JSON_BAD_VALUE',
      'images[0].width',
      'expected the width in pixels as a positive integer, got "10"',
    ],
    [
      'image without size, without image details',
      (d) => delete (d.images as Record<string, unknown>[])[1]!['height'],
      'JSON_MISSING',
      'images[1].height',
      "expected the image's height (needed to normalise with --no-image-details), got nothing",
    ],
    ['duplicate image id', (d) => ((d.images as Record<string, unknown>[])[1]!['id'] = 1), 'DUPLICATE_ID', 'images[1].id', 'expected a unique image id, got 1 again (images[0] has it)'],
    [
      'duplicate file name',
      (d) => ((d.images as Record<string, unknown>[])[1]!['file_name'] = './a.png'),
      'DUPLICATE_IMAGE',
      'images[1].file_name',
      'expected each image once, got "a.png" again (images[0] has it)',
    ],
    [
      'file name outside the root',
      (d) => ((d.images as Record<string, unknown>[])[1]!['file_name'] = '../../b.png'),
      'PATH_OUTSIDE_ROOT',
      'images[1].file_name',
      'expected a file under <root>, got "../../b.png"',
    ],
    ['category without name', (d) => ((d.categories as Record<string, unknown>[])[0]!['name'] = ''), 'JSON_BAD_VALUE', 'categories[0].name', 'expected a category name, got an empty string'],
    [
      'duplicate category id with another name',
      (d) => (d.categories as unknown[]).push({ id: 1, name: 'other' }),
      'DUPLICATE_ID',
      'categories[1].id',
      'expected a unique category id, got 1 again with the name "thing" (categories[0])',
    ],
  ];
  for (const [name, edit, code, path, detail, options] of cases) {
    test(name, async () => {
      const doc = good();
      edit(doc);
      const e = await bad(doc, options);
      expect({ code: e.code, path: e.path, detail: stable(e.detail, tmp.path) }).toEqual({ code, path, detail });
      expect(e.message).toBe(`${e.file}: ${path}: ${e.detail}`);
      expect(e.file!.endsWith('annotations.json')).toBe(true);
    });
  }

  test('truncated file', async () => {
    const text = JSON.stringify(good());
    const e = await bad(good(), {}, text.slice(0, text.indexOf('"annotations"') + 40));
    expect(e.code).toBe('JSON_PARSE');
    expect(e.path).toMatch(/^annotations\[\d+\]$/); // found by pass 1, which counts the annotations
    expect(e.detail).toMatch(/^unexpected end of file after \d+ bytes$/);
  });

  test('malformed element', async () => {
    const text = JSON.stringify(good()).replace('"bbox":[2,2,4,4]', '"bbox":[2,2,,4]');
    const e = await bad(good(), {}, text);
    expect(e.code).toBe('JSON_PARSE');
    expect(e.path).toBe('annotations[1]');
  });

  test('no images array', async () => {
    const d = good();
    delete d.images;
    const e = await bad(d);
    expect([e.code, e.path, e.detail]).toEqual(['JSON_MISSING', 'images', 'expected "images" at the top level, found nothing']);
  });

  test('no categories array', async () => {
    const d = good();
    delete d.categories;
    const e = await bad(d);
    expect([e.code, e.path, e.detail]).toEqual(['JSON_MISSING', 'categories', 'expected "categories" at the top level, found nothing']);
  });

  test('images not an array', async () => {
    const d = good();
    d.images = {};
    const e = await bad(d);
    expect([e.code, e.path]).toEqual(['JSON_BAD_VALUE', 'images']);
    expect(e.detail).toMatch(/^expected an array, found an object at byte \d+$/);
  });

  test('no annotations array: background images and a warning', async () => {
    const d = good();
    delete d.annotations;
    const json = writeCase(tmp.path, { doc: d, images });
    const r = await run(json, { imageDetails: false, validationRatio: 0 });
    expect(parse(r.train).map((l) => l.label)).toEqual([[], []]);
    expect(r.summary.warnings.map((w) => [w.code, w.path])).toEqual([['JSON_MISSING', 'annotations']]);
  });

  test('the header disagrees with the JSON: IMAGE_SIZE_MISMATCH', async () => {
    const d = good();
    (d.images as Record<string, unknown>[])[1]!['width'] = 12;
    const e = await bad(d, { imageDetails: true });
    expect([e.code, e.path, e.detail]).toEqual(['IMAGE_SIZE_MISMATCH', 'images[1]', 'expected the size of b.png (10 × 10 in its header), got width 12, height 10']);
  });

  test("the JSON gives the size turned by the JPEG's EXIF orientation: IMAGE_SIZE_MISMATCH says so", async () => {
    const doc = {
      images: [{ id: 1, file_name: 'r.jpg', width: 10, height: 20 }],
      annotations: [],
      categories: [{ id: 1, name: 'x' }],
    };
    const json = writeCase(tmp.path, { doc, images: {} });
    writeFileSync(join(tmp.path, 'r.jpg'), jpeg(20, 10, { orientation: 8 }));
    const e = (await run(json, { imageDetails: true }).catch((x: unknown) => x)) as ConversionError;
    expect([e.code, e.path]).toEqual(['IMAGE_SIZE_MISMATCH', 'images[0]']);
    expect(e.detail).toBe(
      'expected the size of r.jpg (20 × 10 in its header), got width 10, height 20 (its EXIF orientation 8 shows it turned a quarter, as 10x20: the annotation was likely made on the turned image, and its boxes do not fit the stored pixels)',
    );
  });

  test('an image file missing: IMAGE_NOT_FOUND naming the file', async () => {
    const d = good();
    (d.images as Record<string, unknown>[])[1]!['file_name'] = 'c.png';
    const e = await bad(d, { imageDetails: true });
    expect(e.code).toBe('IMAGE_NOT_FOUND');
    expect(e.file!.endsWith('c.png')).toBe(true);
  });

  test('duplicate category names are merged with a warning', async () => {
    const d = good();
    (d.categories as unknown[]).push({ id: 2, name: 'thing' });
    (d.annotations as Record<string, unknown>[])[1]!['category_id'] = 2;
    const json = writeCase(tmp.path, { doc: d, images });
    const r = await run(json, { imageDetails: false, validationRatio: 0 });
    expect(r.summary.labels).toEqual({ thing: 2 });
    expect(r.summary.warnings).toEqual([
      {
        code: 'DUPLICATE_CATEGORY_NAME',
        severity: 'warning',
        file: r.summary.warnings[0]!.file,
        path: 'categories[1].name',
        message: `${r.summary.warnings[0]!.file}: categories[1].name: category 2 has the name "thing" of categories[0]: their objects are merged under that label`,
      },
    ]);
  });

  test('--on-error skip: bad objects are left out and reported, the rest is written', async () => {
    const d = good();
    (d.annotations as unknown[]).push(
      { id: 3, image_id: 2, category_id: 1, bbox: [1, 1, 'x', 4] },
      { id: 4, image_id: 9, category_id: 1, bbox: [1, 1, 4, 4] },
      { id: 5, image_id: 1, category_id: 7, bbox: [1, 1, 4, 4] },
    );
    const json = writeCase(tmp.path, { doc: d, images });
    const r = await run(json, { imageDetails: false, validationRatio: 0, onError: 'skip' });
    expect(r.summary.skipped).toBe(3);
    expect(r.summary.errors.map((e) => [e.code, e.path])).toEqual([
      ['JSON_BAD_VALUE', 'annotations[2].bbox'],
      ['UNKNOWN_IMAGE_ID', 'annotations[3].image_id'],
      ['UNKNOWN_CATEGORY_ID', 'annotations[4].category_id'],
    ]);
    expect(parse(r.train).map((l) => l.label.length)).toEqual([1, 1]);
  });

  test('--on-error skip: an image whose every object is bad is left out, not written as background', async () => {
    const d = good();
    (d.annotations as Record<string, unknown>[])[1]!['bbox'] = [20, 20, 4, 4];
    const json = writeCase(tmp.path, { doc: d, images });
    const r = await run(json, { imageDetails: false, validationRatio: 0, onError: 'skip' });
    expect(parse(r.train).map((l) => l.image_url)).toEqual(['a.png']);
    expect(r.summary.counts['imagesWhoseObjectsWereAllBad']).toBe(1);
  });

  test('a file where a folder is, and a folder where the JSON is', async () => {
    const json = writeCase(tmp.path, { doc: good(), images });
    expect((await failure(json, { images: json })).code).toBe('INPUT_NOT_FOUND');
    expect((await failure(tmp.path)).code).toBe('INPUT_LAYOUT');
  });

  test('a bad --task is a usage error', async () => {
    const json = writeCase(tmp.path, { doc: good(), images });
    const e = await failure(json, { task: 'segmentation' });
    expect([e.code, e.exitCode]).toEqual(['USAGE', 2]);
  });
});

describe('determinism', () => {
  test('twice, and with every array reversed, the same bytes', async () => {
    const c = CASES['detection']!;
    const root = join(tmp.path, 'a');
    const first = await run(writeCase(root, c), c.options);
    const second = await run(writeCase(root, c), c.options);
    const reversedDoc: CocoDoc = { ...c.doc };
    for (const key of ['images', 'annotations', 'categories'] as const) reversedDoc[key] = [...(c.doc[key] as unknown[])].reverse();
    const reversed = await run(writeCase(join(tmp.path, 'b'), { ...c, doc: { categories: reversedDoc.categories, annotations: reversedDoc.annotations, images: reversedDoc.images } }), c.options);
    expect(second.train).toBe(first.train);
    expect(reversed.train).toBe(first.train);
    expect(reversed.validation).toBe(first.validation);
  });

  test('grouping through temporary files gives the same lines as in memory', async () => {
    // Many objects on few images, so that a small budget spills: checked in test/coco/spill.test.ts too.
    const annotations = Array.from({ length: 3000 }, (_, i) => ({ id: 3000 - i, image_id: (i * 7) % 5, category_id: i % 3, bbox: [i % 9, i % 7, 1 + (i % 5), 1 + (i % 4)] }));
    const doc: CocoDoc = {
      images: Array.from({ length: 5 }, (_, i) => ({ id: i, file_name: `${i}.png`, width: 20, height: 20 })),
      annotations,
      categories: [0, 1, 2].map((id) => ({ id, name: `c${id}` })),
    };
    const json = writeCase(tmp.path, { doc, images: {} });
    const r = await run(json, { imageDetails: false, validationRatio: 0 });
    const lines = parse(r.train);
    expect(lines.reduce((n, l) => n + l.label.length, 0)).toBe(3000);
    expect(r.summary.objects).toBe(3000);
  });
});

describe('the CLI (the real bin once, in-process otherwise)', () => {
  test('converts, and fails with exit 1 and one message', { timeout: 30_000 }, async () => {
    const c = CASES['segmentation']!;
    const root = join(tmp.path, 'data');
    const json = writeCase(root, c);
    const out = join(tmp.path, 'out');
    const ok = await runBin(['convert', 'coco', json, '-o', out, '--task', 'instance-segmentation', '--tolerance', '0', '-q']);
    expect(ok.code).toBe(0);
    expect(
      readFileSync(join(out, 'train_annotations.jsonl'), 'utf8').split('\n').filter(Boolean).length +
        readFileSync(join(out, 'validation_annotations.jsonl'), 'utf8').split('\n').filter(Boolean).length,
    ).toBe(4);
    writeFileSync(json, JSON.stringify({ ...c.doc, annotations: [{ id: 1, image_id: 1, category_id: 4, bbox: [1, 1, 2, 2] }] }));
    const fail = await runCli(['convert', 'coco', json, '-o', join(tmp.path, 'out2')]);
    expect(fail.code).toBe(1);
    expect(stable(fail.stderr, root)).toContain('annotations.json: annotations[0].category_id: expected the id of an entry of "categories", got 4 [UNKNOWN_CATEGORY_ID]');
    expect(existsSync(join(tmp.path, 'out2', 'train_annotations.jsonl'))).toBe(false);
    const usage = await runCli(['convert', 'coco', json, '-o', out, '--holes', 'maybe']);
    expect(usage.code).toBe(2);
  });
});

function runBin(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [BIN, ...argv], { env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') reject(error);
      else resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

describe('--jobs default', () => {
  test('is the usable cores, at most 2 (each thread adds its own heap: more would break the memory bound)', () => {
    expect(defaultJobs()).toBe(Math.min(availableParallelism(), 2));
    expect(defaultJobs()).toBeGreaterThanOrEqual(1);
  });
});
