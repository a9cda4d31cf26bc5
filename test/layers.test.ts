/**
 * The layers of src/ (README "Where things live"), checked on the import graph of the sources:
 * the library's entry does not reach commander or chalk, no module outside src/cli/ imports them,
 * `validate`'s library code does not load the converter registry, the command line starts without
 * any converter's implementation, and no type-level cycle runs from the library back into the CLI.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..');

/** Every import specifier of a TypeScript module (static imports and re-exports, types included). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'([^']+)'/gm), ...text.matchAll(/^\s*import\s+'([^']+)'/gm)].map((m) => m[1]!);
}

/** The modules reachable from `entry`, as repository-relative paths, and the packages they import. */
function graph(entry: string): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const visit = (abs: string) => {
    const rel = relative(REPO, abs);
    if (modules.has(rel)) return;
    modules.add(rel);
    for (const spec of importsOf(abs)) {
      if (spec.startsWith('.')) visit(resolve(dirname(abs), spec).replace(/\.js$/, '.ts'));
      else if (!spec.startsWith('node:')) packages.add(spec.split('/')[0]!.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
  };
  visit(join(REPO, entry));
  return { modules, packages };
}

function sources(dir: string): string[] {
  return readdirSync(join(REPO, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts') && !f.startsWith('preview/page/'))
    .map((f) => join(dir, f));
}

describe('layers', () => {
  it('the library entry (src/index.ts) reaches neither commander nor chalk, nor any module of src/cli/', () => {
    const { modules, packages } = graph('src/index.ts');
    expect([...packages].filter((p) => p === 'commander' || p === 'chalk')).toEqual([]);
    expect([...modules].filter((m) => m.startsWith('src/cli/'))).toEqual([]);
  });

  it('no module outside src/cli/ imports commander or chalk', () => {
    const offenders = [...sources('src'), ...sources('converters')].filter((f) => !f.startsWith('src/cli/')).filter((f) => importsOf(join(REPO, f)).some((s) => s === 'commander' || s === 'chalk'));
    expect(offenders).toEqual([]);
  });

  it("validate's library code does not load the converter registry", () => {
    expect([...graph('src/jsonl/validate.ts').modules].filter((m) => m === 'src/registry.ts' || m.startsWith('converters/'))).toEqual([]);
  });

  it("the command line starts without any converter's implementation: only their declarations (converters/declarations/)", () => {
    const converters = [...graph('src/cli/main.ts').modules].filter((m) => m.startsWith('converters/'));
    expect(converters.filter((m) => !m.startsWith('converters/declarations/'))).toEqual([]);
    expect(converters.length).toBeGreaterThanOrEqual(8);
  });

  it('the commands of src/cli/ are one file each, wired in src/cli/main.ts', () => {
    const main = readFileSync(join(REPO, 'src/cli/main.ts'), 'utf8');
    const registered = [...main.matchAll(/import \{ (register\w+Command) \} from '\.\/(\w+)\.js'/g)].map((m) => m[2]);
    expect(registered.sort()).toEqual(['convert', 'evaluate', 'export', 'preview', 'request', 'score', 'split', 'stats', 'validate']);
  });
});
