/**
 * Lines longer than the cap (issue 12.3): `validate` and `split` report LINE_TOO_LONG with the file
 * and line and go on, never building the line as a string; the cap is an option (library) and
 * `--max-line-bytes` (CLI). The files here are a little over a 1 MiB cap, so the tests stay quick.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { ConversionError } from '../../src/errors.js';
import { readJsonlLines, type JsonlLine } from '../../src/jsonl/read.js';
import { splitJsonl } from '../../src/jsonl/split.js';
import { validateJsonl } from '../../src/jsonl/validate.js';
import { runCli } from '../helpers/cli.js';
import { useTempDir } from '../helpers/fs.js';

const tmp = useTempDir('long-lines-');
const MiB = 1 << 20;
const good = (i: number) => JSON.stringify({ image_url: `a/${i}.jpg`, label: 'a' });
const huge = '{"image_url":"' + 'x'.repeat(2 * MiB) + '","label":"a"}';

function file(lines: string[], trailingNewline = true): string {
  const f = join(tmp.path, 'in.jsonl');
  writeFileSync(f, lines.join('\n') + (trailingNewline ? '\n' : ''));
  return f;
}

async function all(source: string | NodeJS.ReadableStream, options = {}): Promise<JsonlLine[]> {
  const out: JsonlLine[] = [];
  for await (const l of readJsonlLines(source, options)) out.push(l);
  return out;
}

describe('readJsonlLines', () => {
  test('the same lines as before: LF, CRLF, a BOM, a last line without newline, UTF-8 split across chunks', async () => {
    const text = '\ufeff{"a":1}\r\n\n{"b":"é€😀"}\n{"c":3}';
    const chunks = [...Buffer.from(text, 'utf8')].map((b) => Buffer.from([b])); // one byte a chunk
    const lines = await all(Readable.from(chunks));
    expect(lines).toEqual([
      { line: 1, text: '{"a":1}', bom: true },
      { line: 2, text: '' },
      { line: 3, text: '{"b":"é€😀"}' },
      { line: 4, text: '{"c":3}' },
    ]);
  });

  test('a line over the cap is yielded as tooLong (its length), the next line is read', async () => {
    const f = file([good(1), huge, good(2)]);
    const lines = await all(f, { maxLineBytes: MiB, tooLong: 'yield' });
    expect(lines.map((l) => [l.line, l.tooLong ?? l.text])).toEqual([
      [1, good(1)],
      [2, Buffer.byteLength(huge)],
      [3, good(2)],
    ]);
  });

  test('by default a line over the cap throws LINE_TOO_LONG naming file and line', async () => {
    const f = file([good(1), huge], false);
    const e = await all(f, { maxLineBytes: MiB }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConversionError);
    expect((e as ConversionError).code).toBe('LINE_TOO_LONG');
    expect((e as ConversionError).line).toBe(2);
    expect((e as ConversionError).message).toMatch(/in\.jsonl:2: expected a line of at most 1048576 bytes/);
  });

  test('a line of exactly the cap (with CRLF) is read', async () => {
    const line = '"' + 'y'.repeat(MiB - 2) + '"';
    const f = join(tmp.path, 'cap.jsonl');
    writeFileSync(f, line + '\r\n');
    const [l] = await all(f, { maxLineBytes: MiB });
    expect(l!.text).toBe(line);
  });
});

describe('validate and split', () => {
  test('validate: LINE_TOO_LONG (error, the load fails) at its line, and the lines after it are checked', async () => {
    const f = file([good(1), huge, '{"image_url": 3, "label": "a"}'], false);
    const r = await validateJsonl([f], { maxLineBytes: MiB });
    expect(r.findings.map((x) => [x.line, x.code])).toEqual([
      [2, 'LINE_TOO_LONG'],
      [3, 'IMAGE_URL_BAD'],
    ]);
    expect(r.ok).toBe(false);
    expect(r.failedLoads).toEqual([expect.stringContaining('in.jsonl')]);
    expect(r.lines).toBe(3);
  });

  test('split --on-error fail: LINE_TOO_LONG, nothing written (no spill file left)', async () => {
    const f = file([good(1), huge, good(2)]);
    const out = join(tmp.path, 'out');
    const e = await splitJsonl(f, { out, maxLineBytes: MiB }).catch((x: unknown) => x);
    expect((e as ConversionError).code).toBe('LINE_TOO_LONG');
    expect((e as ConversionError).line).toBe(2);
    expect(readdirSync(tmp.path)).toEqual(['in.jsonl']);
  });

  test('split --on-error skip: the long line is reported and left out', async () => {
    const f = file([good(1), huge, good(2)]);
    const s = await splitJsonl(f, { out: join(tmp.path, 'out'), maxLineBytes: MiB, onError: 'skip', validationRatio: 0 });
    expect(s.train).toBe(2);
    expect(s.errors.map((d) => [d.code, d.line])).toEqual([['LINE_TOO_LONG', 2]]);
  });

  test('CLI: --max-line-bytes on both commands', async () => {
    const f = file([good(1), huge]);
    const v = await runCli(['validate', f, '--max-line-bytes', String(MiB)]);
    expect(v.code).toBe(1);
    expect(v.stderr).toContain('[LINE_TOO_LONG]');
    const s = await runCli(['split', f, '-o', join(tmp.path, 'o'), '--max-line-bytes', String(MiB)]);
    expect(s.code).toBe(1);
    expect(s.stderr).toMatch(/in\.jsonl:2: .*\[LINE_TOO_LONG\]/);
    const bad = await runCli(['validate', f, '--max-line-bytes', '0']);
    expect(bad.code).toBe(2);
  });
});
