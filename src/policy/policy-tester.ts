import { resolve } from 'node:path'
import { DEFAULT_POLICIES_DIR, runOpa } from './bundle-builder.js'
import { resolveOpaBinary } from './opa-toolchain.js'

/** One step of {@link testPolicies}: the opa command, whether it passed, and its output. */
export interface PolicyCheckStep {
  readonly name: 'fmt' | 'check' | 'test'
  readonly command: string
  readonly ok: boolean
  readonly output: string
}

export interface PolicyTestReport {
  readonly ok: boolean
  readonly steps: readonly PolicyCheckStep[]
}

/**
 * Checks the policy source: `opa fmt --list --fail` (formatting), `opa check --strict` (unused
 * variables, shadowing…) and `opa test -v` (unit tests). Every step runs so one report shows all problems.
 *
 * @throws {PolicyError} POLICY_OPA_UNAVAILABLE when the opa CLI cannot be built or run.
 * @example
 * const report = testPolicies()
 * if (!report.ok) process.exitCode = 1
 */
export function testPolicies(
  options: { policiesDir?: string; opaBin?: string; quiet?: boolean } = {},
): PolicyTestReport {
  const dir = resolve(options.policiesDir ?? DEFAULT_POLICIES_DIR)
  const opaBin = options.opaBin ?? resolveOpaBinary({ quiet: options.quiet })
  const plan: Array<[PolicyCheckStep['name'], string[]]> = [
    ['fmt', ['fmt', '--list', '--fail', dir]],
    ['check', ['check', '--strict', dir]],
    ['test', ['test', dir, '-v']],
  ]
  const steps = plan.map(([name, args]): PolicyCheckStep => {
    const { status, output } = runOpa(opaBin, args)
    return { name, command: `opa ${args.join(' ')}`, ok: status === 0, output }
  })
  return { ok: steps.every((s) => s.ok), steps }
}
