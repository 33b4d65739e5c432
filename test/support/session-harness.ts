import { createRequire } from 'node:module'
import type Anthropic from '@anthropic-ai/sdk'
import { expect, vi } from 'vitest'
import { createSessionGuard, type SessionGuardOptions } from '../../src/adapters/managed-agents/index.js'
import { healthToolName } from '../../src/demo/scenarios/health.js'
import { type StandInServer, type StandInSession, step } from '../../src/demo/stand-in/index.js'
import type { Guard } from '../../src/guard/index.js'

export const readRecord = { patient_id: 'MRN-004211', purpose: 'treatment' }
export const phiEmail = { to: 'team@example.org', subject: 'update', body: 'MRN-004211 potassium 6.1' }

/** Script steps the care-session tests share. */
export const careStep = {
  /** A web search the runtime's `auto` mode lets through although it carries a patient id (policy denies). */
  phiSearch: (as = 'search') =>
    step.toolUse({
      as,
      name: 'web_search',
      permission: 'allow',
      policy: 'auto',
      input: { query: 'MRN-004211 hyperkalemia' },
    }),
  /** A record read the runtime holds for confirmation (policy allows it). */
  heldRead: (as = 'read') =>
    step.toolUse({ as, name: 'read_record', mcpServer: 'ehr', permission: 'ask', input: readRecord }),
}

/** An e-mail to a client the fintech pack holds for a compliance officer's approval. */
export const statementMail = () =>
  step.toolUse({
    as: 'mail',
    name: 'send',
    mcpServer: 'email',
    permission: 'ask',
    input: { to: 'client@example.com', subject: 'Statement', body: 'Attached.' },
  })

/** A session guard for the fintech assistant, acting for teller emp-101. */
export function tellerSessionGuard(client: Pick<Anthropic, 'beta'>, guard: Guard, sessionId: string) {
  return createSessionGuard({
    client,
    guard,
    sessionId,
    agent: { id: 'fin-assistant', runtime: 'anthropic-managed-agents' },
    principal: { id: 'emp-101', roles: ['teller'] },
  })
}

export type Sent = Record<string, unknown>
export const confirmations = (sent: Sent[]) => sent.filter((e) => e.type === 'user.tool_confirmation')

/** Every `user.tool_confirmation` a client sent for `toolUseId`, accepted or refused by the runtime. */
export function confirmationAttempts(session: StandInSession, toolUseId: string | undefined): number {
  return [...session.sent, ...session.rejected.map((r) => r.event)].filter(
    (e) => e.type === 'user.tool_confirmation' && e.tool_use_id === toolUseId,
  ).length
}

/**
 * The SDK loaded a second time, from its CommonJS build: the same version, but other classes than the
 * ESM copy Arbiter imports, as when an application bundles its own copy. `instanceof` fails across them.
 */
export const otherSdk = createRequire(import.meta.url)('@anthropic-ai/sdk') as {
  readonly Anthropic: typeof Anthropic
  readonly APIError: typeof Anthropic.APIError
}

/** A session guard for the care assistant (health pack), with quick reconnects. */
export function careSessionGuard(
  client: Pick<Anthropic, 'beta'>,
  guard: Guard,
  sessionId: string,
  extra: Partial<SessionGuardOptions> = {},
) {
  return createSessionGuard({
    client,
    guard,
    sessionId,
    agent: { id: 'care-assistant', runtime: 'anthropic-managed-agents' },
    principal: { id: 'dr-chen', roles: ['clinician'] },
    toolName: healthToolName,
    reconnect: { initialMs: 20, maxMs: 100 },
    ...extra,
  })
}

/**
 * Starts a `manual` session once `clients` clients have attached and read its history, so every event
 * reaches them live on their streams (not in the catch-up list).
 */
export async function startOnceFollowed(
  standIn: StandInServer,
  sessionId: string,
  clients = 1,
): Promise<void> {
  const listPath = `/v1/sessions/${sessionId}/events`
  await vi.waitFor(() =>
    expect(
      standIn.requests.filter((r) => r.method === 'GET' && r.path === listPath).length,
    ).toBeGreaterThanOrEqual(clients),
  )
  standIn.session(sessionId).start()
}
