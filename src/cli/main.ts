import { Command, CommanderError } from 'commander'
import { ArbiterError, describeError } from '../shared/index.js'
import { CliExit } from './cli-exit.js'
import { registerCommands } from './commands/index.js'

/**
 * Runs the `arbiter` CLI. Every failure ends as one line on stderr and a non-zero exit code;
 * no stack traces for expected errors.
 */
export async function runCli(argv: string[]): Promise<void> {
  const program = new Command('arbiter')
    .description('Guardrail policy and tamper-evident audit ledger for AI agent tool calls')
    .version('0.1.0')
    .showHelpAfterError()
    .exitOverride()
  await registerCommands(program, argv)
  try {
    await program.parseAsync(argv)
  } catch (error) {
    if (error instanceof CommanderError) {
      process.exitCode = error.exitCode
      return
    }
    if (error instanceof CliExit) {
      if (error.message) process.stderr.write(`arbiter: ${error.message}\n`)
      process.exitCode = error.exitCode
      return
    }
    const code = error instanceof ArbiterError ? ` [${error.code}]` : ''
    process.stderr.write(`arbiter: ${describeError(error).split('\n')[0]}${code}\n`)
    process.exitCode = 1
  }
}
