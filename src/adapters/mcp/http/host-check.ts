import { hostHeaderValidation } from '@modelcontextprotocol/sdk/server/middleware/hostHeaderValidation.js'
import type { RequestHandler } from 'express'

/** Hostnames a gateway listening on loopback answers to (the SDK's localhost list). */
export const LOCALHOST_NAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]']

/**
 * The hostnames `Host` and `Origin` may name: `allowed` when given, else the loopback names (for any
 * listen address: a gateway bound to 0.0.0.0 behind a proxy must be told its public names with
 * `--allowed-host`, so a rebinding page can never reach it by an unlisted name).
 *
 * @example
 * allowedHostnames([]) // ['localhost', '127.0.0.1', '[::1]']
 * allowedHostnames(['mcp.bank.example']) // ['mcp.bank.example']
 */
export function allowedHostnames(allowed: readonly string[]): string[] {
  return allowed.length > 0 ? allowed.map((h) => h.toLowerCase()) : [...LOCALHOST_NAMES]
}

function refuse(res: Parameters<RequestHandler>[1], message: string): void {
  res.status(403).json({ jsonrpc: '2.0', error: { code: -32000, message }, id: null })
}

/**
 * DNS-rebinding protection (MCP transports, "Security warning"): `Host` must name an allowed hostname
 * (the SDK's middleware, port-agnostic) and an `Origin`, when a browser sends one, must too; otherwise
 * 403 before the body is read or the key is checked.
 *
 * @example
 * app.use(dnsRebindingProtection(allowedHostnames([])))
 */
export function dnsRebindingProtection(hostnames: readonly string[]): RequestHandler {
  const hostCheck = hostHeaderValidation([...hostnames])
  return (req, res, next) => {
    const origin = req.headers.origin
    // `Origin` is attacker-controlled: parsed defensively; `null` (opaque origins) is refused too.
    if (origin !== undefined) {
      let hostname: string | undefined
      try {
        hostname = new URL(origin).hostname
      } catch {
        hostname = undefined
      }
      // URL keeps IPv6 hostnames in brackets, as the allow-list writes them.
      if (hostname === undefined || !hostnames.includes(hostname.toLowerCase())) {
        refuse(res, `Invalid Origin: ${origin.slice(0, 200)}`)
        return
      }
    }
    hostCheck(req, res, next)
  }
}
