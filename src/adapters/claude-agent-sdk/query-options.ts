import { z } from 'zod'
import { ArbiterError } from '../../shared/index.js'
import type { ClaudeGuardHooks } from './sdk-shapes.types.js'

export type ClaudeAgentGuardErrorCode = 'CLAUDE_AGENT_UNGUARDED_OPTION'

/**
 * `queryOptions` refused the caller's SDK options: one of them would let tool calls past `canUseTool`
 * (or replace it). The message names every such option.
 */
export class ClaudeAgentGuardError extends ArbiterError<ClaudeAgentGuardErrorCode> {}

/**
 * Command-line flags (`extraArgs` keys) that grant permissions or load settings behind the helper's
 * back: the CLI spellings of the options refused below.
 */
const REFUSED_FLAGS = new Set([
  'dangerously-skip-permissions',
  'allow-dangerously-skip-permissions',
  'permission-mode',
  'allowedTools',
  'allowed-tools',
  'permission-prompt-tool',
  'settings',
  'setting-sources',
])

// The caller's own options (trusted code), read loosely: only the fields that decide who answers
// permission prompts are checked; everything else passes through.
const optionsView = z.looseObject({
  canUseTool: z.unknown().optional(),
  permissionMode: z.string().optional(),
  allowDangerouslySkipPermissions: z.boolean().optional(),
  allowedTools: z.array(z.string()).optional(),
  permissionPromptToolName: z.string().optional(),
  permissionPrompts: z.string().optional(),
  settingSources: z.array(z.string()).optional(),
  settings: z
    .union([
      z.string(),
      z.looseObject({
        permissions: z
          .looseObject({ allow: z.array(z.string()).optional(), defaultMode: z.string().optional() })
          .optional(),
      }),
    ])
    .optional(),
  extraArgs: z.record(z.string(), z.unknown()).optional(),
  hooks: z.record(z.string(), z.array(z.unknown())).optional(),
})

/**
 * Every reason the SDK `options` cannot be guarded as given (what `queryOptions` refuses); empty when
 * they can.
 *
 * @example
 * unguardedClaudeOptions({ permissionMode: 'bypassPermissions', allowedTools: ['Bash'] })
 * // ["permissionMode 'bypassPermissions': only 'default' keeps every call on canUseTool", 'allowedTools: …']
 */
export function unguardedClaudeOptions(options: object): string[] {
  const parsed = optionsView.safeParse(options)
  if (!parsed.success) return [`options: ${parsed.error.issues.map((i) => i.path.join('.')).join(', ')}`]
  const o = parsed.data
  const problems: string[] = []
  if (o.canUseTool !== undefined) problems.push('canUseTool: Arbiter provides it')
  if (o.permissionMode !== undefined && o.permissionMode !== 'default')
    problems.push(`permissionMode '${o.permissionMode}': only 'default' keeps every call on canUseTool`)
  if (o.allowDangerouslySkipPermissions) problems.push('allowDangerouslySkipPermissions')
  if (o.allowedTools?.length) problems.push('allowedTools: allow rules approve calls before canUseTool')
  if (o.permissionPromptToolName !== undefined)
    problems.push('permissionPromptToolName: permission prompts would go to that tool instead of canUseTool')
  if (o.permissionPrompts !== undefined && o.permissionPrompts !== 'host')
    problems.push(`permissionPrompts '${o.permissionPrompts}': canUseTool would never be asked`)
  if (o.settingSources?.length)
    problems.push(
      'settingSources: settings files may carry allow rules, modes and hooks; pass [] or leave it out',
    )
  if (typeof o.settings === 'string') problems.push('settings: a file path cannot be checked; pass an object')
  const permissions = typeof o.settings === 'object' ? o.settings.permissions : undefined
  if (permissions?.allow?.length) problems.push('settings.permissions.allow')
  if (permissions?.defaultMode && permissions.defaultMode !== 'default')
    problems.push(`settings.permissions.defaultMode '${permissions.defaultMode}'`)
  for (const flag of Object.keys(o.extraArgs ?? {}))
    if (REFUSED_FLAGS.has(flag)) problems.push(`extraArgs.${flag}`)
  return problems
}

/**
 * `options` with Arbiter's `canUseTool` and hooks (Arbiter's first, then the caller's), in the mode
 * and with the settings sources under which every tool call reaches them.
 *
 * @throws {ClaudeAgentGuardError} CLAUDE_AGENT_UNGUARDED_OPTION naming each refused option.
 */
export function withGuard(
  options: object,
  guard: { canUseTool: unknown; hooks: ClaudeGuardHooks },
): Record<string, unknown> {
  const problems = unguardedClaudeOptions(options)
  if (problems.length > 0)
    throw new ClaudeAgentGuardError(
      'CLAUDE_AGENT_UNGUARDED_OPTION',
      `these Claude Agent SDK options would let tool calls bypass Arbiter: ${problems.join('; ')}`,
    )
  const base = options as Record<string, unknown>
  const theirs = (optionsView.parse(options).hooks ?? {}) as Record<string, unknown[]>
  const hooks: Record<string, unknown[]> = { ...theirs }
  for (const [event, matchers] of Object.entries(guard.hooks))
    hooks[event] = [...matchers, ...(theirs[event] ?? [])]
  return {
    ...base,
    canUseTool: guard.canUseTool,
    hooks,
    permissionMode: 'default',
    settingSources: [],
  }
}
