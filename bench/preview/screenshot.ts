/**
 * The README's screenshot of `preview`: converts the bundled `samples/voc` with the CLI into a
 * temporary folder, writes synthetic predictions for it (each box moved a little and scored; one
 * object missed, one box on nothing, one wrong class, so the page shows every kind of mistake),
 * runs `automl-img preview` and photographs the page in headless Chromium into `samples/preview.png`
 * (colour channels kept to 6 bits: about 100 KB instead of 150).
 *
 * @example
 *   npx tsc -p tsconfig.json && node dist/bench/preview/screenshot.js          # writes samples/preview.png
 *   node dist/bench/preview/screenshot.js /tmp/shot.png
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decode, encode } from 'fast-png';
import { launchChromium } from './chromium.js';

/** The repository root: dist/bench/preview/ → three folders up. */
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const BIN = join(ROOT, 'bin', 'automl-img.js');

interface Box {
  label: string;
  topX: number;
  topY: number;
  bottomX: number;
  bottomY: number;
}

const r3 = (v: number) => Math.round(v * 1000) / 1000;

/** Predictions for the converted sample lines: deterministic, with one mistake of each kind. */
export function samplePredictions(lines: readonly string[]): string {
  const out: string[] = [];
  let n = 0;
  for (const text of lines) {
    const line = JSON.parse(text) as { image_url: string; label: Box[] };
    const boxes = [];
    for (const o of line.label) {
      n++;
      if (n === 3) continue; // missed
      const shift = ((n * 7) % 5) / 100 - 0.02;
      const label = n === 7 ? (o.label === 'circle' ? 'ring' : 'circle') : o.label; // wrong class
      boxes.push({ box: { topX: r3(o.topX + shift), topY: r3(o.topY - shift), bottomX: r3(o.bottomX + shift), bottomY: r3(o.bottomY - shift) }, label, score: r3(0.97 - ((n * 13) % 40) / 100) });
    }
    if (line.image_url.endsWith('5.jpg')) boxes.push({ box: { topX: 0.05, topY: 0.06, bottomX: 0.3, bottomY: 0.35 }, label: 'rectangle', score: 0.71 }); // on nothing
    out.push(JSON.stringify({ image_url: line.image_url, boxes }));
  }
  return out.join('\n') + '\n';
}

/**
 * The screenshot with each colour channel kept to 6 bits, deflated at level 9: looks the same and
 * is about 30% smaller than Chromium's PNG (the README keeps it under 150 KB).
 */
function smaller(png: Buffer): Uint8Array {
  const image = decode(png);
  const data = Uint8Array.from(image.data as Uint8Array, (v) => v & 0xfc);
  return encode({ width: image.width, height: image.height, data, channels: image.channels, depth: 8 }, { zlib: { level: 9 } });
}

function run(args: string[]): void {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`automl-img ${args.join(' ')} failed (${r.status}):\n${r.stderr}`);
}

async function main(): Promise<void> {
  const target = process.argv[2] ?? join(ROOT, 'samples', 'preview.png');
  const dir = mkdtempSync(join(tmpdir(), 'automl-img-screenshot-'));
  try {
    // VOC boxes are 1-based in the samples (samples/README.md)
    run(['convert', 'voc', join(ROOT, 'samples', 'voc'), '-o', join(dir, 'voc'), '--one-based', '--force', '-q']);
    const lines = ['train_annotations.jsonl', 'validation_annotations.jsonl'].flatMap((f) =>
      readFileSync(join(dir, 'voc', f), 'utf8')
        .split('\n')
        .filter(Boolean),
    );
    writeFileSync(join(dir, 'predictions.jsonl'), samplePredictions(lines));
    const page = join(dir, 'preview.html');
    run([
      'preview',
      join(dir, 'voc', 'train_annotations.jsonl'),
      join(dir, 'voc', 'validation_annotations.jsonl'),
      '--images-root',
      join(ROOT, 'samples', 'voc'),
      '--predictions',
      join(dir, 'predictions.jsonl'),
      '-o',
      page,
      '-q',
    ]);
    const browser = await launchChromium({ width: 1060, height: 700 });
    if (!browser) throw new Error('no Chromium: cannot take the screenshot');
    try {
      const tab = await browser.context.newPage();
      await tab.goto(pathToFileURL(page).href);
      await tab.waitForSelector('html[data-ready="1"]');
      await tab.waitForFunction('[...document.images].every((i) => i.complete && i.naturalWidth > 0)');
      // the file names in the title are temporary paths: show the names users would type
      await tab.evaluate(`document.querySelector('h1 .dim').textContent = ' out/voc/train_annotations.jsonl, out/voc/validation_annotations.jsonl · predictions: predictions.jsonl'`);
      writeFileSync(target, smaller(await tab.screenshot({ type: 'png' })));
    } finally {
      await browser.close();
    }
    process.stdout.write(`wrote ${target} (${statSync(target).size} bytes)\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
