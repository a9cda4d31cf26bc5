/**
 * Image probes on the reading thread (src/score/readahead.ts): the same probes as in the calling
 * thread, item for item and in order, bad items and every kind of failure included; and `score`
 * through the thread answers every image once, in order, with the same failures as without it.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStandIn } from '../../bench/score/endpoint.js';
import { sizedImage } from '../../src/score/body.js';
import { score } from '../../src/score/index.js';
import { listImages } from '../../src/score/inputs.js';
import { KEEP_BYTES, probeFile } from '../../src/score/probe.js';
import { READ_AHEAD, probedChunks, unpack, type ProbedItem } from '../../src/score/readahead.js';
import { useTempDir, writeTree } from '../helpers/fs.js';
import { jpeg, png } from '../helpers/images.js';
import { KEY, answeredDigest, readPredictions, writeImages } from './helpers.js';

const tmp = useTempDir('automl-img-readahead-');
const tuning = { ...READ_AHEAD };
beforeAll(() => Object.assign(READ_AHEAD, { threadAfter: 2, chunk: 3, depth: 2, waitForThread: true }));
afterAll(() => Object.assign(READ_AHEAD, tuning));

/** Pseudo-random bytes (a PNG of them does not compress below KEEP_BYTES). */
function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** A JSONL naming good images of every size class, and every kind of bad input, mixed. */
async function mixedListing(root: string): Promise<string> {
  await writeTree(root, {
    'img/a.png': png(3, 2),
    'img/b.jpg': jpeg(8, 8),
    'img/empty.png': new Uint8Array(0),
    'img/text.png': 'not an image at all',
    'img/big.png': png(200, 200, { data: noise(200 * 200 * 3, 7), channels: 3 }),
    'img/c.png': png(5, 4, { rgb: [1, 2, 3] }),
  });
  mkdirSync(join(root, 'img/folder.png'));
  // A FIFO named like an image (where mkfifo exists): opened without waiting, then refused.
  const fifo = process.platform !== 'win32' && spawnSync('mkfifo', [join(root, 'img/pipe.png')]).status === 0;
  const lines = [
    { image_url: 'img/a.png' },
    { image_url: 'img/missing.png' },
    { image_url: 'img/b.jpg' },
    { no_url: true },
    { image_url: 'img/empty.png' },
    { image_url: 'img/text.png' },
    { image_url: 'img/big.png' },
    { image_url: 'img/folder.png' },
    { image_url: 'img/c.png' },
    ...(fifo ? [{ image_url: 'img/pipe.png' }] : []),
  ];
  // Twice over, so that both ways (here, then on the thread) meet every kind.
  const text = [...lines, ...lines, ...lines].map((l) => JSON.stringify(l)).join('\n') + '\n';
  writeFileSync(join(root, 'list.jsonl'), text);
  return join(root, 'list.jsonl');
}

describe('probes on the reading thread', () => {
  it('give what probing here gives, item for item, in order', async () => {
    const list = await mixedListing(tmp.path);
    expect(readFileSync(join(tmp.path, 'img/big.png')).length).toBeGreaterThan(KEEP_BYTES);
    const threaded: ProbedItem[] = [];
    let chunks = 0;
    for await (const chunk of probedChunks(listImages([list]), { thread: true })) {
      threaded.push(...chunk);
      if (chunk.length > 1) chunks++;
    }
    expect(chunks).toBeGreaterThan(1); // the thread's chunks, not only one item at a time here
    const here: ProbedItem[] = [];
    for await (const item of listImages([list])) here.push({ item, probe: item.ok ? probeFile(item.image.path) : undefined });
    expect(threaded.length).toBe(here.length);
    expect(threaded.length).toBeGreaterThanOrEqual(27);
    expect(threaded.map((p) => p.item.ok && p.item.image.imageUrl)).toEqual(here.map((p) => p.item.ok && p.item.image.imageUrl));
    expect(threaded.map((p) => p.probe)).toEqual(here.map((p) => p.probe));
    const kinds = new Set(threaded.map((p) => (p.probe && 'failure' in p.probe ? p.probe.failure : p.probe ? (p.probe.data ? 'kept' : 'large') : 'bad item')));
    expect([...kinds].sort()).toEqual(['bad item', 'empty', 'header', 'kept', 'large', 'missing', 'read']);
    // The FIFO (where mkfifo made one) is a bad image that names its JSONL line, not a wait.
    const pipe = threaded.find((p) => p.item.ok && p.item.image.imageUrl === 'img/pipe.png');
    const pipeImage = pipe?.item.ok ? pipe.item.image : undefined;
    if (pipeImage) {
      expect(() => sizedImage(pipeImage, pipe!.probe!)).toThrow(
        expect.objectContaining({ code: 'IMAGE_UNREADABLE', line: 10, message: expect.stringMatching(/list\.jsonl:10: image_url: "img\/pipe\.png": cannot read the image: ESPIPE/) }),
      );
    }
  });

  it("a reply's kept bytes go to the files the thread says it kept, whatever their sizes say", () => {
    // A file read whole past KEEP_BYTES, then stat'ed at 10 bytes (it shrank meanwhile): no bytes kept for it.
    const reply = { sizes: new Float64Array([10, -1, 3]), kept: new Uint8Array([0, 0, 1]), data: new Uint8Array([7, 8, 9]).buffer, failures: [[1, 'empty', undefined]] };
    expect(unpack(reply as Parameters<typeof unpack>[0])).toEqual([{ size: 10, data: undefined }, { failure: 'empty' }, { size: 3, data: Buffer.from([7, 8, 9]) }]);
  });

  it('score through the thread: every image answered once, in order; the same failures and output as without it', async () => {
    const images = await writeImages(tmp.path, 40);
    writeFileSync(join(tmp.path, 'images/017.png'), 'broken');
    const standIn = await startStandIn({ key: KEY, latencyMs: 1, fault: ({ n }) => (n % 5 === 0 ? { kind: 'status', status: 503 } : undefined) });
    try {
      const run = (out: string) =>
        score(standIn.url, [join(tmp.path, 'images')], { out: join(tmp.path, out), key: KEY, imagesRoot: tmp.path, batchSize: 3, concurrency: 4, backoff: { minMs: 1, maxMs: 5 } });
      const threaded = await run('threaded.jsonl');
      Object.assign(READ_AHEAD, { threadAfter: Infinity });
      const here = await run('here.jsonl');
      Object.assign(READ_AHEAD, { threadAfter: 2 });
      expect(threaded).toMatchObject({ ok: false, images: 40, predicted: 39, failed: 1 });
      expect(threaded.failures).toEqual(here.failures);
      expect(threaded.failures[0]).toMatchObject({ code: 'IMAGE_UNREADABLE', images: ['images/017.png'] });
      expect(readFileSync(join(tmp.path, 'threaded.jsonl'), 'utf8')).toBe(readFileSync(join(tmp.path, 'here.jsonl'), 'utf8'));
      const answered = images.filter((i) => i.rel !== 'images/017.png');
      const lines = readPredictions(join(tmp.path, 'threaded.jsonl'));
      expect(lines.map((l) => l['image_url'])).toEqual(answered.map((i) => i.rel));
      expect(lines.map(answeredDigest)).toEqual(answered.map((i) => i.digest));
    } finally {
      await standIn.close();
    }
  });
});
