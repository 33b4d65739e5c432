import type { Command } from 'commander'
import { buildBundle, DEFAULT_POLICIES_DIR, testPolicies } from '../../policy/index.js'
import { CliExit } from '../cli-exit.js'
import { configFromFlags } from '../config.js'
import { registerPolicyReplay } from './policy-replay.js'
import { registerPolicyShow } from './policy-show.js'

/**
 * `arbiter policy build [--policies dir] [--out path] [--quiet]` compiles Rego to an OPA WASM bundle;
 * `arbiter policy test [--policies dir]` runs `opa fmt --list --fail`, `opa check --strict` and `opa test -v`;
 * `arbiter policy show` prints an archived bundle; `arbiter policy replay` replays recorded decisions.
 */
export function registerPolicy(program: Command): void {
  const policy = program
    .command('policy')
    .description('build, test, show archived and replay the Rego policies')

  policy
    .command('build')
    .description('compile the policies to a WASM bundle stamped with the source revision')
    .option('--policies <dir>', 'Rego and data.json source directory', DEFAULT_POLICIES_DIR)
    .option('--out <path>', 'output bundle path (default $ARBITER_BUNDLE or build/bundle.tar.gz)')
    .option('--quiet', 'print nothing on success')
    .action(async (options: { policies: string; out?: string; quiet?: boolean }) => {
      const built = await buildBundle({
        policiesDir: options.policies,
        outPath: configFromFlags({ bundle: options.out }).bundlePath,
        quiet: options.quiet,
      })
      if (!options.quiet)
        process.stdout.write(`built ${built.path} revision=${built.revision} sha256=${built.sha256}\n`)
    })

  policy
    .command('test')
    .description('check formatting (opa fmt), strictness (opa check --strict) and run opa test')
    .option('--policies <dir>', 'Rego and data.json source directory', DEFAULT_POLICIES_DIR)
    .action((options: { policies: string }) => {
      const report = testPolicies({ policiesDir: options.policies })
      for (const step of report.steps) {
        process.stdout.write(`${step.ok ? 'ok  ' : 'FAIL'} ${step.command}\n`)
        const output = step.output.trim()
        // Passing fmt/check print nothing useful; the test step's verbose listing is always shown.
        if (!output || (step.ok && step.name !== 'test')) continue
        const body =
          step.name === 'fmt' && !step.ok ? `not formatted (fix with opa fmt -w):\n${output}` : output
        process.stdout.write(`${body}\n`)
      }
      if (!report.ok) {
        const failed = report.steps.filter((s) => !s.ok).map((s) => s.name)
        throw new CliExit(`policy checks failed: ${failed.join(', ')}`)
      }
    })
  registerPolicyShow(policy)
  registerPolicyReplay(policy)
}
