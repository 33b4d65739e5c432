import type { EntryBodyOf } from '../entries/index.js'
import { type Ledger, LedgerError } from '../ledger/index.js'
import { describeError, ValidationError } from '../shared/index.js'
import { GuardError } from './errors.js'

/**
 * The guard's one way to write an entry: appends to `chain` and turns ledger failures into the
 * guard's errors (a duplicate link, a body this ledger cannot store, an outage).
 * @internal
 */
export function createGuardAppend(ledger: Ledger, chain: string) {
  return async <T extends string>(type: T, body: EntryBodyOf<T>) => {
    try {
      return await ledger.append({ chain, type, body })
    } catch (error) {
      if (error instanceof LedgerError && error.code === 'LEDGER_DUPLICATE')
        throw new GuardError('GUARD_ALREADY_RECORDED', `${type} already recorded: ${error.message}`, {
          cause: error,
        })
      // Admitted, but past what this ledger stores (its body limits are lower than the admission
      // limits): bad input for this deployment, not an outage.
      if (error instanceof LedgerError && error.code === 'LEDGER_BODY_INVALID')
        throw new ValidationError(`tool call cannot be recorded: ${error.message}`, [
          { path: '(body)', message: error.message },
        ])
      throw new GuardError('GUARD_LEDGER_UNAVAILABLE', `cannot record ${type}: ${describeError(error)}`, {
        cause: error,
      })
    }
  }
}
