import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { type BuiltBundle, buildBundle, DEFAULT_POLICIES_DIR } from '../../src/policy/index.js'

/** The teller's transfer limit in the candidate: the shipped packs allow 10,000 USD. */
export const CANDIDATE_TELLER_LIMIT_USD = 1000

/**
 * Compiles the shipped policies/ as they are (the live bundle) and with one change, the teller's
 * transfer limit tightened to {@link CANDIDATE_TELLER_LIMIT_USD} (the candidate), into `dir`. Real
 * `opa build`, real WASM.
 *
 * @example
 * const { live, candidate } = await buildLiveAndCandidate(dir)
 */
export async function buildLiveAndCandidate(
  dir: string,
): Promise<{ live: BuiltBundle; candidate: BuiltBundle }> {
  const source = join(dir, 'candidate-policies')
  cpSync(DEFAULT_POLICIES_DIR, source, { recursive: true })
  const dataPath = join(source, 'data.json')
  const data = JSON.parse(readFileSync(dataPath, 'utf8')) as {
    fintech: { transfer_limits_usd: Record<string, number> }
  }
  data.fintech.transfer_limits_usd.teller = CANDIDATE_TELLER_LIMIT_USD
  writeFileSync(dataPath, `${JSON.stringify(data, null, 2)}\n`)
  const live = await buildBundle({ outPath: join(dir, 'live.tar.gz'), revision: 'live-r1', quiet: true })
  const candidate = await buildBundle({
    policiesDir: source,
    outPath: join(dir, 'candidate.tar.gz'),
    revision: 'candidate-r2',
    quiet: true,
  })
  return { live, candidate }
}
