import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Command } from 'commander'
import { type ArbiterConfig, resolveSigningKey } from '../app/index.js'
import {
  CHAIN_ID_PATTERN,
  type TrustedKey,
  trustedKeyFromPem,
  type VerifyChainOptions,
} from '../ledger/index.js'
import type { Logger } from '../shared/index.js'
import { CliExit } from './cli-exit.js'

/** The part of the configuration trust decisions read. */
type TrustConfig = Pick<
  ArbiterConfig,
  'databaseUrl' | 'dataDir' | 'signingKeyPath' | 'anchorDir' | 'checkpoint'
>

/**
 * What verification trusts and requires, from flags and environment, shared by `verify`, `serve` and
 * `checkpoint`:
 *
 * | flag                         | env                              | meaning |
 * |------------------------------|----------------------------------|---------|
 * | --trusted-key <pem> (repeat) | ARBITER_TRUSTED_KEYS (comma-separated PEM paths) | checkpoint keys verification pins |
 * | --allow-generated-keys       | ARBITER_ALLOW_GENERATED_KEYS=1   | demo: keys generated in the data dir are accepted and the own signing key is trusted |
 * | --expect-chain <id> (repeat), --expected-chains <file> | ARBITER_EXPECTED_CHAINS (comma-separated) | chains that must exist |
 * | --max-checkpoint-age <ms>    | ARBITER_MAX_CHECKPOINT_AGE_MS    | newest checkpoint may be this old (default: interval + max(interval, 60 s); 0 = no check) |
 *
 * The embedded PGlite default counts as a demo: its database and its keys live in one directory.
 */
export interface TrustFlags {
  readonly trustedKey?: string[]
  readonly allowGeneratedKeys?: boolean
}

export interface ExpectationFlags {
  readonly expectChain?: string[]
  readonly expectedChains?: string
  readonly maxCheckpointAge?: string
}

type Env = Readonly<Record<string, string | undefined>>

const collect = (value: string, previous: string[] = []): string[] => [...previous, value]

/**
 * Adds `--trusted-key <pem>` (repeatable) and `--allow-generated-keys` to a command.
 *
 * @example
 * addTrustOptions(program.command('verify')).action((flags) => resolveTrustedKeys(flags, config))
 */
export function addTrustOptions(command: Command): Command {
  return command
    .option(
      '--trusted-key <pem>',
      'pin a checkpoint public key (PEM file; repeatable; env ARBITER_TRUSTED_KEYS, comma-separated)',
      collect,
    )
    .option(
      '--allow-generated-keys',
      'demo only: accept keys generated in the data dir and trust the own signing key (env ARBITER_ALLOW_GENERATED_KEYS=1)',
    )
}

/**
 * Adds `--expect-chain <id>` (repeatable), `--expected-chains <file>` and `--max-checkpoint-age <ms>`.
 *
 * @example
 * addExpectationOptions(program.command('verify'))
 */
export function addExpectationOptions(command: Command): Command {
  return command
    .option('--expect-chain <id>', 'this chain must exist (repeatable; env ARBITER_EXPECTED_CHAINS)', collect)
    .option('--expected-chains <file>', 'a file of chain ids that must exist, one per line (# comments)')
    .option(
      '--max-checkpoint-age <ms>',
      'newest checkpoint of a chain with entries may be this old (env ARBITER_MAX_CHECKPOINT_AGE_MS; 0 = no check)',
    )
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.length > 0 ? value : undefined
}

function listOf(value: string | undefined): string[] {
  return (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0)
}

/** True for the embedded PGlite default, or when told it is a demo (flag or env). */
export function isDemo(config: TrustConfig, flags: TrustFlags, env: Env = process.env): boolean {
  const allow = nonEmpty(env.ARBITER_ALLOW_GENERATED_KEYS)
  return (
    config.databaseUrl === undefined || flags.allowGeneratedKeys === true || allow === '1' || allow === 'true'
  )
}

/**
 * Refuses to go on in PostgreSQL mode when keys would be generated (or trust is not pinned), unless it
 * is a demo: one line naming every variable still to set.
 *
 * @throws {CliExit} exit 2.
 * @example
 * assertConfiguredKeys(config, flags, ['ARBITER_SIGNING_KEY', 'ARBITER_REDACTION_KEY', 'ARBITER_TRUSTED_KEYS'])
 */
export function assertConfiguredKeys(
  config: TrustConfig,
  flags: TrustFlags,
  needed: readonly ('ARBITER_SIGNING_KEY' | 'ARBITER_REDACTION_KEY' | 'ARBITER_TRUSTED_KEYS')[],
  env: Env = process.env,
): void {
  if (isDemo(config, flags, env)) return
  const missing = needed.filter((name) =>
    name === 'ARBITER_TRUSTED_KEYS'
      ? listOf(env[name]).length === 0 && (flags.trustedKey ?? []).length === 0
      : nonEmpty(env[name]) === undefined,
  )
  if (missing.length === 0) return
  throw new CliExit(
    `PostgreSQL mode needs keys from your secret store, not generated ones: set ${missing.join(', ')} (or --allow-generated-keys / ARBITER_ALLOW_GENERATED_KEYS=1 for a demo)`,
    2,
  )
}

function readTrustedKey(path: string): TrustedKey {
  try {
    return trustedKeyFromPem(readFileSync(path, 'utf8'))
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new CliExit(`cannot read trusted key ${path}: ${reason.split('\n')[0]}`, 2)
  }
}

/**
 * The checkpoint keys verification pins: `--trusted-key` and `ARBITER_TRUSTED_KEYS`; with none, in a
 * demo only, the deployment's own signing key (`ARBITER_SIGNING_KEY`, else `<data-dir>/signing-key.pem`
 * when it exists: with no key file nothing is trusted). Otherwise an error.
 *
 * @throws {CliExit} exit 2 when a key cannot be read, or nothing is pinned outside a demo.
 * @example
 * const { keys, source } = resolveTrustedKeys(flags, config)
 */
export function resolveTrustedKeys(
  flags: TrustFlags,
  config: TrustConfig,
  env: Env = process.env,
): { readonly keys: TrustedKey[]; readonly source: 'pinned' | 'own-signing-key' } {
  const paths = [...(flags.trustedKey ?? []), ...listOf(env.ARBITER_TRUSTED_KEYS)]
  if (paths.length > 0) return { keys: paths.map(readTrustedKey), source: 'pinned' }
  if (!isDemo(config, flags, env))
    throw new CliExit(
      'no trusted checkpoint key: pass --trusted-key <pem> or set ARBITER_TRUSTED_KEYS (or --allow-generated-keys / ARBITER_ALLOW_GENERATED_KEYS=1 for a demo)',
      2,
    )
  const own = config.signingKeyPath ?? join(config.dataDir, 'signing-key.pem')
  return { keys: existsSync(own) ? [readTrustedKey(own)] : [], source: 'own-signing-key' }
}

const MS = /^(0|[1-9][0-9]{0,14})$/

/**
 * The chains that must exist and the allowed checkpoint age, from flags and environment.
 *
 * @throws {CliExit} exit 2 for a malformed chain id, file or age.
 * @example
 * const { expectedChains, maxCheckpointAgeMs } = resolveExpectations(flags)
 */
export function resolveExpectations(
  flags: ExpectationFlags,
  config: Pick<ArbiterConfig, 'checkpoint'>,
  env: Env = process.env,
): { readonly expectedChains: string[]; readonly maxCheckpointAgeMs: number } {
  const fromFile = flags.expectedChains ? readChainsFile(flags.expectedChains) : []
  const expectedChains = [...(flags.expectChain ?? []), ...fromFile, ...listOf(env.ARBITER_EXPECTED_CHAINS)]
  for (const chain of expectedChains)
    if (!CHAIN_ID_PATTERN.test(chain))
      throw new CliExit(`expected chain ${JSON.stringify(chain).slice(0, 80)} is not a chain id`, 2)
  const age = flags.maxCheckpointAge ?? nonEmpty(env.ARBITER_MAX_CHECKPOINT_AGE_MS)
  if (age !== undefined) {
    if (!MS.test(age))
      throw new CliExit(`--max-checkpoint-age must be milliseconds, got ${JSON.stringify(age)}`, 2)
    return { expectedChains: [...new Set(expectedChains)], maxCheckpointAgeMs: Number(age) }
  }
  // Checkpoints come every interval even when idle; allow one missed tick and clock skew on top.
  const interval = config.checkpoint.everyMs
  const maxCheckpointAgeMs = interval > 0 ? interval + Math.max(interval, 60_000) : 0
  return { expectedChains: [...new Set(expectedChains)], maxCheckpointAgeMs }
}

function readChainsFile(path: string): string[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new CliExit(`cannot read expected chains file ${path}: ${String(error).split('\n')[0]}`, 2)
  }
  return text
    .split('\n')
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line.length > 0)
}

/**
 * Everything `arbiter serve` needs to verify as `arbiter verify` does: refuses generated keys in
 * PostgreSQL mode unless it is a demo, pins the trusted keys (in a demo without any, its own signing
 * key, generated now if needed), and reads the anchor dir, expected chains and checkpoint age.
 *
 * @throws {CliExit} exit 2 (see {@link assertConfiguredKeys}, {@link resolveTrustedKeys}).
 * @example
 * const verification = resolveServeVerification(flags, config, logger)
 * const verify = verifyChainFor(db, verification)
 */
export function resolveServeVerification(
  flags: TrustFlags,
  config: TrustConfig,
  logger: Logger,
  env: Env = process.env,
): VerifyChainOptions & { readonly expectedChains: string[] } {
  assertConfiguredKeys(
    config,
    flags,
    ['ARBITER_SIGNING_KEY', 'ARBITER_REDACTION_KEY', 'ARBITER_TRUSTED_KEYS'],
    env,
  )
  // In a demo the own key is trusted, so it must exist before the first verification.
  if (isDemo(config, flags, env)) resolveSigningKey(config, logger)
  const { keys } = resolveTrustedKeys(flags, config, env)
  const { anchorDir } = config
  const { expectedChains, maxCheckpointAgeMs } = resolveExpectations({}, config, env)
  return {
    trustedKeys: keys,
    expectedChains,
    maxCheckpointAgeMs,
    ...(anchorDir ? { anchorDir } : {}),
  }
}
