import { Protocol } from '@modelcontextprotocol/sdk/shared/protocol.js'
import type { Notification, Request, Result } from '@modelcontextprotocol/sdk/types.js'

/**
 * One side of the gateway: the SDK's JSON-RPC `Protocol` (framing, request ids, progress tokens,
 * cancellation, timeouts) with no capability checks of its own. The gateway forwards what the client
 * and the upstream negotiated with each other in `initialize`; each end enforces its own side of that
 * contract, so a check here could only refuse something the two ends agreed on.
 *
 * The `Server`/`Client` classes of the SDK cannot play this part: they answer `initialize` themselves
 * (with their own capabilities and protocol version), while the gateway must relay the upstream's.
 * @internal
 */
export class RelayEndpoint extends Protocol<Request, Notification, Result> {
  constructor() {
    super({ enforceStrictCapabilities: false })
    // Pings are relayed too (the issue: "pings pass through"), not answered by the gateway.
    this.removeRequestHandler('ping')
  }

  protected assertCapabilityForMethod(): void {}
  protected assertNotificationCapability(): void {}
  protected assertRequestHandlerCapability(): void {}
  protected assertTaskCapability(): void {}
  protected assertTaskHandlerCapability(): void {}
}
