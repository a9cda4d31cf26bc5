/**
 * Property tests draw from a fixed seed, so a run (and CI) is reproducible: the same cases every
 * time. `FC_SEED=random npx vitest run` explores new cases; `FC_SEED=<n>` replays a reported one.
 */
import fc from 'fast-check';

const chosen = process.env['FC_SEED'];
if (chosen !== 'random') {
  fc.configureGlobal({ seed: chosen === undefined || chosen === '' ? 20261123 : Number(chosen) });
}
