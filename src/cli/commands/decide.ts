import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import { loadPolicyEngine, PolicyError, toolCallInputSchema } from '../../policy/index.js'
import { describeError, FixedClock, parseWith, systemClock, ValidationError } from '../../shared/index.js'
import { CliExit } from '../cli-exit.js'
import { configFromFlags } from '../config.js'

const MAX_INPUT_BYTES = 1024 * 1024

async function readInput(source: string): Promise<string> {
  if (source !== '-') {
    const bytes = await readFile(source).catch((error: unknown) => {
      throw new CliExit(`cannot read input ${source}: ${describeError(error)}`, 2)
    })
    if (bytes.length > MAX_INPUT_BYTES) throw new CliExit(`input exceeds ${MAX_INPUT_BYTES} bytes`, 2)
    return bytes.toString('utf8')
  }
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length
    if (size > MAX_INPUT_BYTES) throw new CliExit(`input exceeds ${MAX_INPUT_BYTES} bytes`, 2)
    chunks.push(chunk as Buffer)
  }
  return Buffer.concat(chunks).toString('utf8')
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/

function parseTime(text: string): Date {
  const at = new Date(text)
  if (!RFC3339.test(text) || Number.isNaN(at.getTime()))
    throw new CliExit(
      `--at must be an RFC 3339 time such as 2026-11-25T15:00:00Z, got ${JSON.stringify(text)}`,
      2,
    )
  return at
}

/**
 * `arbiter decide --input <file|-> [--bundle <path>]`: evaluates one tool call and prints
 * `{"decision": …, "bundle": {"revision", "sha256"}}`. `--at` fixes `context.time` to re-evaluate a past
 * decision exactly. Exit 2 for unusable input, 3 for an unusable bundle.
 */
export function registerDecide(program: Command): void {
  program
    .command('decide')
    .description('evaluate one tool call (ToolCallInput JSON) against the policy bundle')
    .requiredOption('--input <file|->', 'tool call JSON file, or - for stdin')
    .option('--bundle <path>', 'policy bundle (default $ARBITER_BUNDLE or build/bundle.tar.gz)')
    .option('--at <time>', 'decide as of this RFC 3339 time (re-evaluate a past decision); default now')
    .action(async (options: { input: string; bundle?: string; at?: string }) => {
      const clock = options.at === undefined ? systemClock : new FixedClock(parseTime(options.at))
      const text = await readInput(options.input)
      let raw: unknown
      try {
        raw = JSON.parse(text)
      } catch (error) {
        throw new CliExit(`input is not valid JSON: ${describeError(error)}`, 2)
      }
      try {
        parseWith(toolCallInputSchema, raw, 'tool call input')
      } catch (error) {
        if (error instanceof ValidationError) throw new CliExit(error.message, 2)
        throw error
      }
      const { bundlePath } = configFromFlags({ bundle: options.bundle })
      const engine = await loadPolicyEngine({ bundlePath, clock }).catch((error: unknown) => {
        if (error instanceof PolicyError) throw new CliExit(`${error.message} [${error.code}]`, 3)
        throw error
      })
      try {
        const { decision, bundle } = engine.evaluate(raw)
        const out = { decision, bundle: { revision: bundle.revision, sha256: bundle.sha256 } }
        process.stdout.write(`${JSON.stringify(out)}\n`)
      } finally {
        await engine.close()
      }
    })
}
