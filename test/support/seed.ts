/**
 * A seeded source of randomness for randomized tests, so a failure can be replayed: the seed comes
 * from `ARBITER_TEST_SEED` (or a suite-specific variable) when set, else from the clock, and is
 * printed to stderr whenever the suite runs. Replay with `ARBITER_TEST_SEED=<seed> npx vitest run <file>`.
 */
export interface SeededRandom {
  readonly seed: number
  /** Uniform in [0, 1), like Math.random. */
  next(): number
  /** Uniform integer in [0, n). */
  below(n: number): number
  /** "seed 123 (replay with ARBITER_TEST_SEED=123)": put it in failure messages. */
  readonly replay: string
}

/** Parses a seed from the environment; anything but a non-negative 31-bit integer (what fast-check takes) is refused loudly. */
function seedFrom(text: string | undefined): number | undefined {
  if (text === undefined || text === '') return undefined
  const seed = Number(text)
  if (!Number.isInteger(seed) || seed < 0 || seed >= 2 ** 31) throw new Error(`bad test seed: ${text}`)
  return seed
}

/**
 * Reads (or draws) the seed and logs it under `suite`.
 *
 * @example
 * const random = seededRandom('crash')
 * const after = 5 + random.below(40)
 */
export function seededRandom(suite: string, env: readonly string[] = []): SeededRandom {
  const seed =
    [process.env.ARBITER_TEST_SEED, ...env.map((name) => process.env[name])]
      .map(seedFrom)
      .find((s) => s !== undefined) ?? Math.floor(Math.random() * 2 ** 31)
  const replay = `seed ${seed} (replay with ARBITER_TEST_SEED=${seed})`
  process.stderr.write(`[${suite}] ${replay}\n`)
  // mulberry32: small, fast, and good enough to pick test inputs; not for anything secret.
  let state = seed >>> 0
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
  return { seed, next, below: (n) => Math.floor(next() * n), replay }
}
