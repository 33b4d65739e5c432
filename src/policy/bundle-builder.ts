import { spawnSync } from 'node:child_process'
import { mkdirSync, renameSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { silentLogger, systemClock } from '../shared/index.js'
import { readBundle } from './bundle-loader.js'
import { PolicyError } from './errors.js'
import { createEvaluator } from './evaluator.js'
import { DECISION_ENTRYPOINT } from './manifest.js'
import { arbiterRoot, isCheckout, resolveOpaBinary } from './opa-toolchain.js'
import { computePolicyRevision } from './revision.js'

// In a checkout, policies/ and build/ of the checkout whatever the working directory; in an installed
// package, the application's own ./policies and ./build (node_modules/arbiter holds neither).
const policyHome = isCheckout ? arbiterRoot : process.cwd()

/** Default policy source directory and bundle output (and the bundle `arbiter serve` loads). */
export const DEFAULT_POLICIES_DIR: string = join(policyHome, 'policies')
export const DEFAULT_BUNDLE_PATH: string = join(policyHome, 'build', 'bundle.tar.gz')

/**
 * The sample policies of the repository compiled by the package build (`npm run build`) and shipped in
 * the package: what `arbiter demo` runs when no bundle is configured; no OPA needed.
 */
export const SAMPLE_BUNDLE_PATH: string = join(arbiterRoot, 'dist', 'sample-bundle.tar.gz')

export interface BuildBundleOptions {
  /** Rego + data.json source (default `policies/` of the checkout). */
  policiesDir?: string
  /** Output tar.gz (default `build/bundle.tar.gz`). */
  outPath?: string
  /** Override the `.manifest` revision (default {@link computePolicyRevision}). */
  revision?: string
  /** Path of the opa CLI (default {@link resolveOpaBinary}). */
  opaBin?: string
  /** Suppress the toolchain notice on stderr. */
  quiet?: boolean
}

export interface BuiltBundle {
  readonly path: string
  readonly revision: string
  readonly sha256: string
}

/** Multi-line tool output as one line (the CLI prints one line per failure). */
function oneLine(text: string): string {
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .join(' | ')
}

/** Runs opa with captured output; throws POLICY_OPA_UNAVAILABLE when it cannot start. */
export function runOpa(opaBin: string, args: string[]): { status: number; output: string } {
  const result = spawnSync(opaBin, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })
  if (result.error)
    throw new PolicyError('POLICY_OPA_UNAVAILABLE', `cannot run ${opaBin}: ${result.error.message}`, {
      cause: result.error,
    })
  return { status: result.status ?? 1, output: `${result.stdout ?? ''}${result.stderr ?? ''}` }
}

/**
 * Compiles the policies to an OPA WASM bundle (`opa build -t wasm -e arbiter/decision`) stamped with the
 * source revision, writes it atomically (temp file + rename, so a watching engine never sees half a file)
 * and checks that it loads in the opa-wasm host (entry point present, no unsupported builtins).
 *
 * @throws {PolicyError} POLICY_BUILD_FAILED when opa rejects the policies or the result does not load;
 *   POLICY_OPA_UNAVAILABLE when the opa CLI cannot be built or run.
 * @example
 * const built = buildBundle({ outPath: 'build/bundle.tar.gz' })
 * console.log(built.revision, built.sha256)
 */
export async function buildBundle(options: BuildBundleOptions = {}): Promise<BuiltBundle> {
  const policiesDir = resolve(options.policiesDir ?? DEFAULT_POLICIES_DIR)
  const outPath = resolve(options.outPath ?? DEFAULT_BUNDLE_PATH)
  const opaBin = options.opaBin ?? resolveOpaBinary({ quiet: options.quiet })
  const revision = options.revision ?? computePolicyRevision(policiesDir)
  mkdirSync(dirname(outPath), { recursive: true })
  const tmpPath = `${outPath}.${process.pid}.${Date.now()}.tmp`
  const args = ['build', '-t', 'wasm', '-e', DECISION_ENTRYPOINT, '--revision', revision]
  // Test files are not policy: keep them out of the shipped bundle.
  args.push('--ignore', '*_test.rego', '-o', tmpPath, policiesDir)
  const { status, output } = runOpa(opaBin, args)
  if (status !== 0) {
    rmSync(tmpPath, { force: true })
    throw new PolicyError('POLICY_BUILD_FAILED', `opa build failed: ${oneLine(output)}`)
  }
  try {
    const contents = await readBundle(tmpPath)
    await createEvaluator(contents, { clock: systemClock, logger: silentLogger })
    renameSync(tmpPath, outPath)
    return { path: outPath, revision: contents.manifest.revision, sha256: contents.sha256 }
  } catch (error) {
    rmSync(tmpPath, { force: true })
    const why = error instanceof Error ? error.message : String(error)
    throw new PolicyError('POLICY_BUILD_FAILED', `built bundle does not load: ${why}`, { cause: error })
  }
}
