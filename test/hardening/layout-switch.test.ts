/**
 * Switching layouts (issue 11.4): the writer owns every file it writes in an output folder, in both
 * layouts. With --force a run removes the other layout's outputs and warns, naming them; without
 * --force they are refused like any existing output. One split on disk, never two.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { convert } from '../../src/convert.js';
import { ConversionError } from '../../src/errors.js';
import { listTree, useTempDir, writeTree } from '../helpers/fs.js';
import { jpeg } from '../helpers/images.js';

const tmp = useTempDir('layout-');

async function data(): Promise<string> {
  const root = join(tmp.path, 'in');
  const tree: Record<string, Buffer> = {};
  for (let i = 0; i < 10; i++) tree[`${i % 2 ? 'a' : 'b'}/${i}.jpg`] = jpeg(4, 3);
  await writeTree(root, tree);
  return root;
}

describe('switching between the plain and the --mltable layout', () => {
  test('--mltable, then plain with --force: the MLTable outputs are removed, with a warning naming them', async () => {
    const root = await data();
    const out = join(tmp.path, 'o');
    await convert('folder', root, { out, mltable: true });
    const s = await convert('folder', root, { out, force: true, seed: '9' });
    expect(await listTree(out)).toEqual(['train_annotations.jsonl', 'validation_annotations.jsonl']);
    const w = s.warnings.filter((d) => d.code === 'OUTPUT_REMOVED');
    expect(w.map((d) => d.file).sort()).toEqual(
      ['training-mltable-folder/MLTable', 'training-mltable-folder/train_annotations.jsonl', 'validation-mltable-folder/MLTable', 'validation-mltable-folder/validation_annotations.jsonl'].map((f) =>
        expect.stringContaining(f),
      ),
    );
    expect(w[0]!.message).toContain('--force');
  });

  test('plain, then --mltable with --force: the plain outputs are removed', async () => {
    const root = await data();
    const out = join(tmp.path, 'o');
    await convert('folder', root, { out });
    const s = await convert('folder', root, { out, force: true, mltable: true });
    expect(existsSync(join(out, 'train_annotations.jsonl'))).toBe(false);
    expect(existsSync(join(out, 'validation_annotations.jsonl'))).toBe(false);
    expect(s.warnings.filter((d) => d.code === 'OUTPUT_REMOVED')).toHaveLength(2);
  });

  test('without --force the other layout is refused (OUTPUT_EXISTS), nothing changes', async () => {
    const root = await data();
    const out = join(tmp.path, 'o');
    await convert('folder', root, { out, mltable: true });
    const before = await listTree(out);
    const e = await convert('folder', root, { out }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(ConversionError);
    expect((e as ConversionError).code).toBe('OUTPUT_EXISTS');
    expect((e as ConversionError).message).toContain('training-mltable-folder/train_annotations.jsonl');
    expect(await listTree(out)).toEqual(before);
  });

  test('the same layout again with --force warns about nothing', async () => {
    const root = await data();
    const out = join(tmp.path, 'o');
    await convert('folder', root, { out });
    const s = await convert('folder', root, { out, force: true });
    expect(s.warnings).toEqual([]);
  });
});
