// coco-to-jsonl with the tuning test/helpers/coco-tuned.mjs describes (loaded in place of the built converter).
const real = new URL(import.meta.url).searchParams.get('of');
const { cocoConverter } = await import(real);
const env = process.env;

export default cocoConverter({
  rangeBytes: Number(env.COCO_RANGE_BYTES ?? 2048),
  splitMinBytes: Number.MAX_SAFE_INTEGER,
  ...(env.COCO_MEMORY_BUDGET ? { memoryBudget: Number(env.COCO_MEMORY_BUDGET) } : {}),
  ...(env.COCO_TEST_WORKER ? { workerScript: new URL('./coco-test-worker.mjs', import.meta.url) } : {}),
});
