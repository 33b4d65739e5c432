import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createSdkMcpServer,
  type Options,
  query,
  type SDKMessage,
  type SDKResultMessage,
  tool,
} from '@anthropic-ai/claude-agent-sdk'
import { afterEach, beforeEach } from 'vitest'
import { z } from 'zod'

/**
 * The environment of the Claude Code child process for an offline run against the stand-in: its own
 * HOME and config dir (no user settings, credentials or transcripts of the machine), an API key (any
 * value; without one the CLI answers "Not logged in"), the stand-in as `ANTHROPIC_BASE_URL`, and
 * `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC` (else it connects to api.anthropic.com for telemetry and
 * other non-essential calls). Nothing else of this process's environment is passed on.
 */
export function claudeEnv(baseUrl: string, home: string): Record<string, string> {
  return {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    CLAUDE_CONFIG_DIR: join(home, '.claude'),
    ANTHROPIC_API_KEY: 'stand-in-key',
    ANTHROPIC_BASE_URL: baseUrl,
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  }
}

/**
 * The SDK options every wire test starts from: the workspace, the stand-in, no transcripts on disk, and
 * (with a tool log) the scenario's MCP servers.
 */
export function standInOptions(baseUrl: string, workspace: { cwd: string; home: string }, log?: ToolLog) {
  return {
    cwd: workspace.cwd,
    model: 'claude-sonnet-5-5',
    env: claudeEnv(baseUrl, workspace.home),
    persistSession: false,
    ...(log ? { mcpServers: scenarioServers(log) } : {}),
  }
}

/** A fresh working directory and HOME for each test's Claude Code process, removed afterwards. */
export function useClaudeWorkspace(): { readonly cwd: string; readonly home: string } {
  let dirs: { cwd: string; home: string } | undefined
  beforeEach(() => {
    dirs = {
      cwd: mkdtempSync(join(tmpdir(), 'arbiter-claude-cwd-')),
      home: mkdtempSync(join(tmpdir(), 'arbiter-claude-home-')),
    }
  })
  afterEach(() => {
    if (!dirs) return
    rmSync(dirs.cwd, { recursive: true, force: true })
    rmSync(dirs.home, { recursive: true, force: true })
  })
  return {
    get cwd() {
      return dirs!.cwd
    },
    get home() {
      return dirs!.home
    },
  }
}

/** Everything one `query()` produced: its messages, the result, or the error it ended with. */
export interface AgentRun {
  readonly messages: SDKMessage[]
  readonly result?: SDKResultMessage
  readonly error?: unknown
}

/** Runs one prompt through the real SDK (and its bundled Claude Code process) to the end. */
export async function runAgent(prompt: string, options: Options): Promise<AgentRun> {
  const messages: SDKMessage[] = []
  let result: SDKResultMessage | undefined
  try {
    for await (const message of query({ prompt, options })) {
      messages.push(message)
      if (message.type === 'result') result = message
    }
    return { messages, ...(result ? { result } : {}) }
  } catch (error) {
    return { messages, ...(result ? { result } : {}), error }
  }
}

/** What the in-process MCP tools were asked to do (they run only when Arbiter allowed them). */
export interface ToolLog {
  readonly calls: Array<{ tool: string; args: Record<string, unknown> }>
}

/**
 * In-process MCP servers (`createSdkMcpServer`) standing for a bank, an EHR, mail and a tool no policy
 * knows; their tools appear to the model as `mcp__<server>__<tool>`.
 */
export function scenarioServers(log: ToolLog) {
  const text = (name: string, args: Record<string, unknown>, reply: string) => {
    log.calls.push({ tool: name, args })
    return Promise.resolve({ content: [{ type: 'text' as const, text: reply }] })
  }
  return {
    bank: createSdkMcpServer({
      name: 'bank',
      version: '1.0.0',
      tools: [
        tool('accounts_get_balance', 'Balance of an account', { account_number: z.string() }, (args) =>
          text('accounts_get_balance', args, JSON.stringify({ ...args, balance_usd: 1200 })),
        ),
        tool(
          'payments_transfer',
          'Transfer money',
          {
            amount: z.number(),
            currency: z.string(),
            from_account: z.string(),
            to_account: z.string(),
            counterparty: z.string(),
          },
          (args) => text('payments_transfer', args, `transfer of ${args.amount} ${args.currency} sent`),
        ),
      ],
    }),
    ehr: createSdkMcpServer({
      name: 'ehr',
      version: '1.0.0',
      tools: [
        tool(
          'read_record',
          'Read a patient record',
          { patient_id: z.string(), purpose: z.string() },
          (args) => text('read_record', args, 'allergies: none known'),
        ),
      ],
    }),
    mail: createSdkMcpServer({
      name: 'mail',
      version: '1.0.0',
      tools: [
        tool('send', 'Send an e-mail', { to: z.string(), subject: z.string(), body: z.string() }, (args) =>
          text('send', args, 'sent'),
        ),
      ],
    }),
    misc: createSdkMcpServer({
      name: 'misc',
      version: '1.0.0',
      tools: [
        tool('crypto_mixer', 'Mix coins', { amount: z.number() }, (args) =>
          text('crypto_mixer', args, 'mixed'),
        ),
      ],
    }),
  }
}

/** Policy names of the scenario's MCP tools (the SDK's `mcp__server__tool` names carry no dots). */
export const scenarioToolNames = {
  mcp__bank__accounts_get_balance: 'accounts.get_balance',
  mcp__bank__payments_transfer: 'payments.transfer',
  mcp__ehr__read_record: 'ehr.read_record',
  mcp__mail__send: 'email.send',
  mcp__misc__crypto_mixer: 'crypto.mixer',
} as const
