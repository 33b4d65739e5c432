import { randomBytes } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import { z } from 'zod'
import { checkAnswer, refusalError } from './answers.js'
import {
  type BlockingEvent,
  type ScriptedToolUse,
  type SessionStep,
  toolResultEvent,
  toolUseEvent,
} from './session-script.js'
import { WireError } from './wire.js'

/** Event types a client may send (`BetaManagedAgentsEventParams`). */
const sendableTypes = [
  'user.message',
  'user.interrupt',
  'user.tool_confirmation',
  'user.custom_tool_result',
  'user.define_outcome',
  'user.tool_result',
  'system.message',
] as const

const sendBodySchema = z
  .object({ events: z.array(z.looseObject({ type: z.enum(sendableTypes) })).min(1) })
  .strict()

/** When a session's script starts playing. */
export type SessionStart = 'first_stream' | 'user_message' | 'manual'

let eventCounter = 0
// Ids are unique across processes too, like the real API's: the ledger de-duplicates by event id.
const idPrefix = randomBytes(4).toString('hex')

/**
 * One scripted Managed Agents session: its event history (what `events.list` pages through), the open
 * streams (`events/stream`), and everything clients sent.
 */
export class StandInSession {
  readonly history: Record<string, unknown>[] = []
  /** Every event the client sent, in order, as received (before ids were assigned). */
  readonly sent: Record<string, unknown>[] = []
  /** Events a client sent that the session refused, with the error status and message. */
  readonly rejected: Array<{ event: Record<string, unknown>; status: number; message: string }> = []
  readonly ids = new Map<string, string>()
  private readonly streams = new Set<ServerResponse>()
  private readonly blocking = new Map<string, BlockingEvent>()
  private started = false
  private interrupted = false
  private finished = false
  private userMessages = 0
  private refusals: { count: number; status: number } = { count: 0, status: 503 }
  private wake: (() => void) | undefined
  private readonly done: Promise<void>
  private resolveDone!: () => void

  constructor(
    readonly id: string,
    private readonly script: SessionStep[],
    readonly startOn: SessionStart,
  ) {
    this.done = new Promise((resolve) => {
      this.resolveDone = resolve
    })
  }

  /** Resolves when the script has played to its end (or was interrupted). */
  whenFinished(): Promise<void> {
    return this.done
  }

  start(): void {
    if (this.started) return
    this.started = true
    void this.play().catch(() => this.finish())
  }

  /** Serves one `GET .../events` page: `{data, next_page}` with an opaque offset cursor. */
  listPage(query: URLSearchParams): { data: unknown[]; next_page: string | null } {
    const limit = Math.min(Math.max(Number(query.get('limit') ?? '20') || 20, 1), 1000)
    const page = query.get('page')
    let offset = 0
    if (page) {
      // The cursor comes back from the client: parse defensively.
      const decoded = Number(Buffer.from(page, 'base64url').toString('utf8'))
      if (!Number.isInteger(decoded) || decoded < 0)
        throw new WireError(400, 'invalid_request_error', 'invalid page cursor')
      offset = decoded
    }
    const ordered = query.get('order') === 'desc' ? [...this.history].reverse() : this.history
    const data = ordered.slice(offset, offset + limit)
    const next =
      offset + limit < ordered.length ? Buffer.from(String(offset + limit)).toString('base64url') : null
    return { data, next_page: next }
  }

  /** Attaches a server-sent-events stream that receives every event from now on. */
  attach(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' })
    res.flushHeaders()
    this.streams.add(res)
    res.on('close', () => this.streams.delete(res))
    if (this.startOn === 'first_stream') setImmediate(() => this.start())
  }

  /** Cuts all open streams mid-flight, as a network failure would. */
  dropStreams(): void {
    for (const res of this.streams) res.destroy()
    this.streams.clear()
  }

  /** Answers the next `count` `POST .../events` with a server error (500, 503 or 529), as an outage would. */
  refuseSends(count: number, status = 503): void {
    this.refusals = { count, status }
  }

  /** Handles `POST .../events`: validates, records, echoes the events into the history. */
  receive(body: unknown): { data: unknown[] } {
    const parsed = sendBodySchema.safeParse(body)
    if (!parsed.success)
      throw new WireError(400, 'invalid_request_error', `invalid events: ${parsed.error.message}`)
    const refusal = this.refusals.count > 0 ? refusalError(this.refusals.status) : undefined
    if (refusal) this.refusals.count--
    for (const event of parsed.data.events) {
      try {
        if (refusal) throw refusal
        checkAnswer(this.blocking, event)
      } catch (error) {
        if (error instanceof WireError)
          this.rejected.push({ event, status: error.status, message: error.message })
        throw error
      }
    }
    const echoed = parsed.data.events.map((event) => {
      this.sent.push(event)
      this.apply(event)
      return this.emit({ ...event })
    })
    this.wake?.()
    return { data: echoed }
  }

  private apply(event: Record<string, unknown>): void {
    if (event.type === 'user.tool_confirmation') {
      const target = this.blocking.get(String(event.tool_use_id))!
      target.answer = {
        result: event.result as 'allow' | 'deny',
        ...(typeof event.deny_message === 'string' ? { denyMessage: event.deny_message } : {}),
      }
    } else if (event.type === 'user.custom_tool_result') {
      this.blocking.get(String(event.custom_tool_use_id))!.answer = { customResult: event.content }
    } else if (event.type === 'user.interrupt') {
      this.interrupted = true
    } else if (event.type === 'user.message') {
      this.userMessages++
      if (this.startOn === 'user_message') setImmediate(() => this.start())
    }
  }

  private emit(draft: Record<string, unknown>): Record<string, unknown> {
    const event: Record<string, unknown> = {
      id: `sevt_${idPrefix}${(++eventCounter).toString().padStart(6, '0')}`,
      ...draft,
      processed_at: new Date().toISOString(),
    }
    this.history.push(event)
    const frame = `event: ${String(event.type)}\ndata: ${JSON.stringify(event)}\n\n`
    for (const res of this.streams) res.write(frame)
    return event
  }

  private async play(): Promise<void> {
    this.emit({ type: 'session.status_running' })
    for (const s of this.script) {
      await new Promise((resolve) => setImmediate(resolve))
      if (this.interrupted) break
      if (s.kind === 'end') {
        this.end(s.how)
        return
      }
      await this.playStep(s)
    }
    this.end('end_turn')
  }

  private async playStep(s: Exclude<SessionStep, { kind: 'end' }>): Promise<void> {
    switch (s.kind) {
      case 'message':
        this.emit({ type: 'agent.message', content: [{ type: 'text', text: s.text }] })
        return
      case 'drop_streams':
        this.dropStreams()
        return
      case 'custom_tool_use': {
        const event = this.emit({
          type: 'agent.custom_tool_use',
          name: s.name,
          input: s.input,
          session_thread_id: null,
        })
        this.remember(s.as, String(event.id))
        this.blocking.set(String(event.id), { id: String(event.id), kind: 'custom_result' })
        return
      }
      case 'tool_use':
        return this.playToolUse(s.use)
      case 'await_action':
        return this.awaitAction()
      case 'end_turn':
        return this.endTurn()
    }
  }

  private async endTurn(): Promise<void> {
    const before = this.userMessages
    this.emit({ type: 'session.status_idle', stop_reason: { type: 'end_turn' }, stop_details: null })
    while (this.userMessages === before && !this.interrupted) {
      await new Promise<void>((resolve) => {
        this.wake = resolve
      })
    }
    this.wake = undefined
    if (!this.interrupted) this.emit({ type: 'session.status_running' })
  }

  private playToolUse(use: ScriptedToolUse): void {
    const event = this.emit(toolUseEvent(use))
    const id = String(event.id)
    this.remember(use.as, id)
    if (use.permission === 'ask') this.blocking.set(id, { id, kind: 'confirmation', use })
    else if (use.permission === 'allow')
      this.emit(toolResultEvent(use, id, { isError: false, text: use.result ?? 'ok' }))
    else
      this.emit(
        toolResultEvent(use, id, { isError: true, text: 'the permission policy denied this tool call' }),
      )
  }

  private async awaitAction(): Promise<void> {
    const open = () => [...this.blocking.values()].filter((b) => !b.answer)
    if (open().length === 0) return
    this.emit({
      type: 'session.status_idle',
      stop_reason: { type: 'requires_action', event_ids: open().map((b) => b.id) },
      stop_details: null,
    })
    while (open().length > 0 && !this.interrupted) {
      await new Promise<void>((resolve) => {
        this.wake = resolve
      })
    }
    this.wake = undefined
    if (this.interrupted) return
    this.emit({ type: 'session.status_running' })
    // Answered events stay known, so a second answer is refused as "already confirmed".
    for (const b of this.blocking.values()) {
      if (b.resumed) continue
      b.resumed = true
      if (b.kind !== 'confirmation' || !b.use || !b.answer || !('result' in b.answer)) continue
      const allowed = b.answer.result === 'allow'
      const text = allowed
        ? (b.use.result ?? 'ok')
        : (b.answer.denyMessage ?? 'the user denied this tool call')
      this.emit(toolResultEvent(b.use, b.id, { isError: !allowed, text }))
    }
  }

  private end(how: 'end_turn' | 'terminated'): void {
    if (how === 'terminated') {
      this.emit({ type: 'session.status_terminated' })
      for (const res of this.streams) res.end()
      this.streams.clear()
    } else {
      this.emit({ type: 'session.status_idle', stop_reason: { type: 'end_turn' }, stop_details: null })
    }
    this.finish()
  }

  private finish(): void {
    if (this.finished) return
    this.finished = true
    this.resolveDone()
  }

  private remember(as: string | undefined, id: string): void {
    if (as) this.ids.set(as, id)
  }
}
