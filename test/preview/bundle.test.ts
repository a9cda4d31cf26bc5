import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BUNDLE_MODULE, pageBundleModule } from '../../src/preview/page/build.mjs';

describe('src/preview/page-bundle.ts', () => {
  it('is what src/preview/page/build.mjs makes of the page sources (run `npm run build` when this fails)', { timeout: 20_000 }, async () => {
    expect(readFileSync(BUNDLE_MODULE, 'utf8') === (await pageBundleModule()), 'src/preview/page-bundle.ts is stale: run `npm run build`').toBe(true);
  });
});
