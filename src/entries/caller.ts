import { z } from 'zod'

/**
 * Which API key made a request, and what it is bound to (docs/trust-model.md): the agent or service
 * id it speaks as and its own principal (the person or service that holds it). The ledger records it
 * as `caller: {key_id, identity, principal_id}` on the bodies the request wrote; never the secret.
 * In-process calls have no caller: the process itself is trusted.
 */
export interface Caller {
  readonly keyId: string
  readonly identity: string
  readonly principalId: string
}

/** `caller` as stored in a body and read back (loose: a newer version may add members). */
export const callerBodySchema = z.looseObject({
  key_id: z.string().min(1),
  identity: z.string().min(1),
  principal_id: z.string().min(1),
})
export type CallerBody = { key_id: string; identity: string; principal_id: string }

/** The body form of a caller, or nothing to spread when there is none. */
export function callerField(caller: Caller | undefined): { caller?: CallerBody } {
  return caller
    ? { caller: { key_id: caller.keyId, identity: caller.identity, principal_id: caller.principalId } }
    : {}
}

/** The camel-case form of a stored `caller`. */
export function toCaller(body: CallerBody | undefined): Caller | undefined {
  return body ? { keyId: body.key_id, identity: body.identity, principalId: body.principal_id } : undefined
}

/**
 * A stored `caller` read back defensively: undefined when absent or malformed, so an entry whose
 * caller does not parse belongs to no key.
 *
 * @example
 * readCaller(entry.body.caller) // { key_id: '…', identity: 'fin-assistant', principal_id: 'alice' }
 */
export function readCaller(raw: unknown): CallerBody | undefined {
  const parsed = callerBodySchema.safeParse(raw)
  return parsed.success ? parsed.data : undefined
}
