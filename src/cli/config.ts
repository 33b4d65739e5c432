import type { KeyObject } from 'node:crypto'
import type { Command } from 'commander'
import type { Kysely } from 'kysely'
import { z } from 'zod'
import {
  Checkpointer,
  type CheckpointerOptions,
  type CreateLedgerOptions,
  DEFAULT_DATA_DIR,
  ensureRedactionKey,
  ensureSigningKey,
  type LedgerDatabase,
  loadSigningKey,
} from '../ledger/index.js'
import type { Logger } from '../shared/index.js'
import { CliExit } from './main.js'

/**
 * Configuration from flags and environment, resolved in one place so every command (migrate, verify,
 * serve, demo…) reads the same variables the same way:
 *
 * | flag              | env                              | default            |
 * |-------------------|----------------------------------|--------------------|
 * | --database-url    | DATABASE_URL                     | (embedded PGlite)  |
 * | --data-dir        | ARBITER_DATA_DIR                 | ./.arbiter         |
 * | --anchor-dir      | ARBITER_ANCHOR_DIR               | (none)             |
 * |                   | ARBITER_SIGNING_KEY (PEM path)   | <data-dir>/signing-key.pem, generated |
 * |                   | ARBITER_REDACTION_KEY            | <data-dir>/redaction-key, generated   |
 * |                   | ARBITER_CHECKPOINT_EVERY         | 1000 entries       |
 * |                   | ARBITER_CHECKPOINT_INTERVAL_MS   | 60000              |
 * |                   | ARBITER_MAX_ARGUMENT_DEPTH       | 32                 |
 * |                   | ARBITER_MAX_ARGUMENT_NODES       | 10000              |
 * |                   | ARBITER_EVAL_TIMEOUT_MS          | 250                |
 * |                   | ARBITER_EVAL_WORKERS             | available cores    |
 * |                   | ARBITER_EVAL_MAX_MEMORY_MB       | 128                |
 */
export interface DatabaseConfig {
  readonly databaseUrl?: string
  readonly dataDir: string
}

export interface DatabaseFlags {
  readonly databaseUrl?: string
  readonly dataDir?: string
}

type Env = Readonly<Record<string, string | undefined>>

/**
 * Adds `--database-url` and `--data-dir` to a command.
 *
 * @example
 * addDatabaseOptions(program.command('migrate')).action(async (flags) => resolveDatabaseConfig(flags))
 */
export function addDatabaseOptions(command: Command): Command {
  return command
    .option('--database-url <url>', 'PostgreSQL URL (env DATABASE_URL); default: embedded PGlite')
    .option(
      '--data-dir <dir>',
      `embedded database and key directory (env ARBITER_DATA_DIR; default ${DEFAULT_DATA_DIR})`,
    )
}

/**
 * Resolves where the database is: flags first, then environment, then the embedded default.
 *
 * @example
 * const config = resolveDatabaseConfig({}, process.env) // { dataDir: '.arbiter' }
 * const handle = await openDatabase(config)
 */
export function resolveDatabaseConfig(flags: DatabaseFlags, env: Env = process.env): DatabaseConfig {
  const databaseUrl = flags.databaseUrl ?? nonEmpty(env.DATABASE_URL)
  const dataDir = flags.dataDir ?? nonEmpty(env.ARBITER_DATA_DIR) ?? DEFAULT_DATA_DIR
  return databaseUrl ? { databaseUrl, dataDir } : { dataDir }
}

/**
 * The checkpoint signing key: `ARBITER_SIGNING_KEY` (a PEM file path), else a key generated once under
 * the data dir (the logger says so, with its path, never its content).
 *
 * @throws {CliExit} when the configured key cannot be read.
 * @example
 * const signingKey = resolveSigningKey(config.dataDir, logger)
 */
export function resolveSigningKey(dataDir: string, logger: Logger, env: Env = process.env): KeyObject {
  const path = nonEmpty(env.ARBITER_SIGNING_KEY)
  if (path) return loadSigningKey(path)
  return ensureSigningKey(dataDir, (generated) =>
    logger.warn(
      { path: generated },
      'generated a checkpoint signing key (set ARBITER_SIGNING_KEY in production)',
    ),
  )
}

/**
 * The redaction HMAC key: `ARBITER_REDACTION_KEY`, else a key generated once under the data dir.
 *
 * @example
 * const redactionKey = resolveRedactionKey(config.dataDir, logger)
 */
export function resolveRedactionKey(dataDir: string, logger: Logger, env: Env = process.env): string {
  const key = nonEmpty(env.ARBITER_REDACTION_KEY)
  if (key) {
    if (key.length < 16) throw new CliExit('ARBITER_REDACTION_KEY must be at least 16 characters')
    return key
  }
  return ensureRedactionKey(dataDir, (generated) =>
    logger.warn({ path: generated }, 'generated a redaction key (set ARBITER_REDACTION_KEY in production)'),
  )
}

/** `--anchor-dir` or `ARBITER_ANCHOR_DIR`. */
export function resolveAnchorDir(flag: string | undefined, env: Env = process.env): string | undefined {
  return flag ?? nonEmpty(env.ARBITER_ANCHOR_DIR)
}

const countSchema = z.coerce.number().int().min(0)

/**
 * Checkpoint cadence from `ARBITER_CHECKPOINT_EVERY` (entries) and `ARBITER_CHECKPOINT_INTERVAL_MS`.
 *
 * @throws {CliExit} when a value is not a non-negative integer.
 * @example
 * const checkpointer = new Checkpointer(db, { signingKey, ...resolveCheckpointCadence() })
 */
export function resolveCheckpointCadence(
  env: Env = process.env,
): Pick<CheckpointerOptions, 'everyEntries' | 'everyMs'> {
  const parse = (name: string, fallback: number) => {
    const raw = nonEmpty(env[name])
    if (raw === undefined) return fallback
    const parsed = countSchema.safeParse(raw)
    if (!parsed.success)
      throw new CliExit(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`)
    return parsed.data
  }
  return {
    everyEntries: parse('ARBITER_CHECKPOINT_EVERY', 1000),
    everyMs: parse('ARBITER_CHECKPOINT_INTERVAL_MS', 60_000),
  }
}

const positiveSchema = z.coerce.number().int().min(1)

/** A positive integer from `env[name]`, or undefined when unset. */
function positiveFromEnv(env: Env, name: string): number | undefined {
  const raw = nonEmpty(env[name])
  if (raw === undefined) return undefined
  const parsed = positiveSchema.safeParse(raw)
  if (!parsed.success) throw new CliExit(`${name} must be a positive integer, got ${JSON.stringify(raw)}`, 2)
  return parsed.data
}

/**
 * Admission limits for tool calls from `ARBITER_MAX_ARGUMENT_DEPTH` and `ARBITER_MAX_ARGUMENT_NODES`
 * (unset: the guard's defaults, 32 and 10,000). Pass the result as `createGuard({ admission })`.
 *
 * @throws {CliExit} when a value is not a positive integer.
 * @example
 * const guard = createGuard({ policy, ledger, redactionKey, admission: resolveAdmissionLimits() })
 */
export function resolveAdmissionLimits(env: Env = process.env): { maxDepth?: number; maxNodes?: number } {
  const maxDepth = positiveFromEnv(env, 'ARBITER_MAX_ARGUMENT_DEPTH')
  const maxNodes = positiveFromEnv(env, 'ARBITER_MAX_ARGUMENT_NODES')
  return { ...(maxDepth ? { maxDepth } : {}), ...(maxNodes ? { maxNodes } : {}) }
}

/**
 * The policy evaluation budget from `ARBITER_EVAL_TIMEOUT_MS`, `ARBITER_EVAL_WORKERS` and
 * `ARBITER_EVAL_MAX_MEMORY_MB` (unset: the engine's defaults, 250 ms, one worker per core, 128 MiB).
 * Spread the result into `loadPolicyEngine` options.
 *
 * @throws {CliExit} when a value is not a positive integer.
 * @example
 * const engine = await loadPolicyEngine({ bundlePath, ...resolveEvaluationBudget() })
 */
export function resolveEvaluationBudget(env: Env = process.env): {
  evaluationTimeoutMs?: number
  workers?: number
  maxMemoryMiB?: number
} {
  const evaluationTimeoutMs = positiveFromEnv(env, 'ARBITER_EVAL_TIMEOUT_MS')
  const workers = positiveFromEnv(env, 'ARBITER_EVAL_WORKERS')
  const maxMemoryMiB = positiveFromEnv(env, 'ARBITER_EVAL_MAX_MEMORY_MB')
  return {
    ...(evaluationTimeoutMs ? { evaluationTimeoutMs } : {}),
    ...(workers ? { workers } : {}),
    ...(maxMemoryMiB ? { maxMemoryMiB } : {}),
  }
}

function nonEmpty(value: string | undefined): string | undefined {
  return value && value.length > 0 ? value : undefined
}

/**
 * Ledger options for a long-running process (serve, demo): a checkpointer with the configured signing
 * key, cadence and anchor dir. Pass the result to `createLedger`; `ledger.close()` stops the timer.
 *
 * @example
 * const handle = await openDatabase(config)
 * const ledger = createLedger(handle.db, resolveLedgerOptions(handle.db, config, logger, { anchorDir }))
 */
export function resolveLedgerOptions(
  db: Kysely<LedgerDatabase>,
  config: DatabaseConfig,
  logger: Logger,
  flags: { readonly anchorDir?: string } = {},
  env: Env = process.env,
): CreateLedgerOptions {
  const anchorDir = resolveAnchorDir(flags.anchorDir, env)
  const checkpointer = new Checkpointer(db, {
    signingKey: resolveSigningKey(config.dataDir, logger, env),
    ...resolveCheckpointCadence(env),
    ...(anchorDir ? { anchorDir } : {}),
    logger,
  })
  return { checkpointer }
}
