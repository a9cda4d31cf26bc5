/**
 * Silent surprises (issue 12.8): XML bytes that are not UTF-8 (XML_PARSE naming the offset; Latin-1
 * when declared), control characters in labels (LABEL_BAD, a bad item), symlink loops (each real
 * folder walked once, FOLDER_REPEATED), symlinks to images outside the dataset (followed).
 */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { convert } from '../../src/convert.js';
import { ConversionError } from '../../src/errors.js';
import { parseVocAnnotationBytes } from '../../src/voc/annotation.js';
import { decodeXml } from '../../src/xml.js';
import { useTempDir, writeTree } from '../helpers/fs.js';
import { jpeg } from '../helpers/images.js';

const tmp = useTempDir('surprises-');

const VOC = (name: string) =>
  `<annotation><filename>1.jpg</filename><size><width>4</width><height>3</height><depth>3</depth></size><object><name>${name}</name><bndbox><xmin>1</xmin><ymin>1</ymin><xmax>3</xmax><ymax>2</ymax></bndbox></object></annotation>`;

describe('XML that is not UTF-8', () => {
  test('Latin-1 without a declaration: XML_PARSE naming the byte and its offset (no "caf\\ufffd" label)', () => {
    const buf = Buffer.from(VOC('café'), 'latin1');
    const offset = buf.indexOf(0xe9);
    let e: unknown;
    try {
      decodeXml(buf, 'a.xml');
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(ConversionError);
    expect((e as ConversionError).code).toBe('XML_PARSE');
    expect((e as ConversionError).message).toContain(`a.xml: expected UTF-8 text (no other encoding declared), got the byte 0xe9 at byte offset ${offset}`);
  });

  test('declared ISO-8859-1 is decoded as Latin-1; UTF-8 (with or without BOM) as before', () => {
    expect(parseVocAnnotationBytes(Buffer.from(`<?xml version="1.0" encoding="ISO-8859-1"?>${VOC('café')}`, 'latin1'), 'a.xml').objects[0]!.name).toBe('café');
    expect(parseVocAnnotationBytes(Buffer.from(VOC('café'), 'utf8'), 'a.xml').objects[0]!.name).toBe('café');
    expect(decodeXml(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('<a>é</a>')]), 'a.xml')).toBe('<a>é</a>');
  });

  test('a truncated UTF-8 sequence at the end is found too', () => {
    expect(() => decodeXml(Buffer.from([0x3c, 0x61, 0x3e, 0xc3]), 'a.xml')).toThrow(/byte 0xc3 at byte offset 3/);
  });
});

describe('control characters in labels', () => {
  test('a NUL in a CSV label: LABEL_BAD naming the image; --on-error skip leaves it out', async () => {
    await writeTree(tmp.path, { 'images/a.jpg': jpeg(4, 3), 'images/b.jpg': jpeg(4, 3), 'labels.csv': 'filename,labels\na.jpg,"x\u0000y"\nb.jpg,z\n' });
    const csv = join(tmp.path, 'labels.csv');
    const e = await convert('csv', csv, { dryRun: true }).catch((x: unknown) => x);
    expect((e as ConversionError).code).toBe('LABEL_BAD');
    expect((e as ConversionError).message).toBe('images/a.jpg: expected a label without control characters (NUL, newline, tab...), got "x\\u0000y": a class name cannot hold one');
    const s = await convert('csv', csv, { dryRun: true, onError: 'skip' });
    expect(s.train + s.validation).toBe(1);
    expect(s.errors.map((d) => d.code)).toEqual(['LABEL_BAD']);
  });

  test('a newline in a class folder name (folder converter)', async () => {
    const root = join(tmp.path, 'in');
    await writeTree(root, { 'x\ny/1.jpg': jpeg(4, 3), 'z/2.jpg': jpeg(4, 3) });
    const e = await convert('folder', root, { dryRun: true }).catch((x: unknown) => x);
    expect((e as ConversionError).code).toBe('LABEL_BAD');
    expect((e as ConversionError).message).toContain('got "x\\ny"');
  });

  test('a NUL in a VOC <name>', async () => {
    await writeTree(tmp.path, { 'Annotations/1.xml': VOC('ca&#0;t'.replace('&#0;', '\u0000')), 'JPEGImages/1.jpg': jpeg(4, 3) });
    const e = await convert('voc', tmp.path, { dryRun: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConversionError);
    expect(['LABEL_BAD', 'XML_PARSE']).toContain((e as ConversionError).code);
  });
});

describe('symlinks', () => {
  test('a symlink loop: each real folder is walked once (FOLDER_REPEATED), images listed once', async () => {
    const root = join(tmp.path, 'in');
    await writeTree(root, { 'can/1.jpg': jpeg(4, 3), 'can/sub/2.jpg': jpeg(4, 3), 'milk/3.jpg': jpeg(4, 3) });
    symlinkSync('..', join(root, 'can', 'sub', 'up')); // can/sub/up -> can
    symlinkSync('..', join(root, 'milk', 'top')); // milk/top -> the dataset root
    const s = await convert('folder', root, { out: '-', depth: 6, stdout: new (await import('../helpers/cli.js')).CaptureStream() });
    expect(s.train + s.validation).toBe(3);
    expect(s.warnings.filter((w) => w.code === 'FOLDER_REPEATED').map((w) => w.file)).toEqual([expect.stringMatching(/can\/sub\/up$/), expect.stringMatching(/milk\/top$/)]);
  });

  test('a symlink to an image outside the dataset is followed', async () => {
    await writeTree(tmp.path, { 'elsewhere/x.jpg': jpeg(6, 5), 'in/can/1.jpg': jpeg(4, 3) });
    symlinkSync(join(tmp.path, 'elsewhere', 'x.jpg'), join(tmp.path, 'in', 'can', '2.jpg'));
    const s = await convert('folder', join(tmp.path, 'in'), { dryRun: true });
    expect(s.train + s.validation).toBe(2);
  });
});
