import { createAnthropic } from '@ai-sdk/anthropic'
import { tool as claudeTool, createSdkMcpServer } from '@anthropic-ai/claude-agent-sdk'
import type Anthropic from '@anthropic-ai/sdk'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { Server } from '@modelcontextprotocol/sdk/server/index.js'
import { CallToolRequestSchema, ListToolsRequestSchema } from '@modelcontextprotocol/sdk/types.js'
import { Agent, OpenAIProvider, tool as openaiTool, Runner } from '@openai/agents'
import { tool as aiTool, generateText, jsonSchema, stepCountIs, type Tool } from 'ai'
import { z } from 'zod'
import { runGuardedToolLoop } from '../../src/adapters/anthropic-messages/index.js'
import { createClaudeAgentGuard } from '../../src/adapters/claude-agent-sdk/index.js'
import { wrapTool } from '../../src/adapters/generic/index.js'
import { createSessionGuard } from '../../src/adapters/managed-agents/index.js'
import { createMcpGateway } from '../../src/adapters/mcp/index.js'
import { createOpenAIAgentsGuard } from '../../src/adapters/openai-agents/index.js'
import { createAiSdkGuard } from '../../src/adapters/vercel-ai/index.js'
import { lastToolResultText } from '../../src/demo/scenarios/fintech.js'
import { type StandInServer, step } from '../../src/demo/stand-in/index.js'
import { type Guard, ToolDeniedError } from '../../src/guard/index.js'
import type { MessagesSseStandIn } from './anthropic-sse-stand-in.js'
import { runAgent, standInOptions } from './claude-agent.js'
import {
  runScenarioTool,
  type ScenarioCall,
  type ScenarioTool,
  scenarioContext,
  scenarioTools,
} from './framework-scenario.js'
import { lastToolOutputs, type ResponsesStandIn } from './openai-responses-stand-in.js'

/**
 * One driver per runtime Arbiter supports: each takes one call of the issue-14 scenario, has a
 * scripted model (or client) propose it through that runtime's real package and wire format, and lets
 * the runtime and its Arbiter adapter do the rest. What a driver returns is the tool names that ran;
 * what each runtime decided is read from the ledger, not from the driver.
 */
export type RuntimeDriver = (call: ScenarioCall) => Promise<string[]>

const toolOf = (name: string): ScenarioTool => {
  const found = scenarioTools.find((t) => t.name === name)
  if (!found) throw new Error(`no scenario tool ${name}`)
  return found
}
/**
 * The two SDKs with their own human-in-the-loop end the run at a call that needs approval (an
 * interruption, an approval request) instead of asking the model again: no second turn is scripted.
 */
const pausesForApproval = (c: ScenarioCall) => c.action === 'require_approval'
const policyNames = Object.fromEntries(scenarioTools.map((t) => [t.name, t.policyName]))

/** The generic wrapper (`wrapTool`): a plain function, guarded. */
export function genericDriver(guard: Guard): RuntimeDriver {
  return async (c) => {
    const ran: string[] = []
    const t = toolOf(c.tool)
    const run = wrapTool(
      guard,
      t.policyName,
      (args: Record<string, unknown>) => runScenarioTool(ran, t.name, args),
      {
        context: scenarioContext(c.role, 'generic'),
      },
    )
    await run(c.arguments).catch((error: unknown) => {
      if (!(error instanceof ToolDeniedError)) throw error
    })
    return ran
  }
}

/** The Messages API tool loop (`runGuardedToolLoop`) against the Anthropic stand-in. */
export function messagesDriver(
  guard: Guard,
  standIn: () => StandInServer,
  client: () => Anthropic,
): RuntimeDriver {
  return async (c) => {
    const ran: string[] = []
    standIn().scriptMessages(
      { content: [{ type: 'tool_use', name: c.tool, input: c.arguments }] },
      (req) => ({ content: [{ type: 'text', text: `Tool said: ${lastToolResultText(req)}` }] }),
    )
    await runGuardedToolLoop({
      client: client(),
      guard,
      context: scenarioContext(c.role, 'anthropic-messages'),
      tools: scenarioTools.map((t) => ({
        definition: { name: t.name, description: t.description, input_schema: t.parameters },
        policyName: t.policyName,
        run: (args: Record<string, unknown>) => runScenarioTool(ran, t.name, args),
      })),
      request: { model: 'claude-sonnet-5-5', max_tokens: 512, messages: [{ role: 'user', content: c.id }] },
    })
    return ran
  }
}

/** A Managed Agents session (custom tools) against the session stand-in, through `createSessionGuard`. */
export function managedAgentsDriver(
  guard: Guard,
  standIn: () => StandInServer,
  client: () => Anthropic,
): RuntimeDriver {
  return async (c) => {
    const ran: string[] = []
    const ctx = scenarioContext(c.role, 'anthropic-managed-agents')
    const sessionId = standIn().createSession([
      step.customToolUse(c.tool, c.arguments, 'call'),
      step.awaitAction(),
    ])
    const customTools = Object.fromEntries(
      scenarioTools.map((t) => [
        t.name,
        {
          policyName: t.policyName,
          run: (args: Record<string, unknown>) => runScenarioTool(ran, t.name, args),
        },
      ]),
    )
    await createSessionGuard({
      client: client(),
      guard,
      sessionId,
      agent: ctx.agent,
      principal: ctx.principal,
      ...(ctx.context ? { context: ctx.context } : {}),
      customTools,
    }).run()
    return ran
  }
}

/** The scenario tools as in-process MCP tools of one server, as Claude Code sees them. */
function claudeServer(ran: string[]) {
  const shape = (t: ScenarioTool) =>
    Object.fromEntries(
      Object.entries(t.parameters.properties).map(([k, v]) => [
        k,
        v.type === 'number' ? z.number() : z.string(),
      ]),
    )
  return createSdkMcpServer({
    name: 'scenario',
    version: '1.0.0',
    tools: scenarioTools.map((t) =>
      claudeTool(t.name, t.description, shape(t), async (args) => ({
        content: [{ type: 'text' as const, text: JSON.stringify(runScenarioTool(ran, t.name, args)) }],
      })),
    ),
  })
}

/** The Claude Agent SDK running its bundled Claude Code process against the streaming stand-in. */
export function claudeAgentDriver(
  guard: Guard,
  standIn: () => StandInServer,
  workspace: { readonly cwd: string; readonly home: string },
): RuntimeDriver {
  return async (c) => {
    const ran: string[] = []
    const claude = createClaudeAgentGuard({
      guard,
      context: scenarioContext(c.role, 'claude-agent-sdk'),
      toolNames: Object.fromEntries(scenarioTools.map((t) => [`mcp__scenario__${t.name}`, t.policyName])),
    })
    standIn().scriptMessages(
      { content: [{ type: 'tool_use', name: `mcp__scenario__${c.tool}`, input: c.arguments }] },
      { content: [{ type: 'text', text: 'Done.' }] },
    )
    const options = claude.queryOptions({
      ...standInOptions(standIn().url, workspace),
      mcpServers: { scenario: claudeServer(ran) },
    })
    const run = await runAgent(c.id, options)
    if (run.error) throw run.error
    return ran
  }
}

/** The OpenAI Agents SDK against the Responses API stand-in. */
export function openaiAgentsDriver(guard: Guard, standIn: () => ResponsesStandIn): RuntimeDriver {
  return async (c) => {
    const ran: string[] = []
    const arbiter = createOpenAIAgentsGuard({ guard, context: scenarioContext(c.role, 'openai-agents') })
    const tools = scenarioTools.map((t) =>
      openaiTool(
        arbiter.tool(
          {
            name: t.name,
            description: t.description,
            parameters: t.parameters,
            strict: true,
            execute: async (args: unknown) =>
              JSON.stringify(runScenarioTool(ran, t.name, args as Record<string, unknown>)),
          },
          { policyName: t.policyName },
        ),
      ),
    )
    standIn().script([{ type: 'function_call', name: c.tool, arguments: c.arguments }])
    if (!pausesForApproval(c))
      standIn().script((request) => [
        { type: 'message', text: `Tool said: ${lastToolOutputs(request).join('\n')}` },
      ])
    const modelProvider = new OpenAIProvider({
      apiKey: 'test-key',
      baseURL: standIn().url,
      useResponses: true,
    })
    const runner = new Runner({ modelProvider, tracingDisabled: true })
    await runner.run(
      new Agent({ name: 'assistant', instructions: 'Use the tools.', model: 'gpt-5.1', tools }),
      c.id,
    )
    return ran
  }
}

/** The Vercel AI SDK (`generateText` with the Anthropic provider) against the SSE stand-in. */
export function vercelAiDriver(guard: Guard, standIn: () => MessagesSseStandIn): RuntimeDriver {
  return async (c) => {
    const ran: string[] = []
    const arbiter = createAiSdkGuard({ guard, context: scenarioContext(c.role, 'vercel-ai') })
    const plain: Record<string, Tool> = Object.fromEntries(
      scenarioTools.map((t) => [
        t.name,
        aiTool({
          description: t.description,
          inputSchema: jsonSchema<Record<string, unknown>>(t.parameters),
          execute: async (args) => runScenarioTool(ran, t.name, args),
        }),
      ]),
    )
    standIn().scriptMessages({ content: [{ type: 'tool_use', name: c.tool, input: c.arguments }] })
    if (!pausesForApproval(c))
      standIn().scriptMessages((req) => ({
        content: [{ type: 'text', text: `Tool said: ${lastToolResultText(req)}` }],
      }))
    const model = createAnthropic({ apiKey: 'test-key', baseURL: standIn().url })('claude-sonnet-4-5')
    await generateText({
      model,
      tools: arbiter.guardTools(plain, { policyNames }),
      prompt: c.id,
      stopWhen: stepCountIs(5),
    })
    return ran
  }
}

/**
 * The HTTP sidecar: `POST /v1/decisions` on a real server, with an agent key bound to the call's
 * agent and principal. Nothing runs through it (the caller runs allowed tools itself).
 */
export function sidecarDriver(url: () => string, keyFor: (c: ScenarioCall) => string): RuntimeDriver {
  return async (c) => {
    const ctx = scenarioContext(c.role, 'http-sidecar')
    const response = await fetch(`${url()}/v1/decisions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keyFor(c)}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        tool: { name: toolOf(c.tool).policyName, kind: 'client' },
        arguments: c.arguments,
        agent: ctx.agent,
        principal: ctx.principal,
        session: ctx.session,
        ...(ctx.context ? { context: ctx.context } : {}),
      }),
    })
    if (!response.ok)
      throw new Error(`POST /v1/decisions answered ${response.status}: ${await response.text()}`)
    return []
  }
}

/** An upstream MCP server offering the scenario tools under their policy names (low-level `Server`). */
function scenarioMcpServer(ran: string[]): Server {
  const server = new Server({ name: 'scenario', version: '1.0.0' }, { capabilities: { tools: {} } })
  server.setRequestHandler(ListToolsRequestSchema, async () => ({
    tools: scenarioTools.map((t) => ({
      name: t.policyName,
      description: t.description,
      inputSchema: t.parameters,
    })),
  }))
  server.setRequestHandler(CallToolRequestSchema, async (request) => {
    const t = scenarioTools.find((s) => s.policyName === request.params.name)
    if (!t) throw new Error(`unknown tool ${request.params.name}`)
    const result = runScenarioTool(ran, t.name, request.params.arguments ?? {})
    return { content: [{ type: 'text' as const, text: JSON.stringify(result) }] }
  })
  return server
}

/**
 * The MCP gateway (`createMcpGateway`, what `arbiter mcp` runs) between the official SDK client and an
 * upstream MCP server, over the SDK's in-memory transports; one gateway session per call, since the
 * principal is fixed per gateway (`--principal`, `--roles`).
 */
export function mcpGatewayDriver(guard: Guard): RuntimeDriver {
  return async (c) => {
    const ran: string[] = []
    const ctx = scenarioContext(c.role, 'mcp')
    const gateway = createMcpGateway({
      guard,
      serverName: 'scenario',
      agentId: ctx.agent.id,
      principal: ctx.principal,
      connectUpstream: async () => {
        const [gatewaySide, serverSide] = InMemoryTransport.createLinkedPair()
        await scenarioMcpServer(ran).connect(serverSide)
        return gatewaySide
      },
    })
    const [clientSide, gatewaySide] = InMemoryTransport.createLinkedPair()
    const session = await gateway.connect(gatewaySide)
    const client = new Client({ name: 'equivalence-client', version: '1.0.0' })
    try {
      await client.connect(clientSide)
      await client.callTool({ name: toolOf(c.tool).policyName, arguments: c.arguments })
    } finally {
      await client.close()
      await session.close()
    }
    return ran
  }
}
