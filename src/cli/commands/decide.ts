import { readFile } from 'node:fs/promises'
import type { Command } from 'commander'
import type { ArbiterConfig } from '../../app/index.js'
import { admitToolCall, DEFAULT_ADMISSION_LIMITS } from '../../guard/index.js'
import { loadPolicyEngine, PolicyError, parseToolCallInput, type ToolCallInput } from '../../policy/index.js'
import { describeError, FixedClock, systemClock, ValidationError } from '../../shared/index.js'
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

/** The message on one line: pointers into hostile input may hold line breaks. */
function oneLine(text: string): string {
  return text.replace(/[\p{Cc}\u2028\u2029]/gu, ' ')
}

/** The same admission the guard applies (limits from the configuration), then the schema. */
function admit(raw: unknown, limits: ArbiterConfig['admission']): ToolCallInput {
  try {
    admitToolCall(raw, { ...DEFAULT_ADMISSION_LIMITS, ...limits })
    return parseToolCallInput(raw, 'tool call input')
  } catch (error) {
    if (error instanceof ValidationError) throw new CliExit(oneLine(error.message), 2)
    throw error
  }
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
 * decision exactly. Exit 2 for unusable input (including input past the admission limits), 3 for an
 * unusable bundle. A policy error or an evaluation past its deadline is a deny (`arbiter.policy_error`).
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
      const config = configFromFlags(options.bundle ? { bundle: options.bundle } : {})
      const input = admit(raw, config.admission)
      const { bundlePath } = config
      // One evaluation needs one worker.
      const budget = { workers: 1, ...config.evaluation }
      const engine = await loadPolicyEngine({ bundlePath, clock, ...budget }).catch((error: unknown) => {
        if (error instanceof PolicyError) throw new CliExit(`${error.message} [${error.code}]`, 3)
        throw error
      })
      try {
        const { decision, bundle } = await engine.evaluate(input)
        const out = { decision, bundle: { revision: bundle.revision, sha256: bundle.sha256 } }
        process.stdout.write(`${JSON.stringify(out)}\n`)
      } finally {
        await engine.close()
      }
    })
}
