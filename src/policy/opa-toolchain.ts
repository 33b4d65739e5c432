import { spawnSync } from 'node:child_process'
import { existsSync, renameSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PolicyError } from './errors.js'

/**
 * The checkout root. This file lives at `src/policy/` (vitest, tsx) or `dist/policy/` (built CLI);
 * both are two levels below the root, so the answer does not depend on the process cwd.
 */
export const arbiterRoot: string = fileURLToPath(new URL('../../', import.meta.url))

/** Where the pinned OPA CLI (tools/opa/go.mod) is built to. */
export const pinnedOpaPath: string = join(arbiterRoot, 'tools', 'opa', 'bin', 'opa')

/**
 * True in a checkout of the Arbiter repository (it has the pinned OPA toolchain), false when running
 * from an installed package (node_modules/arbiter), which ships neither Go sources nor an opa binary.
 */
export const isCheckout: boolean = existsSync(join(arbiterRoot, 'tools', 'opa', 'go.mod'))

function isStale(binary: string, goSum: string): boolean {
  if (!existsSync(binary)) return true
  return existsSync(goSum) && statSync(goSum).mtimeMs > statSync(binary).mtimeMs
}

/**
 * Returns the path of the `opa` CLI to run: `$OPA_BIN` when set, otherwise (in a checkout) the version
 * pinned in `tools/opa/go.mod`, building it with `go build` first when it is missing or older than `go.sum`.
 *
 * @throws {PolicyError} POLICY_OPA_UNAVAILABLE when `$OPA_BIN` does not exist, the Go build fails, or
 *   an installed package has no `$OPA_BIN` (the message says what to do).
 * @example
 * const opa = resolveOpaBinary()
 * execFileSync(opa, ['version'])
 */
export function resolveOpaBinary(options: { env?: NodeJS.ProcessEnv; quiet?: boolean } = {}): string {
  const env = options.env ?? process.env
  const override = env.OPA_BIN
  if (override) {
    if (!existsSync(override))
      throw new PolicyError('POLICY_OPA_UNAVAILABLE', `OPA_BIN points at ${override}, which does not exist`)
    return override
  }
  if (!isCheckout)
    throw new PolicyError(
      'POLICY_OPA_UNAVAILABLE',
      'building or testing policies needs the OPA CLI: install opa (https://www.openpolicyagent.org/docs/#1-download-opa) and set OPA_BIN to its path, or run this from a checkout of the Arbiter repository, which builds its pinned OPA with Go',
    )
  const toolDir = join(arbiterRoot, 'tools', 'opa')
  if (!isStale(pinnedOpaPath, join(toolDir, 'go.sum'))) return pinnedOpaPath
  if (!options.quiet)
    process.stderr.write(
      'arbiter: building the pinned OPA CLI (tools/opa); the first build may take minutes\n',
    )
  // Build to a private name and rename: parallel processes (test workers) may race to build it.
  const tmp = `${pinnedOpaPath}.${process.pid}.tmp`
  const result = spawnSync('go', ['build', '-o', tmp, 'github.com/open-policy-agent/opa'], {
    cwd: toolDir,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'inherit', 'pipe'],
  })
  if (result.error || result.status !== 0) {
    rmSync(tmp, { force: true })
    const why = result.error
      ? result.error.message
      : (result.stderr ?? '').trim().split('\n').slice(-3).join(' | ')
    throw new PolicyError('POLICY_OPA_UNAVAILABLE', `go build of the pinned OPA CLI failed: ${why}`, {
      cause: result.error,
    })
  }
  renameSync(tmp, pinnedOpaPath)
  return pinnedOpaPath
}
