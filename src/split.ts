/**
 * The deterministic train/validation splitter of SPEC §3.
 *
 * Each item is ranked by a seeded SHA-256 of its key (its relative image path); the
 * `round(ratio × n)` lowest go to validation. The result depends only on the set of keys, the
 * ratio and the seed — never on the order items arrive in — and adding one item moves at most one
 * existing item between the files.
 *
 * With `stratify`, items are grouped by label (the item's only label, or its rarest label when it
 * has several; images without labels form their own group) and each group is split the same way.
 * Group quotas are apportioned by largest remainder so the total stays `round(ratio × n)`, except
 * that every group with two or more items gets at least one item on each side, which can move the
 * total by a few items on datasets with many tiny groups.
 */
import { createHash } from 'node:crypto';

/** One item to split: its key and, for stratifying, its labels. */
export interface SplitItem {
  key: string;
  labels?: readonly string[] | undefined;
}

export interface SplitOptions {
  /** Share of items for validation, in [0, 1]. */
  ratio: number;
  /** Any string; the default seed of the CLI is `'0'`. */
  seed: string;
  stratify?: boolean | undefined;
}

/** `round(ratio × n)`, with at least one item on each side when n ≥ 2 and 0 < ratio < 1. */
export function validationCount(n: number, ratio: number): number {
  if (n <= 0 || ratio <= 0) return 0;
  if (ratio >= 1) return n;
  let v = Math.round(Number((ratio * n).toFixed(9)));
  if (n >= 2) v = Math.min(Math.max(v, 1), n - 1);
  return v;
}

/** The seeded hash that ranks a key: 64 bits as a bigint (lower goes to validation first). */
export function splitHash(key: string, seed: string): bigint {
  return createHash('sha256').update(seed).update('\0').update(key).digest().readBigUInt64BE(0);
}

function byHashThenKey(a: { h: bigint; key: string }, b: { h: bigint; key: string }): number {
  if (a.h !== b.h) return a.h < b.h ? -1 : 1;
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** The stratum of each item: its only label, its rarest label, or `''` for no label. */
export function strataOf(items: readonly SplitItem[]): string[] {
  const imagesPerLabel = new Map<string, number>();
  for (const it of items) {
    for (const l of new Set(it.labels ?? [])) imagesPerLabel.set(l, (imagesPerLabel.get(l) ?? 0) + 1);
  }
  return items.map((it) => {
    let best = '';
    let bestCount = Infinity;
    for (const l of it.labels ?? []) {
      const c = imagesPerLabel.get(l) ?? 0;
      if (c < bestCount || (c === bestCount && l < best)) {
        best = l;
        bestCount = c;
      }
    }
    return best;
  });
}

/** How many items of each group go to validation (see the module comment). */
export function allocate(groupSizes: ReadonlyMap<string, number>, ratio: number): Map<string, number> {
  const names = [...groupSizes.keys()].sort();
  const n = names.reduce((s, g) => s + (groupSizes.get(g) ?? 0), 0);
  const total = validationCount(n, ratio);
  const alloc = new Map<string, number>();
  if (ratio <= 0 || ratio >= 1) {
    for (const g of names) alloc.set(g, ratio <= 0 ? 0 : (groupSizes.get(g) ?? 0));
    return alloc;
  }
  const quota = (g: string) => ratio * (groupSizes.get(g) ?? 0);
  let sum = 0;
  for (const g of names) {
    const v = Math.floor(quota(g) + 1e-9);
    alloc.set(g, v);
    sum += v;
  }
  const byRemainder = [...names].sort((a, b) => {
    const ra = quota(a) - (alloc.get(a) ?? 0);
    const rb = quota(b) - (alloc.get(b) ?? 0);
    return rb - ra || (a < b ? -1 : a > b ? 1 : 0);
  });
  for (let i = 0; sum < total && i < byRemainder.length; i++) {
    const g = byRemainder[i]!;
    alloc.set(g, (alloc.get(g) ?? 0) + 1);
    sum++;
  }
  // Every group of two or more keeps one item on each side.
  for (const g of names) {
    const size = groupSizes.get(g) ?? 0;
    if (size < 2) continue;
    const v = alloc.get(g) ?? 0;
    const fixed = Math.min(Math.max(v, 1), size - 1);
    sum += fixed - v;
    alloc.set(g, fixed);
  }
  // Bring the total back toward round(ratio × n) where the constraints allow.
  const surplus = (g: string) => (alloc.get(g) ?? 0) - quota(g);
  while (sum !== total) {
    const up = sum < total;
    let pick: string | undefined;
    for (const g of names) {
      const size = groupSizes.get(g) ?? 0;
      const v = alloc.get(g) ?? 0;
      const min = size >= 2 ? 1 : 0;
      const max = size >= 2 ? size - 1 : size;
      if (up ? v >= max : v <= min) continue;
      if (pick === undefined || (up ? surplus(g) < surplus(pick) : surplus(g) > surplus(pick))) pick = g;
    }
    if (pick === undefined) break;
    alloc.set(pick, (alloc.get(pick) ?? 0) + (up ? 1 : -1));
    sum += up ? 1 : -1;
  }
  return alloc;
}

/**
 * Decides the split. Returns, for each item in the order given, true when it goes to validation.
 * Keys must be unique.
 */
export function splitItems(items: readonly SplitItem[], options: SplitOptions): boolean[] {
  const { ratio, seed } = options;
  const strata = options.stratify ? strataOf(items) : items.map(() => '');
  const groups = new Map<string, { h: bigint; key: string; index: number }[]>();
  items.forEach((it, index) => {
    const s = strata[index]!;
    let g = groups.get(s);
    if (!g) groups.set(s, (g = []));
    g.push({ h: splitHash(it.key, seed), key: it.key, index });
  });
  const sizes = new Map([...groups].map(([k, v]) => [k, v.length] as const));
  const alloc = allocate(sizes, ratio);
  const result = new Array<boolean>(items.length).fill(false);
  for (const [name, members] of groups) {
    members.sort(byHashThenKey);
    const v = alloc.get(name) ?? 0;
    for (let i = 0; i < v; i++) result[members[i]!.index] = true;
  }
  return result;
}
