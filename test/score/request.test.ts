/**
 * `request`: inputs (files, folders, JSONL) in a stable order, bodies that decode to the files' exact
 * bytes, batches cut by count and by --max-bytes, manifest, sizes, atomic outputs.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRequests, parseByteSize } from '../../src/score/index.js';
import { bodyLength } from '../../src/score/body.js';
import { listImages } from '../../src/score/inputs.js';
import { runCli } from '../helpers/cli.js';
import { listTree, useTempDir, writeTree } from '../helpers/fs.js';
import { png } from '../helpers/images.js';
import { writeImages } from './helpers.js';

const tmp = useTempDir('automl-img-request-');

/** The images a body holds, decoded. */
function decodeBody(text: string): Buffer[] {
  const v = JSON.parse(text) as { input_data: { columns: string[]; data: string[] } };
  expect(v.input_data.columns).toEqual(['image']);
  return v.input_data.data.map((d) => Buffer.from(d, 'base64'));
}

describe('sizes', () => {
  it('reads 1.5MB, 400KB, 2MiB and plain bytes; refuses the rest naming the flag', () => {
    expect(parseByteSize('1.5MB')).toBe(1_500_000);
    expect(parseByteSize('400KB')).toBe(400_000);
    expect(parseByteSize('2MiB')).toBe(2 * 1024 * 1024);
    expect(parseByteSize('1234')).toBe(1234);
    expect(parseByteSize('3 kib')).toBe(3072);
    for (const bad of ['', 'abc', '1.5XB', '-3', '0']) expect(() => parseByteSize(bad)).toThrow(/--max-bytes/);
  });
});

describe('inputs', () => {
  it('lists files, folders (depth-first in name order, images only, hidden left out) and JSONL lines in order', async () => {
    const d = tmp.path;
    await writeTree(d, {
      'data/b/2.png': png(2, 2),
      'data/a/1.jpg': Buffer.from([0xff, 0xd8, 0xff, 0xe0]),
      'data/a/notes.txt': 'x',
      'data/.hidden/3.png': png(2, 2),
      'data/0.PNG': png(2, 2),
      'one.bmp': Buffer.from('BM....'),
      'set/val.jsonl': '{"image_url":"imgs/x.png","label":"a"}\n\n{"image_url":"azureml://datastores/ws/paths/fr/imgs/y.png"}\n',
    });
    const got = [];
    for await (const item of listImages([join(d, 'one.bmp'), join(d, 'data'), join(d, 'set/val.jsonl')], { imagesRoot: d })) {
      got.push(item.ok ? item.image.imageUrl : `${item.error.code} ${item.error.message.replace(d, '<d>')}`);
    }
    expect(got.slice(0, 4)).toEqual(['one.bmp', 'data/0.PNG', 'data/a/1.jpg', 'data/b/2.png']);
    expect(got[4]).toBe('imgs/x.png');
    expect(got[5]).toMatch(/^URL_NOT_LOCAL .*val\.jsonl:3: image_url: "azureml:.*--base-url/);
    expect(got).toHaveLength(6);
  });

  it('maps JSONL image_urls through --base-url and --images-root; refuses paths leaving the root', async () => {
    const d = tmp.path;
    await writeTree(d, { 'local/imgs/y.png': png(2, 2), 'val.jsonl': '{"image_url":"azureml://ds/paths/fr/imgs/y.png"}\n{"image_url":"../../etc/passwd.png"}\n' });
    const got = [];
    for await (const item of listImages([join(d, 'val.jsonl')], { imagesRoot: join(d, 'local'), baseUrl: 'azureml://ds/paths/fr/' })) {
      got.push(item.ok ? [item.image.imageUrl, item.image.path] : [item.error.code]);
    }
    expect(got).toEqual([['azureml://ds/paths/fr/imgs/y.png', join(d, 'local/imgs/y.png')], ['PATH_OUTSIDE_ROOT']]);
  });
});

describe('request', () => {
  it("writes one body to stdout whose images decode to the files' exact bytes, in input order", async () => {
    const images = await writeImages(tmp.path, 5);
    const r = await runCli(['request', join(tmp.path, 'images')]);
    expect(r.code).toBe(0);
    expect(decodeBody(r.stdout)).toEqual(images.map((i) => i.bytes));
    expect(r.stderr).toMatch(/1 request body \(5 images/);
  });

  it('cuts bodies by --batch-size and --max-bytes, never past --max-bytes, with a manifest that matches answers back', async () => {
    const images = await writeImages(tmp.path, 23);
    // Image sizes differ, so a byte cap makes batches of different lengths.
    const maxBytes = 400;
    const out = join(tmp.path, 'req');
    const r = await runCli(['request', join(tmp.path, 'images'), '--batch-size', '4', '--max-bytes', String(maxBytes), '-o', out], { cwd: tmp.path });
    expect(r.code).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toContain('manifest.jsonl');
    const bodies = files.filter((f) => f.startsWith('request-'));
    expect(bodies[0]).toBe('request-0001.json');
    const manifest = readFileSync(join(out, 'manifest.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { request: string; index: number; image_url: string });
    expect(manifest.map((m) => m.image_url)).toEqual(images.map((i) => i.rel));
    let seen = 0;
    for (const name of bodies) {
      const text = readFileSync(join(out, name), 'utf8');
      expect(statSync(join(out, name)).size).toBeLessThanOrEqual(maxBytes);
      const decoded = decodeBody(text);
      expect(decoded.length).toBeLessThanOrEqual(4);
      expect(Buffer.byteLength(text)).toBe(
        bodyLength(
          'input-data',
          decoded.map((b) => b.length),
        ),
      );
      decoded.forEach((bytes, index) => {
        const entry = manifest[seen + index]!;
        expect(entry).toEqual({ request: name, index, image_url: images[seen + index]!.rel });
        expect(bytes.equals(images[seen + index]!.bytes)).toBe(true);
      });
      seen += decoded.length;
    }
    expect(seen).toBe(images.length);
    expect(bodies.length).toBeGreaterThan(Math.ceil(23 / 4)); // the byte cap cut some batches short
  });

  it('is deterministic: the same inputs give byte-identical files', async () => {
    await writeImages(tmp.path, 9);
    const run = async (o: string) => {
      await buildRequests([join(tmp.path, 'images')], { out: join(tmp.path, o), batchSize: 2 });
      return readdirSync(join(tmp.path, o))
        .sort()
        .map((f) => readFileSync(join(tmp.path, o, f), 'latin1'));
    };
    expect(await run('a')).toEqual(await run('b'));
  });

  it('an image too large alone for --max-bytes is a bad item that names it; nothing is written', async () => {
    await writeTree(tmp.path, { 'imgs/small.png': png(1, 1), 'imgs/big.png': png(20, 20, { channels: 3, data: Uint8Array.from({ length: 1200 }, (_, i) => (i * 2654435761) >>> 24) }) });
    const out = join(tmp.path, 'req');
    const r = await runCli(['request', join(tmp.path, 'imgs'), '--max-bytes', '300', '-o', out], { cwd: tmp.path });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/imgs\/big\.png: its request body would be \d+ bytes, more than --max-bytes 300.*\[IMAGE_TOO_LARGE\]/);
    expect(await listTree(tmp.path)).toEqual(['imgs/big.png', 'imgs/small.png']);
    const skipped = await runCli(['request', join(tmp.path, 'imgs'), '--max-bytes', '300', '-o', out, '--on-error', 'skip', '--json'], { cwd: tmp.path });
    expect(skipped.code).toBe(0);
    const summary = JSON.parse(skipped.stdout) as { images: number; skipped: number; errors: { code: string }[] };
    expect([summary.images, summary.skipped, summary.errors[0]!.code]).toEqual([1, 1, 'IMAGE_TOO_LARGE']);
  });

  it('non-image and unreadable files are bad items, named', async () => {
    await writeTree(tmp.path, { 'imgs/fake.png': 'not a png', 'notes.txt': 'x', 'val.jsonl': '{"image_url":"imgs/missing.png"}\n' });
    const r1 = await runCli(['request', join(tmp.path, 'imgs')], { cwd: tmp.path });
    expect([r1.code, r1.stdout]).toEqual([1, '']);
    expect(r1.stderr).toMatch(/imgs\/fake\.png: not an image: unrecognised file header \[IMAGE_UNREADABLE\]/);
    const r2 = await runCli(['request', 'notes.txt'], { cwd: tmp.path });
    expect(r2.stderr).toMatch(/notes\.txt: expected an image .*\[NOT_AN_IMAGE\]/);
    const r3 = await runCli(['request', 'val.jsonl'], { cwd: tmp.path });
    expect(r3.stderr).toMatch(/val\.jsonl:1: image_url: "imgs\/missing\.png": no such file .*\[IMAGE_NOT_FOUND\]/);
  });

  it('refuses to overwrite without --force; --force replaces and removes stale bodies of a longer earlier run', async () => {
    await writeImages(tmp.path, 6);
    const out = join(tmp.path, 'req');
    expect((await runCli(['request', join(tmp.path, 'images'), '--batch-size', '1', '-o', out])).code).toBe(0);
    expect(readdirSync(out)).toHaveLength(7);
    const again = await runCli(['request', join(tmp.path, 'images'), '--batch-size', '3', '-o', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/OUTPUT_EXISTS/);
    expect((await runCli(['request', join(tmp.path, 'images'), '--batch-size', '3', '-o', out, '--force'])).code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['manifest.jsonl', 'request-0001.json', 'request-0002.json']);
    const single = join(tmp.path, 'body.json');
    writeFileSync(single, 'old');
    expect((await runCli(['request', join(tmp.path, 'images'), '-o', single])).code).toBe(1);
    expect(readFileSync(single, 'utf8')).toBe('old');
    expect((await runCli(['request', join(tmp.path, 'images'), '-o', single, '--force'])).code).toBe(0);
    expect(decodeBody(readFileSync(single, 'utf8'))).toHaveLength(6);
  });

  it('no images: EMPTY_DATASET, exit 1, nothing on stdout or on disk', async () => {
    await writeTree(tmp.path, { 'empty/notes.txt': 'x', 'bad/x.png': 'text' });
    const a = await runCli(['request', 'empty'], { cwd: tmp.path });
    expect([a.code, a.stdout, a.stderr]).toEqual([1, '', expect.stringMatching(/\[EMPTY_DATASET\]/)]);
    const b = await runCli(['request', 'bad', '--on-error', 'skip', '--batch-size', '2', '-o', 'req'], { cwd: tmp.path });
    expect([b.code, b.stderr]).toEqual([1, expect.stringMatching(/all 1 were skipped \[EMPTY_DATASET\]/)]);
    expect(await listTree(tmp.path)).toEqual(['bad/x.png', 'empty/notes.txt']);
  });

  it('usage: batching needs -o <folder>; a bad --batch-size names the flag (exit 2)', async () => {
    await writeImages(tmp.path, 1);
    const a = await runCli(['request', join(tmp.path, 'images'), '--batch-size', '2']);
    expect([a.code, a.stderr]).toEqual([2, expect.stringMatching(/-o <folder>/)]);
    const b = await runCli(['request', join(tmp.path, 'images'), '--batch-size', '0', '-o', join(tmp.path, 'o')]);
    expect([b.code, b.stderr]).toEqual([2, expect.stringMatching(/--batch-size must be an integer of at least 1, got 0/)]);
    await expect(buildRequests([join(tmp.path, 'images')], { maxBytes: 'lots', out: join(tmp.path, 'o') })).rejects.toMatchObject({ code: 'USAGE', message: expect.stringMatching(/--max-bytes/) });
  });

  it("streams large images: a 3 MB image's body decodes to its bytes", async () => {
    const big = Buffer.alloc(3_000_001);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(big);
    for (let i = 8; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    await writeTree(tmp.path, { 'big.png': big });
    const out = join(tmp.path, 'body.json');
    expect((await runCli(['request', join(tmp.path, 'big.png'), '-o', out])).code).toBe(0);
    const [decoded] = decodeBody(readFileSync(out, 'utf8'));
    expect(decoded!.equals(big)).toBe(true);
  });
});
