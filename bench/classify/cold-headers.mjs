/**
 * One pass of `readImageDetailsSync` over every image of a folder set, in a fresh process (what a
 * conversion pays: code not yet optimised, caches cold), for several builds interleaved; prints the
 * median and least CPU ms of the pass for each (start-up and listing left out).
 *
 * @example
 *   node bench/classify/cold-headers.mjs bench/data/classify/plain/folder 9 /tmp/before/dist/src/images.js dist/src/images.js dist/src/images.js:no-verify
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [dir, runsArg, ...builds] = process.argv.slice(2);
if (process.env.COLD_HEADERS_CHILD) {
  const [module, verify] = process.env.COLD_HEADERS_CHILD.split('|');
  const m = await import(pathToFileURL(module).href);
  const files = [];
  for (const c of readdirSync(dir)) for (const f of readdirSync(join(dir, c))) files.push(join(dir, c, f));
  const options = verify === 'no-verify' ? { verify: false } : {};
  const c0 = process.cpuUsage();
  for (const f of files) m.readImageDetailsSync(f, options);
  const c = process.cpuUsage(c0);
  console.log(((c.user + c.system) / 1000).toFixed(1));
} else {
  const results = new Map(builds.map((b) => [b, []]));
  for (let r = 0; r < Number(runsArg); r++) {
    for (const b of builds) {
      const [module, verify = ''] = b.split(':');
      const out = spawnSync(process.execPath, [process.argv[1], dir], { encoding: 'utf8', env: { ...process.env, COLD_HEADERS_CHILD: `${resolve(module)}|${verify}` } });
      if (out.status !== 0) throw new Error(out.stderr);
      results.get(b).push(Number(out.stdout));
    }
  }
  for (const [b, v] of results) {
    v.sort((x, y) => x - y);
    console.log(`${b}: median ${v[v.length >> 1].toFixed(0)} ms, least ${v[0].toFixed(0)} ms`);
  }
}
