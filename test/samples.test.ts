/**
 * The bundled samples: the generator is deterministic and the committed files are exactly what it
 * writes; every registered converter converts its sample; every sample command in README.md works.
 * Converters added to the registry later are covered automatically (and must bring a sample run here).
 * That the generator writes exactly the committed samples (twice, and built) is checked in samples.slow.test.ts.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { SAMPLE_DATASETS } from '../samples/generate.js';
import { convert } from '../src/convert.js';
import { runCli } from './helpers/cli.js';
import { readTree } from './helpers/fs.js';
import { isImageName } from '../src/images.js';
import { ERROR_CODES } from '../src/errors.js';
import { CONVERTERS, findConverter } from '../src/registry.js';

const REPO = join(import.meta.dirname, '..');
const SAMPLES = join(REPO, 'samples');
const temps: string[] = [];

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'automl-img-samples-'));
  temps.push(dir);
  return dir;
}

afterAll(async () => {
  for (const dir of temps) await rm(dir, { recursive: true, force: true });
});

describe('samples/generate.ts', () => {
  test('the committed samples stay small (< 200 KB in all)', async () => {
    let total = 0;
    for (const name of SAMPLE_DATASETS) for (const data of (await readTree(join(SAMPLES, name))).values()) total += data.length;
    expect(total).toBeGreaterThan(10_000);
    expect(total).toBeLessThan(200_000);
  });
});

const SHAPES = ['circle', 'rectangle', 'ring'];

/** Image files of a sample, relative to its root (what `image_url` must name). */
async function sampleImages(root: string): Promise<string[]> {
  return [...(await readTree(join(SAMPLES, root))).keys()].filter((p) => isImageName(p) && !p.startsWith('SegmentationObject/')).sort();
}

describe.each(Object.keys(CONVERTERS))('%s converts its sample', (name) => {
  const converter = CONVERTERS[name]!;
  test('it ships a sample', () => {
    expect(converter.samples.length, `declare ${name}'s sample on the converter and add its dataset to samples/generate.ts`).toBeGreaterThan(0);
  });

  test.each(converter.samples.map((s) => [`${s.input} ${JSON.stringify(s.options ?? {})}`, s] as const))('%s', async (_, sample) => {
    // A sample is samples/<folder>/...: image_url paths are relative to that folder.
    const root = sample.input.split('/')[1]!;
    const images = await sampleImages(root);
    const out = await tempDir();
    const summary = await convert(name, join(REPO, sample.input), { ...sample.options, out });
    expect(summary.ok).toBe(true);
    expect(summary.errors).toEqual([]);
    expect(summary.warnings).toEqual([]);
    expect(summary.train + summary.validation).toBe(images.length);
    expect(summary.validation).toBe(Math.round(0.2 * images.length));
    if (summary.task === 'object-detection' || summary.task === 'instance-segmentation') expect(summary.objects).toBeGreaterThan(images.length);
    expect(Object.keys(summary.labels).sort()).toEqual(SHAPES);

    const lines: { image_url: string; image_details?: unknown; label: unknown }[] = [];
    for (const file of ['train_annotations.jsonl', 'validation_annotations.jsonl']) {
      const text = await readFile(join(out, file), 'utf8');
      expect(text.endsWith('\n')).toBe(true);
      for (const line of text.slice(0, -1).split('\n')) lines.push(JSON.parse(line) as (typeof lines)[number]);
    }
    // Every image of the sample, named relative to the dataset root, exactly once.
    expect(lines.map((l) => l.image_url).sort()).toEqual(images);
    for (const l of lines) expect(Object.keys(l)).toEqual(['image_url', 'image_details', 'label']);
  });
});

/** The `automl-img convert <converter> samples/...` commands written in README.md. */
async function readmeSampleCommands(): Promise<string[][]> {
  const readme = await readFile(join(REPO, 'README.md'), 'utf8');
  const commands: string[][] = [];
  for (const m of readme.matchAll(/automl-img (convert [\w-]+ samples\/[^\n#|&;`]*)/g)) {
    commands.push(m[1]!.trim().split(/\s+/));
  }
  return commands;
}

describe('README.md sample commands', () => {
  test('the first command converts the folder sample', async () => {
    const commands = await readmeSampleCommands();
    expect(commands[0]?.slice(0, 3)).toEqual(['convert', 'folder', 'samples/folder']);
    // Every converter of the project has at least one documented sample command.
    const documented = new Set(commands.map((c) => findConverter(c[1]!)?.name ?? c[1]));
    for (const name of Object.keys(CONVERTERS)) expect(documented.has(name), `README has no sample command for ${name}`).toBe(true);
  });

  test('lists every error code', async () => {
    const readme = await readFile(join(REPO, 'README.md'), 'utf8');
    const missing = Object.keys(ERROR_CODES).filter((code) => !readme.includes(`| \`${code}\` |`));
    expect(missing, 'add these codes to the README table "Error codes"').toEqual([]);
  });

  test('every sample command of a registered converter succeeds', async () => {
    const commands = (await readmeSampleCommands()).filter((c) => findConverter(c[1]!) !== undefined);
    expect(commands.length).toBeGreaterThan(0);
    for (const argv of commands) {
      const out = await tempDir();
      const args = argv.map((a, i) => (argv[i - 1] === '-o' || argv[i - 1] === '--out' ? (a === '-' ? a : out) : a));
      // In-process (the real bin is run by test/e2e.slow.test.ts): the same program, without a node start-up each.
      const run = await runCli([...args, '-q'], { cwd: REPO, env: { NO_COLOR: '1' } });
      expect({ argv: argv.join(' '), code: run.code, stderr: run.stderr }).toEqual({ argv: argv.join(' '), code: 0, stderr: '' });
    }
  }, 60_000);
});
