// The same guard against the real Anthropic API. Run after `npm run setup`:
//
//   ANTHROPIC_API_KEY=sk-ant-... npx tsx examples/real-api.ts
//
// It asks the model to pay a supplier more than the teller's limit: policy denies the transfer, the
// model reads why (the tool_result carries the policy's reasons) and answers accordingly. Decisions go
// to the embedded ledger in $ARBITER_DATA_DIR (default ./.arbiter) unless DATABASE_URL is set.
import Anthropic from '@anthropic-ai/sdk'
import { runGuardedToolLoop } from '../src/adapters/anthropic-messages/index.js'
import { createSessionGuard } from '../src/adapters/managed-agents/index.js'
import { fintechTools } from '../src/demo/scenarios/fintech.js'
import { createGuard } from '../src/guard/index.js'
import { createLedger, migrateToLatest, openDatabase } from '../src/ledger/index.js'
import { DEFAULT_BUNDLE_PATH, loadPolicyEngine } from '../src/policy/index.js'

if (!process.env.ANTHROPIC_API_KEY) {
  process.stderr.write('examples/real-api.ts: set ANTHROPIC_API_KEY to run against the real API\n')
  process.exit(2)
}

const database = await openDatabase(
  process.env.DATABASE_URL
    ? { databaseUrl: process.env.DATABASE_URL }
    : { dataDir: process.env.ARBITER_DATA_DIR ?? '.arbiter' },
)
await migrateToLatest(database.db)
const ledger = createLedger(database.db, {})
const policy = await loadPolicyEngine({ bundlePath: process.env.ARBITER_BUNDLE ?? DEFAULT_BUNDLE_PATH })
const guard = createGuard({
  policy,
  ledger,
  chain: 'example-real-api',
  redactionKey: process.env.ARBITER_REDACTION_KEY ?? 'example-only-redaction-key',
})

const client = new Anthropic()
const result = await runGuardedToolLoop({
  client,
  guard,
  tools: fintechTools(new Map([['4401778812', 80_000]])),
  context: {
    agent: { id: 'fin-assistant', runtime: 'anthropic-messages', model: 'claude-sonnet-5-5' },
    principal: { id: 'emp-101', roles: ['teller'], tenant: 'acme' },
    session: { id: `example-${Date.now()}` },
  },
  request: {
    model: process.env.ANTHROPIC_MODEL ?? 'claude-sonnet-5-5',
    max_tokens: 1024,
    messages: [
      {
        role: 'user',
        content:
          'Check the balance of account 4401778812, then transfer 25,000 USD from it to account 7730019921 ' +
          '(counterparty Northwind Supplies). Tell me what happened.',
      },
    ],
  },
  onToolCall: (call) => process.stdout.write(`${call.outcome.toUpperCase()} ${call.tool}\n`),
})

for (const block of result.message.content) if (block.type === 'text') process.stdout.write(`${block.text}\n`)

// Optionally guard an existing Managed Agents session too (create it in the console or with
// client.beta.sessions.create, then pass its id): ANTHROPIC_SESSION_ID=sesn_... npx tsx examples/real-api.ts
if (process.env.ANTHROPIC_SESSION_ID) {
  const summary = await createSessionGuard({
    client,
    guard,
    sessionId: process.env.ANTHROPIC_SESSION_ID,
    agent: { id: 'care-assistant', runtime: 'anthropic-managed-agents' },
    principal: { id: 'dr-chen', roles: ['clinician'], tenant: 'st-mary' },
    interruptOnConflict: true,
    onDecision: (d) => {
      process.stdout.write(`${d.verdict.toUpperCase()} ${d.tool} (${d.via})\n`)
    },
    onConflict: (c) => {
      process.stdout.write(`CONFLICT ${c.tool}: ${c.kind}\n`)
    },
  }).run()
  process.stdout.write(`session: ${JSON.stringify(summary)}\n`)
}
await policy.close()
await database.close()
