import Anthropic from '@anthropic-ai/sdk'
import type { SessionGuardSummary } from '../adapters/managed-agents/index.js'
import type { Guard } from '../guard/index.js'
import { runFintechSession } from './scenarios/fintech.js'
import { runHealthSession } from './scenarios/health.js'
import { runMcpFilesystemScene } from './scenarios/mcp-filesystem.js'
import { startStandInServer } from './stand-in/index.js'

export interface DemoSessionsResult {
  readonly fintech: { readonly finalText: string }
  readonly health: SessionGuardSummary
  readonly mcp: { readonly ran: boolean }
}

/**
 * Runs the scripted demo sessions through `guard`: a fintech assistant on the Messages API tool loop
 * and a care assistant on a Managed Agents session, both against the in-process stand-in server (no
 * API key needed), then an MCP client reading and writing through the MCP gateway. Prints each
 * decision, approval and conflict as it happens. `arbiter demo` calls it;
 * so can `arbiter serve --demo` with the server's own guard, so the UI shows the entries.
 *
 * @example
 * await runDemoSessions({ guard, print: (line) => process.stdout.write(`${line}\n`) })
 */
export async function runDemoSessions(options: {
  guard: Guard
  print: (line: string) => void
}): Promise<DemoSessionsResult> {
  const { guard, print } = options
  const standIn = await startStandInServer()
  try {
    const client = new Anthropic({ apiKey: 'stand-in', baseURL: standIn.url, maxRetries: 0 })
    print('fintech assistant (Messages API tool loop), principal emp-204 (payments_officer)')
    const fintech = await runFintechSession({ client, guard, standIn, print })
    print('')
    print('care assistant (Managed Agents session), principal dr-chen (clinician)')
    const health = await runHealthSession({ client, guard, standIn, print })
    print(
      `  session summary: ${health.decisions} decisions, ${health.confirmations.allow} allowed / ${health.confirmations.deny} denied confirmations, ${health.customToolResults} custom tool results, ${health.conflicts} conflict(s)`,
    )
    print('')
    print('MCP client (claude-desktop) -> arbiter mcp gateway -> filesystem server, principal u-17 (analyst)')
    const mcp = await runMcpFilesystemScene({ guard, print })
    return { fintech, health, mcp }
  } finally {
    await standIn.close()
  }
}
