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
 *
 * Grouping by the rarest label alone does not put every label in both files when images carry
 * several labels (a label may only ever be some image's second-rarest). A repair pass then moves,
 * for each label with two or more images that sits wholly on one side, one of its images across and
 * one other image back (so the count stays exact), choosing only moves that leave every other
 * label as it was. Some label sets cannot be split that way at all (three images labelled
 * {A,C}, {A,B}, {B,C}); such labels stay on one side.
 *
 * A dataset of one image keeps it in train (a training set cannot be empty).
 */
import * as crypto from 'node:crypto';
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

/**
 * `round(ratio × n)` (halves round up), with at least one item on each side when n ≥ 2 and
 * 0 < ratio < 1; a single item stays in train.
 */
export function validationCount(n: number, ratio: number): number {
  if (n <= 0 || ratio <= 0) return 0;
  if (ratio >= 1) return n;
  if (n === 1) return 0;
  let v = Math.round(Number((ratio * n).toFixed(9)));
  if (n >= 2) v = Math.min(Math.max(v, 1), n - 1);
  return v;
}

/** The seeded hash that ranks a key: 64 bits as a bigint (lower goes to validation first). */
export function splitHash(key: string, seed: string): bigint {
  // One-shot `crypto.hash` (Node 20.12+) hashes the same bytes about twice as fast as a Hash object
  // per key (~20 ms less per 20,000 keys): the NUL keeps seed and key apart, so their UTF-8 is the
  // concatenation's.
  if (oneShotHash) return oneShotHash('sha256', seed + '\0' + key, 'buffer').readBigUInt64BE(0);
  return createHash('sha256').update(seed).update('\0').update(key).digest().readBigUInt64BE(0);
}

/** `crypto.hash` where this Node has it (20.12 and later), else undefined. */
const oneShotHash = (crypto as { hash?: typeof crypto.hash }).hash;

/**
 * {@link splitHash} as 8 Latin-1 characters, one a byte, most significant first: compared as strings,
 * ranks order as the hashes do, without a BigInt per key (making and sorting 20,000 ranks takes about
 * half the time of the BigInts, whose hash also passes its output encoding through a slow check).
 */
export function splitRank(key: string, seed: string): string {
  if (oneShotHash) return oneShotHash('sha256', seed + '\0' + key, 'binary').slice(0, 8);
  return createHash('sha256').update(seed).update('\0').update(key).digest('binary').slice(0, 8);
}

function byHashThenKey(a: { h: string; key: string }, b: { h: string; key: string }): number {
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
  const groups = new Map<string, { h: string; key: string; index: number }[]>();
  items.forEach((it, index) => {
    const s = strata[index]!;
    let g = groups.get(s);
    if (!g) groups.set(s, (g = []));
    g.push({ h: splitRank(it.key, seed), key: it.key, index });
  });
  const sizes = new Map([...groups].map(([k, v]) => [k, v.length] as const));
  const alloc = allocate(sizes, ratio);
  const result = new Array<boolean>(items.length).fill(false);
  for (const [name, members] of groups) {
    members.sort(byHashThenKey);
    const v = alloc.get(name) ?? 0;
    for (let i = 0; i < v; i++) result[members[i]!.index] = true;
  }
  if (options.stratify && ratio > 0 && ratio < 1) repairLabels(items, result, seed);
  return result;
}

/**
 * Moves images so that labels with two or more images appear on both sides, when a pair of moves
 * (one image across, one back) does it without emptying a side of any other label. Every choice
 * is by (hash, key), so the result still depends only on the set of items.
 */
/** Images of one label tried as the one to move across (bounds the repair's time on huge labels). */
const MAX_TRIES = 32;

function repairLabels(items: readonly SplitItem[], isValidation: boolean[], seed: string): void {
  const labelsOf = items.map((it) => [...new Set(it.labels ?? [])]);
  if (!labelsOf.some((ls) => ls.length > 1)) return; // one label an image: the strata already did it
  const members = new Map<string, number[]>();
  labelsOf.forEach((ls, i) => {
    for (const l of ls) {
      let m = members.get(l);
      if (!m) members.set(l, (m = []));
      m.push(i);
    }
  });
  const hashes = new Map<number, string>();
  const rank = (i: number) => {
    let h = hashes.get(i);
    if (h === undefined) hashes.set(i, (h = splitRank(items[i]!.key, seed)));
    return { h, key: items[i]!.key };
  };
  const byRank = (a: number, b: number) => byHashThenKey(rank(a), rank(b));
  const onValidation = new Map<string, number>();
  for (const [l, m] of members) onValidation.set(l, m.filter((i) => isValidation[i]).length);
  /** Moving item i to the other side leaves every label of i (other than `except`) on both sides it had. */
  const harmless = (i: number, except?: string) =>
    labelsOf[i]!.every((l) => {
      if (l === except) return true;
      const size = members.get(l)!.length;
      if (size < 2) return true;
      const v = onValidation.get(l)!;
      return isValidation[i] ? v >= 2 : size - v >= 2;
    });
  const move = (i: number) => {
    isValidation[i] = !isValidation[i];
    for (const l of labelsOf[i]!) onValidation.set(l, onValidation.get(l)! + (isValidation[i] ? 1 : -1));
  };
  const names = [...members.keys()].sort((a, b) => members.get(a)!.length - members.get(b)!.length || (a < b ? -1 : a > b ? 1 : 0));
  let everyone: number[] | undefined;
  for (let changed = true; changed; ) {
    changed = false;
    for (const l of names) {
      const m = members.get(l)!;
      const v = onValidation.get(l)!;
      if (m.length < 2 || (v > 0 && v < m.length)) continue;
      const toValidation = v === 0;
      // One of l's images goes across, and one image from the other side comes back, leaving
      // l and every other label whole. Try l's images in (hash, key) order.
      everyone ??= items.map((_, i) => i).sort(byRank);
      let repaired = false;
      for (const across of m
        .filter((i) => harmless(i, l))
        .sort(byRank)
        .slice(0, MAX_TRIES)) {
        move(across);
        const back = everyone.find((j) => j !== across && isValidation[j] === toValidation && harmless(j));
        if (back !== undefined) {
          move(back);
          repaired = true;
          break;
        }
        move(across);
      }
      if (!repaired) continue;
      changed = true;
    }
  }
}
