/**
 * voc-detection: golden cases (test/fixtures/voc-detection/<case>/expected, UPDATE=1 rewrites them), one test
 * per bad input pinning code and message, determinism (twice; created in reverse order), the real bin. The
 * real datasets of ../shared/realdata, with the reference converter, are in voc-detection-realdata.slow.test.ts.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { failure, lines, run } from './voc-helpers.js';
import { describe, expect, test } from 'vitest';
import { convert } from '../../src/convert.js';
import { ConversionError } from '../../src/errors.js';
import type { ConvertOptions } from '../../src/types.js';
import { azureTree, officialTree, vocObject, vocXml } from '../fixtures/voc-detection/datasets.js';
import { runBin, runCli } from '../helpers/cli.js';
import { listTree, makeTempDir, removeDir, useTempDir, writeTree, writeTreeReversed, type Tree, scrubRoot } from '../helpers/fs.js';
import { jpeg, png } from '../helpers/images.js';
import { readImageDetails, readImageDetailsSync } from '../../src/images.js';

const tmp = useTempDir('voc-det-');

/** Replaces the temp folder in messages so they can be pinned. */
const scrub = scrubRoot;

describe('golden cases (compared by test/golden.test.ts): facts they hold', () => {
  test('official: facts behind the golden file', async () => {
    await writeTree(tmp.path, officialTree());
    const r = await run(tmp.path, { validationRatio: 0 });
    const byUrl = new Map(lines(r).map((l) => [l.image_url, l]));
    expect([...byUrl.keys()]).toEqual(['JPEGImages/2007_000001.jpg', 'JPEGImages/2007_000002.jpg', 'JPEGImages/2007_000003.jpg', 'JPEGImages/2007_000004.jpg', 'JPEGImages/2007_000005.png']);
    // difficult → isCrowd; xmin / width
    expect(byUrl.get('JPEGImages/2007_000001.jpg')!.label).toEqual([
      { label: 'dog', topX: 0.1, topY: 0.1, bottomX: 0.5, bottomY: 0.5, isCrowd: 0 },
      { label: 'person', topX: 0.25, topY: 0, bottomX: 1, bottomY: 1, isCrowd: 1 },
    ]);
    // floats and 1e1, height before width, <part> left out
    expect(byUrl.get('JPEGImages/2007_000002.jpg')!.label).toEqual([{ label: 'person', topX: 0.02, topY: 0.11845, bottomX: 0.2, bottomY: 0.9995, isCrowd: 0 }]);
    // no <size>: the header's; no objects: background
    expect(byUrl.get('JPEGImages/2007_000003.jpg')).toEqual({ image_url: 'JPEGImages/2007_000003.jpg', image_details: { format: 'jpg', width: 12, height: 10 }, label: [] });
    // clamped
    expect(byUrl.get('JPEGImages/2007_000004.jpg')!.label).toEqual([{ label: 'cat', topX: 0, topY: 0.2, bottomX: 1, bottomY: 0.48, isCrowd: 0 }]);
    expect(r.summary.counts).toEqual({ clampedBoxes: 1 });
    expect(byUrl.get('JPEGImages/2007_000005.png')!.image_details).toEqual({ format: 'png', width: 16, height: 8 });
    expect(r.summary.warnings.map((w) => [w.code, scrub(w.message, tmp.path)])).toEqual([
      ['IMAGE_NOT_FOUND', '<root>/Annotations/2007_000005.xml: filename: no image "renamed.jpg" as <filename> says: using <root>/JPEGImages/2007_000005.png, found by the XML\'s name'],
      ['MISSING_ANNOTATION', '<root>/JPEGImages/2007_000006.jpg: image without an XML annotation: not converted'],
    ]);
  });

  test('--one-based: (xmin - 1) / width and xmax / width; a one-pixel box is kept', async () => {
    await writeTree(tmp.path, {
      'Annotations/a.xml': vocXml({ filename: 'a.jpg', size: [10, 10], objects: [vocObject('x', [1, 1, 10, 10]), vocObject('dot', [3, 3, 3, 3])] }),
      'JPEGImages/a.jpg': jpeg(10, 10),
    });
    const one = lines(await run(tmp.path, { oneBased: true, validationRatio: 0 }))[0]!.label;
    expect(one).toEqual([
      { label: 'x', topX: 0, topY: 0, bottomX: 1, bottomY: 1, isCrowd: 0 },
      { label: 'dot', topX: 0.2, topY: 0.2, bottomX: 0.3, bottomY: 0.3, isCrowd: 0 },
    ]);
    const e = await failure(tmp.path);
    expect([e.code, scrub(e.message, tmp.path)]).toEqual(['EMPTY_BOX', '<root>/Annotations/a.xml: object[2]/bndbox: expected a box with area (min < max), got xmin 3, xmax 3']);
  });

  test('--no-image-details opens no image: details from <size>, a missing image is no error', async () => {
    await writeTree(tmp.path, {
      'annotations/a.xml': vocXml({ filename: 'a.jpg', size: [10, 20], objects: [vocObject('x', [1, 2, 5, 10])] }),
      'images/a.jpg': 'not even an image',
      'annotations/b.xml': vocXml({ filename: 'b.jpg', size: [10, 20] }),
    });
    const r = await run(tmp.path, { imageDetails: false, validationRatio: 0 });
    expect(r.train).toBe(
      '{"image_url":"images/a.jpg","image_details":{"width":10,"height":20},"label":[{"label":"x","topX":0.1,"topY":0.1,"bottomX":0.5,"bottomY":0.5,"isCrowd":0}]}\n' +
        '{"image_url":"images/b.jpg","image_details":{"width":10,"height":20},"label":[]}\n',
    );
  });

  test('--root and --base-url shape image_url', async () => {
    await writeTree(tmp.path, azureTree());
    const r = await run(tmp.path, { root: join(tmp.path, '..'), baseUrl: 'azureml://datastores/x/paths/', validationRatio: 0 });
    const base = tmp.path.split('/').pop()!;
    expect(lines(r)[0]!.image_url).toBe(`azureml://datastores/x/paths/${base}/images/1.jpg`);
  });
});

describe('bad input: one test each, code and message pinned', () => {
  const one = (xml: string, images: Tree = { 'images/a.jpg': jpeg(20, 10) }): Tree => ({ 'annotations/a.xml': xml, ...images });
  const cases: [string, Tree, ConvertOptions, string, string][] = [
    ['malformed XML', one('<annotation>\n<object>\n</annotation>\n'), {}, 'XML_PARSE', 'annotations/a.xml: line 3: expected </object>, got </annotation>'],
    ['a DOCTYPE', one('<!DOCTYPE a [<!ENTITY x "y">]>\n<annotation/>'), {}, 'XML_PARSE', 'annotations/a.xml: line 1: expected plain XML, got a DOCTYPE declaration (DTDs and entities are refused)'],
    [
      'non-numeric coordinate',
      one(vocXml({ filename: 'a.jpg', objects: [vocObject('a', [1, 1, 5, 5]), vocObject('b', [1, 1, 'abc', 5])] })),
      {},
      'XML_BAD_VALUE',
      'annotations/a.xml: object[2]/bndbox/xmax: expected a number, got "abc"',
    ],
    [
      'non-finite coordinate',
      one(vocXml({ filename: 'a.jpg', objects: [vocObject('a', [1, '-1e400', 5, 5])] })),
      {},
      'XML_BAD_VALUE',
      'annotations/a.xml: object[1]/bndbox/ymin: expected a finite number, got "-1e400"',
    ],
    ['no <bndbox>', one(vocXml({ filename: 'a.jpg', objects: [vocObject('a', undefined)] })), {}, 'XML_MISSING', 'annotations/a.xml: object[1]/bndbox: expected a <bndbox> element, got none'],
    ['no <name>', one(vocXml({ filename: 'a.jpg', objects: [vocObject('', [1, 1, 2, 2])] })), {}, 'XML_MISSING', 'annotations/a.xml: object[1]/name: expected a class name, got an empty <name>'],
    [
      'bad <difficult>',
      one(vocXml({ filename: 'a.jpg', objects: [vocObject('a', [1, 1, 2, 2], '<difficult>yes</difficult>')] })),
      {},
      'XML_BAD_VALUE',
      'annotations/a.xml: object[1]/difficult: expected 0 or 1, got "yes"',
    ],
    [
      'bad <size>',
      one(vocXml({ filename: 'a.jpg', size: [20, 10] }).replace('<width>20', '<width>twenty')),
      {},
      'XML_BAD_VALUE',
      'annotations/a.xml: size/width: expected a whole number of pixels, got "twenty"',
    ],
    [
      'xmax <= xmin',
      one(vocXml({ filename: 'a.jpg', objects: [vocObject('a', [5, 1, 4, 5])] })),
      {},
      'EMPTY_BOX',
      'annotations/a.xml: object[1]/bndbox: expected a box with area (min < max), got xmin 5, xmax 4',
    ],
    [
      'ymax <= ymin',
      one(vocXml({ filename: 'a.jpg', objects: [vocObject('a', [1, 5, 4, 5])] })),
      {},
      'EMPTY_BOX',
      'annotations/a.xml: object[1]/bndbox: expected a box with area (min < max), got ymin 5, ymax 5',
    ],
    [
      'box outside the image',
      one(vocXml({ filename: 'a.jpg', objects: [vocObject('a', [25, 1, 30, 5])] })),
      {},
      'EMPTY_BOX',
      'annotations/a.xml: object[1]/bndbox: expected a box overlapping the 20x10 image, got xmin 25, ymin 1, xmax 30, ymax 5',
    ],
    ['size differs from the image', one(vocXml({ filename: 'a.jpg', size: [10, 20] })), {}, 'IMAGE_SIZE_MISMATCH', 'annotations/a.xml: size: expected the size of images/a.jpg, 20x10, got 10x20'],
    [
      'image missing',
      one(vocXml({ filename: 'b.jpg' }), { 'images/c.jpg': jpeg(2, 2) }),
      {},
      'IMAGE_NOT_FOUND',
      'annotations/a.xml: filename: expected an image "b.jpg" or a.<image extension> in images, got no such file',
    ],
    ['image unreadable', one(vocXml({ filename: 'a.jpg' }), { 'images/a.jpg': 'hello, world' }), {}, 'IMAGE_UNREADABLE', 'images/a.jpg: not an image: unrecognised file header'],
    ['filename outside the root', one(vocXml({ filename: '../../a.jpg' })), {}, 'PATH_OUTSIDE_ROOT', 'annotations/a.xml: filename: expected a file name inside images, got "../../a.jpg"'],
    [
      'two XMLs, one image',
      { ...one(vocXml({ filename: 'a.jpg' })), 'annotations/b.xml': vocXml({ filename: 'a.jpg' }) },
      {},
      'DUPLICATE_IMAGE',
      'annotations/b.xml: filename: expected one XML per image, got images/a.jpg, already named by annotations/a.xml',
    ],
    [
      'size is the image turned by its EXIF orientation (said, still bad)',
      { 'annotations/a.xml': vocXml({ filename: 'a.jpg', size: [10, 20] }), 'images/a.jpg': jpeg(20, 10, { orientation: 6 }) },
      {},
      'IMAGE_SIZE_MISMATCH',
      'annotations/a.xml: size: expected the size of images/a.jpg, 20x10, got 10x20 (its EXIF orientation 6 shows it turned a quarter, as 10x20: the annotation was likely made on the turned image, and its boxes do not fit the stored pixels)',
    ],
    [
      'size is the image turned, but no EXIF orientation turns it (no hint)',
      { 'annotations/a.xml': vocXml({ filename: 'a.jpg', size: [10, 20] }), 'images/a.jpg': jpeg(20, 10, { orientation: 1 }) },
      {},
      'IMAGE_SIZE_MISMATCH',
      'annotations/a.xml: size: expected the size of images/a.jpg, 20x10, got 10x20',
    ],
    [
      'no <size> with --no-image-details',
      one(vocXml({ filename: 'a.jpg' })),
      { imageDetails: false },
      'XML_MISSING',
      'annotations/a.xml: size: expected <size> with <width> and <height> (--no-image-details opens no image to read them from), got none',
    ],
    ['no annotation folder', { 'images/a.jpg': jpeg(2, 2) }, {}, 'INPUT_LAYOUT', '<root>: expected an Annotations/ or annotations/ folder of VOC XML files, got none'],
    ['no XML files', { 'Annotations/readme.txt': 'x', 'JPEGImages/a.jpg': jpeg(2, 2) }, {}, 'EMPTY_DATASET', 'Annotations: expected VOC XML files, got none'],
  ];
  for (const [what, tree, options, code, message] of cases) {
    test(what, async () => {
      await writeTree(tmp.path, tree);
      const e = await failure(tmp.path, options);
      const msg = scrub(e.message, tmp.path).replace(/<root>\//g, '');
      expect([e.code, msg]).toEqual([code, message]);
    });
  }

  test('--on-error skip leaves out only the bad object and keeps the image', async () => {
    await writeTree(tmp.path, one(vocXml({ filename: 'a.jpg', size: [20, 10], objects: [vocObject('good', [2, 1, 10, 5]), vocObject('bad', [1, 1, 'x', 5])] })));
    const r = await run(tmp.path, { onError: 'skip', validationRatio: 0 });
    expect(lines(r)).toEqual([
      { image_url: 'images/a.jpg', image_details: { format: 'jpg', width: 20, height: 10 }, label: [{ label: 'good', topX: 0.1, topY: 0.1, bottomX: 0.5, bottomY: 0.5, isCrowd: 0 }] },
    ]);
    expect(r.summary.skipped).toBe(1);
    expect(r.summary.errors.map((d) => [d.code, d.path])).toEqual([['XML_BAD_VALUE', 'object[2]/bndbox/xmax']]);
  });

  test('with fail, the first bad item in name order stops the run', async () => {
    const tree: Tree = {};
    for (let i = 0; i < 30; i++) {
      tree[`annotations/${String(i).padStart(2, '0')}.xml`] = vocXml({ filename: `${i}.jpg`, objects: i % 7 === 3 ? [vocObject('a', [1, 1, 'bad', 2])] : [] });
      tree[`images/${i}.jpg`] = jpeg(4, 4);
    }
    await writeTree(tmp.path, tree);
    const e = await failure(tmp.path);
    expect(scrub(e.message, tmp.path)).toBe('<root>/annotations/03.xml: object[1]/bndbox/xmax: expected a number, got "bad"');
  });
});

describe('determinism', () => {
  test('two runs give the same bytes; the dataset created in reverse order too', async () => {
    const tree = { ...officialTree() };
    await writeTree(tmp.path, tree);
    const a = await run(tmp.path, { onError: 'skip' });
    const b = await run(tmp.path, { onError: 'skip' });
    const other = makeTempDir('voc-det-rev-');
    try {
      await writeTreeReversed(other, tree);
      const c = await run(other, { onError: 'skip' });
      expect(b.train + '\0' + b.validation).toBe(a.train + '\0' + a.validation);
      expect(c.train + '\0' + c.validation).toBe(a.train + '\0' + a.validation);
      expect(scrub(JSON.stringify(c.summary.warnings), other)).toBe(scrub(JSON.stringify(a.summary.warnings), tmp.path));
      expect(a.train.length).toBeGreaterThan(0);
      expect(a.validation.length).toBeGreaterThan(0);
    } finally {
      removeDir(other);
    }
  });
});

describe('many XMLs, bad items throughout', () => {
  /**
   * 1,300 XMLs with every kind of bad item and warning spread over them: malformed XML, no <bndbox>, an
   * empty box, a bad number, <filename> outside the root, a missing image, a file that is not an image, a
   * size mismatch, duplicates of an image named far before, a clamped box, <filename> not found (the stem
   * is used: a warning), a label with a NUL and one with quotes and an emoji, images without XML.
   */
  function manyBadItems(): Tree {
    const tree: Tree = {};
    const img = jpeg(40, 30);
    for (let i = 0; i < 1300; i++) {
      const n = String(i).padStart(4, '0');
      const k = i + 1;
      let filename = `${n}.jpg`;
      let size: [number, number] = [40, 30];
      let objects = [vocObject(`c${i % 7}`, [i % 20, 1, 30, 25]), vocObject('both', [0, 0, 10.5, 10])];
      let xml: string | undefined;
      if (k % 97 === 0) xml = vocXml({ filename, size, objects }).replace('</annotation>', '');
      else if (k % 89 === 0) objects = [vocObject('nobox', undefined), ...objects];
      else if (k % 83 === 0) objects.push(vocObject('empty', [9, 1, 3, 5]));
      else if (k % 79 === 0) filename = `nope${n}.jpg`;
      else if (k % 73 === 0) size = [41, 30];
      else if (k % 71 === 0 || i === 255 || i === 256 || i === 1299) filename = '0005.jpg';
      else if (k % 67 === 0) objects.push(vocObject('clamped', [-3, -1, 45, 31]));
      else if (k % 61 === 0) objects.push(vocObject('"w\u00e9ird" &amp; &#x1F600;', [1, 1, 2, 2]));
      else if (k % 59 === 0) objects.push(vocObject('bad', [1, 'abc', 2, 2]));
      else if (k % 53 === 0) filename = `../../x${n}.jpg`;
      else if (k % 47 === 0) objects.push(vocObject('nul\0name', [1, 1, 2, 2]));
      tree[`annotations/${n}.xml`] = xml ?? vocXml({ filename, size, objects });
      if (k % 101 === 0) tree[`images/${n}.jpg`] = Buffer.from('not an image');
      else if (k % 103 !== 0) tree[`images/${n}.jpg`] = img;
    }
    for (const extra of ['zz1.jpg', 'zz2.png']) tree[`images/${extra}`] = img;
    return tree;
  }

  test('skip: every kind of bad item reported in XML order, the rest converted; fail: the first bad item in name order', async () => {
    await writeTree(tmp.path, manyBadItems());
    const one = await run(tmp.path, { onError: 'skip', stratify: true });
    const codes = new Set(one.summary.errors.map((e) => e.code));
    expect([...codes].sort()).toEqual(
      ['DUPLICATE_IMAGE', 'EMPTY_BOX', 'IMAGE_NOT_FOUND', 'IMAGE_SIZE_MISMATCH', 'IMAGE_UNREADABLE', 'LABEL_BAD', 'PATH_OUTSIDE_ROOT', 'XML_BAD_VALUE', 'XML_MISSING', 'XML_PARSE'].sort(),
    );
    // an error names the XML or its image: both carry the item's number
    const items = one.summary.errors.map((e) => /(\d{4})\.\w+$/.exec(e.file ?? '')?.[1] ?? '');
    expect(items).toEqual([...items].sort());
    expect(one.summary.warnings.filter((w) => w.code === 'IMAGE_NOT_FOUND').length).toBeGreaterThan(10);
    expect(one.summary.warnings.filter((w) => w.code === 'MISSING_ANNOTATION').map((w) => w.file?.slice(-11))).toContain('ges/zz2.png');
    expect(one.summary.counts['clampedBoxes']).toBeGreaterThan(10);
    expect(Object.keys(one.summary.labels)).toEqual(expect.arrayContaining(['"wéird" & 😀']));
    // A NUL in a class name is a bad item (LABEL_BAD, test/hardening/silent-surprises.test.ts): its image is left out.
    expect(Object.keys(one.summary.labels)).not.toContain('nul\0name');
    expect(lines(one).some((l) => l.label.some((b) => b.label === 'nul\0name'))).toBe(false);
    const dups = one.summary.errors.filter((e) => e.code === 'DUPLICATE_IMAGE').map((e) => e.file?.slice(-8));
    expect(dups).toEqual(expect.arrayContaining(['0255.xml', '0256.xml', '1299.xml']));
    const e = await failure(tmp.path);
    expect([e.code, scrub(e.message, tmp.path)]).toEqual([
      'LABEL_BAD',
      'images/0046.jpg: expected a label without control characters (NUL, newline, tab...), got "nul\\u0000name": a class name cannot hold one',
    ]);
  }, 120_000);

  test('an abort in the middle of a run: INTERRUPTED (exit 130), nothing written', async () => {
    const tree: Tree = {};
    for (let i = 0; i < 1300; i++) {
      const n = String(i).padStart(4, '0');
      tree[`annotations/${n}.xml`] = vocXml({ filename: `${n}.jpg`, objects: [vocObject('a', [1, 1, 2, 2])] });
      tree[`images/${n}.jpg`] = jpeg(8, 8);
    }
    await writeTree(tmp.path, tree);
    const out = join(tmp.path, 'out');
    const controller = new AbortController();
    const e = (await convert('voc', tmp.path, {
      out,
      signal: controller.signal,
      onProgress: (done) => {
        if (done === 600) controller.abort();
      },
    }).catch((err: unknown) => err)) as ConversionError;
    expect([e.code, e.exitCode]).toEqual(['INTERRUPTED', 130]);
    expect(existsSync(out)).toBe(false);
  }, 120_000);

  test('--jobs is no option of voc-detection (it reads in one thread)', async () => {
    await writeTree(tmp.path, azureTree());
    const e = await failure(tmp.path, { jobs: 2 });
    expect([e.code, e.message, e.exitCode]).toEqual(['USAGE', 'the voc-detection converter has no option "jobs"', 2]);
    const r = await runCli(['convert', 'voc', tmp.path, '--dry-run', '--jobs', '2']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--jobs'");
  }, 60_000);
});

describe('image headers: the synchronous reader voc-detection uses agrees with readImageDetails', () => {
  test('generated JPEG and PNG files, with and without EXIF blocks', async () => {
    const files: Tree = {
      'a.jpg': jpeg(33, 17),
      'b.jpg': jpeg(640, 480, { exifBytes: 5000 }),
      'c.jpg': jpeg(7, 9, { exifBytes: 70_000 }),
      'd.png': png(21, 5),
    };
    await writeTree(tmp.path, files);
    for (const name of Object.keys(files)) {
      const abs = join(tmp.path, name);
      expect(readImageDetailsSync(abs), name).toEqual(await readImageDetails(abs, name));
    }
  });
});

describe('the real bin', () => {
  test('exit 0 writes both files', async () => {
    await writeTree(tmp.path, azureTree());
    const out = join(tmp.path, 'out');
    const r = await runBin(['convert', 'voc', tmp.path, '-o', out, '-q']);
    expect(r.code).toBe(0);
    expect(await listTree(out)).toEqual(['train_annotations.jsonl', 'validation_annotations.jsonl']);
    expect(readFileSync(join(out, 'train_annotations.jsonl'), 'utf8').split('\n').filter(Boolean)).toHaveLength(4);
  });

  test('exit 1 on bad input, nothing written, the message names the file and element', async () => {
    await writeTree(tmp.path, { ...azureTree(), 'annotations/3.xml': vocXml({ filename: '3.jpg', objects: [vocObject('a', [1, 1, 'abc', 2])] }) });
    const out = join(tmp.path, 'out');
    const r = await runBin(['convert', 'voc', tmp.path, '-o', out]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`annotations/3.xml: object[1]/bndbox/xmax: expected a number, got "abc" [XML_BAD_VALUE]`);
    expect(existsSync(out) ? readdirSync(out) : []).toEqual([]);
  });
});
