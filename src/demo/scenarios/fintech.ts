import type Anthropic from '@anthropic-ai/sdk'
import { type GuardedTool, runGuardedToolLoop } from '../../adapters/anthropic-messages/index.js'
import type { CallContext, Guard } from '../../guard/index.js'
import type { MessagesRequest, StandInServer } from '../stand-in/index.js'
import { startScriptedApprover } from './approver.js'

export const FINTECH_CONTEXT: CallContext = {
  agent: { id: 'fin-assistant', runtime: 'anthropic-messages', model: 'claude-sonnet-5-5' },
  principal: { id: 'emp-204', roles: ['payments_officer'], tenant: 'acme' },
  session: { id: 'demo-fintech-1' },
}

const ACCOUNT = '4401778812'
const SUPPLIER_ACCOUNT = '7730019921'

/** The demo bank's tools, as the model sees them and as they run (a toy ledger of balances). */
export function fintechTools(balances: Map<string, number>): GuardedTool[] {
  return [
    {
      policyName: 'accounts.get_balance',
      definition: {
        name: 'accounts_get_balance',
        description: 'Current balance of an account',
        input_schema: {
          type: 'object',
          properties: { account_number: { type: 'string' } },
          required: ['account_number'],
        },
      },
      run: (input) => ({
        account_number: input.account_number,
        balance_usd: balances.get(String(input.account_number)) ?? 0,
      }),
    },
    {
      policyName: 'payments.transfer',
      definition: {
        name: 'payments_transfer',
        description: 'Transfer money between accounts',
        input_schema: {
          type: 'object',
          properties: {
            amount: { type: 'number' },
            currency: { type: 'string' },
            from_account: { type: 'string' },
            to_account: { type: 'string' },
            counterparty: { type: 'string' },
          },
          required: ['amount', 'currency', 'from_account', 'to_account', 'counterparty'],
        },
      },
      run: (input) => {
        const from = String(input.from_account)
        balances.set(from, (balances.get(from) ?? 0) - Number(input.amount))
        return { status: 'executed', reference: `TRX-${Date.now().toString(36)}` }
      },
    },
  ]
}

const transfer = (amount: number) => ({
  amount,
  currency: 'USD',
  from_account: ACCOUNT,
  to_account: SUPPLIER_ACCOUNT,
  counterparty: 'Northwind Supplies',
})

function textOf(message: Anthropic.Messages.Message): string {
  return message.content.map((b) => (b.type === 'text' ? b.text : '')).join('')
}

/** The text of the tool results the client sent back last; what the scripted model "reads". */
export function lastToolResultText(request: MessagesRequest): string {
  const last = request.messages.at(-1)
  if (!last || typeof last.content === 'string') return ''
  return last.content
    .filter((b) => b.type === 'tool_result')
    .map((b) => (typeof b.content === 'string' ? b.content : JSON.stringify(b.content)))
    .join('\n')
}

/** The first reason line of the denied tool result the model just received. */
function reasonLine(request: MessagesRequest): string {
  const line = lastToolResultText(request)
    .split('\n')
    .find((l) => l.startsWith('- '))
  return line ? line.slice(2) : 'no reason given'
}

/** Scripts the fintech conversation on the stand-in: balance, a transfer over the limit, a smaller one. */
export function scriptFintechConversation(standIn: StandInServer): void {
  standIn.scriptMessages(
    {
      content: [
        { type: 'text', text: 'Let me check the balance first.' },
        { type: 'tool_use', name: 'accounts_get_balance', input: { account_number: ACCOUNT } },
      ],
    },
    { content: [{ type: 'tool_use', name: 'payments_transfer', input: transfer(300_000) }] },
    (request) => ({
      content: [
        {
          type: 'text',
          text: `The bank's policy blocked that transfer (${reasonLine(request)}). I will pay a first instalment of 40,000 USD instead.`,
        },
        { type: 'tool_use', name: 'payments_transfer', input: transfer(40_000) },
      ],
    }),
    (request) => ({ content: [{ type: 'text', text: `Done. ${lastToolResultText(request)}` }] }),
  )
}

/** Runs the scripted fintech session through the guard; prints each decision as it happens. */
export async function runFintechSession(options: {
  client: Pick<Anthropic, 'messages'>
  guard: Guard
  standIn: StandInServer
  print: (line: string) => void
}): Promise<{ finalText: string }> {
  const { guard, print } = options
  scriptFintechConversation(options.standIn)
  const approver = startScriptedApprover({
    guard,
    officer: { id: 'emp-317', roles: ['payments_officer'] },
    print,
  })
  try {
    const result = await runGuardedToolLoop({
      client: options.client,
      guard,
      context: FINTECH_CONTEXT,
      tools: fintechTools(new Map([[ACCOUNT, 1_250_000]])),
      request: {
        model: 'claude-sonnet-5-5',
        max_tokens: 1024,
        messages: [
          {
            role: 'user',
            content: 'Pay Northwind Supplies the 300,000 USD we owe them from account 4401778812.',
          },
        ],
      },
      onAssistantMessage: (message) => {
        const text = textOf(message)
        if (text) print(`  assistant: ${text}`)
      },
      onToolCall: (report) => {
        const verdict = report.outcome === 'ran' ? 'ALLOW' : report.outcome === 'denied' ? 'DENY ' : 'ERROR'
        print(
          `  ${verdict} ${report.tool}${report.outcome === 'ran' ? '' : `\n        ${report.text.split('\n').slice(1).join('\n        ')}`}`,
        )
      },
    })
    return { finalText: textOf(result.message) }
  } finally {
    approver.stop()
  }
}
