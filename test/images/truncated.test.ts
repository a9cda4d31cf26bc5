/**
 * Cut image files (issue 11 points 5-6, issue 12 point 4): AutoML's reader, PIL, fails on a JPEG
 * without its end-of-image marker, a PNG cut inside its data, a BMP or TIFF without all its pixels;
 * the header read (src/images.ts, src/image-end.ts) says so as IMAGE_UNREADABLE "truncated: ...",
 * for every converter and `validate --images-root`, unless `--no-verify-images`. Also: files that
 * merely begin like a JPEG are rejected by the strict segment walk (no width from garbage), within
 * a bounded number of reads; every real image of ../shared/realdata still passes.
 */
import { cpSync, existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConversionError } from '../../src/errors.js';
import { MAX_JPEG_SEGMENTS, readImageDetails, readImageDetailsSync } from '../../src/images.js';
import { HeaderReader } from '../../src/kit/headers.js';
import { validateJsonl } from '../../src/jsonl/validate.js';
import { CONVERTERS as REGISTERED, findConverter } from '../../src/registry.js';
import type { ConvertOptions } from '../../src/types.js';
import { runCli } from '../helpers/cli.js';
import { conversionFailure, runConversion } from '../helpers/convert.js';
import { useTempDir } from '../helpers/fs.js';
import { bmp, jpeg, png, tiff } from '../helpers/images.js';

const tmp = useTempDir('automl-img-truncated-');
const SAMPLES = new URL('../../samples/', import.meta.url).pathname;
const REALDATA = process.env['AUTOML_IMG_REALDATA'] ?? new URL('../../../shared/realdata/', import.meta.url).pathname;

let serial = 0;
async function write(name: string, bytes: Uint8Array): Promise<string> {
  const abs = join(tmp.path, `${serial++}-${name}`);
  await writeFile(abs, bytes);
  return abs;
}

async function details(name: string, bytes: Uint8Array, verify?: boolean) {
  return readImageDetails(await write(name, bytes), `shown/${name}`, verify === undefined ? {} : { verify });
}

async function failure(name: string, bytes: Uint8Array): Promise<ConversionError> {
  const abs = await write(name, bytes);
  const e = await readImageDetails(abs, `shown/${name}`).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConversionError);
  expect((e as ConversionError).code).toBe('IMAGE_UNREADABLE');
  expect((e as ConversionError).file).toBe(`shown/${name}`);
  expect(readImageDetailsSync(abs)).toBeUndefined(); // the fast path leaves it to the async one, which says why
  return e as ConversionError;
}

/** Deterministic bytes (xorshift32), the first three `FF D8 FF` when `jpegStart`. */
function noise(length: number, seed: number, jpegStart = false): Buffer {
  const b = Buffer.alloc(length);
  let x = seed * 2654435761 + 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  if (jpegStart) b.set([0xff, 0xd8, 0xff], 0);
  return b;
}

const cut = (b: Buffer, n: number) => b.subarray(0, n);
/** A JPEG with enough scan data that 1/3 and 1/2 fall inside it. */
const BIG_JPEG = jpeg(1024, 768, { grey: 90 });
const SCAN_START = BIG_JPEG.indexOf(Buffer.from([0xff, 0xda])) + 10;

describe('JPEG: the end-of-image marker (FFD9) must follow the scan data', () => {
  it('a whole JPEG passes; cut at 1/3, 1/2, 1 or 2 bytes before the end it is IMAGE_UNREADABLE "truncated"', async () => {
    expect(SCAN_START).toBeLessThan(BIG_JPEG.length / 3);
    expect(await details('whole.jpg', BIG_JPEG)).toEqual({ format: 'jpg', width: 1024, height: 768 });
    const n = BIG_JPEG.length;
    for (const [label, at] of [
      ['third', Math.floor(n / 3)],
      ['half', Math.floor(n / 2)],
      ['no-eoi', n - 2],
      ['half-eoi', n - 1],
    ] as const) {
      const e = await failure(`${label}.jpg`, cut(BIG_JPEG, at));
      expect(e.message).toBe(`shown/${label}.jpg: truncated: no end-of-image marker (FFD9) after the image data (the file ends at byte ${at})`);
    }
  });

  it('a JPEG cut inside its headers, or right where its scan begins', async () => {
    const inHeaders = await failure('headers.jpg', cut(BIG_JPEG, 100));
    expect(inHeaders.message).toMatch(/^shown\/headers\.jpg: not a readable JPEG: truncated: (the file ends at byte 100, inside its headers|a segment runs to byte \d+, past the end of the file)$/);
    const inSegment = await failure('in-segment.jpg', cut(BIG_JPEG, 30)); // inside the quantisation table
    expect(inSegment.message).toBe('shown/in-segment.jpg: not a readable JPEG: truncated: a segment runs to byte 89, past the end of the file');
    const atScan = await failure('at-scan.jpg', cut(BIG_JPEG, SCAN_START));
    expect(atScan.message).toBe(`shown/at-scan.jpg: truncated: the file ends at byte ${SCAN_START}, where its image data should begin`);
  });

  it('bytes after the end-of-image marker are fine (PIL ignores them): padding, a short trailer, a long one', async () => {
    const pattern = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff)); // holds FF 06: not scan data
    for (const trailer of [Buffer.alloc(100), Buffer.from('trailing text'), pattern.subarray(0, 3000), pattern]) {
      expect(await details('trailer.jpg', Buffer.concat([BIG_JPEG, trailer]))).toEqual({ format: 'jpg', width: 1024, height: 768 });
    }
  });

  it('a scan cut far from its end (more than 64 KiB of scan data, no FFD9) is truncated; the same file whole passes', async () => {
    const small = jpeg(8, 8);
    const eoi = small.length - 2;
    const scanLike = Buffer.alloc(100_000, 0x55);
    for (let i = 0; i < scanLike.length; i += 997) scanLike.set([0xff, 0x00], i); // stuffed FF, as in scan data
    const whole = Buffer.concat([small.subarray(0, eoi), scanLike, small.subarray(eoi)]);
    expect(await details('long-scan.jpg', whole)).toEqual({ format: 'jpg', width: 8, height: 8 });
    const e = await failure('long-scan-cut.jpg', cut(whole, 90_000));
    expect(e.message).toMatch(/truncated: no end-of-image marker \(FFD9\)/);
  });

  it('--no-verify-images (verify: false) reads the header of a cut JPEG', async () => {
    const abs = await write('cut-ok.jpg', cut(BIG_JPEG, Math.floor(BIG_JPEG.length / 3)));
    expect(await readImageDetails(abs, 'cut-ok.jpg', { verify: false })).toEqual({ format: 'jpg', width: 1024, height: 768 });
    expect(readImageDetailsSync(abs, { verify: false })).toEqual({ format: 'jpg', width: 1024, height: 768 });
    expect(await new HeaderReader({ verify: false }).read(abs, 'cut-ok.jpg')).toEqual({ format: 'jpg', width: 1024, height: 768 });
    await expect(new HeaderReader().read(abs, 'cut-ok.jpg')).rejects.toThrow(/truncated/);
  });
});

describe('files that only begin like a JPEG', () => {
  it('random bytes after FF D8 FF give no width: IMAGE_UNREADABLE "not a readable JPEG", for every seed', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const e = await failure(`noise${seed}.jpg`, noise(20_000, seed, true));
      expect(e.message).toMatch(new RegExp(`^shown/noise${seed}\\.jpg: (not a readable JPEG: |truncated: )`));
    }
  });

  it('the same, with --no-verify-images: the strict segment walk alone rejects them', async () => {
    for (let seed = 1; seed <= 60; seed++) {
      const abs = await write('noise.jpg', noise(20_000, seed, true));
      const e = await readImageDetails(abs, 'noise.jpg', { verify: false }).catch((err: unknown) => err);
      expect(e, `seed ${seed}`).toBeInstanceOf(ConversionError);
      expect((e as ConversionError).message).toMatch(/^noise\.jpg: not a readable JPEG: /);
    }
  });

  it('an impossible frame header (length not 8 + 3 × components) is rejected, not read as a size', async () => {
    const good = jpeg(20, 10);
    const sof = good.indexOf(Buffer.from([0xff, 0xc0]));
    const bad = Buffer.from(good);
    bad[sof + 9] = 7; // 7 components in a segment sized for 1
    const e = await failure('bad-sof.jpg', bad);
    expect(e.message).toBe(
      `shown/bad-sof.jpg: not a readable JPEG: JPEG frame header at byte ${sof}: expected a length of 8 + 3 × components (1-4) and a precision of 2-16 bits, got length 11, 7 components, 8 bits`,
    );
  });

  it('zeros after a valid start: rejected at the first byte that is not a marker (3 MB are not scanned)', async () => {
    const start = jpeg(4, 4).subarray(0, 20); // SOI + APP0 (JFIF)
    const e = await failure('zeros.jpg', Buffer.concat([start, Buffer.alloc(3 << 20)]));
    expect(e.message).toBe('shown/zeros.jpg: not a readable JPEG: expected a JPEG marker (FF) at byte 20, got 0x00');
  });

  it(`a run of fill bytes: given up after ${MAX_JPEG_SEGMENTS} markers (the walk is bounded by its step count)`, async () => {
    const e = await failure('fill.jpg', Buffer.concat([Buffer.from([0xff, 0xd8]), Buffer.alloc(1 << 20, 0xff)]));
    expect(e.message).toBe(`shown/fill.jpg: not a readable JPEG: no frame header in the first ${MAX_JPEG_SEGMENTS} segments`);
  });

  it('a segment that claims to run past a 5 GB sparse file: rejected where it lands, with no large read', async () => {
    const { open: openFile } = await import('node:fs/promises');
    const abs = join(tmp.path, 'endless.jpg');
    const fh = await openFile(abs, 'w');
    try {
      await fh.write(Buffer.from([0xff, 0xd8, 0xff, 0xe1, 0xff, 0xff]), 0, 6, 0);
      await fh.write(Buffer.from([0]), 0, 1, 5 * 2 ** 30);
    } finally {
      await fh.close();
    }
    const e = (await readImageDetails(abs, 'endless.jpg').catch((err: unknown) => err)) as ConversionError;
    expect(e.message).toBe('endless.jpg: not a readable JPEG: expected a JPEG marker (FF) at byte 65539, got 0x00');
  });
});

describe('PNG, BMP, TIFF', () => {
  const PNG = png(64, 48);
  it('a PNG cut after its header, or halfway: truncated (no IEND); whole or with a trailer it passes', async () => {
    expect(await details('whole.png', PNG)).toEqual({ format: 'png', width: 64, height: 48 });
    expect(await details('trailer.png', Buffer.concat([PNG, Buffer.from('xyz')]))).toEqual({ format: 'png', width: 64, height: 48 });
    for (const at of [33, Math.floor(PNG.length / 2), PNG.length - 4 - 8]) {
      const e = await failure('cut.png', cut(PNG, at));
      expect(e.message).toBe(`shown/cut.png: truncated: no end chunk (IEND) (the file ends at byte ${at})`);
    }
    expect(await details('cut-ok.png', cut(PNG, 33), false)).toEqual({ format: 'png', width: 64, height: 48 });
  });

  it('a BMP missing rows: truncated, naming where its rows end', async () => {
    const BMP = bmp(40, 30); // rows of 120 bytes from byte 54
    expect(await details('whole.bmp', BMP)).toEqual({ format: 'bmp', width: 40, height: 30 });
    const e = await failure('cut.bmp', cut(BMP, BMP.length - 1));
    expect(e.message).toBe(`shown/cut.bmp: truncated: its header declares 30 rows ending at byte ${54 + 120 * 30}, the file ends at byte ${BMP.length - 1}`);
    expect((await failure('half.bmp', cut(BMP, 1000))).message).toMatch(/truncated: its header declares 30 rows/);
    expect(await details('cut-ok.bmp', cut(BMP, 1000), false)).toEqual({ format: 'bmp', width: 40, height: 30 });
  });

  it('a TIFF whose strip runs past the end: truncated', async () => {
    const TIFF = tiff(30, 20);
    expect(await details('whole.tif', TIFF)).toEqual({ format: 'tiff', width: 30, height: 20 });
    const e = await failure('cut.tif', cut(TIFF, TIFF.length - 1));
    expect(e.message).toBe(`shown/cut.tif: truncated: strip or tile 0 ends at byte ${TIFF.length}, the file ends at byte ${TIFF.length - 1}`);
    const be = tiff(31, 17, 9, { bigEndian: true, ifdAtEnd: true, padding: 300_000 }); // IFD after the pixels: still whole
    expect(await details('be.tif', be)).toEqual({ format: 'tiff', width: 31, height: 17 });
  });
});

describe('the synchronous read (one read for a small file, fstat and a read at the end for a large one)', () => {
  it('gives what readImageDetails gives, or undefined where it fails, whatever the sizes and their order', async () => {
    const small = jpeg(8, 8);
    const eoi = small.length - 2;
    /** A whole baseline JPEG of about `bytes` bytes (scan-like filler before its FFD9). */
    const jpegOf = (bytes: number) => {
      const scanLike = Buffer.alloc(bytes - small.length, 0x55);
      for (let i = 0; i < scanLike.length; i += 997) scanLike.set([0xff, 0x00], i);
      return Buffer.concat([small.subarray(0, eoi), scanLike, small.subarray(eoi)]);
    };
    const exif = jpeg(64, 48, { exifBytes: 40_000 }); // the frame header ~40 KB in
    const pngOf = (bytes: number) => Buffer.concat([png(16, 16).subarray(0, 33), Buffer.alloc(bytes), png(16, 16).subarray(33)]);
    const WHOLE_READ = 256 * 1024;
    const cases: [string, Buffer][] = [];
    for (const bytes of [5_000, 100_000, WHOLE_READ - 1, WHOLE_READ, WHOLE_READ + 1, 400_000]) {
      const j = jpegOf(bytes);
      cases.push([`j${bytes}.jpg`, j], [`j${bytes}-cut.jpg`, cut(j, j.length - 2)], [`j${bytes}-trailer.jpg`, Buffer.concat([j, Buffer.alloc(3000, 7)])]);
      cases.push([`p${bytes}.png`, pngOf(bytes)], [`p${bytes}-cut.png`, cut(pngOf(bytes), bytes - 5)]);
    }
    cases.push(['exif.jpg', exif], ['exif-cut.jpg', cut(exif, exif.length - 1)], ['exif-headers.jpg', cut(exif, 20_000)]);
    const files = await Promise.all(cases.map(async ([name, bytes]) => [name, await write(name, bytes)] as const));
    const expected = new Map<string, unknown>();
    for (const [name, abs] of files) expected.set(name, await readImageDetails(abs, name).catch(() => undefined));
    expect([...expected.values()].filter((v) => v === undefined).length).toBe(14); // the 14 cut files, and only those
    // Sizes in order, reversed, and large and small alternating: each file is met after a small and after a large one.
    const order = [...files, ...[...files].reverse(), ...files.flatMap((f, i) => [f, files[files.length - 1 - i]!])];
    for (const [name, abs] of order) expect(readImageDetailsSync(abs), name).toEqual(expected.get(name));
  });
});

/** Copies a sample dataset into the temp folder and cuts one of its images; returns the copy and the cut file. */
function sampleWithCutImage(sample: string, image: string, cutAt: (n: number) => number): { root: string; abs: string } {
  const root = join(tmp.path, `${sample}-${serial++}`);
  cpSync(join(SAMPLES, sample), root, { recursive: true });
  const abs = join(root, image);
  const bytes = readFileSync(abs);
  writeFileSync(abs, bytes.subarray(0, cutAt(bytes.length)));
  return { root, abs };
}

const CONVERTERS: [converter: string, sample: string, input: string, image: string][] = [
  ['folder', 'folder', '', 'circle/circle-1.jpg'],
  ['csv', 'csv', 'labels.csv', 'images/01.jpg'],
  ['voc', 'voc', '', 'images/2.jpg'],
  ['voc-mask', 'voc-mask', '', 'JPEGImages/2026_000002.jpg'],
  ['coco', 'coco', 'annotations.json', 'images/1.jpg'],
  ['cvat', 'cvat', 'annotations.xml', 'images/1.jpg'],
  ['labelme', 'labelme', '', 'batch1/1.jpg'],
  ['yolo', 'yolo', '', 'images/train/1.jpg'],
];

describe('every converter checks the images it reads', () => {
  it('covers every registered converter', () => {
    expect(CONVERTERS.map(([name]) => findConverter(name)?.name).sort()).toEqual(Object.keys(REGISTERED).sort());
  });
  for (const [converter, sample, input, image] of CONVERTERS) {
    it(`${converter}: a JPEG cut short is IMAGE_UNREADABLE naming it; --no-verify-images converts it`, async () => {
      expect(existsSync(join(SAMPLES, sample, image)), `${sample}/${image}`).toBe(true);
      for (const cutAt of [(n: number) => n - 2, (n: number) => Math.floor(n / 2)]) {
        const { root, abs } = sampleWithCutImage(sample, image, cutAt);
        const own: ConvertOptions = converter === 'voc-mask' ? { jobs: 1 } : {};
        const e = await conversionFailure(converter, join(root, input), own);
        expect(e.code).toBe('IMAGE_UNREADABLE');
        expect(`${e.file}\n${e.message}`).toContain(abs); // the image, or the CSV row naming it
        expect(e.message).toMatch(/truncated: /);
        const options: ConvertOptions = { ...own, verifyImages: false };
        const run = await runConversion(converter, join(root, input), options);
        expect(run.train + run.validation).toContain(image.slice(image.lastIndexOf('/') + 1));
      }
    }, 20_000);
  }

  it('the CLI: exit 1 naming the file; --no-verify-images (a shared option) exits 0', async () => {
    const { root } = sampleWithCutImage('folder', 'ring/ring-1.jpg', (n) => Math.floor(n / 3));
    const failed = await runCli(['convert', 'folder', root, '--dry-run']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(/ring-1\.jpg: .*truncated/);
    expect(failed.stderr).toContain('IMAGE_UNREADABLE');
    const passed = await runCli(['convert', 'folder', root, '--dry-run', '--no-verify-images']);
    expect(passed.code).toBe(0);
  }, 20_000);
});

describe('validate --images-root', () => {
  it('a cut image is an IMAGE_UNREADABLE finding; --no-verify-images reads its header only', async () => {
    const root = join(tmp.path, 'validate-data');
    cpSync(join(SAMPLES, 'folder'), root, { recursive: true });
    const whole = readFileSync(join(root, 'circle/circle-1.jpg'));
    writeFileSync(join(root, 'circle/circle-1.jpg'), whole.subarray(0, whole.length - 2));
    const file = join(tmp.path, 'v.jsonl');
    writeFileSync(file, `${JSON.stringify({ image_url: 'circle/circle-1.jpg', label: 'circle' })}\n${JSON.stringify({ image_url: 'circle/circle-3.jpg', label: 'circle' })}\n`);
    const checked = await validateJsonl([file], { imagesRoot: root });
    expect(checked.findings.map((f) => [f.code, f.line])).toEqual([['IMAGE_UNREADABLE', 1]]);
    expect(checked.findings[0]!.message).toMatch(/circle-1\.jpg, got: truncated: no end-of-image marker \(FFD9\)/);
    const unverified = await validateJsonl([file], { imagesRoot: root, verifyImages: false });
    expect(unverified.findings).toEqual([]);
    const cli = await runCli(['validate', file, '--images-root', root, '--no-verify-images']);
    expect(cli.code).toBe(0);
    const cliChecked = await runCli(['validate', file, '--images-root', root]);
    expect(cliChecked.code).toBe(1);
    expect(cliChecked.stderr).toContain('truncated');
  }, 20_000);
});

/** Every image file under `dir`. */
function imagesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const abs = join(dir, name);
    if (statSync(abs).isDirectory()) out.push(...imagesUnder(abs));
    else if (/\.(jpe?g|png|bmp|tiff?)$/i.test(name)) out.push(abs);
  }
  return out;
}

describe.skipIf(!existsSync(REALDATA))('every real image of ../shared/realdata passes the check', () => {
  it('JFIF and EXIF JPEGs, PNGs, TIFFs: read whole, sync and async agree, the same as without the check', async () => {
    const files = imagesUnder(REALDATA);
    expect(files.length).toBeGreaterThan(0);
    for (const abs of files) {
      const verified = await readImageDetails(abs, abs);
      expect(readImageDetailsSync(abs), abs).toEqual(verified);
      expect(await readImageDetails(abs, abs, { verify: false }), abs).toEqual(verified);
    }
  }, 30_000);
});
