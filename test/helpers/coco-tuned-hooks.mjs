// Module resolution hook of test/helpers/coco-tuned.mjs: an import of the built converters/coco-to-jsonl.js
// (by the registry) resolves to coco-tuned-converter.mjs, which imports the real one (told where by `?of=`).
const TUNED = new URL('./coco-tuned-converter.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const resolved = await nextResolve(specifier, context);
  if (resolved.url.endsWith('/dist/converters/coco-to-jsonl.js') && !context.parentURL?.startsWith(TUNED)) {
    return { url: `${TUNED}?of=${encodeURIComponent(resolved.url)}`, shortCircuit: true };
  }
  return resolved;
}
