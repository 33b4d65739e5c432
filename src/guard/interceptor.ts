import { performance } from 'node:perf_hooks'
import {
  type EntryBodyOf,
  readEntries,
  readEntry,
  SkippedEntries,
  toApprovalRequestBody,
  toDecisionBody,
  toOutcomeBody,
} from '../entries/index.js'
import { LedgerError } from '../ledger/index.js'
import { type PolicyEvaluation, parseToolCallInput, type ToolCallInput } from '../policy/index.js'
import { describeError, randomIds, silentLogger, systemClock, ValidationError } from '../shared/index.js'
import {
  type AdmissionLimits,
  admitToolCall,
  assertArgumentBytes,
  DEFAULT_ADMISSION_LIMITS,
} from './admission.js'
import { createApprovalDesk } from './approvals.js'
import { needsApproval, vetoed } from './decision-entry.js'
import { GuardError, ToolDeniedError } from './errors.js'
import { createFreeTextScrubber } from './free-text.js'
import type { Guard, GuardOptions, GuardVerdict, OutcomeReport, RecordedDecision } from './guard.types.js'
import { createIdentityScanner } from './identity-scan.js'
import { type ProtectedDecision, protectDecision } from './scrub.js'
import { scrubOutcomeBody } from './scrub-outcome.js'
import type { ValueScrubber } from './value-scrubber.js'
import { toWrapped } from './wrap.js'

const DEFAULT_APPROVAL_TIMEOUT_MS = 5 * 60_000
const DEFAULT_POLL_MS = 500

/**
 * Creates the guard: the one place a tool call becomes a policy decision, a durable ledger entry, and
 * then (only if allowed) a run with its recorded outcome.
 *
 * @throws {ValidationError} VALIDATION_FAILED / PAYLOAD_TOO_LARGE (from `check`) for a malformed call,
 *   or one past the admission limits (the message names the limit, e.g. `max_depth`).
 * @throws {GuardError} GUARD_POLICY_FAILED, GUARD_REDACTION_FAILED, GUARD_LEDGER_UNAVAILABLE: nothing ran.
 * @throws {ToolDeniedError} TOOL_DENIED (from `execute` and wrapped functions) with the policy's reasons.
 * @example
 * const guard = createGuard({ policy: engine, ledger, redactionKey: process.env.ARBITER_REDACTION_KEY! })
 * const transfer = guard.wrap('payments.transfer', doTransfer, {
 *   context: { agent: { id: 'fin-assistant', runtime: 'custom' }, principal: { id: 'u1', roles: ['customer'] }, session: { id: 's1' } },
 * })
 * await transfer({ amount: 100, currency: 'EUR', to: 'DE89…' })
 */
export function createGuard(options: GuardOptions): Guard {
  const { ledger, policy } = options
  const chain = options.chain ?? 'default'
  const clock = options.clock ?? systemClock
  const ids = options.ids ?? randomIds
  const logger = options.logger ?? silentLogger
  const timeoutMs = options.approvals?.timeoutMs ?? DEFAULT_APPROVAL_TIMEOUT_MS
  const pollMs = options.approvals?.pollMs ?? DEFAULT_POLL_MS
  const limits: AdmissionLimits = {
    maxDepth: options.admission?.maxDepth ?? DEFAULT_ADMISSION_LIMITS.maxDepth,
    maxNodes: options.admission?.maxNodes ?? DEFAULT_ADMISSION_LIMITS.maxNodes,
    maxArgumentBytes:
      options.admission?.maxArgumentBytes ??
      options.maxArgumentBytes ??
      DEFAULT_ADMISSION_LIMITS.maxArgumentBytes,
  }
  // Free text that never went through a decision (tool errors, approval comments) is checked by
  // the policy's detectors and the decision's redaction markers before it is stored.
  const texts = createFreeTextScrubber({ policy, ledger, chain, redactionKey: options.redactionKey, logger })
  const approvals = createApprovalDesk({ ledger, chain, clock, logger, texts, pollMs })
  const flaggedIdentity = createIdentityScanner(policy, logger)

  const append = async <T extends string>(type: T, body: EntryBodyOf<T>) => {
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

  // A "not run" outcome after a refused or expired approval: another process (a second waiter, a
  // restarted server) may have written it first; the database keeps exactly one.
  const recordNotRun = async (decisionId: string) => {
    try {
      await append('outcome', toOutcomeBody(decisionId, { status: 'not_run' }, false))
    } catch (error) {
      if (!(error instanceof GuardError && error.code === 'GUARD_ALREADY_RECORDED')) throw error
    }
  }

  const validate = (raw: unknown): ToolCallInput => {
    // Everything in a tool call is attacker-controlled (often model-generated): bounded, plain JSON the
    // ledger can store, before anything parses or evaluates it. A call the ledger could not store is
    // refused here as bad input, not later as a ledger outage.
    admitToolCall(raw, limits)
    // Validated once: the engine recognises this object and does not check it again.
    const input = parseToolCallInput(raw)
    assertArgumentBytes(input.arguments, limits.maxArgumentBytes)
    return input
  }

  const decide: Guard['decide'] = async (raw, opts = {}) => {
    const validated = validate(raw)
    let evaluation: PolicyEvaluation
    try {
      evaluation = await policy.evaluate(validated)
    } catch (error) {
      throw new GuardError('GUARD_POLICY_FAILED', `policy evaluation failed: ${describeError(error)}`, {
        cause: error,
      })
    }
    const input = evaluation.input ?? validated
    if (opts.veto) evaluation = { ...evaluation, decision: vetoed(evaluation.decision, opts.veto) }
    const decisionId = ids.next()
    const identity = await flaggedIdentity(input, evaluation.bundle.sha256)
    let safe: ProtectedDecision
    try {
      // Redacted values leave the process nowhere: not in arguments, context, ids nor reasons.
      safe = protectDecision(input, evaluation.decision, options.redactionKey, identity)
    } catch (error) {
      throw new GuardError('GUARD_REDACTION_FAILED', `cannot redact arguments: ${describeError(error)}`, {
        cause: error,
      })
    }
    const { decision, storedInput } = safe
    const body = toDecisionBody({
      decisionId,
      ...(opts.eventId ? { eventId: opts.eventId } : {}),
      evaluation: { ...evaluation, decision },
      input: storedInput,
      redactedArguments: storedInput.arguments,
      ...(opts.caller ? { caller: opts.caller } : {}),
    })
    // `append` resolves only after commit: the decision is durable before anything runs.
    const entry = await append('decision', body)
    return {
      decisionId,
      decision,
      input,
      seq: entry.seq,
      entry,
      scrubber: safe.scrubber,
      ...(opts.caller ? { caller: opts.caller } : {}),
    }
  }

  const requestApproval: Guard['requestApproval'] = async (recorded) => {
    const { decision, decisionId } = recorded
    if (!needsApproval(decision))
      throw new GuardError(
        'GUARD_NOT_AWAITING_APPROVAL',
        `decision ${decisionId} is ${decision.action}, not require_approval`,
      )
    const approvalId = ids.next()
    await append(
      'approval_request',
      toApprovalRequestBody({
        decisionId,
        approvalId,
        approval: decision.approval,
        requestedBy: recorded.scrubber.scrub(recorded.input.principal.id),
        expiresAt: new Date(clock.now().getTime() + timeoutMs),
        ...(recorded.caller ? { caller: recorded.caller } : {}),
      }),
    )
    logger.info({ decisionId, approvalId }, 'tool call waiting for approval')
    return approvalId
  }

  const awaitApproval: Guard['awaitApproval'] = async (recorded, approvalId, signal) => {
    const { decision, decisionId } = recorded
    let status: Awaited<ReturnType<typeof approvals.waitFor>>
    try {
      status = await approvals.waitFor(approvalId, signal)
    } catch (error) {
      throw new GuardError('GUARD_LEDGER_UNAVAILABLE', `cannot read approvals: ${describeError(error)}`, {
        cause: error,
      })
    }
    if (status.state === 'approved') return { kind: 'allow', decisionId, recorded }
    if (status.state === 'pending')
      throw new GuardError('GUARD_APPROVAL_ABANDONED', `stopped waiting for approval ${approvalId}`)
    const reasons =
      status.state === 'denied'
        ? [
            {
              rule: 'arbiter.approval_denied',
              message: `approval denied by ${status.deniedBy?.approver.id ?? 'an approver'}${status.deniedBy?.comment ? `: ${status.deniedBy.comment}` : ''}`,
            },
          ]
        : [
            {
              rule: 'arbiter.approval_timeout',
              message: `no approval within ${Math.round(timeoutMs / 1000)} s`,
            },
          ]
    await recordNotRun(decisionId)
    return { kind: 'deny', decisionId, reasons: [...decision.reasons, ...reasons], recorded }
  }

  const settle = async (recorded: RecordedDecision): Promise<GuardVerdict> => {
    const { decision, decisionId } = recorded
    if (decision.action === 'allow') return { kind: 'allow', decisionId, recorded }
    if (!needsApproval(decision)) return { kind: 'deny', decisionId, reasons: decision.reasons, recorded }
    return awaitApproval(recorded, await requestApproval(recorded))
  }

  // Error text and stored results are free text: scrubbed with the call's known values when this
  // process decided it, else with the policy's detectors and the decision's redaction markers.
  const writeOutcome = async (decisionId: string, report: OutcomeReport, known?: ValueScrubber) => {
    const body = toOutcomeBody(decisionId, report, options.recordResults ?? false)
    const entry = await append(
      'outcome',
      await scrubOutcomeBody(body, texts, { decisionId, ...(known ? { known } : {}) }),
    )
    return { chain: entry.chain, seq: entry.seq }
  }

  const recordOutcome: Guard['recordOutcome'] = (decisionId, report) => writeOutcome(decisionId, report)

  const check: Guard['check'] = async (raw, opts = {}) => {
    const recorded = await decide(raw, opts.eventId ? { eventId: opts.eventId } : {})
    if (opts.awaitApproval === false && recorded.decision.action === 'require_approval')
      return { kind: 'deny', decisionId: recorded.decisionId, reasons: recorded.decision.reasons, recorded }
    return settle(recorded)
  }

  const execute = async <T>(
    raw: unknown,
    run: () => T | Promise<T>,
    opts?: Parameters<Guard['execute']>[2],
  ): Promise<Awaited<T>> => {
    const verdict = await check(raw, opts)
    if (verdict.kind === 'deny') throw new ToolDeniedError(verdict.decisionId, verdict.reasons)
    const started = performance.now()
    let result: Awaited<T>
    try {
      result = await run()
    } catch (error) {
      await recordOutcomeQuietly(verdict, {
        status: 'error',
        durationMs: performance.now() - started,
        error: describeError(error),
      })
      throw error
    }
    await recordOutcomeQuietly(verdict, { status: 'ok', durationMs: performance.now() - started, result })
    return result
  }

  // The tool has already run: failing the call now would invite a retry (a second transfer). The
  // decision stays without outcome and `outcomes --unknown` reports it.
  const recordOutcomeQuietly = async (verdict: GuardVerdict, report: OutcomeReport) => {
    const { decisionId } = verdict
    try {
      await writeOutcome(decisionId, report, verdict.recorded.scrubber)
    } catch (error) {
      logger.error(
        { decisionId, err: describeError(error) },
        'outcome not recorded; decision left as outcome_unknown',
      )
    }
  }

  const guard: Guard = {
    chain,
    admit: (raw) => admitToolCall(raw, limits),
    approvals,
    check,
    execute,
    decide,
    requestApproval,
    awaitApproval,
    recordOutcome,
    async findByEvent(eventId, type) {
      const skipped = new SkippedEntries()
      const entries = await ledger.findByBodyField('event_id', eventId, { chain, type })
      const bodies = readEntries(entries, type, skipped).map((e) => e.body)
      skipped.warn(logger, `${type} entries of event ${eventId}`)
      return bodies
    },
    async resumeApproval(decisionId, signal) {
      const [request] = await ledger.findByBodyField('decision_id', decisionId, {
        chain,
        type: 'approval_request',
      })
      if (!request) return 'deny'
      const approvalId = readEntry(request, 'approval_request').body.approval_id
      const status = await approvals.waitFor(approvalId, signal)
      if (status.state === 'approved') return 'allow'
      if (status.state === 'pending')
        throw new GuardError('GUARD_APPROVAL_ABANDONED', `stopped waiting for approval ${approvalId}`)
      // As after a live wait, a refused or expired request leaves one "not run" outcome.
      await recordNotRun(decisionId)
      return 'deny'
    },
    async record(type, body) {
      await append(type, body)
    },
    wrap: (toolName, run, meta) => toWrapped(guard, toolName, run, meta),
  }
  return guard
}
