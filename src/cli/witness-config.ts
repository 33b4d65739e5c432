import type { Command } from 'commander'
import { parseWitnessList, parseWitnessRef, WitnessError, type WitnessRef } from '../ledger/index.js'
import { CliExit } from './cli-exit.js'

type Env = Readonly<Record<string, string | undefined>>

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

/** `--witness` / `--quorum` of `arbiter verify`. */
export interface WitnessVerifyFlags {
  readonly witness?: string[]
  readonly quorum?: string
}

/**
 * Adds `--witness <vkey>` (repeatable; `<url>=<vkey>` also names where to ask it) and `--quorum <k>`.
 *
 * @example
 * addWitnessVerifyOptions(program.command('verify'))
 */
export function addWitnessVerifyOptions(command: Command): Command {
  return command
    .option(
      '--witness <vkey>',
      'trust this witness (C2SP verifier key; or <url>=<vkey> to also ask it what it cosigned; repeatable)',
      collect,
    )
    .option('--quorum <k>', 'cosignatures required on the latest checkpoint (default 1 with --witness)')
}

function parseRefs(values: readonly string[], what: string): WitnessRef[] {
  try {
    return values.map(parseWitnessRef)
  } catch (error) {
    if (error instanceof WitnessError) throw new CliExit(`${what}: ${error.message}`, 2)
    throw error
  }
}

/**
 * The witnesses a log submits to: `--witness-url <url>=<vkey>` (repeatable) and `ARBITER_WITNESS_URLS`
 * (comma- or space-separated `<url>=<vkey>`). Every one needs a URL.
 *
 * @throws {CliExit} exit 2 for a malformed entry.
 * @example
 * const witnesses = resolveWitnessEndpoints(flags.witnessUrl)
 */
export function resolveWitnessEndpoints(flags: readonly string[] = [], env: Env = process.env): WitnessRef[] {
  let fromEnv: WitnessRef[]
  try {
    fromEnv = parseWitnessList(env.ARBITER_WITNESS_URLS ?? '')
  } catch (error) {
    if (error instanceof WitnessError) throw new CliExit(`ARBITER_WITNESS_URLS: ${error.message}`, 2)
    throw error
  }
  const all = [...parseRefs(flags, '--witness-url'), ...fromEnv]
  const bare = all.find((w) => !w.url)
  if (bare) throw new CliExit(`witness ${bare.key.name} needs a URL: <url>=<vkey>`, 2)
  return all
}

/**
 * The witnesses `arbiter verify` trusts, with the URL of each when given (`<url>=<vkey>`) or known from
 * `ARBITER_WITNESS_URLS`, and the quorum (default 1; at most the number of witnesses).
 *
 * @throws {CliExit} exit 2 for a malformed key or quorum.
 * @example
 * const { witnesses, quorum } = resolveWitnessVerification(flags)
 */
export function resolveWitnessVerification(
  flags: WitnessVerifyFlags,
  env: Env = process.env,
): { readonly witnesses: WitnessRef[]; readonly quorum: number } {
  const given = parseRefs(flags.witness ?? [], '--witness')
  if (given.length === 0) {
    if (flags.quorum !== undefined) throw new CliExit('--quorum needs at least one --witness <vkey>', 2)
    return { witnesses: [], quorum: 0 }
  }
  const known = (() => {
    try {
      return parseWitnessList(env.ARBITER_WITNESS_URLS ?? '')
    } catch {
      return [] // only used to find URLs; a malformed list is reported by serve
    }
  })()
  const witnesses = given.map((w) => {
    const url = w.url ?? known.find((k) => k.key.vkey === w.key.vkey)?.url
    return url ? { url, key: w.key } : w
  })
  const quorum = flags.quorum === undefined ? 1 : Number(flags.quorum)
  if (!/^[1-9][0-9]{0,3}$/.test(flags.quorum ?? '1') || quorum > witnesses.length)
    throw new CliExit(
      `--quorum must be 1-${witnesses.length} (the number of --witness keys), got ${flags.quorum}`,
      2,
    )
  return { witnesses, quorum }
}
