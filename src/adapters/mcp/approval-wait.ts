import type { Guard, GuardVerdict, RecordedDecision } from '../../guard/index.js'
import { progressTokenOf, type RelayExtra } from './passthrough.js'

/**
 * Holds a `require_approval` call: opens its approval request (approvable in the web UI, the HTTP API
 * and the CLI, from any process: approvals are read from the ledger) and waits for it. While waiting, a
 * client that gave a `progressToken` gets a progress notification every `progressMs`, so it knows the
 * call is alive (and clients that reset their timeout on progress keep waiting). The client's
 * `notifications/cancelled` aborts `extra.signal`, which ends the wait.
 *
 * @throws {GuardError} GUARD_APPROVAL_ABANDONED when the client cancelled; GUARD_LEDGER_UNAVAILABLE.
 * @internal
 */
export async function waitForApproval(
  guard: Guard,
  recorded: RecordedDecision,
  extra: RelayExtra,
  progressMs: number,
  /** Counts the progress notifications sent, so later progress (the upstream's) continues after them. */
  sent: { count: number },
): Promise<GuardVerdict> {
  const approvalId = await guard.requestApproval(recorded)
  const token = progressTokenOf({ params: { _meta: extra._meta } })
  let timer: NodeJS.Timeout | undefined
  if (token !== undefined) {
    const roles = recorded.decision.approval?.roles.join(', ') ?? 'an approver'
    const tick = () => {
      sent.count += 1
      void extra
        .sendNotification({
          method: 'notifications/progress',
          params: {
            progressToken: token,
            progress: sent.count,
            message: `waiting for approval ${approvalId} (decision ${recorded.decisionId}) by ${roles}`,
          },
        })
        .catch(() => {})
    }
    tick()
    timer = setInterval(tick, progressMs)
  }
  try {
    return await guard.awaitApproval(recorded, approvalId, extra.signal)
  } finally {
    if (timer) clearInterval(timer)
  }
}
