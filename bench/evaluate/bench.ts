/**
 * Times `automl-img evaluate` against pycocotools' COCOeval on the same data, in the same run
 * (A B A B ..., separate processes), COCO val2017 scale by default: 5,000 images, about 36,000
 * ground-truth objects, 80 classes, 100 predictions per image (500,000). Reports medians of wall time
 * and of peak RSS, checks that both give the same twelve figures, and prints a Markdown row.
 *
 * The baseline is what a Python user runs: `COCO(gt.json)`, `loadRes(results.json)`, `evaluate()`,
 * `accumulate()`, `summarize()` on the COCO-format files of the same data (written once, untimed, by
 * test/evaluate/coco_reference.py's reading of the JSONL). Ours reads the JSONL files.
 *
 * @example
 *   npx tsc -p tsconfig.json && node dist/bench/evaluate/bench.js --rounds 3 [--images 5000] [--segm]
 *   (needs pycocotools built: bash ../shared/reference/build-pycocotools.sh /tmp/pycocotools; PYCOCOTOOLS=/tmp/pycocotools/PythonAPI)
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateEvalData } from './generate.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const rounds = Number(arg('rounds', '3'));
const images = Number(arg('images', '5000'));
const segm = process.argv.includes('--segm');
const task = segm ? 'instance-segmentation' : 'object-detection';
const pythonPath = process.env['PYCOCOTOOLS'] ?? join(tmpdir(), 'automl-img-pycocotools-8c9bcc3', 'PythonAPI');
const root = fileURLToPath(new URL('../../../', import.meta.url));
const bin = join(root, 'bin', 'automl-img.js');
const dir = join(tmpdir(), `automl-img-bench-evaluate-${task}-${images}`);
const gtFile = join(dir, 'gt.jsonl');
const predFile = join(dir, 'predictions.jsonl');

if (!existsSync(predFile)) {
  mkdirSync(dir, { recursive: true });
  // 80 classes, ~7.2 objects an image (val2017: 36,781 over 5,000), 100 predictions an image
  const { gt, predictions } = generateEvalData({ seed: 2017, images, task, classes: 80, objectsPerImage: 8.5, predictionsPerImage: 100, fill: true, scoreDigits: 3, unpredicted: 0 });
  writeFileSync(gtFile, gt.join('\n') + '\n');
  writeFileSync(predFile, predictions.join('\n') + '\n');
}
const cocoGt = join(dir, 'gt.json');
const cocoRes = join(dir, 'results.json');
const py = `
import json, sys, resource, time, contextlib, io
import numpy as np
np.float = float
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
mode = sys.argv[1]
if mode == 'convert':
    sys.path.insert(0, sys.argv[6])
    import coco_reference as ref
    ref.export(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5], sys.argv[7])
else:
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(sys.argv[2]); dt = gt.loadRes(sys.argv[3])
        E = COCOeval(gt, dt, sys.argv[4]); E.evaluate(); E.accumulate(); E.summarize()
    print(json.dumps({'stats': [float(v) for v in E.stats], 'maxrss_kb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
`;
const env = { ...process.env, PYTHONPATH: pythonPath };
if (!existsSync(cocoRes)) {
  const r = spawnSync('/usr/bin/python3', ['-c', py, 'convert', segm ? 'segm' : 'bbox', predFile, gtFile, cocoGt, join(root, 'test', 'evaluate'), cocoRes], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (r.status !== 0) throw new Error(r.stderr);
}

interface Run {
  seconds: number;
  cpu: number;
  rssMb: number;
  stats: number[];
}
/** /usr/bin/time -f '%U %S %M' on the last line of stderr: CPU seconds (user + system) and peak RSS in MB. */
const timed = (stderr: string) => {
  const [u, s, m] = stderr.trim().split('\n').pop()!.split(' ').map(Number);
  return { cpu: u! + s!, rssMb: m! / 1024 };
};
function ours(): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', process.execPath, bin, 'evaluate', gtFile, '--predictions', predFile, '--json', '-q'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(r.stderr);
  const report = JSON.parse(r.stdout) as Record<string, number>;
  const stats = ['AP', 'AP50', 'AP75', 'APs', 'APm', 'APl', 'AR1', 'AR10', 'AR100', 'ARs', 'ARm', 'ARl'].map((k) => report[k]!);
  return { seconds, ...timed(r.stderr), stats };
}
function theirs(): Run {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '/usr/bin/python3', '-c', py, 'eval', cocoGt, cocoRes, segm ? 'segm' : 'bbox'], { env, encoding: 'utf8', maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (r.status !== 0) throw new Error(r.stderr);
  const out = JSON.parse(r.stdout) as { stats: number[] };
  return { seconds, ...timed(r.stderr), stats: out.stats };
}
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const a: Run[] = [],
  b: Run[] = [];
for (let i = 0; i < rounds; i++) {
  a.push(ours());
  b.push(theirs());
  const x = a[i]!,
    y = b[i]!;
  console.log(
    `round ${i + 1}: automl-img ${x.seconds.toFixed(2)} s wall, ${x.cpu.toFixed(2)} s CPU, ${x.rssMb.toFixed(0)} MB | pycocotools ${y.seconds.toFixed(2)} s wall, ${y.cpu.toFixed(2)} s CPU, ${y.rssMb.toFixed(0)} MB | ${(y.seconds / x.seconds).toFixed(2)}x wall, ${(y.cpu / x.cpu).toFixed(2)}x CPU`,
  );
}
const diff = Math.max(...a[0]!.stats.map((v, i) => Math.abs(v - b[0]!.stats[i]!)));
const tolerance = segm ? 1e-4 : 1e-6;
console.log(`same figures: max |difference| ${diff.toExponential(2)} (${diff <= tolerance ? 'within' : 'OVER'} ${tolerance})`);
const m = (runs: Run[], k: 'seconds' | 'cpu' | 'rssMb') => median(runs.map((r) => r[k]));
const [ta, tb, ca, cb, ra, rb] = [m(a, 'seconds'), m(b, 'seconds'), m(a, 'cpu'), m(b, 'cpu'), m(a, 'rssMb'), m(b, 'rssMb')];
console.log('| data | automl-img (wall, CPU, peak RSS) | pycocotools (wall, CPU, peak RSS) | faster (wall) | faster (CPU) | memory |');
console.log(
  `| ${task}, ${images} images, 100 predictions/image | ${ta.toFixed(2)} s, ${ca.toFixed(2)} s, ${ra.toFixed(0)} MB | ${tb.toFixed(2)} s, ${cb.toFixed(2)} s, ${rb.toFixed(0)} MB | ${(tb / ta).toFixed(2)}x | ${(cb / ca).toFixed(2)}x | ${(rb / ra).toFixed(2)}x less |`,
);
console.log(`AP ${a[0]!.stats[0]} (pycocotools ${b[0]!.stats[0]}), load ${(spawnSync('cat', ['/proc/loadavg'], { encoding: 'utf8' }).stdout || '').trim()}`);
