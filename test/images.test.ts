import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ConversionError } from '../src/errors.js';
import { HeaderReader, isRemoteFilesystemType } from '../src/kit/headers.js';
import { exifOrientation, extensionOf, isImageName, readExifOrientationSync, readImageDetails, readImageDetailsFromBytes, readImageDetailsSync, turnedSizeHint } from '../src/images.js';
import { bmp, jpeg, png, tiff } from './helpers/images.js';
import { useTempDir } from './helpers/fs.js';

const tmp = useTempDir('automl-img-images-');

async function details(name: string, bytes: Uint8Array | string) {
  const abs = join(tmp.path, name);
  await writeFile(abs, bytes);
  return readImageDetails(abs, `shown/${name}`);
}

async function failure(name: string, bytes: Uint8Array | string): Promise<ConversionError> {
  const e = await details(name, bytes).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConversionError);
  return e as ConversionError;
}

describe('readImageDetails', () => {
  it('reads PNG, JPEG, BMP and TIFF headers with AutoML format names', async () => {
    expect(await details('a.png', png(7, 5))).toEqual({ format: 'png', width: 7, height: 5 });
    expect(await details('b.jpg', jpeg(499, 666))).toEqual({ format: 'jpg', width: 499, height: 666 });
    expect(await details('c.bmp', bmp(3, 9))).toEqual({ format: 'bmp', width: 3, height: 9 });
    expect(await details('d.tif', tiff(12, 4))).toEqual({ format: 'tiff', width: 12, height: 4 });
  });

  it('reads TIFFs in both byte orders, with the IFD before or after the pixels', async () => {
    expect(await details('le.tif', tiff(300, 200, 9, { ifdAtEnd: true, padding: 1 << 20 }))).toEqual({ format: 'tiff', width: 300, height: 200 });
    expect(await details('be.tiff', tiff(31, 17, 9, { bigEndian: true }))).toEqual({ format: 'tiff', width: 31, height: 17 });
    expect(await details('be-end.tiff', tiff(31, 17, 9, { bigEndian: true, ifdAtEnd: true, padding: 300_000 }))).toEqual({ format: 'tiff', width: 31, height: 17 });
  });

  it('reads a BigTIFF whose IFD lies 5 GB into a (sparse) file without reading the file', async () => {
    const { open: openFile } = await import('node:fs/promises');
    const abs = join(tmp.path, 'huge.tif');
    const ifdAt = 5 * 2 ** 30; // reading up to here would need a Buffer larger than Node allows
    const header = Buffer.alloc(16);
    header.write('II', 0, 'latin1');
    header.writeUInt16LE(43, 2); // BigTIFF
    header.writeUInt16LE(8, 4); // 8-byte offsets
    header.writeBigUInt64LE(BigInt(ifdAt), 8);
    // IFD: u64 count, then 20-byte entries (tag, type, u64 count, 8-byte value)
    const entries = [
      [256, 16, 4000],
      [257, 3, 3000],
    ] as const; // width as LONG8, height as SHORT
    const ifd = Buffer.alloc(8 + entries.length * 20 + 8);
    ifd.writeBigUInt64LE(BigInt(entries.length), 0);
    entries.forEach(([tag, type, value], i) => {
      const o = 8 + i * 20;
      ifd.writeUInt16LE(tag, o);
      ifd.writeUInt16LE(type, o + 2);
      ifd.writeBigUInt64LE(1n, o + 4);
      if (type === 16) ifd.writeBigUInt64LE(BigInt(value), o + 12);
      else ifd.writeUInt16LE(value, o + 12);
    });
    const fh = await openFile(abs, 'w');
    try {
      await fh.write(header, 0, header.length, 0);
      await fh.write(ifd, 0, ifd.length, ifdAt);
    } finally {
      await fh.close();
    }
    expect(await readImageDetails(abs, 'huge.tif')).toEqual({ format: 'tiff', width: 4000, height: 3000 });
  });

  // The bound on a JPEG that holds no frame header (zeros, fill bytes, a segment past a 5 GB sparse
  // end) is by construction, asserted in test/images/truncated.test.ts ("files that only begin like a JPEG").

  it('names the format from the header, not the extension', async () => {
    expect(await details('really-a-png.jpg', png(2, 3))).toEqual({ format: 'png', width: 2, height: 3 });
  });

  it('finds a JPEG frame header behind a large EXIF block (past the first reads)', async () => {
    expect(await details('exif100k.jpg', jpeg(640, 480, { exifBytes: 100_000 }))).toEqual({ format: 'jpg', width: 640, height: 480 });
    expect(await details('exif400k.jpg', jpeg(33, 44, { exifBytes: 400_000 }))).toEqual({ format: 'jpg', width: 33, height: 44 });
  });

  it('finds the JPEG frame header wherever it falls around the 4 KiB reads (segment walk)', async () => {
    for (let exif = 3_990; exif <= 4_130; exif += 7) {
      expect(await details(`walk${exif}.jpg`, jpeg(21, 13, { exifBytes: exif }))).toEqual({ format: 'jpg', width: 21, height: 13 });
    }
    for (const exif of [8_170, 8_180, 8_190, 12_270, 65_000, 65_001, 130_000]) {
      expect(await details(`walk${exif}.jpg`, jpeg(5, 7, { exifBytes: exif }))).toEqual({ format: 'jpg', width: 5, height: 7 });
    }
  });

  it('a truncated JPEG (cut before its frame header): IMAGE_UNREADABLE naming the file', async () => {
    const whole = jpeg(50, 40, { exifBytes: 10_000 });
    const e = await failure('cut.jpg', whole.subarray(0, 5_000));
    expect(e.code).toBe('IMAGE_UNREADABLE');
    expect(e.file).toBe('shown/cut.jpg');
    expect(e.message).toMatch(/^shown\/cut\.jpg: not a readable JPEG: truncated: /);
  });

  it('a truncated PNG (signature only): IMAGE_UNREADABLE', async () => {
    const e = await failure('cut.png', png(5, 5).subarray(0, 12));
    expect(e.code).toBe('IMAGE_UNREADABLE');
    expect(e.message).toMatch(/^shown\/cut\.png: /);
  });

  it('a text file with an image extension: IMAGE_UNREADABLE, "not an image"', async () => {
    const e = await failure('notes.png', 'these are not pixels\n'.repeat(20));
    expect(e.code).toBe('IMAGE_UNREADABLE');
    expect(e.message).toBe('shown/notes.png: not an image: unrecognised file header');
  });

  it('an empty file: IMAGE_UNREADABLE, "the file is empty"', async () => {
    const e = await failure('empty.jpg', '');
    expect(e.code).toBe('IMAGE_UNREADABLE');
    expect(e.message).toBe('shown/empty.jpg: not an image: the file is empty');
  });

  it('a missing file: IMAGE_NOT_FOUND', async () => {
    const e = (await readImageDetails(join(tmp.path, 'nope.jpg'), 'nope.jpg').catch((err: unknown) => err)) as ConversionError;
    expect(e.code).toBe('IMAGE_NOT_FOUND');
    expect(e.message).toBe('nope.jpg: image not found');
  });

  it('a folder named like an image: IMAGE_UNREADABLE', async () => {
    const { mkdir } = await import('node:fs/promises');
    await mkdir(join(tmp.path, 'dir.jpg'));
    const e = (await readImageDetails(join(tmp.path, 'dir.jpg'), 'dir.jpg').catch((err: unknown) => err)) as ConversionError;
    expect(e).toBeInstanceOf(ConversionError);
    expect(e.code).toBe('IMAGE_UNREADABLE');
  });
});

describe('readImageDetailsFromBytes (an image held in memory: LabelMe imageData)', () => {
  const cases: [string, Buffer][] = [
    ['a.png', png(7, 5)],
    ['b.jpg', jpeg(499, 666, { exifBytes: 9000 })],
    ['c.bmp', bmp(3, 2)],
    ['d.tif', tiff(6, 4, 128, { ifdAtEnd: true })],
  ];
  it.each(cases)('%s: the same answer as from the file', async (name, bytes) => {
    expect(readImageDetailsFromBytes(bytes, 'x.json imageData')).toEqual(await details(name, bytes));
  });

  it('a cut image and bytes that are no image: the same messages as for files', async () => {
    const cut = png(7, 5).subarray(0, 40);
    const fromBytes = (b: Buffer) => {
      try {
        readImageDetailsFromBytes(b, 'shown/e.png');
      } catch (e) {
        return e as ConversionError;
      }
      throw new Error('expected a failure');
    };
    for (const bytes of [cut, Buffer.from('not an image')]) {
      const e = fromBytes(bytes);
      expect([e.code, e.message]).toEqual([(await failure('e.png', bytes)).code, (await failure('e.png', bytes)).message]);
    }
    expect(fromBytes(cut).message).toContain('truncated');
    // without the check, a cut PNG's header still answers
    expect(readImageDetailsFromBytes(cut, 'x', { verify: false })).toEqual({ format: 'png', width: 7, height: 5 });
  });
});

describe('image names', () => {
  it('knows the AutoML extensions in any case', () => {
    for (const n of ['a.jpg', 'a.JPEG', 'a.jpe', 'a.JFIF', 'a.png', 'a.Bmp', 'a.tif', 'a.TIFF']) expect(isImageName(n)).toBe(true);
    for (const n of ['a.gif', '.DS_Store', 'a.txt', 'jpg', 'a.jpg.bak', 'dir.jpg/readme']) expect(isImageName(n)).toBe(false);
  });
  it('takes the extension of the last path part only', () => {
    expect(extensionOf('x.y/z')).toBe('');
    expect(extensionOf('x/.png')).toBe('');
    expect(extensionOf('x/a.PNG')).toBe('png');
  });
});

describe('readImageDetailsSync and HeaderReader', () => {
  const good: [string, () => Uint8Array][] = [
    ['a.png', () => png(7, 5)],
    ['b.jpg', () => jpeg(499, 666)],
    ['c.bmp', () => bmp(3, 9)],
    ['d.tif', () => tiff(12, 4)],
    ['be-end.tiff', () => tiff(31, 17, 9, { bigEndian: true, ifdAtEnd: true, padding: 300_000 })],
    ['exif.jpg', () => jpeg(64, 48, { exifBytes: 100_000 })],
    ['small.jpg', () => jpeg(2, 3)],
  ];

  it('the synchronous read and the reader give what readImageDetails gives', async () => {
    const reader = new HeaderReader();
    for (const [name, make] of good) {
      const abs = join(tmp.path, name);
      await writeFile(abs, make());
      const expected = await readImageDetails(abs, name);
      expect(readImageDetailsSync(abs)).toEqual(expected);
      expect(await reader.read(abs, name)).toEqual(expected);
    }
    expect(reader.synchronous).toBe(true);
  });

  it('the synchronous read gives undefined for what it cannot read; the reader then gives the async error', async () => {
    const cases: [string, Uint8Array | string, string][] = [
      ['text.png', 'these are not pixels\n'.repeat(20), 'shown/text.png: not an image: unrecognised file header'],
      ['empty.jpg', '', 'shown/empty.jpg: not an image: the file is empty'],
      ['cut.jpg', jpeg(50, 40, { exifBytes: 10_000 }).subarray(0, 5_000), 'shown/cut.jpg: not a readable JPEG: truncated: '],
    ];
    const reader = new HeaderReader();
    for (const [name, bytes, message] of cases) {
      const abs = join(tmp.path, name);
      await writeFile(abs, bytes);
      expect(readImageDetailsSync(abs)).toBeUndefined();
      const e = (await reader.read(abs, `shown/${name}`).catch((err: unknown) => err)) as ConversionError;
      expect(e).toBeInstanceOf(ConversionError);
      expect(e.message.startsWith(message)).toBe(true);
    }
    expect(readImageDetailsSync(join(tmp.path, 'missing.jpg'))).toBeUndefined();
    const missing = (await reader.read(join(tmp.path, 'missing.jpg'), 'missing.jpg').catch((err: unknown) => err)) as ConversionError;
    expect(missing.code).toBe('IMAGE_NOT_FOUND');
  });

  it('switches to asynchronous reads when most reads of a window of 32 are slow, not for a stray slow one', async () => {
    const abs = join(tmp.path, 'x.png');
    await writeFile(abs, png(4, 6));
    let now = 0;
    let step = 0;
    const spy = vi.spyOn(performance, 'now').mockImplementation(() => (now += step));
    try {
      const reader = new HeaderReader();
      const names: string[] = [];
      const display = (p: string) => (names.push(p), 'x.png');
      step = 0.01; // fast reads, with every 8th one slow: stays synchronous
      for (let i = 0; i < 64; i++) {
        step = i % 8 === 0 ? 5 : 0.01;
        expect(await reader.read(abs, display)).toEqual({ format: 'png', width: 4, height: 6 });
      }
      expect(reader.synchronous).toBe(true);
      step = 5; // every read looks 5 ms long: one window later, asynchronous
      for (let i = 0; i < 32; i++) {
        expect(reader.synchronous).toBe(true);
        await reader.read(abs, display);
      }
      expect(reader.synchronous).toBe(false);
      expect(await reader.read(abs, display)).toEqual({ format: 'png', width: 4, height: 6 });
      expect(names).toEqual([abs]); // the display name is made only for the asynchronous read
    } finally {
      spy.mockRestore();
    }
  });

  it('network and FUSE filesystems start asynchronous; local ones synchronous', async () => {
    expect(isRemoteFilesystemType(0x6969)).toBe(true); // NFS
    expect(isRemoteFilesystemType(0x65735546)).toBe(true); // FUSE (blobfuse)
    expect(isRemoteFilesystemType(0xff534d42 - 2 ** 32)).toBe(true); // CIFS, as a signed 32-bit value
    expect(isRemoteFilesystemType(0x01021997n)).toBe(true); // 9p, as a bigint
    expect(isRemoteFilesystemType(0xef53)).toBe(false); // ext4
    expect(isRemoteFilesystemType(0x01021994)).toBe(false); // tmpfs
    expect((await HeaderReader.for(tmp.path)).synchronous).toBe(true);
    const abs = join(tmp.path, 'y.bmp');
    await writeFile(abs, bmp(3, 2));
    const remote = new HeaderReader({ synchronous: false });
    expect(remote.synchronous).toBe(false);
    expect(remote.readSync(abs)).toBeUndefined();
    expect(await remote.read(abs, 'y.bmp')).toEqual({ format: 'bmp', width: 3, height: 2 });
  });
});

describe('EXIF orientation (read only to explain a size mismatch)', () => {
  it('reads tag 0x0112 of IFD0 in either byte order, after other segments and tags', () => {
    for (const o of [1, 3, 5, 6, 8]) {
      expect(exifOrientation(jpeg(8, 4, { orientation: o }))).toBe(o);
      expect(exifOrientation(jpeg(8, 4, { orientation: o, bigEndianExif: true }))).toBe(o);
    }
  });
  it('is undefined without EXIF, with an EXIF block holding no orientation, out of range, or for other formats', () => {
    expect(exifOrientation(jpeg(8, 4))).toBeUndefined();
    expect(exifOrientation(jpeg(8, 4, { exifBytes: 3000 }))).toBeUndefined();
    expect(exifOrientation(jpeg(8, 4, { orientation: 9 }))).toBeUndefined();
    expect(exifOrientation(jpeg(8, 4, { orientation: 0 }))).toBeUndefined();
    expect(exifOrientation(png(8, 4))).toBeUndefined();
    expect(exifOrientation(Buffer.from([0xff, 0xd8, 0xff]))).toBeUndefined();
    const cut = jpeg(8, 4, { orientation: 6 });
    expect(exifOrientation(cut.subarray(0, 40))).toBeUndefined();
  });
  it('turnedSizeHint: only when the annotated size is the turned one and the orientation turns it (5-8)', async () => {
    const f = (name: string, buf: Buffer) => {
      const p = join(tmp.path, name);
      return writeFile(p, buf).then(() => p);
    };
    const turned = await f('turned.jpg', jpeg(20, 10, { orientation: 6 }));
    const upright = await f('upright.jpg', jpeg(20, 10, { orientation: 3 }));
    expect(readExifOrientationSync(turned)).toBe(6);
    expect(readExifOrientationSync(join(tmp.path, 'missing.jpg'))).toBeUndefined();
    expect(turnedSizeHint(turned, { width: 20, height: 10 }, { width: 10, height: 20 })).toContain('EXIF orientation 6');
    expect(turnedSizeHint(turned, { width: 20, height: 10 }, { width: 11, height: 20 })).toBe('');
    expect(turnedSizeHint(upright, { width: 20, height: 10 }, { width: 10, height: 20 })).toBe('');
  });
});
