import { ArbiterError, describeError, silentLogger, sleep } from '../../shared/index.js'
import { Answers, type Tally } from './answers.js'
import { describeApiError, isPermanentApiError } from './api-errors.js'
import { CustomToolHandler } from './custom-tools.js'
import { routeEvent } from './events.js'
import { RecordedVerdicts } from './recorded.js'
import type { SessionContext } from './session-context.js'
import type { SessionGuard, SessionGuardOptions, SessionGuardSummary } from './session-guard.types.js'
import { Takeovers } from './takeovers.js'
import { ToolEventHandlers } from './tool-events.js'

export type SessionGuardErrorCode = 'SESSION_STREAM_FAILED'

/**
 * The session could no longer be followed: the API refused the guard for good (unknown session,
 * invalid key: a 4xx other than 408/409/429, whatever copy of the SDK threw it) or the stream stayed
 * lost for `maxAttempts` reconnects. `cause` is the API error (the last one, after retries).
 */
export class SessionGuardError extends ArbiterError<SessionGuardErrorCode> {}

const LIST_PAGE_SIZE = 100
const DEFAULT_TAKEOVER_MS = 30_000

/**
 * Guards one Managed Agents session: follows its event stream, answers held tool uses with
 * `user.tool_confirmation`, runs custom tools locally through the guard, records what the runtime
 * decided on its own (and conflicts with policy), and links tool results as outcomes. On a dropped
 * stream it reconnects with backoff and catches up from the event list. Every act is keyed by event id
 * and de-duplicated by the database (one decision and one conflict per event), so reconnects, restarts
 * and a second guard on the same session never decide, run or confirm twice. An answer the runtime
 * refuses (someone answered first) is recorded as a `runtime_event` and guarding goes on.
 *
 * @throws {SessionGuardError} SESSION_STREAM_FAILED from `run` at once on a permanent API error, or after `maxAttempts` reconnects.
 * @example
 * const sessionGuard = createSessionGuard({
 *   client, guard, sessionId,
 *   agent: { id: 'care-assistant', runtime: 'anthropic-managed-agents' },
 *   principal: { id: 'nurse-7', roles: ['nurse'] },
 *   customTools: { lookup_formulary: { run: lookupFormulary } },
 *   interruptOnConflict: true,
 * })
 * const summary = await sessionGuard.run()
 */
export function createSessionGuard(options: SessionGuardOptions): SessionGuard {
  const { client, sessionId } = options
  const logger = options.logger ?? silentLogger
  const initialMs = options.reconnect?.initialMs ?? 250
  const maxMs = options.reconnect?.maxMs ?? 10_000
  const maxAttempts = options.reconnect?.maxAttempts ?? 8
  const tally: Tally = {
    decisions: 0,
    allow: 0,
    deny: 0,
    customToolResults: 0,
    conflicts: 0,
    outcomes: 0,
    rejectedAnswers: 0,
    failures: 0,
  }
  const stopping = new AbortController()
  let controller: AbortController | undefined
  // A permanent API error met outside the event loop (in a takeover) stops the run like one inside it.
  let fatal: { error: unknown } | undefined
  const takeovers = new Takeovers(options.takeoverMs ?? DEFAULT_TAKEOVER_MS, (key, error) => {
    if (isPermanentApiError(error)) {
      fatal ??= { error }
      controller?.abort()
      return
    }
    tally.failures++
    logger.error({ key, err: describeError(error) }, 'acting for another guard process failed')
  })
  const ctx: SessionContext = {
    options,
    logger,
    tally,
    answers: new Answers(options, tally, logger),
    verdicts: new RecordedVerdicts(options.guard, sessionId),
    takeovers,
  }
  const toolEvents = new ToolEventHandlers(ctx)
  const customTools = new CustomToolHandler(ctx)
  let reconnects = 0
  /** Turns ended so far; an event is live while the turn it was read in goes on. */
  let turn = 0

  /** Acts on one event (`live`: it belongs to the turn in progress); true when the turn is over. */
  const handle = async (raw: unknown, live: boolean): Promise<boolean> => {
    const routed = routeEvent(raw)
    const seenIn = turn
    const isLive = () => live && turn === seenIn && !stopping.signal.aborted
    switch (routed.kind) {
      case 'tool_use':
        await toolEvents.onToolUse(routed.event, isLive)
        return false
      case 'custom_tool_use':
        await customTools.onCustomToolUse(routed.event, isLive)
        return false
      case 'tool_result':
        await toolEvents.onToolResult(routed.event, routed.toolUseId)
        return false
      case 'answer':
        ctx.answers.answered.add(routed.toolUseId)
        return false
      case 'turn_ended':
      case 'session_ended':
        turn++
        return true
      case 'malformed':
        tally.failures++
        logger.error({ type: routed.type, error: routed.error }, 'malformed session event; not acted on')
        return false
      default:
        return false
    }
  }

  /**
   * Reads the whole history: answers first (so nothing answered is re-done), then every event in
   * order. Events before the last end of a turn are history: recorded, never answered or interrupted.
   */
  const catchUp = async (signal: AbortSignal): Promise<boolean> => {
    const history: unknown[] = []
    for await (const event of client.beta.sessions.events.list(
      sessionId,
      { limit: LIST_PAGE_SIZE },
      { signal },
    ))
      history.push(event)
    let lastEnd = -1
    for (const [i, event] of history.entries()) {
      const routed = routeEvent(event)
      if (routed.kind === 'answer') ctx.answers.answered.add(routed.toolUseId)
      if (routed.kind === 'turn_ended' || routed.kind === 'session_ended') lastEnd = i
    }
    let ended = false
    for (const [i, event] of history.entries()) {
      const over = await handle(event, i > lastEnd)
      const type = (event as { type?: unknown }).type
      // A later event reopens the turn (a new message, a status change to running).
      ended = over || (ended && type !== 'session.status_running' && type !== 'user.message')
    }
    return ended
  }

  const summary = (): SessionGuardSummary => ({
    decisions: tally.decisions,
    confirmations: { allow: tally.allow, deny: tally.deny },
    customToolResults: tally.customToolResults,
    conflicts: tally.conflicts,
    outcomes: tally.outcomes,
    rejectedAnswers: tally.rejectedAnswers,
    reconnects,
    failures: tally.failures,
  })

  const follow = async (signal: AbortSignal): Promise<boolean> => {
    // Attach before reading the history so nothing emitted in between is lost; duplicates are skipped.
    const stream = await client.beta.sessions.events.stream(sessionId, {}, { signal })
    try {
      if (await catchUp(signal)) return true
      for await (const event of stream) {
        if (await handle(event, true)) return true
      }
      return false
    } finally {
      stream.controller.abort()
    }
  }

  const failed = (message: string, cause: unknown) =>
    new SessionGuardError('SESSION_STREAM_FAILED', `${message}: ${describeApiError(cause)}`, { cause })

  /** Follows the session until its turn ends; reconnects on transient failures. */
  const followWithRetries = async (): Promise<void> => {
    let attempt = 0
    let delay = initialMs
    let lastError: unknown
    while (!stopping.signal.aborted) {
      controller = new AbortController()
      try {
        if (await follow(controller.signal)) return
        attempt = 0
        delay = initialMs
        lastError = undefined
      } catch (error) {
        if (fatal) throw failed('session API refused the guard', fatal.error)
        if (stopping.signal.aborted) return
        // By status, not by class: the application's SDK copy may not be Arbiter's.
        if (isPermanentApiError(error)) throw failed('session API refused the guard', error)
        lastError = error
        logger.warn(
          { sessionId, err: describeApiError(error), attempt },
          'session stream dropped; reconnecting',
        )
      }
      if (fatal) throw failed('session API refused the guard', fatal.error)
      if (stopping.signal.aborted) return
      attempt++
      if (attempt > maxAttempts)
        throw lastError === undefined
          ? new SessionGuardError(
              'SESSION_STREAM_FAILED',
              `session stream lost after ${maxAttempts} reconnects`,
            )
          : failed(`session stream lost after ${maxAttempts} reconnects`, lastError)
      reconnects++
      await sleep(delay, stopping.signal)
      delay = Math.min(delay * 2, maxMs)
    }
  }

  return {
    async run() {
      takeovers.reopen()
      try {
        await followWithRetries()
        // The turn is over: nothing waits for an answer any more, but a conflict another process
        // owns is still recorded here if it never does.
        takeovers.cancel('answer')
        await takeovers.drain('conflict')
        return summary()
      } finally {
        takeovers.cancel('answer')
        takeovers.cancel('conflict')
      }
    },
    stop() {
      stopping.abort()
      controller?.abort()
      takeovers.cancel('answer')
      takeovers.cancel('conflict')
    },
  }
}
