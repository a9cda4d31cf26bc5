/**
 * coco-to-jsonl on a generated file above V8's 512 MiB string limit (~700 MB), through the bin and the
 * library, in bounded memory. Minutes and 1.4 GB of disk: only with AUTOML_IMG_SLOW=1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Summary } from '../../src/types.js';
import { makeTempDir, removeDir } from '../helpers/fs.js';

const BIN = new URL('../../bin/automl-img.js', import.meta.url).pathname;

describe.skipIf(!process.env['AUTOML_IMG_SLOW'])('slow: a file above V8 512 MiB string limit (AUTOML_IMG_SLOW=1)', () => {
  test('converts without holding the text, through the bin and the library', { timeout: 900_000 }, () => {
    const dir = makeTempDir('coco-big-');
    try {
      const json = join(dir, 'big.json');
      const dist = new URL('../../dist/bench/', import.meta.url).pathname;
      execFileSync(process.execPath, [join(dist, 'json/gen-coco.js'), json, '--images', '180000']);
      const peak = (stderr: string) => Number(/maxrss (\d+)/.exec(stderr)?.[1]) / 1024;
      const bin = spawnSync('/usr/bin/time', ['-f', 'maxrss %M', process.execPath, BIN, 'convert', 'coco', json, '-o', join(dir, 'out'), '--no-image-details', '-q', '--json'], { encoding: 'utf8' });
      const summary = JSON.parse(bin.stdout) as Summary;
      expect([summary.train + summary.validation, summary.objects]).toEqual([180000, 1308683]);
      // Far below the 703 MB text; the 300 MB goal is not met through the CLI yet (bench/coco/RESULTS.md).
      expect(peak(bin.stderr)).toBeLessThan(700);
      const lib = spawnSync('/usr/bin/time', ['-f', 'maxrss %M', process.execPath, join(dist, 'coco/lib-run.js'), json, join(dir, 'out2')], { encoding: 'utf8' });
      expect(lib.status).toBe(0);
      expect(readFileSync(join(dir, 'out2', 'train_annotations.jsonl'), 'utf8').split('\n').length - 1).toBe(summary.train);
      expect(peak(lib.stderr)).toBeLessThan(400);
    } finally {
      removeDir(dir);
    }
  });
});
