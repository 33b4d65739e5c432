import type { Command } from 'commander'

type Register = (program: Command) => void

/**
 * Every `arbiter` sub-command, one module each, loaded on demand: `arbiter verify` does not pay for
 * the HTTP server, the Anthropic SDK or PGlite's WebAssembly unless it uses them. Add new ones here.
 */
const commands: Record<string, () => Promise<Register>> = {
  policy: async () => (await import('./policy.js')).registerPolicy,
  decide: async () => (await import('./decide.js')).registerDecide,
  migrate: async () => (await import('./migrate.js')).registerMigrate,
  verify: async () => (await import('./verify.js')).registerVerify,
  checkpoint: async () => (await import('./checkpoint.js')).registerCheckpoint,
  export: async () => (await import('./export.js')).registerExport,
  prove: async () => (await import('./prove.js')).registerProve,
  outcomes: async () => (await import('./outcomes.js')).registerOutcomes,
  demo: async () => (await import('./demo.js')).registerDemo,
  serve: async () => (await import('./serve.js')).registerServe,
  keys: async () => (await import('./keys.js')).registerKeys,
  mcp: async () => (await import('./mcp.js')).registerMcp,
  witness: async () => (await import('./witness.js')).registerWitness,
  evidence: async () => (await import('./evidence.js')).registerEvidence,
}

/**
 * Registers the sub-command named in `argv` (or all of them, for help and unknown names).
 *
 * @example
 * await registerCommands(program, process.argv)
 */
export async function registerCommands(program: Command, argv: readonly string[]): Promise<void> {
  const named = argv[2]
  const names = named !== undefined && Object.hasOwn(commands, named) ? [named] : Object.keys(commands)
  for (const name of names) (await commands[name]!())(program)
}
