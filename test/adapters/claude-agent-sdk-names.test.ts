import { describe, expect, it } from 'vitest'
import {
  claudeToolToPolicyTool,
  DEFAULT_CLAUDE_TOOL_NAMES,
  deniesSession,
  isStopRule,
} from '../../src/adapters/claude-agent-sdk/index.js'

describe('claudeToolToPolicyTool', () => {
  it('maps built-ins through the default table, as builtin tools', () => {
    expect(claudeToolToPolicyTool('Write')).toEqual({ name: 'files.write', kind: 'builtin' })
    expect(claudeToolToPolicyTool('Bash')).toEqual({ name: 'shell.run', kind: 'builtin' })
    expect(claudeToolToPolicyTool('WebSearch')).toEqual({ name: 'web.search', kind: 'builtin' })
    expect(Object.keys(DEFAULT_CLAUDE_TOOL_NAMES)).toContain('WebFetch')
  })

  it('names a built-in the table does not list claude_code.<Name>, never an inherited key', () => {
    expect(claudeToolToPolicyTool('TodoWrite')).toEqual({ name: 'claude_code.TodoWrite', kind: 'builtin' })
    expect(claudeToolToPolicyTool('constructor')).toEqual({
      name: 'claude_code.constructor',
      kind: 'builtin',
    })
    expect(claudeToolToPolicyTool('__proto__')).toEqual({ name: 'claude_code.__proto__', kind: 'builtin' })
  })

  it('splits mcp__server__tool into tool, kind mcp and server', () => {
    expect(claudeToolToPolicyTool('mcp__bank__payments_transfer')).toEqual({
      name: 'payments_transfer',
      kind: 'mcp',
      server: 'bank',
    })
    expect(claudeToolToPolicyTool('mcp__bank__a__b')).toEqual({ name: 'a__b', kind: 'mcp', server: 'bank' })
  })

  it('splits by the server name the SDK reports when that name holds __', () => {
    expect(claudeToolToPolicyTool('mcp__core__bank__transfer', {}, 'core__bank')).toEqual({
      name: 'transfer',
      kind: 'mcp',
      server: 'core__bank',
    })
    // A reported name that is not the prefix is not trusted over the name itself.
    expect(claudeToolToPolicyTool('mcp__bank__transfer', {}, 'other')).toEqual({
      name: 'transfer',
      kind: 'mcp',
      server: 'bank',
    })
  })

  it('treats malformed mcp names as unlisted built-ins', () => {
    for (const name of ['mcp__', 'mcp__bank', 'mcp____tool', 'mcp__bank__'])
      expect(claudeToolToPolicyTool(name)).toEqual({ name: `claude_code.${name}`, kind: 'builtin' })
  })

  it('applies toolNames overrides (a name keeps kind and server) and then mapTool', () => {
    const toolNames = {
      mcp__bank__payments_transfer: 'payments.transfer',
      Bash: { name: 'ops.shell', kind: 'client' as const },
    }
    expect(claudeToolToPolicyTool('mcp__bank__payments_transfer', { toolNames })).toEqual({
      name: 'payments.transfer',
      kind: 'mcp',
      server: 'bank',
    })
    expect(claudeToolToPolicyTool('Bash', { toolNames })).toEqual({ name: 'ops.shell', kind: 'client' })
    const mapTool = (
      _sdk: string,
      mapped: { name: string; kind: 'mcp' | 'builtin' | 'client' | 'custom'; server?: string },
    ) =>
      mapped.kind === 'mcp'
        ? { ...mapped, name: `${mapped.server}.${mapped.name.replaceAll('_', '.')}` }
        : mapped
    expect(claudeToolToPolicyTool('mcp__ehr__read_record', { mapTool })).toEqual({
      name: 'ehr.read.record',
      kind: 'mcp',
      server: 'ehr',
    })
  })
})

describe('stop rules', () => {
  it('are rule ids whose last segment starts with stop_', () => {
    expect(isStopRule('health.stop_phi_exfiltration')).toBe(true)
    expect(isStopRule('stop_all')).toBe(true)
    expect(isStopRule('health.phi_identifier')).toBe(false)
    expect(isStopRule('stop_pack.rule')).toBe(false)
    expect(isStopRule('health.stop_')).toBe(false)
    expect(
      deniesSession([
        { rule: 'a.b', message: '' },
        { rule: 'a.stop_c', message: '' },
      ]),
    ).toBe(true)
    expect(deniesSession([{ rule: 'a.b', message: '' }])).toBe(false)
  })
})
