import type { Notification } from '@modelcontextprotocol/sdk/types.js'

/** Where progress for one relayed request goes: back to its sender, on that request's stream. */
interface Route {
  /** Sends a `notifications/progress` to the sender of the request (related to its request). */
  readonly send: (notification: Notification) => Promise<void>
  /** Called on each progress: an inactivity timeout starts over. */
  readonly touch: () => void
}

/**
 * Progress tokens of requests relayed to one side, mapped back to their senders. Tokens are relayed
 * unchanged (each side of a session has one peer, so they stay unique), and progress is routed by this
 * table rather than by the SDK's own progress handlers: those run after a response that arrives in the
 * same read, so the last progress before a result would be dropped.
 * @internal
 */
export class ProgressRoutes {
  private readonly routes = new Map<string | number, Route>()

  open(token: string | number, route: Route): () => void {
    this.routes.set(token, route)
    return () => {
      if (this.routes.get(token) === route) this.routes.delete(token)
    }
  }

  /**
   * Relays a progress notification to the sender of the request it belongs to. Returns false when no
   * relayed request has its token (the caller relays it as a plain notification).
   */
  deliver(notification: Notification): boolean {
    const token = (notification.params as { progressToken?: unknown } | undefined)?.progressToken
    if (typeof token !== 'string' && typeof token !== 'number') return false
    const route = this.routes.get(token)
    if (!route) return false
    route.touch()
    void route.send(notification).catch(() => {})
    return true
  }
}
