import { createHmac, randomUUID } from 'node:crypto'
import { canonicalJson } from '../../shared/index.js'
import type { HeldCall } from './two-phase.types.js'

/**
 * What makes two sightings of a tool call the same call: its tool and its arguments, exactly. Kept in
 * memory only (arguments are never written anywhere from here). A value that cannot be canonicalised
 * gets a fingerprint no other call shares; the guard refuses such arguments anyway.
 */
export function fingerprintOf(call: Pick<HeldCall, 'tool' | 'arguments'>): string {
  try {
    return canonicalJson({ tool: call.tool, arguments: call.arguments })
  } catch {
    return `unrepresentable:${randomUUID()}`
  }
}

/**
 * The ledger `event_id` of a call's decision. The framework's call id alone is not enough: it comes
 * from the model provider's response, so two sessions (or a replayed or forged response) may repeat
 * one. The session id keeps sessions apart; with a `bindingKey`, an HMAC of tool and arguments binds
 * the decision to exactly those arguments, so a process that finds it in the ledger later (to run an
 * approved call) knows the call it is about to run is the one that was decided and approved. Keyed,
 * because a plain digest of low-entropy arguments (a patient id) would let ledger readers confirm a
 * guess of a value the ledger redacts.
 */
export function callEventId(
  namespace: string,
  call: Pick<HeldCall, 'callId' | 'context'> & { fingerprint: string },
  bindingKey: string | Uint8Array | undefined,
): string {
  const base = `${namespace}:${call.context.session.id}:${call.callId}`
  if (bindingKey === undefined) return base
  return `${base}:${createHmac('sha256', bindingKey).update(call.fingerprint).digest('hex')}`
}
