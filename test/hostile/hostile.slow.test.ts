/**
 * The hostile corpus (test/hostile/cases.ts) run in-process through `main(argv, io)`: each case's exit
 * code, error code and message, and its workspace (the input copy and the output location) the same
 * before and after the run — the input never modified, nothing partial left. A few run through the
 * real bin too.
 */
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runBin, runCli } from '../helpers/cli.js';
import { makeTempDir, removeDir } from '../helpers/fs.js';
import { CASES, Workspace, XINCLUDE, type HostileCase } from './cases.js';

/** Every file and folder under `root` with a hash of each file's bytes. */
function snapshot(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(root)) return out;
  const walk = (dir: string, rel: string): void => {
    const stat = lstatSync(dir);
    if (!stat.isDirectory()) {
      out[rel || '.'] = createHash('sha256').update(readFileSync(dir)).digest('hex');
      return;
    }
    out[`${rel}/`] = 'dir';
    for (const name of readdirSync(dir).sort()) walk(join(dir, name), `${rel}/${name}`);
  };
  walk(root, '');
  return out;
}

/** The last `error: ... [CODE]` of stderr, as { code, message } with the workspace written `<ws>`. */
function lastError(stderr: string, ws: string): { code: string; message: string } | undefined {
  const lines = stderr.split(ws).join('<ws>').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = /^error: (.*) \[([A-Z_]+)\]$/.exec(lines[i]!);
    if (m) return { code: m[2]!, message: m[1]! };
  }
  return undefined;
}

async function check(c: HostileCase, via: 'main' | 'bin'): Promise<void> {
  const root = makeTempDir('hostile-');
  try {
    const w = new Workspace(root);
    const argv = c.setup(w);
    const before = snapshot(root);
    const r = via === 'main' ? await runCli(argv) : await runBin(argv);
    const error = lastError(r.stderr, root);
    expect({ exit: r.code, code: error?.code }, r.stderr).toEqual({ exit: c.exit, code: c.code });
    expect(error!.message).toMatch(c.message);
    expect(snapshot(root)).toEqual(before);
  } finally {
    removeDir(root);
  }
}

describe('hostile inputs: exit code, error code, message; input untouched, nothing partial', () => {
  test('at least 80 distinct cases', () => {
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length);
    expect(CASES.length).toBeGreaterThanOrEqual(80);
  });

  for (const c of CASES) {
    test(c.name, { timeout: 20_000 }, () => check(c, 'main'));
  }
});

describe('XInclude', () => {
  test('an xi:include is an unknown element, never followed: converted, nothing of its href in the output', { timeout: 20_000 }, async () => {
    const root = makeTempDir('hostile-');
    try {
      const w = new Workspace(root);
      w.write('voc/annotations/1.xml', XINCLUDE.replace('<filename>', '<size><width>120</width><height>90</height></size><filename>'));
      const before = snapshot(w.input);
      const r = await runCli(['convert', 'voc', w.in('voc'), '-o', w.out]);
      expect(r.code, r.stderr).toBe(0);
      const lines = readdirSync(w.out)
        .map((f) => readFileSync(join(w.out, f), 'utf8'))
        .join('');
      expect(lines).toContain('"image_url":"images/1.jpg"');
      expect(lines).not.toMatch(/root:|passwd/);
      expect(snapshot(w.input)).toEqual(before);
    } finally {
      removeDir(root);
    }
  });
});

describe('hostile inputs through the real bin', () => {
  const picked = ['voc: entity expansion (billion laughs)', 'coco: path traversal in file_name', 'csv: binary garbage', 'output: exists without --force', 'usage: unknown converter'];
  for (const name of picked) {
    const c = CASES.find((k) => k.name === name)!;
    test(name, { timeout: 30_000 }, () => check(c, 'bin'));
  }
});
