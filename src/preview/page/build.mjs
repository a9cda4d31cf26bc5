/**
 * Bundles the preview page's script and styles (src/preview/page/) with esbuild into
 * src/preview/page-bundle.ts, the module the library inlines into every page it writes.
 * Run by `npm run build` and `prepare` before tsc; `--check` exits 1 when the committed module is
 * stale (the test `test/preview/bundle.test.ts` does the same).
 *
 * @example
 *   node src/preview/page/build.mjs          # rewrites src/preview/page-bundle.ts when it changed
 *   node src/preview/page/build.mjs --check  # exit 1 if it would change
 */
import { build, transform } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const BUNDLE_MODULE = `${ROOT}src/preview/page-bundle.ts`;

/** The text of src/preview/page-bundle.ts for the current page sources. */
export async function pageBundleModule() {
  const js = await build({
    entryPoints: [`${ROOT}src/preview/page/main.ts`],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    charset: 'ascii',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  });
  const script = js.outputFiles[0].text.trim();
  const css = await transform(readFileSync(`${ROOT}src/preview/page/style.css`, 'utf8'), { loader: 'css', minify: true, charset: 'ascii', legalComments: 'none' });
  const style = css.code.trim();
  for (const [name, text] of [
    ['script', script],
    ['style', style],
  ]) {
    if (/<\/(script|style)|<!--/i.test(text)) throw new Error(`the page ${name} contains "</script", "</style" or "<!--", which would end its element early`);
  }
  return [
    '/**',
    " * The preview page's script and styles, bundled by src/preview/page/build.mjs (esbuild) from",
    ' * src/preview/page/. GENERATED: do not edit; `npm run build` rewrites it, test/preview/bundle.test.ts',
    ' * fails when it is stale.',
    ' *',
    ' * @example',
    ' *   `<style>${PAGE_STYLE}</style>` ... `<script>${PAGE_SCRIPT}</script>`',
    ' */',
    `export const PAGE_SCRIPT = ${JSON.stringify(script)};`,
    `export const PAGE_STYLE = ${JSON.stringify(style)};`,
    '',
  ].join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = await pageBundleModule();
  let current = '';
  try {
    current = readFileSync(BUNDLE_MODULE, 'utf8');
  } catch {
    // not written yet
  }
  if (process.argv.includes('--check')) {
    if (current !== text) {
      process.stderr.write('src/preview/page-bundle.ts is stale: run `npm run build`\n');
      process.exitCode = 1;
    }
  } else if (current !== text) writeFileSync(BUNDLE_MODULE, text);
}
