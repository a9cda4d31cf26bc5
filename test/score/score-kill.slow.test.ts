/**
 * `score` through the real bin, stopped for real: `kill -9` in the middle of a run, then `--resume`
 * gives the same file as one clean run, sending only what was not finished; Ctrl-C (SIGINT) exits
 * 130 keeping the finished lines.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startStandIn, type StandIn } from '../../bench/score/endpoint.js';
import { score } from '../../src/score/index.js';
import { collect, runBin, spawnBin } from '../helpers/cli.js';
import { useTempDir } from '../helpers/fs.js';
import { KEY, allFileText, answeredDigest, readPredictions, writeImages } from './helpers.js';

const tmp = useTempDir('automl-img-score-kill-');
let standIn: StandIn | undefined;
afterEach(async () => {
  await standIn?.close();
  standIn = undefined;
});

/** Resolves once `file` holds at least `lines` complete lines. */
async function untilLines(file: string, lines: number): Promise<void> {
  for (;;) {
    if (existsSync(file) && readFileSync(file, 'utf8').split('\n').length - 1 >= lines) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('score, killed', () => {
  it('kill -9 mid-run, then --resume: the same file as a clean run; finished images are not sent again', { timeout: 60_000 }, async () => {
    // Past READ_AHEAD.threadAfter images listed, the images are read on a thread of their own: killed with it running.
    const n = 2000;
    const images = await writeImages(tmp.path, n, 'images', 4);
    standIn = await startStandIn({ key: KEY, latencyMs: 5 });
    await score(standIn.url, [join(tmp.path, 'images')], { out: join(tmp.path, 'clean.jsonl'), key: KEY, imagesRoot: tmp.path, batchSize: 2 });
    const clean = readFileSync(join(tmp.path, 'clean.jsonl'), 'utf8');

    const out = join(tmp.path, 'preds.jsonl');
    const argv = ['score', standIn.url, 'images', '-o', 'preds.jsonl', '--batch-size', '2', '--concurrency', '3'];
    const env = { AZUREML_ENDPOINT_KEY: KEY };
    const child = spawnBin(argv, { cwd: tmp.path, env });
    const ended = collect(child);
    await untilLines(out, 300);
    child.kill('SIGKILL');
    const killed = await ended;
    expect(killed.signal).toBe('SIGKILL');
    const text = readFileSync(out, 'utf8');
    const complete = text.slice(0, text.lastIndexOf('\n') + 1);
    expect(clean.startsWith(complete)).toBe(true);
    const keptDigests = new Set(
      complete
        .trimEnd()
        .split('\n')
        .map((l) => answeredDigest(JSON.parse(l) as Record<string, unknown>)),
    );
    expect(keptDigests.size).toBeLessThan(n);

    standIn.answered.clear();
    const resumed = await runBin([...argv, '--resume'], { cwd: tmp.path, env });
    expect(resumed.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(clean);
    for (const d of standIn.answered.keys()) expect(keptDigests.has(d)).toBe(false);
    expect(standIn.answered.size).toBe(n - keptDigests.size);
    expect(readPredictions(out).map((l) => l['image_url'])).toEqual(images.map((i) => i.rel));
    expect(killed.stdout + killed.stderr + resumed.stdout + resumed.stderr).not.toContain(KEY);
    expect(allFileText(tmp.path)).not.toContain(KEY);
  });

  it('Ctrl-C (SIGINT): stops sending, exit 130, the finished lines kept', { timeout: 60_000 }, async () => {
    const n = 1000;
    const images = await writeImages(tmp.path, n);
    standIn = await startStandIn({ key: KEY, latencyMs: 10 });
    const out = join(tmp.path, 'preds.jsonl');
    const child = spawnBin(['score', standIn.url, 'images', '-o', 'preds.jsonl'], { cwd: tmp.path, env: { AZUREML_ENDPOINT_KEY: KEY } });
    const ended = collect(child);
    await untilLines(out, 300);
    child.kill('SIGINT');
    const r = await ended;
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/interrupted: the finished predictions are kept in preds\.jsonl; run the same command with --resume/);
    const requestsAtStop = standIn.requests;
    const kept = readPredictions(out);
    expect(kept.length).toBeGreaterThanOrEqual(300);
    expect(kept.length).toBeLessThan(n);
    expect(kept.map((l) => l['image_url'])).toEqual(images.slice(0, kept.length).map((i) => i.rel));
    await new Promise((res) => setTimeout(res, 100));
    expect(standIn.requests).toBe(requestsAtStop);
  });
});
