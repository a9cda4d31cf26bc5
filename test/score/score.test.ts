/**
 * `score` against the stand-in endpoint (bench/score/endpoint.ts): every image answered exactly once
 * and matched to its own image, in input order, under every fault; bounded retries; no retry where
 * retrying cannot help; unusable answers never matched; resume; the key in no output, message or file.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { imageDigest, startStandIn, type Fault, type StandIn, type StandInOptions, type StandInTask } from '../../bench/score/endpoint.js';
import { headerValue, retryAfterMs, utf8Text } from '../../src/score/client.js';
import { answerProblem, score, type ScoreOptions, type ScoreSummary } from '../../src/score/index.js';
import { runCli, type CliRun } from '../helpers/cli.js';
import { useTempDir, writeTree } from '../helpers/fs.js';
import { KEY, allFileText, answeredDigest, readPredictions, writeImages, type TestImage } from './helpers.js';

const tmp = useTempDir('automl-img-score-');
let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

async function serve(options: Partial<StandInOptions> = {}): Promise<StandIn> {
  standIn = await startStandIn({ key: KEY, ...options });
  return standIn;
}

/** Fails the first `times` tries of each request (told apart by its images) with `fault`. */
function firstTries(times: number, fault: Fault): NonNullable<StandInOptions['fault']> {
  const tries = new Map<string, number>();
  return ({ digests }) => {
    const k = digests.join();
    const n = (tries.get(k) ?? 0) + 1;
    tries.set(k, n);
    return n <= times ? fault : undefined;
  };
}

const FAST: Partial<ScoreOptions> = { backoff: { minMs: 1, maxMs: 5 } };

async function run(s: StandIn, inputs: string[], options: Partial<ScoreOptions> = {}): Promise<ScoreSummary> {
  return score(s.url, inputs, { out: join(tmp.path, 'preds.jsonl'), key: KEY, ...FAST, ...options });
}

/** The output holds exactly `images`, in order, each answered for its own bytes. */
function expectAllAnswered(out: string, images: TestImage[], urls = images.map((i) => i.rel)): void {
  const lines = readPredictions(out);
  expect(lines.map((l) => l['image_url'])).toEqual(urls);
  expect(lines.map(answeredDigest)).toEqual(images.map((i) => i.digest));
  for (const l of lines) expect(l).not.toHaveProperty('filename');
}

function expectNoKey(r: CliRun | undefined, dir: string): void {
  if (r) expect(r.stdout + r.stderr).not.toContain(KEY);
  expect(allFileText(dir)).not.toContain(KEY);
}

describe('score', () => {
  it.each<[StandInTask, number, number]>([
    ['multi-class', 1, 1],
    ['object-detection', 3, 4],
    ['instance-segmentation', 4, 2],
  ])('%s, --batch-size %i, --concurrency %i: every image once, its own answer, in input order', async (task, batchSize, concurrency) => {
    const images = await writeImages(tmp.path, 13);
    const s = await serve({ task, latencyMs: 1 });
    const r = await runCli(['score', s.url, 'images', '-o', 'preds.jsonl', '--batch-size', String(batchSize), '--concurrency', String(concurrency)], {
      cwd: tmp.path,
      env: { AZUREML_ENDPOINT_KEY: KEY },
    });
    expect(r.code).toBe(0);
    expectAllAnswered(join(tmp.path, 'preds.jsonl'), images);
    const first = readPredictions(join(tmp.path, 'preds.jsonl'))[0]!;
    if (task === 'multi-class') expect(Object.keys(first)).toEqual(['image_url', 'probs', 'labels', 'visualizations', 'attributions']);
    else expect(Object.keys(first)).toEqual(['image_url', 'boxes']);
    if (task === 'instance-segmentation') expect(first['boxes']).toEqual([expect.objectContaining({ polygon: [[0.125, 0.25, 0.5, 0.25, 0.5, 0.625]] })]);
    expect([...s.answered.values()].every((n) => n === 1)).toBe(true);
    expect(s.answered.size).toBe(13);
    expect(s.maxInFlight).toBeLessThanOrEqual(concurrency);
    expect(r.stderr).toMatch(new RegExp(`scored 13 images: 13 with a prediction in preds\\.jsonl; ${Math.ceil(13 / batchSize)} requests?, 0 retries; latency p50 `));
    expectNoKey(r, tmp.path);
  });

  // [name, fault, how many tries of each request it spoils, options]
  const faults: [string, Fault, number, Partial<ScoreOptions>][] = [
    ['429 with Retry-After', { kind: 'status', status: 429, retryAfter: '0' }, 2, {}],
    ['503 while scaling', { kind: 'status', status: 503, body: 'no healthy upstream' }, 2, {}],
    ['502 from the gateway', { kind: 'status', status: 502, body: '<html><body>502 Bad Gateway</body></html>', contentType: 'text/html' }, 2, {}],
    ['504 from the gateway', { kind: 'status', status: 504 }, 2, {}],
    ['500', { kind: 'status', status: 500 }, 2, {}],
    ['408', { kind: 'status', status: 408 }, 2, {}],
    // undici's timeout timers tick about every half second: one stall a request keeps the test short
    ['a stall past --timeout', { kind: 'stall', ms: 3000 }, 1, { timeout: 0.1 }],
    ['a closed connection', { kind: 'close' }, 2, {}],
  ];
  it.each(faults)('%s: retried, and every image answered once, matched, in order', async (_name, fault, times, extra) => {
    const images = await writeImages(tmp.path, 10);
    const s = await serve({ fault: firstTries(times, fault) });
    const summary = await run(s, [join(tmp.path, 'images')], { batchSize: 3, concurrency: 4, retries: 3, imagesRoot: tmp.path, ...extra });
    expect(summary).toMatchObject({ ok: true, images: 10, predicted: 10, failed: 0, requests: 4, retries: 4 * times });
    expectAllAnswered(join(tmp.path, 'preds.jsonl'), images);
    expect(s.requests).toBe(4 * (times + 1));
    expect([...s.answered.values()]).toEqual(Array(10).fill(1));
  });

  it('never tries more than --retries times; the images get no prediction and the summary names them', async () => {
    const images = await writeImages(tmp.path, 4);
    const s = await serve({ fault: () => ({ kind: 'status', status: 503 }) });
    const summary = await run(s, [join(tmp.path, 'images')], { batchSize: 2, retries: 2, imagesRoot: tmp.path });
    expect(s.requests).toBe(2 * 3);
    expect(summary).toMatchObject({ ok: false, predicted: 0, failed: 4, retries: 4 });
    const failures = [...summary.failures].sort((a, b) => (a.images[0]! < b.images[0]! ? -1 : 1));
    expect(failures.map((f) => [f.code, f.images])).toEqual([
      ['ENDPOINT_UNAVAILABLE', images.slice(0, 2).map((i) => i.rel)],
      ['ENDPOINT_UNAVAILABLE', images.slice(2).map((i) => i.rel)],
    ]);
    expect(summary.failures[0]!.message).toMatch(/gave up after 3 tries \(--retries 2\): the endpoint answered 503/);
    expect(readFileSync(join(tmp.path, 'preds.jsonl'), 'utf8')).toBe('');
  });

  it.each<[string, Fault, RegExp]>([
    ['an answer one item short', { kind: 'short' }, /expected a list of 3 answers, got 2/],
    ['an HTML page', { kind: 'html' }, /the answer is not JSON: "<html><body><h1>502 Bad Gateway/],
  ])("%s is RESPONSE_BAD naming the request's images, never matched to others, not retried", async (_name, fault, why) => {
    const images = await writeImages(tmp.path, 9);
    const bad = images
      .slice(3, 6)
      .map((i) => i.digest)
      .join();
    const s = await serve({ fault: ({ digests }) => (digests.join() === bad ? fault : undefined) });
    const r = await runCli(['score', s.url, 'images', '-o', 'preds.jsonl', '--batch-size', '3', '--json'], { cwd: tmp.path, env: { AZUREML_ENDPOINT_KEY: KEY } });
    expect(r.code).toBe(1);
    expect(s.requests).toBe(3);
    const good = [...images.slice(0, 3), ...images.slice(6)];
    expectAllAnswered(join(tmp.path, 'preds.jsonl'), good);
    const summary = JSON.parse(r.stdout) as ScoreSummary;
    expect(summary.failures).toEqual([{ code: 'RESPONSE_BAD', message: expect.stringMatching(why), images: images.slice(3, 6).map((i) => i.rel), count: 3 }]);
    expect(summary.failures[0]!.message).toContain('"images/003.png", "images/004.png", "images/005.png"');
    expect(r.stderr).toMatch(/3 images without a prediction: images\/003\.png, images\/004\.png, images\/005\.png/);
  });

  it('401: no retry, nothing more sent, says to check the key; the key is in no output, message or file', async () => {
    await writeImages(tmp.path, 6);
    const s = await serve();
    const r = await runCli(['score', s.url, 'images', '-o', 'preds.jsonl', '--concurrency', '1', '--retries', '5'], { cwd: tmp.path, env: { AZUREML_ENDPOINT_KEY: 'wrong-key' } });
    expect(r.code).toBe(1);
    expect(s.requests).toBe(1);
    expect(r.stderr).toMatch(/answered 401.*check the key \(AZUREML_ENDPOINT_KEY, --key-env or --key-file\).*\[ENDPOINT_AUTH\]/);
    expect(r.stderr).toMatch(/not sent: .*401/);
    expect(r.stderr).toMatch(/6 images without a prediction/);
    expect(r.stdout + r.stderr).not.toContain('wrong-key');
    expect(allFileText(tmp.path)).not.toContain('wrong-key');
  });

  it.each<[number, string, RegExp]>([
    [400, 'ENDPOINT_REFUSED', /check --body/],
    [413, 'REQUEST_TOO_LARGE', /lower --batch-size or --max-bytes/],
    [403, 'ENDPOINT_AUTH', /check the key/],
    [424, 'ENDPOINT_REFUSED', /retrying cannot change/],
  ])('%i is not retried: %s, says what to check', async (status, code, hint) => {
    await writeImages(tmp.path, 2);
    const s = await serve({ fault: () => ({ kind: 'status', status, body: `{"message":"echo ${KEY}"}` }) });
    const summary = await run(s, [join(tmp.path, 'images')], { concurrency: 1, retries: 4 });
    expect(s.requests).toBe(status === 403 ? 1 : 2);
    expect(summary.failures[0]).toMatchObject({ code, message: expect.stringMatching(hint) });
    expect(JSON.stringify(summary)).not.toContain(KEY);
  });

  it('--deployment sends the header; a wrong one is a 404 that names the flag', async () => {
    const images = await writeImages(tmp.path, 3);
    const s = await serve({ deployment: 'blue' });
    expect((await run(s, [join(tmp.path, 'images')], { deployment: 'blue', imagesRoot: tmp.path })).ok).toBe(true);
    expectAllAnswered(join(tmp.path, 'preds.jsonl'), images);
    const wrong = await run(s, [join(tmp.path, 'images')], { deployment: 'green', force: true, concurrency: 1 });
    expect(wrong.failures[0]).toMatchObject({ code: 'ENDPOINT_NOT_FOUND', message: expect.stringMatching(/check the scoring URI .* and --deployment green/) });
  });

  it('--max-bytes: no body sent is larger; octet-stream sends the bytes themselves', async () => {
    const images = await writeImages(tmp.path, 12);
    const s = await serve();
    await run(s, [join(tmp.path, 'images')], { batchSize: 5, maxBytes: 350, imagesRoot: tmp.path });
    expectAllAnswered(join(tmp.path, 'preds.jsonl'), images);
    expect(Math.max(...s.bodyBytes)).toBeLessThanOrEqual(350);
    expect(s.bodyBytes.length).toBeGreaterThan(3);
    const o = await serve();
    await run(o, [join(tmp.path, 'images')], { body: 'octet-stream', force: true, imagesRoot: tmp.path });
    expectAllAnswered(join(tmp.path, 'preds.jsonl'), images);
    expect([...o.bodyBytes].sort((a, b) => a - b)).toEqual(images.map((i) => i.bytes.length).sort((a, b) => a - b));
  });

  it('bodies over 1 MiB are streamed from the file: the endpoint gets the exact bytes (input-data and octet-stream)', async () => {
    const big = Buffer.alloc(1_100_003);
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(big);
    for (let i = 8; i < big.length; i++) big[i] = (i * 2654435761) >>> 24;
    const small = await writeImages(tmp.path, 2);
    await writeTree(tmp.path, { 'images/big.png': big });
    const images = [small[0]!, small[1]!, { rel: 'images/big.png', bytes: big, digest: imageDigest(big) }];
    for (const body of ['input-data', 'octet-stream'] as const) {
      const s = await serve();
      const summary = await run(s, [join(tmp.path, 'images')], { body, batchSize: body === 'input-data' ? 3 : 1, imagesRoot: tmp.path, force: true });
      expect(summary.ok).toBe(true);
      expectAllAnswered(join(tmp.path, 'preds.jsonl'), images);
      expect(Math.max(...s.bodyBytes)).toBeGreaterThan(1024 * 1024);
      await s.close();
      standIn = undefined;
    }
  });

  it("JSONL inputs: predictions carry the JSONL's own image_url (base URL kept), looked up under --images-root", async () => {
    const images = await writeImages(tmp.path, 4, 'data/images');
    const base = 'azureml://datastores/workspaceblobstore/paths/fridge/';
    const jsonl = images.map((i) => JSON.stringify({ image_url: base + i.rel.slice('data/'.length), label: 'can' })).join('\n') + '\n';
    await writeTree(tmp.path, { 'out/validation_annotations.jsonl': jsonl });
    const s = await serve();
    const summary = await run(s, [join(tmp.path, 'out/validation_annotations.jsonl')], { baseUrl: base, imagesRoot: join(tmp.path, 'data'), batchSize: 2 });
    expect(summary.ok).toBe(true);
    expectAllAnswered(
      join(tmp.path, 'preds.jsonl'),
      images,
      images.map((i) => base + i.rel.slice('data/'.length)),
    );
    const unmapped = await run(s, [join(tmp.path, 'out/validation_annotations.jsonl')], { force: true });
    expect(unmapped.failures[0]).toMatchObject({ code: 'URL_NOT_LOCAL', message: expect.stringMatching(/validation_annotations\.jsonl:1: image_url: .*--base-url/) });
    expect(unmapped.failed).toBe(4);
  });

  it('--resume keeps the finished lines, drops a torn last line, sends only the rest: the same file as one clean run', async () => {
    const images = await writeImages(tmp.path, 10);
    const s = await serve();
    await run(s, [join(tmp.path, 'images')], { imagesRoot: tmp.path, batchSize: 2 });
    const clean = readFileSync(join(tmp.path, 'preds.jsonl'), 'utf8');
    const lines = clean.split('\n');
    const torn = lines.slice(0, 4).join('\n') + '\n' + lines[4]!.slice(0, 30);
    writeFileSync(join(tmp.path, 'preds.jsonl'), torn);
    const refused = await run(s, [join(tmp.path, 'images')], { imagesRoot: tmp.path }).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: 'OUTPUT_EXISTS' });
    const r = await serve();
    const summary = await run(r, [join(tmp.path, 'images')], { imagesRoot: tmp.path, resume: true, batchSize: 3 });
    expect(summary).toMatchObject({ ok: true, images: 10, kept: 4, predicted: 10 });
    expect(readFileSync(join(tmp.path, 'preds.jsonl'), 'utf8')).toBe(clean);
    expect(new Set(r.answered.keys())).toEqual(new Set(images.slice(4).map((i) => i.digest)));
  });

  it('resume refuses an output that is not predictions (a bad line before the last)', async () => {
    await writeImages(tmp.path, 2);
    writeFileSync(join(tmp.path, 'preds.jsonl'), '{"image_url":"a"}\nnot json\n{"image_url":"b"}\n');
    const s = await serve();
    await expect(run(s, [join(tmp.path, 'images')], { resume: true })).rejects.toMatchObject({ code: 'JSON_PARSE', message: expect.stringMatching(/preds\.jsonl:2: cannot resume/) });
  });

  it('an abort (Ctrl-C) stops sending, keeps the finished lines as a prefix, exit 130; --resume completes it', async () => {
    const images = await writeImages(tmp.path, 24);
    const controller = new AbortController();
    const s = await serve({ latencyMs: 5, fault: ({ n }) => (n === 6 ? (controller.abort(), undefined) : undefined) });
    const e = await run(s, [join(tmp.path, 'images')], { imagesRoot: tmp.path, concurrency: 2, signal: controller.signal }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: 'INTERRUPTED', exitCode: 130, message: expect.stringMatching(/kept in .*preds\.jsonl; run the same command with --resume/) });
    const kept = readPredictions(join(tmp.path, 'preds.jsonl'));
    expect(kept.length).toBeLessThan(24);
    expect(kept.map((l) => l['image_url'])).toEqual(images.slice(0, kept.length).map((i) => i.rel));
    expect(s.requests).toBeLessThan(10);
    const summary = await run(s, [join(tmp.path, 'images')], { imagesRoot: tmp.path, resume: true });
    expect(summary).toMatchObject({ ok: true, kept: kept.length });
    expectAllAnswered(join(tmp.path, 'preds.jsonl'), images);
  });

  it('bad images are named and get no prediction; the others are scored', async () => {
    const images = await writeImages(tmp.path, 3);
    await writeTree(tmp.path, { 'images/001.png': 'not an image' });
    const s = await serve();
    const summary = await run(s, [join(tmp.path, 'images')], { imagesRoot: tmp.path });
    expect(summary.failures).toEqual([{ code: 'IMAGE_UNREADABLE', message: expect.stringMatching(/images\/001\.png: not an image/), images: ['images/001.png'], count: 1 }]);
    expectAllAnswered(join(tmp.path, 'preds.jsonl'), [images[0]!, images[2]!]);
  });
});

describe('score command line', () => {
  it('the key comes from AZUREML_ENDPOINT_KEY, --key-env or --key-file; never from an option; missing: exit 2', async () => {
    const images = await writeImages(tmp.path, 2);
    const s = await serve();
    const argv = ['score', s.url, 'images', '-o', 'p.jsonl', '--force'];
    const none = await runCli(argv, { cwd: tmp.path, env: {} });
    expect([none.code, none.stderr]).toEqual([2, expect.stringMatching(/no key: the environment variable AZUREML_ENDPOINT_KEY is not set/)]);
    const viaEnv = await runCli([...argv, '--key-env', 'MY_KEY'], { cwd: tmp.path, env: { MY_KEY: KEY } });
    expect(viaEnv.code).toBe(0);
    writeFileSync(join(tmp.path, 'key.txt'), KEY + '\n');
    const viaFile = await runCli([...argv, '--key-file', 'key.txt'], { cwd: tmp.path });
    expect(viaFile.code).toBe(0);
    expectAllAnswered(join(tmp.path, 'p.jsonl'), images);
    const flag = await runCli([...argv, '--key', KEY], { cwd: tmp.path, env: { AZUREML_ENDPOINT_KEY: KEY } });
    expect(flag.code).toBe(2);
    expect(flag.stderr).not.toContain(KEY);
    for (const r of [none, viaEnv, viaFile]) expect(r.stdout + r.stderr).not.toContain(KEY);
  });

  it.each<[string[], RegExp]>([
    [['--batch-size', '0'], /--batch-size must be an integer of at least 1, got 0/],
    [['--concurrency', '1.5'], /--concurrency must be an integer/],
    [['--timeout', '0'], /--timeout must be a number of seconds above 0/],
    [['--retries', '-1'], /--retries must be an integer of at least 0/],
    [['--max-bytes', 'big'], /--max-bytes must be a size like/],
    [['--body', 'octet-stream', '--batch-size', '2'], /octet-stream sends one image a request/],
    [['--resume', '--force'], /choose one/],
  ])('usage %j: exit 2 naming the flag', async (extra, message) => {
    await writeImages(tmp.path, 1);
    const r = await runCli(['score', 'http://127.0.0.1:9/score', 'images', '-o', 'p.jsonl', ...extra], { cwd: tmp.path, env: { AZUREML_ENDPOINT_KEY: KEY } });
    expect([r.code, r.stderr]).toEqual([2, expect.stringMatching(message)]);
  });

  it('no images: EMPTY_DATASET, exit 1, no output left; a key a header cannot carry: exit 2, not echoed', async () => {
    await writeTree(tmp.path, { 'empty/notes.txt': 'x' });
    const s = await serve();
    const r = await runCli(['score', s.url, 'empty', '-o', 'p.jsonl'], { cwd: tmp.path, env: { AZUREML_ENDPOINT_KEY: KEY } });
    expect([r.code, r.stderr]).toEqual([1, expect.stringMatching(/no images in empty .*\[EMPTY_DATASET\]/)]);
    expect(existsSync(join(tmp.path, 'p.jsonl'))).toBe(false);
    const spaced = `${KEY} extra`;
    const k = await runCli(['score', s.url, 'empty', '-o', 'p.jsonl'], { cwd: tmp.path, env: { AZUREML_ENDPOINT_KEY: spaced } });
    expect([k.code, k.stderr]).toEqual([2, expect.stringMatching(/characters an HTTP header cannot carry/)]);
    expect(k.stderr).not.toContain(KEY);
    expect(s.requests).toBe(0);
  });

  it('a bad URI, a missing -o: exit 2', async () => {
    await writeImages(tmp.path, 1);
    const env = { AZUREML_ENDPOINT_KEY: KEY };
    expect((await runCli(['score', 'endpoint/score', 'images', '-o', 'p.jsonl'], { cwd: tmp.path, env })).stderr).toMatch(/must be an http\(s\) URL/);
    expect((await runCli(['score', 'http://127.0.0.1:9/score', 'images'], { cwd: tmp.path, env })).code).toBe(2);
  });

  it('progress only on a terminal; --json prints one summary object', async () => {
    await writeImages(tmp.path, 5);
    const s = await serve({ latencyMs: 120 });
    const env = { AZUREML_ENDPOINT_KEY: KEY };
    const tty = await runCli(['score', s.url, 'images', '-o', 'p.jsonl', '--concurrency', '1'], { cwd: tmp.path, env, tty: true });
    expect(tty.stderr).toMatch(/\r.*images · \d+ in flight · \d+ retries/);
    const plain = await runCli(['score', s.url, 'images', '-o', 'p.jsonl', '--force', '--json'], { cwd: tmp.path, env });
    expect(plain.stderr).not.toContain('\r');
    const summary = JSON.parse(plain.stdout) as ScoreSummary;
    expect(summary).toMatchObject({ ok: true, output: 'p.jsonl', images: 5, predicted: 5, failed: 0, requests: 5, retries: 0, failures: [] });
    expect(summary.latencyMs.p95).toBeGreaterThanOrEqual(summary.latencyMs.p50);
    expect(summary.imagesPerSecond).toBeGreaterThan(0);
  });
});

describe('parts', () => {
  it('Retry-After in seconds or as an HTTP date; nonsense ignored', () => {
    expect(retryAfterMs('3')).toBe(3000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('Wed, 21 Oct 2015 07:28:00 GMT'))).toBe(10_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(undefined)).toBeUndefined();
    expect(retryAfterMs('99999')).toBe(120_000);
  });

  it("an answer's Retry-After found in undici's raw headers, any case; its text decoded as body.text() does", () => {
    const raw = [Buffer.from('Content-Type'), Buffer.from('text/plain'), Buffer.from('Retry-After'), Buffer.from('7'), Buffer.from('retry-after'), Buffer.from('9')];
    expect(headerValue(raw, 'retry-after')).toBe('7');
    expect(headerValue([Buffer.from('x'), Buffer.from('y')], 'retry-after')).toBeUndefined();
    expect(headerValue(null, 'retry-after')).toBeUndefined();
    const text = '[{"probs":[1],"labels":["é"]}]';
    expect(utf8Text([Buffer.from('\ufeff' + text.slice(0, 5)), Buffer.from(text.slice(5))])).toBe(text);
    expect(utf8Text([Buffer.from(text)])).toBe(text);
    expect(utf8Text([])).toBe('');
  });

  it('answer shapes of SPEC §7', () => {
    expect(answerProblem({ filename: 'x', probs: [0.1, 0.9], labels: ['a', 'b'] })).toBeUndefined();
    expect(answerProblem({ boxes: [{ box: { topX: 0, topY: 0, bottomX: 1, bottomY: 1 }, label: 'a', score: 1, polygon: [[0, 0, 1, 0, 1, 1]] }] })).toBeUndefined();
    expect(answerProblem({ probs: [0.1], labels: ['a', 'b'] })).toMatch(/as many probs as labels/);
    expect(answerProblem({ boxes: [{ box: { topX: '0' }, label: 'a', score: 1 }] })).toMatch(/boxes\[0\]\.box\.topX: expected a number/);
    expect(answerProblem('text')).toMatch(/expected an object/);
    expect(answerProblem({ result: 1 })).toMatch(/got neither/);
  });
});
