import { writeFileSync } from 'node:fs';
import { symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareKeys, listFolder, relativeKey } from '../src/paths.js';
import { useTempDir, writeTree } from './helpers/fs.js';

const tmp = useTempDir('automl-img-paths-');

describe('relativeKey', () => {
  it('gives the /-separated path under the root, exactly as named', () => {
    expect(relativeKey('/data/fridge', '/data/fridge/can/1.jpg')).toBe('can/1.jpg');
    expect(relativeKey('/data/fridge', '/data/fridge/Dosen mit Ümlaut/bild 1.JPG')).toBe('Dosen mit Ümlaut/bild 1.JPG');
  });
  it('is undefined outside the root or for the root itself', () => {
    expect(relativeKey('/data/fridge', '/data/other/1.jpg')).toBeUndefined();
    expect(relativeKey('/data/fridge', '/data/fridge')).toBeUndefined();
    expect(relativeKey('/data/fridge', '/data/fridge2/1.jpg')).toBeUndefined();
  });
  it('keeps names that merely start with two dots', () => {
    expect(relativeKey('/d', '/d/..hidden/1.jpg')).toBe('..hidden/1.jpg');
  });
});

describe('compareKeys', () => {
  it('orders by UTF-16 code units (upper case before lower case, no locale)', () => {
    expect(['b', 'B', 'a', 'ä', 'A10', 'A2'].sort(compareKeys)).toEqual(['A10', 'A2', 'B', 'a', 'b', 'ä']);
  });
});

describe('listFolder', () => {
  it('lists files and folders sorted, hidden entries left out, symlinks resolved', async () => {
    await writeTree(tmp.path, { 'b.jpg': 'x', 'a/': null, '.DS_Store': 'x', '.hidden/': null, 'C.png': 'x' });
    await symlink(join(tmp.path, 'b.jpg'), join(tmp.path, 'link.jpg'));
    await symlink(join(tmp.path, 'a'), join(tmp.path, 'linkdir'));
    await symlink(join(tmp.path, 'missing'), join(tmp.path, 'broken.jpg'));
    expect(await listFolder(tmp.path)).toEqual([
      { name: 'C.png', kind: 'file' },
      { name: 'a', kind: 'dir' },
      { name: 'b.jpg', kind: 'file' },
      { name: 'broken.jpg', kind: 'other' },
      { name: 'link.jpg', kind: 'file' },
      { name: 'linkdir', kind: 'dir' },
    ]);
    expect((await listFolder(tmp.path, { includeHidden: true })).slice(0, 2)).toEqual([
      { name: '.DS_Store', kind: 'file' },
      { name: '.hidden', kind: 'dir' },
    ]);
  });
  it('tells a name holding U+FFFD itself (UTF-8) from one that is not UTF-8 (read as text, both show U+FFFD)', async () => {
    await writeTree(tmp.path, { 'a\uFFFDb.jpg': 'x', 'plain.jpg': 'x' });
    writeFileSync(Buffer.concat([Buffer.from(tmp.path + '/'), Buffer.from([0x63, 0x72, 0xe8, 0x6d, 0x65])]), 'x');
    expect(await listFolder(tmp.path)).toEqual([
      { name: 'a\uFFFDb.jpg', kind: 'file' },
      { name: 'cr\\xe8me', kind: 'unusable' },
      { name: 'plain.jpg', kind: 'file' },
    ]);
  });
});
