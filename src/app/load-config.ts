import { resolve } from 'node:path'
import { DEFAULT_DATA_DIR, parseWitnessList, WitnessError, type WitnessRef } from '../ledger/index.js'
import { DEFAULT_BUNDLE_PATH } from '../policy/index.js'
import { ConfigError } from './errors.js'

/** pino's level names; `silent` turns logging off. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = (typeof LOG_LEVELS)[number]

/**
 * Where the ledger is and how Arbiter runs, resolved once from overrides (CLI flags, code), then the
 * environment, then defaults. Paths are absolute (resolved against the working directory at load time),
 * so the CLI and an embedding service given the same environment and directory open the same ledger.
 *
 * Holds secrets (`redactionKey`, a password inside `databaseUrl`): do not log it whole.
 */
export interface ArbiterConfig {
  /** `DATABASE_URL`: PostgreSQL; absent means the embedded PGlite database under `dataDir`. */
  readonly databaseUrl?: string
  /** `ARBITER_DATA_DIR` (default `./.arbiter`): the embedded database and the keys generated for it. */
  readonly dataDir: string
  /** `ARBITER_BUNDLE` (default `build/bundle.tar.gz`): the compiled policy bundle. */
  readonly bundlePath: string
  /**
   * `ARBITER_SHADOW_BUNDLE`: a candidate bundle evaluated next to the live one on every call (shadow
   * rollout); its decision is recorded in the same decision entry, never enforced. Unset: no shadow.
   */
  readonly shadowBundlePath?: string
  /** `ARBITER_SIGNING_KEY`: Ed25519 PEM file; absent means `<dataDir>/signing-key.pem`, generated once. */
  readonly signingKeyPath?: string
  /** `ARBITER_REDACTION_KEY` (16+ characters); absent means `<dataDir>/redaction-key`, generated once. */
  readonly redactionKey?: string
  /** `ARBITER_ANCHOR_DIR`: also write every signed checkpoint as a file here. */
  readonly anchorDir?: string
  readonly checkpoint: {
    /** `ARBITER_CHECKPOINT_EVERY` (default 1000; 0 = off): sign after this many entries per chain. */
    readonly everyEntries: number
    /** `ARBITER_CHECKPOINT_INTERVAL_MS` (default 60000; 0 = off): and at least this often. */
    readonly everyMs: number
  }
  /** `ARBITER_LOG_LEVEL` (default `info`). */
  readonly logLevel: LogLevel
  /**
   * `ARBITER_WITNESS_URLS`: witnesses every checkpoint is submitted to, comma- or space-separated
   * `<url>=<witness vkey>` (C2SP tlog-witness); none by default.
   */
  readonly witnesses: readonly WitnessRef[]
  /** `ARBITER_DEPLOYMENT` (default `arbiter`): names the log; a chain's origin is `<deployment>/<chain>`. */
  readonly deployment: string
  /**
   * Admission limits for every tool call (unset: the guard's defaults, depth 32 and 10,000 values).
   * `ARBITER_MAX_ARGUMENT_DEPTH`, `ARBITER_MAX_ARGUMENT_NODES`.
   */
  readonly admission: { readonly maxDepth?: number; readonly maxNodes?: number }
  /**
   * The policy evaluation budget (unset: 250 ms, one worker per core, 128 MiB).
   * `ARBITER_EVAL_TIMEOUT_MS`, `ARBITER_EVAL_WORKERS`, `ARBITER_EVAL_MAX_MEMORY_MB`.
   */
  readonly evaluation: {
    readonly evaluationTimeoutMs?: number
    readonly workers?: number
    readonly maxMemoryMiB?: number
  }
}

/** Values that win over the environment (CLI flags, or an application's own settings). */
export interface ConfigOverrides {
  readonly databaseUrl?: string
  readonly dataDir?: string
  readonly bundlePath?: string
  readonly shadowBundlePath?: string
  readonly signingKeyPath?: string
  readonly redactionKey?: string
  readonly anchorDir?: string
  readonly checkpoint?: { readonly everyEntries?: number; readonly everyMs?: number }
  readonly logLevel?: LogLevel
  /** More witnesses, `<url>=<vkey>` each (`arbiter serve --witness-url`), added to the environment's. */
  readonly witnessUrls?: readonly string[]
  readonly deployment?: string
  readonly admission?: ArbiterConfig['admission']
  readonly evaluation?: ArbiterConfig['evaluation']
}

/** Defaults that replace the built-in ones when neither an override nor the environment sets a value. */
export interface ConfigDefaults {
  readonly dataDir?: string
  readonly bundlePath?: string
  readonly logLevel?: LogLevel
}

export type Env = Readonly<Record<string, string | undefined>>

/** Every environment variable `loadConfig` reads. */
export const CONFIG_ENV_VARS = [
  'DATABASE_URL',
  'ARBITER_DATA_DIR',
  'ARBITER_BUNDLE',
  'ARBITER_SHADOW_BUNDLE',
  'ARBITER_SIGNING_KEY',
  'ARBITER_REDACTION_KEY',
  'ARBITER_ANCHOR_DIR',
  'ARBITER_CHECKPOINT_EVERY',
  'ARBITER_CHECKPOINT_INTERVAL_MS',
  'ARBITER_LOG_LEVEL',
  'ARBITER_MAX_ARGUMENT_DEPTH',
  'ARBITER_MAX_ARGUMENT_NODES',
  'ARBITER_EVAL_TIMEOUT_MS',
  'ARBITER_EVAL_WORKERS',
  'ARBITER_EVAL_MAX_MEMORY_MB',
  'ARBITER_WITNESS_URLS',
  'ARBITER_DEPLOYMENT',
] as const

const MIN_REDACTION_KEY_LENGTH = 16

function nonEmpty(value: string | undefined): string | undefined {
  return value !== undefined && value.length > 0 ? value : undefined
}

/**
 * Loads Arbiter's configuration the way the `arbiter` CLI does (it calls this too): overrides first,
 * then `DATABASE_URL`, `ARBITER_DATA_DIR`, `ARBITER_BUNDLE`, `ARBITER_SHADOW_BUNDLE`, `ARBITER_SIGNING_KEY`,
 * `ARBITER_REDACTION_KEY`, `ARBITER_ANCHOR_DIR`, `ARBITER_CHECKPOINT_EVERY`,
 * `ARBITER_CHECKPOINT_INTERVAL_MS` and `ARBITER_LOG_LEVEL`, then the defaults. Every bad value is
 * reported at once; secrets are never echoed.
 *
 * @throws {ConfigError} CONFIG_INVALID naming each variable that cannot be used.
 * @example
 * const config = loadConfig() // from process.env
 * const arbiter = await createArbiter(config)
 * const forTenant = loadConfig({ dataDir: '/var/lib/arbiter/acme' })
 */
export function loadConfig(
  overrides: ConfigOverrides = {},
  source: { readonly env?: Env; readonly defaults?: ConfigDefaults } = {},
): ArbiterConfig {
  const env = source.env ?? process.env
  const defaults = source.defaults ?? {}
  const problems: string[] = []
  const read = (name: (typeof CONFIG_ENV_VARS)[number]) => nonEmpty(env[name])

  const databaseUrl = nonEmpty(overrides.databaseUrl) ?? read('DATABASE_URL')
  if (databaseUrl !== undefined && !isPostgresUrl(databaseUrl))
    // The URL may carry a password: say what is wrong, never what it is.
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL')

  const redactionKey = nonEmpty(overrides.redactionKey) ?? read('ARBITER_REDACTION_KEY')
  if (redactionKey !== undefined && redactionKey.length < MIN_REDACTION_KEY_LENGTH)
    problems.push(`ARBITER_REDACTION_KEY must be at least ${MIN_REDACTION_KEY_LENGTH} characters`)

  const count = (name: (typeof CONFIG_ENV_VARS)[number], override: number | undefined, fallback: number) => {
    if (override !== undefined) {
      if (Number.isSafeInteger(override) && override >= 0) return override
      problems.push(`${name} must be a non-negative integer, got ${override}`)
      return fallback
    }
    const raw = read(name)
    if (raw === undefined) return fallback
    if (/^[0-9]{1,15}$/.test(raw)) return Number(raw)
    problems.push(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`)
    return fallback
  }
  const checkpoint = {
    everyEntries: count('ARBITER_CHECKPOINT_EVERY', overrides.checkpoint?.everyEntries, 1000),
    everyMs: count('ARBITER_CHECKPOINT_INTERVAL_MS', overrides.checkpoint?.everyMs, 60_000),
  }

  // Positive integers that, unset, leave the component's own default in force.
  const positive = (name: (typeof CONFIG_ENV_VARS)[number]): number | undefined => {
    const raw = read(name)
    if (raw === undefined) return undefined
    if (/^[1-9][0-9]{0,8}$/.test(raw)) return Number(raw)
    problems.push(`${name} must be a positive integer, got ${JSON.stringify(raw)}`)
    return undefined
  }
  const defined = <T extends Record<string, number | undefined>>(values: T) =>
    Object.fromEntries(Object.entries(values).filter(([, v]) => v !== undefined)) as {
      [K in keyof T]?: number
    }
  const admission = {
    ...defined({
      maxDepth: positive('ARBITER_MAX_ARGUMENT_DEPTH'),
      maxNodes: positive('ARBITER_MAX_ARGUMENT_NODES'),
    }),
    ...overrides.admission,
  }
  const evaluation = {
    ...defined({
      evaluationTimeoutMs: positive('ARBITER_EVAL_TIMEOUT_MS'),
      workers: positive('ARBITER_EVAL_WORKERS'),
      maxMemoryMiB: positive('ARBITER_EVAL_MAX_MEMORY_MB'),
    }),
    ...overrides.evaluation,
  }

  const level = overrides.logLevel ?? read('ARBITER_LOG_LEVEL') ?? defaults.logLevel ?? 'info'
  const logLevel = LOG_LEVELS.find((known) => known === level)
  if (!logLevel)
    problems.push(`ARBITER_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(level)}`)

  let witnesses: WitnessRef[] = []
  try {
    witnesses = [...(overrides.witnessUrls ?? []), read('ARBITER_WITNESS_URLS') ?? ''].flatMap((text) =>
      parseWitnessList(text),
    )
    const bare = witnesses.find((w) => w.url === undefined)
    if (bare) problems.push(`ARBITER_WITNESS_URLS: witness ${bare.key.name} needs a URL: <url>=<vkey>`)
  } catch (error) {
    if (!(error instanceof WitnessError)) throw error
    problems.push(`ARBITER_WITNESS_URLS: ${error.message}`)
  }
  const deployment = nonEmpty(overrides.deployment) ?? read('ARBITER_DEPLOYMENT') ?? 'arbiter'
  if (!/^[A-Za-z0-9][A-Za-z0-9._:/-]{0,199}$/.test(deployment))
    problems.push(
      `ARBITER_DEPLOYMENT must be a name like arbiter.example.com, got ${JSON.stringify(deployment).slice(0, 80)}`,
    )

  if (problems.length > 0)
    throw new ConfigError('CONFIG_INVALID', `invalid configuration: ${problems.join('; ')}`)

  const path = (value: string | undefined) => (value === undefined ? undefined : resolve(value))
  const signingKeyPath = path(nonEmpty(overrides.signingKeyPath) ?? read('ARBITER_SIGNING_KEY'))
  const anchorDir = path(nonEmpty(overrides.anchorDir) ?? read('ARBITER_ANCHOR_DIR'))
  const shadowBundlePath = path(nonEmpty(overrides.shadowBundlePath) ?? read('ARBITER_SHADOW_BUNDLE'))
  return {
    ...(databaseUrl !== undefined ? { databaseUrl } : {}),
    dataDir: resolve(
      nonEmpty(overrides.dataDir) ?? read('ARBITER_DATA_DIR') ?? defaults.dataDir ?? DEFAULT_DATA_DIR,
    ),
    bundlePath: resolve(
      nonEmpty(overrides.bundlePath) ?? read('ARBITER_BUNDLE') ?? defaults.bundlePath ?? DEFAULT_BUNDLE_PATH,
    ),
    ...(shadowBundlePath !== undefined ? { shadowBundlePath } : {}),
    ...(signingKeyPath !== undefined ? { signingKeyPath } : {}),
    ...(redactionKey !== undefined ? { redactionKey } : {}),
    ...(anchorDir !== undefined ? { anchorDir } : {}),
    checkpoint,
    witnesses,
    deployment,
    logLevel: logLevel ?? 'info',
    admission,
    evaluation,
  }
}

function isPostgresUrl(text: string): boolean {
  try {
    const url = new URL(text)
    return url.protocol === 'postgres:' || url.protocol === 'postgresql:'
  } catch {
    return false
  }
}
