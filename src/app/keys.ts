import type { KeyObject } from 'node:crypto'
import { ensureRedactionKey, ensureSigningKey, loadSigningKey } from '../ledger/index.js'
import type { Logger } from '../shared/index.js'
import type { ArbiterConfig } from './load-config.js'

/**
 * The checkpoint signing key: the PEM file `config.signingKeyPath` (`ARBITER_SIGNING_KEY`), else
 * `<dataDir>/signing-key.pem`, generated on first use (the logger says so, with its path, never its
 * content).
 *
 * @throws {LedgerError} LEDGER_KEY_INVALID when the key file cannot be read or is not Ed25519.
 * @example
 * const signingKey = resolveSigningKey(loadConfig(), createLogger())
 */
export function resolveSigningKey(
  config: Pick<ArbiterConfig, 'signingKeyPath' | 'dataDir'>,
  logger: Logger,
): KeyObject {
  if (config.signingKeyPath) return loadSigningKey(config.signingKeyPath)
  return ensureSigningKey(config.dataDir, (generated) =>
    logger.warn(
      { path: generated },
      'generated a checkpoint signing key (set ARBITER_SIGNING_KEY in production)',
    ),
  )
}

/**
 * The redaction HMAC key: `config.redactionKey` (`ARBITER_REDACTION_KEY`), else
 * `<dataDir>/redaction-key`, generated on first use. Every process that guards one ledger must use the
 * same key, or equal values redact to different digests.
 *
 * @throws {LedgerError} LEDGER_KEY_INVALID when the key file is malformed or cannot be created.
 * @example
 * const guard = createGuard({ policy, ledger, redactionKey: resolveRedactionKey(config, logger) })
 */
export function resolveRedactionKey(
  config: Pick<ArbiterConfig, 'redactionKey' | 'dataDir'>,
  logger: Logger,
): string {
  if (config.redactionKey) return config.redactionKey
  return ensureRedactionKey(config.dataDir, (generated) =>
    logger.warn({ path: generated }, 'generated a redaction key (set ARBITER_REDACTION_KEY in production)'),
  )
}
