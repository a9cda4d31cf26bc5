/**
 * coco-to-jsonl: every annotation type error of type-cases.ts gives the same error on worker threads
 * (`--jobs 2`, small ranges) as on one thread. types.test.ts runs three of them in the default project.
 */
import { describe, expect, test } from 'vitest';
import { useTempDir } from '../helpers/fs.js';
import { CASES, sameErrorOnThreads } from './type-cases.js';

const tmp = useTempDir('coco-types-threads-');

describe('annotations: the same errors on worker threads as on one', () => {
  test('each annotation type error: --jobs 1 against 2, small ranges', { timeout: 120_000 }, async () => {
    const cases = CASES.filter(([name]) => name.startsWith('annotations:'));
    expect(cases.length).toBeGreaterThan(10);
    await sameErrorOnThreads(tmp.path, cases);
  });
});
