import { ApprovalError, type Approver, type Guard } from '../../guard/index.js'

/**
 * A scripted approvals desk for the demo: watches the guard's pending approvals, first lets the
 * requester try to approve their own call (refused by the four-eyes rule), then approves as a
 * second officer. Stands in for a person using the HTTP API.
 */
export function startScriptedApprover(options: {
  guard: Guard
  officer: Approver
  print: (line: string) => void
  pollMs?: number
}): { stop(): void } {
  const { guard, officer, print } = options
  const handled = new Set<string>()
  let stopped = false
  const tick = async () => {
    for (const pending of await guard.approvals.pending()) {
      if (handled.has(pending.approvalId)) continue
      handled.add(pending.approvalId)
      print(
        `  approval needed: ${pending.count} of [${pending.roles.join(', ')}] (requested by ${pending.requestedBy})`,
      )
      try {
        await guard.approvals.approve(pending.approvalId, {
          id: pending.requestedBy,
          roles: [...pending.roles],
        })
      } catch (error) {
        if (error instanceof ApprovalError)
          print(`  ${pending.requestedBy} tries to approve it: refused (${error.code})`)
      }
      await guard.approvals.approve(pending.approvalId, officer, 'checked against the invoice')
      print(`  ${officer.id} (${officer.roles.join(', ')}) approves it`)
    }
  }
  const loop = async () => {
    while (!stopped) {
      await tick().catch((error: unknown) => print(`  approver error: ${String(error)}`))
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 50))
    }
  }
  void loop()
  return {
    stop() {
      stopped = true
    },
  }
}
