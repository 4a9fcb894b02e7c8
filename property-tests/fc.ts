/**
 * One fixed fast-check configuration for every property and every generated model path: the seed comes
 * from `FC_SEED` (default {@link DEFAULT_FC_SEED}) so CI is reproducible and a failure names the seed to
 * replay; `FC_NUM_RUNS` scales the run counts up (soak) or down (a quick local loop).
 *
 * @module
 */
import fc from 'fast-check';

/** The seed used when `FC_SEED` is not set. @default 20261123 */
export const DEFAULT_FC_SEED = 20261123;

function envNumber(name: string): number | undefined {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name}=${raw} is not an integer`);
  return value;
}

/** The seed of this run: `FC_SEED`, else {@link DEFAULT_FC_SEED}. */
export const FC_SEED: number = envNumber('FC_SEED') ?? DEFAULT_FC_SEED;

/**
 * The run count of a property: `FC_NUM_RUNS` when set (the same count for every property, for a soak),
 * else the property's own default.
 */
export function numRuns(defaultRuns: number): number {
  const forced = envNumber('FC_NUM_RUNS');
  return forced !== undefined && forced > 0 ? forced : defaultRuns;
}

/** fast-check parameters with the fixed seed; the failure report names the seed and how to replay it. */
export function fcParams<T>(defaultRuns: number, extra: fc.Parameters<T> = {}): fc.Parameters<T> {
  return {
    seed: FC_SEED,
    numRuns: numRuns(defaultRuns),
    ...extra,
    reporter: (details) => {
      if (!details.failed) return;
      const error = details.errorInstance as { message?: unknown } | undefined;
      const cause = error?.message === undefined ? '' : `\n${String(error.message)}`;
      throw new Error(
        `${fc.defaultReportMessage(details)}${cause}\nReplay with FC_SEED=${FC_SEED} (seed ${details.seed}, path "${details.counterexamplePath ?? ''}")`,
      );
    },
  };
}

/** Deterministic samples of an arbitrary (fixed seed): the payloads model paths are built from. */
export function fixedSamples<T>(arb: fc.Arbitrary<T>, count: number, seed: number = FC_SEED): T[] {
  return fc.sample(arb, { seed, numRuns: count });
}
