import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js'
import type { McpSessionHandle, McpSessionIdentity } from './http-gateway.types.js'

/** One live HTTP session: its transport, the identity it was opened for, and its gateway session. */
export interface HttpSession {
  readonly id: string
  readonly transport: StreamableHTTPServerTransport
  readonly identity: McpSessionIdentity
  readonly handle: McpSessionHandle
  /** Requests (POSTs, SSE streams) still open on it: a session with one open is not idle. */
  open: number
  lastSeen: number
}

/**
 * The same caller: key and asserted principal. A session is bound to who opened it, so another key
 * (or the same front-end key asserting another user) cannot use its id.
 * @internal
 */
export function sameIdentity(a: McpSessionIdentity, b: McpSessionIdentity): boolean {
  return (
    a.caller.keyId === b.caller.keyId &&
    a.agentId === b.agentId &&
    a.principal.id === b.principal.id &&
    [...a.principal.roles].sort().join(',') === [...b.principal.roles].sort().join(',')
  )
}

/**
 * Live sessions by MCP session id, with idle expiry: a session with no open request for `idleMs` is
 * closed (its upstream with it), so an abandoned client leaves no process behind.
 * @internal
 */
export class HttpSessions {
  private readonly sessions = new Map<string, HttpSession>()
  private readonly sweeper: NodeJS.Timeout

  constructor(
    private readonly idleMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.sweeper = setInterval(() => void this.sweep(), Math.max(50, Math.min(idleMs / 2, 60_000)))
    this.sweeper.unref()
  }

  get size(): number {
    return this.sessions.size
  }

  get(id: string): HttpSession | undefined {
    return this.sessions.get(id)
  }

  add(session: HttpSession): void {
    this.sessions.set(session.id, session)
    // An upstream that exited ends its session: later requests get 404 and the client starts anew.
    void session.handle.closed?.then(() => this.close(session.id))
  }

  /** Marks a request on `session` open until `done` fires. */
  track(session: HttpSession, done: (listener: () => void) => void): void {
    session.open += 1
    session.lastSeen = this.now()
    done(() => {
      session.open -= 1
      session.lastSeen = this.now()
    })
  }

  /** Closes and forgets `id` (transport and gateway session; idempotent). */
  async close(id: string): Promise<void> {
    const session = this.sessions.get(id)
    if (!session) return
    this.sessions.delete(id)
    await Promise.allSettled([session.transport.close(), session.handle.close()])
  }

  /** Closes sessions idle for longer than the limit. */
  async sweep(): Promise<void> {
    const cutoff = this.now() - this.idleMs
    const idle = [...this.sessions.values()].filter((s) => s.open === 0 && s.lastSeen < cutoff)
    await Promise.allSettled(idle.map((s) => this.close(s.id)))
  }

  /** Closes every session and stops the sweeper. */
  async closeAll(): Promise<void> {
    clearInterval(this.sweeper)
    await Promise.allSettled([...this.sessions.keys()].map((id) => this.close(id)))
  }
}
