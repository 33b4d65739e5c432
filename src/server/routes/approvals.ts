import type { Router } from 'express'
import { SkippedEntries, safeParseEntryBody } from '../../entries/index.js'
import type { ApprovalStatus } from '../../guard/index.js'
import type { LedgerEntry } from '../../ledger/index.js'
import { approvalParamsSchema, approvalsQuerySchema, approvalVerdictBodySchema } from '../api-schemas.js'
import { principalOf, requirePermission } from '../auth/authenticate.js'
import { callerOf } from '../auth/key-binding.js'
import type { ServerDeps } from '../server.types.js'
import { parseRequest } from '../validate.js'

interface ApprovalItem {
  approval_id: string
  decision_id: string
  state: ApprovalStatus['state']
  roles: string[]
  count: number
  requested_by: string
  caller: { key_id: string; identity: string; principal_id: string } | null
  expires_at: string
  approved_by: { id: string; roles: string[] }[]
  request: LedgerEntry
  decision: LedgerEntry | null
  votes: LedgerEntry[]
}

/**
 * Approval requests of the guard's chain, newest first. States come from the guard's approval desk
 * (which applies the four-eyes rules), not from counting votes here. A request whose body does not
 * match its schema is left out, with a warning that counts them.
 */
export async function listApprovalItems(
  deps: ServerDeps,
  options: { pendingOnly: boolean; limit?: number },
): Promise<ApprovalItem[]> {
  const records = await deps.queries.listApprovals({
    chain: deps.guard.chain,
    limit: options.limit,
    ...(options.pendingOnly ? { expiresAfter: deps.clock.now() } : {}),
  })
  const items: ApprovalItem[] = []
  const skipped = new SkippedEntries()
  for (const { request, votes } of records) {
    const parsed = safeParseEntryBody('approval_request', request.body, request)
    if (!parsed.ok) {
      skipped.note(parsed.error)
      continue
    }
    const status = await deps.guard.approvals.status(parsed.body.approval_id)
    if (!status || (options.pendingOnly && status.state !== 'pending')) continue
    const linked = await deps.queries.linkedEntries(status.decisionId, request.chain)
    items.push({
      approval_id: status.approvalId,
      decision_id: status.decisionId,
      state: status.state,
      roles: [...status.roles],
      count: status.count,
      requested_by: status.requestedBy,
      caller: status.caller
        ? {
            key_id: status.caller.keyId,
            identity: status.caller.identity,
            principal_id: status.caller.principalId,
          }
        : null,
      expires_at: status.expiresAt,
      approved_by: status.approvedBy.map((a) => ({ id: a.id, roles: [...a.roles] })),
      request,
      decision: linked.find((e) => e.type === 'decision') ?? null,
      votes,
    })
  }
  skipped.warn(deps.logger, 'approval queue')
  return items
}

/**
 * The approval queue. The approver's identity is the API key's principal id and roles, and the key
 * itself is passed as the caller, so the guard's four-eyes rules apply to HTTP approvals too: not the
 * principal of the call, not the identity or the key that filed it (admin keys included), and a
 * required role.
 *
 * @example
 * registerApprovalRoutes(v1, deps)
 */
export function registerApprovalRoutes(router: Router, deps: ServerDeps): void {
  router.get('/approvals', requirePermission('read'), async (req, res) => {
    const { status, limit } = parseRequest(approvalsQuerySchema, req.query, 'query')
    res.json({ approvals: await listApprovalItems(deps, { pendingOnly: status === 'pending', limit }) })
  })

  router.post('/approvals/:id', requirePermission('approve'), async (req, res) => {
    const { id } = parseRequest(approvalParamsSchema, req.params, 'params')
    const { verdict, comment } = parseRequest(approvalVerdictBodySchema, req.body, 'body')
    const principal = principalOf(res)
    const approver = { id: principal.principalId, roles: [...principal.roles] }
    const caller = callerOf(principal)
    const desk = deps.guard.approvals
    const status =
      verdict === 'approve'
        ? await desk.approve(id, approver, comment, caller)
        : await desk.deny(id, approver, comment, caller)
    res.json({ approval_id: status.approvalId, verdict, state: status.state })
  })
}
