import type { PolicyEngine, ToolCallInput } from '../policy/index.js'
import { describeError, type Logger, sha256Hex } from '../shared/index.js'

/** The identity strings of an input the ledger stores with every decision, by JSON pointer. */
export function identityTexts(input: ToolCallInput): Array<[pointer: string, text: string]> {
  const texts: Array<[string, string | undefined]> = [
    ['/tool/name', input.tool.name],
    ['/tool/server', input.tool.server],
    ['/agent/id', input.agent.id],
    ['/agent/runtime', input.agent.runtime],
    ['/agent/model', input.agent.model],
    ['/principal/id', input.principal.id],
    ['/principal/tenant', input.principal.tenant],
    ...input.principal.roles.map((role, i): [string, string] => [`/principal/roles/${i}`, role]),
    ['/session/id', input.session.id],
    ['/session/thread', input.session.thread],
    ['/runtime/policy', input.runtime?.policy],
  ]
  return texts.filter((t): t is [string, string] => typeof t[1] === 'string')
}

/** Distinct identity sets remembered per process; a pure cache, so losing it only costs a scan. */
const MAX_REMEMBERED = 4096

/**
 * Checks identity strings (tool, agent, principal, session, runtime) with the policy's detectors
 * (`arbiter/scan`) and returns the pointers of those flagged, for the guard to redact. The same
 * strings come back call after call, so results are remembered per bundle and per set of strings:
 * a new session costs one scan, a repeated one nothing. A bundle without `arbiter/scan` defines no
 * detectors; its identity strings are stored as they are (logged once per bundle).
 *
 * @example
 * const flaggedIdentity = createIdentityScanner(policy, logger)
 * await flaggedIdentity(input, evaluation.bundle.sha256) // ['/principal/id'] when it holds an SSN
 */
export function createIdentityScanner(
  policy: Partial<Pick<PolicyEngine, 'scanTexts'>>,
  logger: Logger,
): (input: ToolCallInput, bundleSha256: string) => Promise<string[]> {
  const remembered = new Map<string, string[]>()
  const warned = new Set<string>()
  return async (input, bundleSha256) => {
    const texts = identityTexts(input)
    // A digest, so the cache never holds the strings themselves for long.
    const key = sha256Hex(JSON.stringify([bundleSha256, texts]))
    const known = remembered.get(key)
    if (known) return known
    let flagged: string[]
    try {
      if (!policy.scanTexts) throw new Error('the policy engine cannot scan text')
      const findings = await policy.scanTexts(texts.map(([, text]) => text))
      flagged = [...new Set(findings.map((f) => texts[f.text]![0]))]
    } catch (error) {
      if (!warned.has(bundleSha256)) {
        warned.add(bundleSha256)
        logger.warn({ bundle: bundleSha256, error: describeError(error) }, 'identity strings not scanned')
      }
      return []
    }
    if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value!)
    remembered.set(key, flagged)
    return flagged
  }
}
