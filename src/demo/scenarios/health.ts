import type Anthropic from '@anthropic-ai/sdk'
import { createSessionGuard, type SessionGuardSummary } from '../../adapters/managed-agents/index.js'
import type { Guard } from '../../guard/index.js'
import { type StandInServer, step } from '../stand-in/index.js'

const RUNTIME_TOOL_NAMES: Record<string, string> = { web_search: 'web.search', web_fetch: 'web.fetch' }

/** Vendor tool names to policy names: the runtime's `web_search` is the policies' `web.search`. */
export function healthToolName(use: { name: string; kind: string; server?: string }): string {
  if (use.kind === 'mcp' && use.server) return `${use.server}.${use.name}`
  return RUNTIME_TOOL_NAMES[use.name] ?? use.name
}

/**
 * The health session as the Managed Agents runtime plays it on the stand-in: a record read the
 * runtime holds for confirmation (a custom tool here), an email with a patient id (held: `ask`), and
 * a web search the runtime's `auto` mode lets through on its own although it carries the patient id.
 */
export function scriptHealthSession(standIn: StandInServer): string {
  return standIn.createSession([
    step.message('I will review the patient record, then brief the team.'),
    step.customToolUse('ehr.read_record', { patient_id: 'MRN-004211', purpose: 'treatment' }, 'read'),
    step.awaitAction(),
    step.toolUse({
      as: 'email',
      name: 'send',
      mcpServer: 'email',
      permission: 'ask',
      input: {
        to: 'oncall-team@example.org',
        subject: 'Patient update',
        body: 'MRN-004211: potassium 6.1, repeat labs.',
      },
    }),
    step.awaitAction(),
    step.toolUse({
      as: 'search',
      name: 'web_search',
      permission: 'allow',
      policy: 'auto',
      input: { query: 'hyperkalemia MRN-004211 treatment guidelines' },
      result: '5 results',
    }),
    step.message('Search done.'),
  ])
}

/** Runs the scripted health session under a session guard; prints decisions and conflicts as they happen. */
export async function runHealthSession(options: {
  client: Pick<Anthropic, 'beta'>
  guard: Guard
  standIn: StandInServer
  print: (line: string) => void
}): Promise<SessionGuardSummary> {
  const { print } = options
  const sessionId = scriptHealthSession(options.standIn)
  const sessionGuard = createSessionGuard({
    client: options.client,
    guard: options.guard,
    sessionId,
    agent: { id: 'care-assistant', runtime: 'anthropic-managed-agents', model: 'claude-sonnet-5-5' },
    principal: { id: 'dr-chen', roles: ['clinician'], tenant: 'st-mary' },
    context: { purpose: 'treatment' },
    toolName: healthToolName,
    customTools: {
      'ehr.read_record': { run: (input) => ({ patient_id: input.patient_id, potassium_mmol_l: 6.1 }) },
    },
    interruptOnConflict: true,
    onDecision: (d) => {
      const how =
        d.via === 'confirmation'
          ? 'confirmation sent'
          : d.via === 'custom_tool'
            ? 'ran locally'
            : 'runtime ran it on its own'
      // Observed denials are printed with their conflict, below.
      const why =
        d.verdict === 'deny' && d.via !== 'observed'
          ? `\n        ${d.reasons.map((r) => `${r.rule}: ${r.message}`).join('\n        ')}`
          : ''
      print(`  ${d.verdict === 'allow' ? 'ALLOW' : 'DENY '} ${d.tool} (${how})${why}`)
    },
    onConflict: (c) => {
      print(
        `  CONFLICT ${c.tool}: runtime ${c.kind === 'runtime_allowed_policy_denied' ? 'allowed' : 'denied'}, policy said ${c.policyAction}${c.interrupted ? ' -> user.interrupt sent' : ''}\n        ${c.reasons.map((r) => `${r.rule}: ${r.message}`).join('\n        ')}`,
      )
    },
  })
  return sessionGuard.run()
}
