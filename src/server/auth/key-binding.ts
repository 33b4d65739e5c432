import type { Caller } from '../../guard/index.js'
import { parseWith } from '../../shared/index.js'
import { decisionRequestSchema } from '../api-schemas.js'
import { HttpError } from '../http-errors.js'

/**
 * What an API key is bound to (docs/trust-model.md): as whom it speaks and for whom it may act.
 * Over HTTP, identity and authority come from here, never from the request body alone.
 */
export interface KeyBinding {
  /** Agent or service id the key speaks as: the `agent.id` of its calls, the requester in four-eyes checks. */
  readonly identity: string
  /** The key's own principal: approvals are recorded under it; the principal of a call that names none. */
  readonly principalId: string
  /** Roles of the key's own principal. */
  readonly roles: readonly string[]
  /** Further principal ids the key may name in a call. */
  readonly actFor: readonly string[]
  /** Roles the key may claim for `actFor` principals and asserted end users. */
  readonly assertRoles: readonly string[]
  /** A trusted front end: may name any end-user principal id (roles still limited to `assertRoles`). */
  readonly frontEnd: boolean
}

/** The identity parts of a call as a client claims them; any part may be left out. */
export interface CallClaim {
  readonly agentId?: string | undefined
  readonly principal?: { readonly id?: string | undefined; readonly roles?: readonly string[] | undefined }
}

/** Agent and principal of a call after the key's binding was applied. */
export interface BoundCall {
  readonly agentId: string
  readonly principal: { readonly id: string; readonly roles: string[] }
}

/**
 * Roles `binding` may claim for `principalId`, or null when it may not act for that principal at all.
 * Its own principal gets its own roles; an act-for principal or a front end's end user gets `assertRoles`.
 *
 * @example
 * assertableRoles({ ...binding, principalId: 'alice', roles: ['teller'] }, 'alice') // ['teller']
 */
export function assertableRoles(binding: KeyBinding, principalId: string): readonly string[] | null {
  const own = principalId === binding.principalId
  const other = binding.frontEnd || binding.actFor.includes(principalId)
  if (!own && !other) return null
  return [...new Set([...(own ? binding.roles : []), ...(other ? binding.assertRoles : [])])]
}

const quoted = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(', ')

function actsFor(binding: KeyBinding): string {
  return quoted([binding.principalId, ...binding.actFor.filter((id) => id !== binding.principalId)])
}

/**
 * Applies a key's binding to what a call claims: the agent is the key's identity; the principal is the
 * one named (if the key may act for it) or else the key's own; roles are the ones claimed (if the key
 * may claim each of them for that principal) or else the key's own for its own principal, none for
 * anyone else. Anything outside the binding is refused, not narrowed, so a client learns at once.
 * The MCP gateway's HTTP mode uses the same function (a front end's asserted end user is the claim).
 *
 * @throws {HttpError} FORBIDDEN naming the agent, principal or roles refused.
 * @example
 * const { agentId, principal } = resolveCallIdentity(key, { principal: { id: 'u-17', roles: ['teller'] } })
 */
export function resolveCallIdentity(binding: KeyBinding, claim: CallClaim): BoundCall {
  if (claim.agentId !== undefined && claim.agentId !== binding.identity)
    throw new HttpError(
      'FORBIDDEN',
      `agent ${JSON.stringify(claim.agentId)} refused: this key speaks as agent ${JSON.stringify(binding.identity)}`,
    )
  const principalId = claim.principal?.id ?? binding.principalId
  const allowed = assertableRoles(binding, principalId)
  if (!allowed)
    throw new HttpError(
      'FORBIDDEN',
      `principal ${JSON.stringify(principalId)} refused: this key acts for ${actsFor(binding)} only`,
    )
  const claimed = claim.principal?.roles
  if (claimed === undefined) {
    const roles = principalId === binding.principalId ? [...binding.roles] : []
    return { agentId: binding.identity, principal: { id: principalId, roles } }
  }
  const refused = claimed.filter((role) => !allowed.includes(role))
  if (refused.length > 0)
    throw new HttpError(
      'FORBIDDEN',
      `roles ${quoted(refused)} refused for principal ${JSON.stringify(principalId)}: this key may claim ` +
        `${allowed.length ? quoted(allowed) : 'no roles'} for it`,
    )
  return { agentId: binding.identity, principal: { id: principalId, roles: [...new Set(claimed)] } }
}

/**
 * The HTTP decision request with the key's binding applied: a `ToolCallInput` whose `agent` and
 * `principal` the key may speak for (missing parts filled from the binding; `agent.runtime` defaults
 * to `http`). The rest of the body is left for the guard to validate.
 *
 * @throws {ValidationError} VALIDATION_FAILED when the body or its identity parts are malformed.
 * @throws {HttpError} FORBIDDEN from {@link resolveCallIdentity}.
 * @example
 * const input = bindToolCall(principalOf(res), req.body)
 */
export function bindToolCall(binding: KeyBinding, body: unknown): Record<string, unknown> {
  // The body is attacker-controlled: its identity parts are checked here, everything else by the guard.
  const request = parseWith(decisionRequestSchema, body, 'tool call')
  const bound = resolveCallIdentity(binding, { agentId: request.agent?.id, principal: request.principal })
  return {
    ...request,
    agent: { runtime: 'http', ...request.agent, id: bound.agentId },
    principal: { ...request.principal, ...bound.principal },
  }
}

/**
 * Which key made a request, as the ledger records it (`caller: {key_id, identity, principal_id}`);
 * never the secret.
 *
 * @example
 * await guard.recordOutcome(id, { status: 'ok', caller: callerOf(principalOf(res)) })
 */
export function callerOf(key: {
  readonly keyId: string
  readonly identity: string
  readonly principalId: string
}): Caller {
  return { keyId: key.keyId, identity: key.identity, principalId: key.principalId }
}

/**
 * What `GET /v1/whoami` answers: the key's role and binding (never its secret or hash).
 *
 * @example
 * res.json(whoamiOf(principalOf(res)))
 */
export function whoamiOf(key: KeyBinding & { keyId: string; name: string; role: string }) {
  return {
    key_id: key.keyId,
    name: key.name,
    role: key.role,
    identity: key.identity,
    principal_id: key.principalId,
    roles: [...key.roles],
    act_for: [...key.actFor],
    assert_roles: [...key.assertRoles],
    front_end: key.frontEnd,
  }
}
