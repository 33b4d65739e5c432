import { performance } from 'node:perf_hooks'
import {
  ApprovalError,
  type DecisionAction,
  type DecisionBody,
  GuardError,
  type Reason,
  reasonsForModel,
  ToolDeniedError,
} from '../../guard/index.js'
import { describeError, silentLogger, ValidationError } from '../../shared/index.js'
import { callEventId, fingerprintOf } from './call-key.js'
import type { ApprovalState, HeldCall, HeldRun, TwoPhaseGuard, TwoPhaseOptions } from './two-phase.types.js'

/** Calls remembered per process; older ones fall back to the ledger (see `run`). */
const MAX_REMEMBERED = 10_000

/** A decision as this process knows it. */
interface Decided {
  readonly decisionId: string
  readonly action: DecisionAction
  readonly reasons: readonly Reason[]
  readonly approvalId?: string
  /** The decision is known to be about exactly these arguments (decided here, or bound by digest). */
  readonly bound: boolean
  /** Read back from the ledger: an earlier process may already have run it. */
  readonly fromLedger: boolean
}

/** Phase 1 refused the call before any decision (arguments the guard rejects, a reused call id). */
interface Refused {
  readonly refused: Reason
}

interface Remembered {
  readonly fingerprint: string
  readonly decided: Promise<Decided | Refused>
  ran: boolean
}

const reason = (rule: string, message: string): Reason => ({ rule, message })

/**
 * Creates the two-phase guard behind framework adapters whose approval hook and execute hook are
 * separate callbacks (OpenAI Agents SDK, Vercel AI SDK). Phase 1 records the decision (and the
 * approval request) under an `event_id` derived from the call; phase 2 finds it again, in this
 * process or in the ledger, and runs the call only when it was allowed or its approval was granted.
 * All approval state lives in the ledger; the in-process memory only binds a decision to the exact
 * arguments it was made for.
 * @internal
 */
export function createTwoPhaseGuard(options: TwoPhaseOptions): TwoPhaseGuard {
  const { guard, namespace, bindingKey } = options
  const logger = options.logger ?? silentLogger
  const memory = new Map<string, Remembered>()

  const keyOf = (call: HeldCall) => {
    const fingerprint = fingerprintOf(call)
    return { fingerprint, eventId: callEventId(namespace, { ...call, fingerprint }, bindingKey) }
  }

  const remember = (eventId: string, entry: Remembered): Remembered => {
    if (memory.size >= MAX_REMEMBERED) memory.delete(memory.keys().next().value!)
    memory.set(eventId, entry)
    return entry
  }

  const toInput = (call: HeldCall) => ({
    tool: { name: call.tool, kind: call.kind ?? 'client', ...(call.server ? { server: call.server } : {}) },
    // The model's arguments: the guard validates them before anything else looks at them.
    arguments: call.arguments,
    agent: call.context.agent,
    principal: call.context.principal,
    session: call.context.session,
    ...(call.context.context ? { context: call.context.context } : {}),
  })

  const fromBody = (call: HeldCall, body: DecisionBody): Decided | Refused => {
    // Without a binding digest, the event id says nothing about the tool: check it at least.
    if (body.input.tool.name !== call.tool)
      return {
        refused: reason(
          'arbiter.call_id_reused',
          `tool call id ${call.callId} was already used for ${body.input.tool.name}`,
        ),
      }
    return {
      decisionId: body.decision_id,
      action: body.action,
      reasons: body.reasons,
      bound: bindingKey !== undefined,
      fromLedger: true,
    }
  }

  const fromLedger = async (call: HeldCall, eventId: string): Promise<Decided | Refused | null> => {
    const [body] = await guard.findByEvent(eventId, 'decision')
    return body ? fromBody(call, body) : null
  }

  const decide = async (call: HeldCall, eventId: string): Promise<Decided | Refused> => {
    try {
      const recorded = await guard.decide(toInput(call), { eventId, callId: call.callId })
      const { action, reasons } = recorded.decision
      const approvalId = action === 'require_approval' ? await guard.requestApproval(recorded) : undefined
      return {
        decisionId: recorded.decisionId,
        action,
        reasons,
        bound: true,
        fromLedger: false,
        ...(approvalId ? { approvalId } : {}),
      }
    } catch (error) {
      if (error instanceof ValidationError) return { refused: reason('arbiter.invalid_input', error.message) }
      // Decided before: by another process, before a restart, or forgotten here (memory is bounded).
      if (error instanceof GuardError && error.code === 'GUARD_ALREADY_RECORDED') {
        const earlier = await fromLedger(call, eventId)
        if (earlier) return earlier
      }
      throw error
    }
  }

  /** The decision for `call`, without deciding anything: memory first, then the ledger. */
  const decidedFor = async (call: HeldCall): Promise<Decided | Refused | null> => {
    const { fingerprint, eventId } = keyOf(call)
    const known = memory.get(eventId)
    if (known) return known.fingerprint === fingerprint ? known.decided : null
    return fromLedger(call, eventId)
  }

  const pendingApprovalId = async (decided: Decided): Promise<string | undefined> =>
    decided.approvalId ??
    (await guard.approvals.pending()).find((p) => p.decisionId === decided.decisionId)?.approvalId

  /** Reads the approval without waiting; a refusal or expiry gets its `not_run` outcome (once). */
  const probe = async (decided: Decided): Promise<ApprovalState> => {
    const { decisionId } = decided
    let verdict: 'allow' | 'deny'
    try {
      verdict = await guard.resumeApproval(decisionId, AbortSignal.abort())
    } catch (error) {
      if (error instanceof GuardError && error.code === 'GUARD_APPROVAL_ABANDONED')
        return {
          state: 'pending',
          decisionId,
          ...(decided.approvalId ? { approvalId: decided.approvalId } : {}),
        }
      throw error
    }
    if (verdict === 'allow') return { state: 'approved', decisionId }
    return { state: 'denied', decisionId, reasons: [...decided.reasons, await denialReason(decided)] }
  }

  const denialReason = async (decided: Decided): Promise<Reason> => {
    const status = decided.approvalId ? await guard.approvals.status(decided.approvalId) : null
    if (status?.state === 'denied')
      return reason(
        'arbiter.approval_denied',
        `approval denied by ${status.deniedBy?.approver.id ?? 'an approver'}${status.deniedBy?.comment ? `: ${status.deniedBy.comment}` : ''}`,
      )
    if (status?.state === 'timed_out' || status?.state === 'expired')
      return reason('arbiter.approval_timeout', 'no approval in time')
    return reason('arbiter.approval_denied', 'approval was denied or expired')
  }

  const recordQuietly = async (decisionId: string, report: Parameters<typeof guard.recordOutcome>[1]) => {
    try {
      await guard.recordOutcome(decisionId, report)
    } catch (error) {
      // The tool has run: failing now would invite a retry. `outcomes --unknown` lists the decision.
      logger.error(
        { decisionId, err: describeError(error) },
        'outcome not recorded; decision left as outcome_unknown',
      )
    }
  }

  const runAndRecord = async <T>(decisionId: string, eventId: string, fn: () => T | Promise<T>) => {
    const started = performance.now()
    let result: T
    try {
      result = await fn()
    } catch (error) {
      const durationMs = performance.now() - started
      await recordQuietly(decisionId, { status: 'error', eventId, durationMs, error: describeError(error) })
      throw error
    }
    await recordQuietly(decisionId, {
      status: 'ok',
      eventId,
      durationMs: performance.now() - started,
      result,
    })
    return result
  }

  /** No decision anywhere: the framework ran the tool without asking its approval hook first. */
  const runUnheld = async <T>(
    call: HeldCall,
    eventId: string | undefined,
    fn: () => T | Promise<T>,
  ): Promise<HeldRun<T>> => {
    try {
      return {
        ran: true,
        result: await guard.execute(toInput(call), fn, {
          ...(eventId ? { eventId } : {}),
          ...(call.callId ? { callId: call.callId } : {}),
        }),
      }
    } catch (error) {
      if (error instanceof ToolDeniedError)
        return { ran: false, decisionId: error.decisionId, text: reasonsForModel(error.reasons) }
      if (error instanceof ValidationError)
        return { ran: false, text: reasonsForModel([reason('arbiter.invalid_input', error.message)]) }
      throw error
    }
  }

  return {
    async needsApproval(call) {
      const { fingerprint, eventId } = keyOf(call)
      const known = memory.get(eventId)
      // The same call id with other arguments: phase 2 refuses it, nothing to hold.
      if (known && known.fingerprint !== fingerprint) return false
      const entry = known ?? remember(eventId, { fingerprint, decided: decide(call, eventId), ran: false })
      let decided: Decided | Refused
      try {
        decided = await entry.decided
      } catch (error) {
        memory.delete(eventId)
        throw error
      }
      return 'action' in decided && decided.action === 'require_approval'
    },

    async run(call, fn) {
      // No call id (a framework path that skipped the approval hook): decide, wait for approvers, run.
      if (!call.callId) return runUnheld(call, undefined, fn)
      const { fingerprint, eventId } = keyOf(call)
      let entry = memory.get(eventId)
      if (entry && entry.fingerprint !== fingerprint)
        return {
          ran: false,
          text: reasonsForModel([
            reason('arbiter.call_id_reused', `tool call id ${call.callId} was already used for another call`),
          ]),
        }
      if (!entry) {
        const earlier = await fromLedger(call, eventId)
        if (!earlier) return runUnheld(call, eventId, fn)
        entry = remember(eventId, { fingerprint, decided: Promise.resolve(earlier), ran: false })
      }
      const decided = await entry.decided
      if ('refused' in decided) return { ran: false, text: reasonsForModel([decided.refused]) }
      const { decisionId } = decided
      const refuse = (reasons: readonly Reason[]): HeldRun<never> => ({
        ran: false,
        decisionId,
        text: reasonsForModel(reasons),
      })
      if (decided.action === 'deny') return refuse(decided.reasons)
      if (!decided.bound)
        return refuse([
          reason(
            'arbiter.unbound_call',
            `decision ${decisionId} was made by another process and cannot be bound to these arguments here (configure a bindingKey)`,
          ),
        ])
      if (entry.ran || (decided.fromLedger && (await guard.findByEvent(eventId, 'outcome')).length > 0))
        return refuse([reason('arbiter.already_ran', `decision ${decisionId} was already run`)])
      if (decided.action === 'require_approval') {
        const state = await probe(decided)
        if (state.state === 'denied') return refuse(state.reasons)
        if (state.state !== 'approved')
          return refuse([
            ...decided.reasons,
            reason('arbiter.approval_pending', `decision ${decisionId} is still waiting for approval`),
          ])
      }
      entry.ran = true
      return { ran: true, result: await runAndRecord(decisionId, eventId, fn) }
    },

    async answer(call, verdict, approver, comment) {
      const decided = await decidedFor(call)
      if (!decided || !('action' in decided) || decided.action !== 'require_approval')
        throw new ApprovalError('APPROVAL_NOT_FOUND', `no approval request for tool call ${call.callId}`)
      const approvalId = await pendingApprovalId(decided)
      if (!approvalId) {
        const state = await probe(decided)
        throw new ApprovalError('APPROVAL_CLOSED', `approval for tool call ${call.callId} is ${state.state}`)
      }
      if (verdict === 'approve') await guard.approvals.approve(approvalId, approver, comment)
      else await guard.approvals.deny(approvalId, approver, comment)
      return probe({ ...decided, approvalId })
    },

    async approvalState(call) {
      const decided = await decidedFor(call)
      if (!decided || !('action' in decided) || decided.action !== 'require_approval')
        return { state: 'none' }
      return probe(decided)
    },
  }
}
