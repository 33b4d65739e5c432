import { everyToolVisible, type ToolVisibility } from '../adapters/mcp/index.js'
import type { PolicyEngine } from '../policy/index.js'

/**
 * The gateway's `tools/list` filter from the policy bundle's optional `arbiter/visible` entry point.
 * (Until the policy engine evaluates that entry point, every tool is visible.)
 */
export function policyVisibility(_policy: PolicyEngine): ToolVisibility {
  return everyToolVisible
}
