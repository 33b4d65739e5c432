import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BuiltBundle, buildBundle } from '../../src/policy/index.js'

/** Fresh temporary directory; remove it with {@link removeDir}. */
export function makeTempDir(prefix = 'arbiter-policy-'): string {
  return mkdtempSync(join(tmpdir(), prefix))
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true })
}

/** Source directory of a Rego fixture under test/fixtures/policies/. */
export const fixturePolicies = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/policies/${name}/`, import.meta.url))

/** Compiles the shipped policies/ into `dir` with a fixed revision (real opa build, real WASM). */
export function buildShipped(
  dir: string,
  revision = 'test-r1',
  file = 'bundle.tar.gz',
): Promise<BuiltBundle> {
  return buildBundle({ outPath: join(dir, file), revision, quiet: true })
}

/** A valid tool call for the shipped packs; override parts per test. */
export function toolCall(
  tool: string,
  args: Record<string, unknown>,
  overrides: { agent?: string; principal?: string; roles?: string[]; context?: Record<string, unknown> } = {},
) {
  return {
    tool: { name: tool, kind: 'client' as const },
    arguments: args,
    agent: { id: overrides.agent ?? 'fin-assistant', runtime: 'anthropic' },
    principal: { id: overrides.principal ?? 'emp-101', roles: overrides.roles ?? ['teller'] },
    session: { id: 'sess-1' },
    ...(overrides.context ? { context: overrides.context } : {}),
  }
}

/** Wednesday 2026-11-25 15:00 UTC: inside trading hours. */
export const MARKET_OPEN = new Date('2026-11-25T15:00:00.000Z')

export const rulesOf = (decision: { reasons: ReadonlyArray<{ rule: string }> }): string[] =>
  decision.reasons.map((r) => r.rule).sort()
