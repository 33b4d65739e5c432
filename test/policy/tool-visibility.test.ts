// `arbiter/visible` through the compiled WASM: the shipped rule hides the tools data.mcp lists, a
// bundle without the rule shows every tool, anything but exactly `true` hides, and input the schema
// refuses is an error (the gateway then hides the tool: fail closed).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildBundle, loadPolicyEngine, type ReloadablePolicyEngine } from '../../src/policy/index.js'
import { buildShipped, makeTempDir, removeDir } from './helpers.js'

const caller = {
  agent: { id: 'claude-code', runtime: 'mcp' },
  principal: { id: 'u-17', roles: ['analyst'] },
  session: { id: 'sess-1' },
}
const tool = (server: string, name: string) => ({ ...caller, tool: { name, kind: 'mcp' as const, server } })

/** A bundle of one decision rule, plus `visible` when given (Rego source of its body). */
async function tinyBundle(dir: string, visible?: string): Promise<ReloadablePolicyEngine> {
  const rego = [
    'package arbiter',
    'decision := {"action": "allow", "reasons": []}',
    ...(visible ? [`# METADATA\n# title: arbiter/visible\n# entrypoint: true\nvisible := ${visible}`] : []),
  ].join('\n\n')
  writeFileSync(join(dir, 'arbiter.rego'), `${rego}\n`)
  const built = await buildBundle({
    policiesDir: dir,
    outPath: join(dir, 'b.tar.gz'),
    revision: 't',
    quiet: true,
  })
  return loadPolicyEngine({ bundlePath: built.path, evaluationTimeoutMs: 10_000, workers: 1 })
}

describe('PolicyEngine.isToolVisible', () => {
  const dirs: string[] = []
  const engines: ReloadablePolicyEngine[] = []
  let shipped: ReloadablePolicyEngine
  const dir = () => {
    const d = makeTempDir()
    dirs.push(d)
    return d
  }

  beforeAll(async () => {
    shipped = await loadPolicyEngine({
      bundlePath: (await buildShipped(dir())).path,
      evaluationTimeoutMs: 10_000,
    })
    engines.push(shipped)
  }, 240_000)
  afterAll(async () => {
    for (const e of engines) await e.close()
    for (const d of dirs) removeDir(d)
  })

  describe('with the shipped arbiter/visible', () => {
    it('hides the tools data.mcp.servers[server].hidden lists', async () => {
      expect(await shipped.isToolVisible(tool('everything', 'get-env'))).toBe(false)
      expect(await shipped.isToolVisible(tool('filesystem', 'move_file'))).toBe(false)
    })

    it('shows the others, and every tool of servers it does not configure', async () => {
      expect(await shipped.isToolVisible(tool('everything', 'echo'))).toBe(true)
      expect(await shipped.isToolVisible(tool('github', 'get-env'))).toBe(true)
    })

    it('refuses input with arguments or without a principal: POLICY_VISIBILITY_FAILED', async () => {
      await expect(
        shipped.isToolVisible({ ...tool('everything', 'echo'), arguments: {} }),
      ).rejects.toThrowWithCode('POLICY_VISIBILITY_FAILED')
      const { principal: _omitted, ...anonymous } = tool('everything', 'echo')
      await expect(shipped.isToolVisible(anonymous)).rejects.toThrowWithCode('POLICY_VISIBILITY_FAILED')
      await expect(shipped.isToolVisible('get-env')).rejects.toThrowWithCode('POLICY_VISIBILITY_FAILED')
    })
  })

  it('shows every tool when the bundle has no arbiter/visible', async () => {
    const engine = await tinyBundle(dir())
    engines.push(engine)
    expect(await engine.isToolVisible(tool('everything', 'get-env'))).toBe(true)
  }, 120_000)

  it('hides a tool unless the rule answers exactly true', async () => {
    const engine = await tinyBundle(dir(), '"yes"')
    engines.push(engine)
    expect(await engine.isToolVisible(tool('everything', 'echo'))).toBe(false)
  }, 120_000)
})
