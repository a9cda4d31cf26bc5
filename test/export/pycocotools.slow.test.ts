/**
 * `export coco` read by the real pycocotools (`COCO()`, `annToMask`), built once from the shared
 * reference copy (`shared/reference/build-pycocotools.sh`, found beside the repository or one folder
 * up) into the OS temp folder. Skipped, saying why, when it cannot be built (no python3, cython3,
 * numpy or the reference copy).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { exportCoco } from '../../src/export/index.js';

const PYTHON = '/usr/bin/python3';
const REPO = join(import.meta.dirname, '../..');
const SCRIPT = [join(REPO, '../shared/reference/build-pycocotools.sh'), join(REPO, '../../shared/reference/build-pycocotools.sh')].find((p) => existsSync(p));
const BUILT = join(tmpdir(), 'automl-img-pycocotools');

/** Builds pycocotools into {@link BUILT} (once per machine); the reason when it cannot. */
function build(): string | undefined {
  if (!existsSync(PYTHON)) return `${PYTHON} is missing`;
  if (!SCRIPT) return 'shared/reference/build-pycocotools.sh is not beside the repository';
  if (existsSync(join(BUILT, 'PythonAPI', 'pycocotools', 'coco.py'))) {
    try {
      execFileSync(PYTHON, ['-c', 'import pycocotools.mask'], { env: { ...process.env, PYTHONPATH: join(BUILT, 'PythonAPI') }, stdio: 'pipe' });
      return undefined;
    } catch {
      // rebuild below
    }
  }
  try {
    execFileSync('sh', [SCRIPT, BUILT], { stdio: 'pipe', timeout: 300_000 });
    return undefined;
  } catch (e) {
    return `pycocotools could not be built: ${String((e as { stderr?: Buffer }).stderr ?? e).slice(-300)}`;
  }
}

const why = build();
if (why) console.warn(`skipping the pycocotools tests: ${why}`);

describe.skipIf(why !== undefined)('pycocotools reads the export', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'automl-img-export-py-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('COCO() loads it: counts, and annToMask of an RLE and of a polygon object', { timeout: 60_000 }, async () => {
    const ring = [0.1, 0.1, 0.9, 0.1, 0.9, 0.9, 0.1, 0.9];
    const hole = [0.4, 0.4, 0.6, 0.4, 0.6, 0.6, 0.4, 0.6];
    const lines = [
      {
        image_url: 'a.png',
        image_details: { width: 20, height: 10 },
        label: [
          { label: 'holed', isCrowd: 0, polygon: [ring, hole] },
          { label: 'square', isCrowd: 0, polygon: [[0, 0, 0.5, 0, 0.5, 1, 0, 1]] },
        ],
      },
      { image_url: 'b.png', image_details: { width: 8, height: 8 }, label: [] },
      { image_url: 'c.png', image_details: { width: 8, height: 8 }, label: [{ label: 'square', isCrowd: 1, polygon: [[0.25, 0.25, 0.75, 0.25, 0.75, 0.75, 0.25, 0.75]] }] },
    ];
    const input = join(dir, 'in.jsonl');
    writeFileSync(input, lines.map((l) => JSON.stringify(l)).join('\n') + '\n');
    const out = join(dir, 'coco.json');
    await exportCoco([input], { out });
    const py = [
      'import json, sys',
      'from pycocotools.coco import COCO',
      'c = COCO(sys.argv[1])',
      'anns = c.loadAnns(c.getAnnIds())',
      'print(json.dumps({"images": len(c.getImgIds()), "anns": len(anns), "cats": [x["name"] for x in c.loadCats(c.getCatIds())],',
      '  "masks": [int(c.annToMask(a).sum()) for a in anns], "areas": [a["area"] for a in anns], "crowd": [a["iscrowd"] for a in anns],',
      '  "perImage": {i: len(c.getAnnIds(imgIds=[i])) for i in c.getImgIds()}}))',
    ].join('\n');
    const text = execFileSync(PYTHON, ['-c', py, out], { env: { ...process.env, PYTHONPATH: join(BUILT, 'PythonAPI') }, encoding: 'utf8' });
    const r = JSON.parse(text.trim().split('\n').pop()!) as { images: number; anns: number; cats: string[]; masks: number[]; areas: number[]; crowd: number[]; perImage: Record<string, number> };
    expect([r.images, r.anns, r.cats]).toEqual([3, 3, ['holed', 'square']]);
    expect(r.perImage).toEqual({ '1': 2, '2': 0, '3': 1 });
    // The holed object: 16 × 8 pixels less the 4 × 2 hole; its area is its pixel count.
    expect(r.masks[0]).toBe(16 * 8 - 4 * 2);
    expect(r.areas[0]).toBe(r.masks[0]);
    // Polygons: pycocotools rasterises them itself (10 × 10 px and 4 × 4 px squares).
    expect(r.masks.slice(1)).toEqual([100, 16]);
    expect(r.areas.slice(1)).toEqual([100, 16]);
    expect(r.crowd).toEqual([0, 0, 1]);
  });
});
