/**
 * Paths Node's strings cannot name (issue 12.3): a folder whose name is not UTF-8, and a tree deeper
 * than the system's path limit, are bad items (PATH_UNUSABLE) naming the bytes / the folder, not a
 * crash with a stack trace.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { convert } from '../../src/convert.js';
import { ConversionError } from '../../src/errors.js';
import { listFolder, showBytes } from '../../src/paths.js';
import { runCli } from '../helpers/cli.js';
import { jpeg } from '../helpers/images.js';

let dirs: string[] = [];
/** A temp folder removed with `rm -rf` (Node's recursive rm cannot remove a tree deeper than PATH_MAX). */
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'odd-paths-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs) execFileSync('rm', ['-rf', d]);
  dirs = [];
});

function latin1Dataset(): string {
  const root = join(tempDir(), 'in');
  mkdirSync(join(root, 'can'), { recursive: true });
  writeFileSync(join(root, 'can', '1.jpg'), jpeg(4, 3));
  writeFileSync(join(root, 'can', '2.jpg'), jpeg(4, 3));
  // `crème` in Latin-1: the byte e8 alone is not UTF-8.
  const bad = Buffer.concat([Buffer.from(root + '/'), Buffer.from([0x63, 0x72, 0xe8, 0x6d, 0x65])]);
  mkdirSync(bad);
  writeFileSync(Buffer.concat([bad, Buffer.from('/3.jpg')]), jpeg(4, 3));
  return root;
}

describe('names that are not UTF-8', () => {
  test('showBytes keeps UTF-8 and shows other bytes as \\xNN', () => {
    expect(showBytes(Buffer.from([0x63, 0x72, 0xe8, 0x6d, 0x65]))).toBe('cr\\xe8me');
    expect(showBytes(Buffer.from('crème', 'utf8'))).toBe('crème');
  });

  test('listFolder reports such an entry as unusable, named by its bytes', async () => {
    const root = latin1Dataset();
    expect(await listFolder(root)).toEqual([
      { name: 'can', kind: 'dir' },
      { name: 'cr\\xe8me', kind: 'unusable' },
    ]);
  });

  test('a UTF-8 name that holds U+FFFD itself, or begins with a BOM, is usable, beside one that is not UTF-8', async () => {
    const root = latin1Dataset();
    writeFileSync(join(root, 'can', 'a\uFFFDb.jpg'), jpeg(4, 3));
    writeFileSync(join(root, 'can', '\uFEFFbom.jpg'), jpeg(4, 3));
    expect(await listFolder(join(root, 'can'))).toEqual([
      { name: '1.jpg', kind: 'file' },
      { name: '2.jpg', kind: 'file' },
      { name: 'a\uFFFDb.jpg', kind: 'file' },
      { name: '\uFEFFbom.jpg', kind: 'file' },
    ]);
    writeFileSync(Buffer.concat([Buffer.from(join(root, 'can') + '/'), Buffer.from([0x78, 0xe8, 0x2e, 0x6a, 0x70, 0x67])]), jpeg(4, 3));
    expect((await listFolder(join(root, 'can'))).map((e) => `${e.name} ${e.kind}`)).toEqual(['1.jpg file', '2.jpg file', 'a\uFFFDb.jpg file', 'x\\xe8.jpg unusable', '\uFEFFbom.jpg file']);
  });

  test('folder: a bad item (PATH_UNUSABLE) naming the bytes; skip converts the rest', async () => {
    const root = latin1Dataset();
    const e = await convert('folder', root, { dryRun: true }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConversionError);
    expect((e as ConversionError).code).toBe('PATH_UNUSABLE');
    expect((e as ConversionError).message).toContain('cr\\xe8me');
    const s = await convert('folder', root, { dryRun: true, onError: 'skip' });
    expect(s.train + s.validation).toBe(2);
    expect(s.errors.map((d) => d.code)).toEqual(['PATH_UNUSABLE']);
  });

  test('CLI: exit 1 with a message, no stack trace', async () => {
    const root = latin1Dataset();
    const r = await runCli(['convert', 'folder', root, '--dry-run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[PATH_UNUSABLE]');
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('a tree deeper than the path limit', () => {
  test('folder --depth 400: PATH_UNUSABLE naming the folder; with skip, the images above it are converted', { timeout: 60_000 }, async () => {
    const root = join(tempDir(), 'in');
    mkdirSync(join(root, 'c'), { recursive: true });
    writeFileSync(join(root, 'c', '1.jpg'), jpeg(4, 3));
    // 400 levels of 11 bytes: past Linux's 4096-byte PATH_MAX (GNU mkdir -p makes it one level at a time).
    execFileSync('mkdir', ['-p', Array.from({ length: 400 }, () => 'd0123456789').join('/')], { cwd: join(root, 'c') });
    const e = await convert('folder', root, { dryRun: true, depth: 400 }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConversionError);
    expect((e as ConversionError).code).toBe('PATH_UNUSABLE');
    expect((e as ConversionError).message).toMatch(/too long/);
    const s = await convert('folder', root, { dryRun: true, depth: 400, onError: 'skip' });
    expect(s.train + s.validation).toBe(1);
    expect(s.errors.map((d) => d.code)).toEqual(['PATH_UNUSABLE']);
  });
});
