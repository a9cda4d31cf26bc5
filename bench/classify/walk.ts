/**
 * Listing the classification sets made by gen.js: our walk (src/paths.ts `listFolder`, a sorted
 * `readdir` per folder, symlinks resolved with `stat`, as folder-to-jsonl and csv-multilabel use
 * it) against fast-glob (`**`, every entry, hidden ones too, symlinks followed, as the walk needs
 * them) followed by the sort the walk's order needs (folder by folder, by name), and fast-glob's
 * listing alone. The first two give the same list (checked). Runs alternate in one process after a warm-up round; prints medians of wall and
 * CPU time per listing. This decided that fast-glob is not used (bench/classify/RESULTS.md).
 *
 * fast-glob is no dependency of ours: install it for this bench only.
 * Usage (after `npx tsc -p .` and `node dist/bench/classify/gen.js`):
 *   npm install --no-save fast-glob@3.3.3
 *   node dist/bench/classify/walk.js [--runs 21] [--data bench/data/classify/fridge]
 */
import { join, resolve, sep } from 'node:path';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { compareKeys, listFolder } from '../../src/paths.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '21' },
    data: { type: 'string', default: 'bench/data/classify/fridge' },
  },
});
const data = resolve(values.data);

interface GlobEntry {
  path: string;
  dirent: { isFile(): boolean; isDirectory(): boolean };
}
type Glob = (pattern: string, options: Record<string, unknown>) => Promise<GlobEntry[]>;
// Loaded by name at run time: the package is installed for this bench only (see above).
const FAST_GLOB = 'fast-glob';
const fg = (
  (await import(FAST_GLOB).catch(() => {
    throw new Error('fast-glob is not installed: npm install --no-save fast-glob@3.3.3');
  })) as { default: Glob }
).default;
const runs = Number(values.runs);

/** Every entry under `root` down to `depth` levels, folder by folder in name order, as `kind path`. */
async function ourWalk(root: string, depth: number): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string, rel: string, level: number): Promise<void> => {
    for (const e of await listFolder(dir, { includeHidden: true })) {
      const path = rel === '' ? e.name : `${rel}/${e.name}`;
      out.push(`${e.kind} ${path}`);
      if (e.kind === 'dir' && level < depth) await walk(dir + sep + e.name, path, level + 1);
    }
  };
  await walk(root, '', 1);
  return out;
}

/** The same list from fast-glob, sorted into the walk's order (segment by segment). */
async function fastGlobWalk(root: string, depth: number): Promise<string[]> {
  const entries = await fg('**', { cwd: root, dot: true, onlyFiles: false, objectMode: true, deep: depth, followSymbolicLinks: true, suppressErrors: true });
  const bySegments = (a: string, b: string): number => {
    const x = a.split('/');
    const y = b.split('/');
    for (let i = 0; i < Math.min(x.length, y.length); i++) {
      const c = compareKeys(x[i]!, y[i]!);
      if (c !== 0) return c;
    }
    return x.length - y.length;
  };
  return entries.sort((a, b) => bySegments(a.path, b.path)).map((e) => `${e.dirent.isFile() ? 'file' : e.dirent.isDirectory() ? 'dir' : 'other'} ${e.path}`);
}

const sets = [
  { name: 'folder set (20 class folders of 1,000 images), 2 levels', root: join(data, 'folder'), depth: 2 },
  { name: 'csv images folder (20,000 images in one folder), 1 level', root: join(data, 'csv', 'images'), depth: 1 },
];
/** fast-glob's listing alone, in its own order (not usable as it is: shows what the sort costs). */
async function fastGlobUnsorted(root: string, depth: number): Promise<string[]> {
  const entries = await fg('**', { cwd: root, dot: true, onlyFiles: false, objectMode: true, deep: depth, followSymbolicLinks: true, suppressErrors: true });
  return entries.map((e) => e.path);
}

const candidates = [
  { name: 'listFolder walk (ours)', list: ourWalk },
  { name: 'fast-glob + sort', list: fastGlobWalk },
  { name: 'fast-glob alone, unsorted (unusable: shows the sort)', list: fastGlobUnsorted },
];
const median = (xs: number[]): number => {
  const s = [...xs].sort((x, y) => x - y);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

console.log(
  `${new Date().toISOString()}, ${runs} runs each, load average ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')} at the start`,
);
console.log('| set | candidate | entries | median wall ms | median CPU ms |');
console.log('|---|---|---:|---:|---:|');
for (const set of sets) {
  const lists = await Promise.all(candidates.map((c) => c.list(set.root, set.depth)));
  if (JSON.stringify(lists[0]) !== JSON.stringify(lists[1])) throw new Error(`${set.name}: the two listings differ`);
  const times = candidates.map(() => ({ wall: [] as number[], cpu: [] as number[] }));
  for (let r = 0; r < runs; r++) {
    for (const i of r % 2 ? [2, 1, 0] : [0, 1, 2]) {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      await candidates[i]!.list(set.root, set.depth);
      const c = process.cpuUsage(c0);
      times[i]!.wall.push(performance.now() - t0);
      times[i]!.cpu.push((c.user + c.system) / 1000);
    }
  }
  for (const [i, c] of candidates.entries()) {
    console.log(`| ${set.name} | ${c.name} | ${lists[i]!.length} | ${median(times[i]!.wall).toFixed(1)} | ${median(times[i]!.cpu).toFixed(1)} |`);
  }
}
