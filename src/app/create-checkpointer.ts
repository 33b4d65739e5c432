import type { KeyObject } from 'node:crypto'
import type { Kysely } from 'kysely'
import { Checkpointer, type LedgerDatabase, type StoredCheckpoint } from '../ledger/index.js'
import type { Clock, Logger } from '../shared/index.js'
import { resolveSigningKey } from './keys.js'
import type { ArbiterConfig } from './load-config.js'

/**
 * The checkpointer for `config`: its signing key (`resolveSigningKey`), cadence
 * (`ARBITER_CHECKPOINT_EVERY`, `ARBITER_CHECKPOINT_INTERVAL_MS`) and anchor directory. Hand it to
 * `createLedger(db, { checkpointer })`, which starts its timer; `ledger.close()` stops it.
 *
 * @throws {LedgerError} LEDGER_KEY_INVALID when the signing key cannot be loaded.
 * @example
 * const checkpointer = createCheckpointer(database.db, config, { logger })
 * const ledger = createLedger(database.db, { checkpointer })
 */
export function createCheckpointer(
  db: Kysely<LedgerDatabase>,
  config: Pick<ArbiterConfig, 'signingKeyPath' | 'dataDir' | 'anchorDir' | 'checkpoint'> &
    Partial<Pick<ArbiterConfig, 'deployment'>>,
  options: {
    readonly logger: Logger
    readonly signingKey?: KeyObject
    readonly clock?: Clock
    readonly onSigned?: (checkpoint: StoredCheckpoint) => void
  },
): Checkpointer {
  return new Checkpointer(db, {
    signingKey: options.signingKey ?? resolveSigningKey(config, options.logger),
    everyEntries: config.checkpoint.everyEntries,
    everyMs: config.checkpoint.everyMs,
    ...(config.anchorDir ? { anchorDir: config.anchorDir } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
    logger: options.logger,
    ...(config.deployment ? { deployment: config.deployment } : {}),
    ...(options.onSigned ? { onSigned: options.onSigned } : {}),
  })
}
