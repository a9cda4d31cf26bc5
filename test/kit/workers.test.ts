/**
 * src/kit/workers.ts: the built worker script is found from the sources and from dist/; a crew's
 * messages come with the thread's number; a thread's uncaught error, or an exit before close(), is
 * one failure, reported once; close() ends the threads without a failure; a bug keeps its stack.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, test, vi } from 'vitest';
import { bugOf, builtWorkerScript, errorOfBug, WorkerCrew } from '../../src/kit/workers.js';
import { useTempDir } from '../helpers/fs.js';

const tmp = useTempDir('kit-workers-');
const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/** A worker script written to the test folder. */
function script(name: string, body: string): URL {
  const path = join(tmp.path, name);
  writeFileSync(path, `import { parentPort } from 'node:worker_threads';\n${body}\n`);
  return pathToFileURL(path);
}

describe('builtWorkerScript', () => {
  test('from the TypeScript sources: the same place under dist/; from dist/: beside the module; else undefined', () => {
    const fromSource = builtWorkerScript(pathToFileURL(join(ROOT, 'src', 'coco', 'pass2.ts')).href, 'worker.js');
    expect(fromSource?.href).toBe(pathToFileURL(join(ROOT, 'dist', 'src', 'coco', 'worker.js')).href);
    const fromDist = builtWorkerScript(pathToFileURL(join(ROOT, 'dist', 'src', 'mask', 'pool.js')).href, 'worker.js');
    expect(fromDist?.href).toBe(pathToFileURL(join(ROOT, 'dist', 'src', 'mask', 'worker.js')).href);
    expect(builtWorkerScript(pathToFileURL(join(ROOT, 'src', 'coco', 'pass2.ts')).href, 'no-such-worker.js')).toBeUndefined();
  });
});

describe('WorkerCrew', () => {
  test('messages come with the thread number; close() ends the threads without a failure', { timeout: 20_000 }, async () => {
    const echo = script('echo.mjs', `parentPort.on('message', (m) => parentPort.postMessage(m * 2));`);
    const got: [number, number][] = [];
    const onFailure = vi.fn();
    const crew = new WorkerCrew<number>(echo, 2, { name: 'echo', onMessage: (thread, m) => got.push([thread, m]), onFailure });
    crew.workers[0]!.postMessage(1);
    crew.workers[1]!.postMessage(5);
    await vi.waitFor(() => expect(got.length).toBe(2), { timeout: 10_000, interval: 10 });
    expect(got.sort()).toEqual([
      [0, 2],
      [1, 10],
    ]);
    await crew.close();
    await crew.close();
    expect(crew.workers).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(onFailure).not.toHaveBeenCalled();
  });

  test('an uncaught error, and an exit (even with code 0) before close(): one failure each crew, reported once', { timeout: 20_000 }, async () => {
    const thrower = script('throw.mjs', `parentPort.on('message', () => { throw new RangeError('thrown in a thread'); });`);
    const failures: Error[] = [];
    const crew = new WorkerCrew<never>(thrower, 2, { name: 'test', onMessage: () => undefined, onFailure: (e) => failures.push(e) });
    for (const w of crew.workers) w.postMessage(0);
    await vi.waitFor(() => expect(failures.length).toBe(1), { timeout: 10_000, interval: 10 });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the second thread's error and both exits: no more reports
    expect(failures.map((e) => e.message)).toEqual(['thrown in a thread']);
    await crew.close();

    const quitter = script('exit.mjs', `parentPort.on('message', () => process.exit(0));`);
    const exits: Error[] = [];
    const second = new WorkerCrew<never>(quitter, 1, { name: 'test', onMessage: () => undefined, onFailure: (e) => exits.push(e) });
    second.workers[0]!.postMessage(0);
    await vi.waitFor(() => expect(exits.map((e) => e.message)).toEqual(['test worker stopped with exit code 0']), { timeout: 10_000, interval: 10 });
    await second.close();
  });

  test("a bug crosses as plain data and comes back as an Error with the thread's stack", () => {
    const bug = bugOf(new TypeError('bad thing'));
    expect(structuredClone(bug)).toEqual(bug);
    const e = errorOfBug(bug);
    expect(e.message).toBe('bad thing');
    expect(e.stack).toMatch(/^TypeError: bad thing\n\s+at /);
    expect(bugOf('a string')).toEqual({ message: 'a string', stack: undefined });
  });
});
