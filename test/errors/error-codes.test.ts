import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import {
  codesAssertedIn,
  codesAssertedInTests,
  codesUsedAsValues,
  declaredErrorCodes,
} from './code-inventory.js'

const here = dirname(fileURLToPath(import.meta.url))
const root = resolve(here, '..', '..')
const declared = declaredErrorCodes(join(root, 'src'), root)
const codes = declared.map((d) => d.code)

// Issue 10: every error code the code can raise is raised by at least one test. The list is read from
// the source (the `code` unions of every ArbiterError subclass), so a new code joins it by itself and
// fails here until a test provokes it.
describe('error codes', () => {
  it('reads the codes of every module from the source', () => {
    // A parser that found nothing would pass the checks below: pin a code of each error class.
    const byClass = new Map(declared.map((d) => [d.code, d.declaredBy]))
    expect(byClass.get('LEDGER_ROW_INVALID')).toBe('LedgerError')
    expect(byClass.get('GUARD_POLICY_FAILED')).toBe('GuardError')
    expect(byClass.get('TOOL_DENIED')).toBe('ToolDeniedError')
    expect(byClass.get('POLICY_BUILD_FAILED')).toBe('PolicyError')
    expect(byClass.get('API_KEY_INVALID_ROW')).toBe('ApiKeyError')
    expect(byClass.get('CANONICAL_JSON_INVALID')).toBe('CanonicalJsonError')
    expect(byClass.get('SESSION_STREAM_FAILED')).toBe('SessionGuardError')
    expect(byClass.get('ENTRY_BODY_INVALID')).toBe('EntryBodyError')
    expect(byClass.get('VALIDATION_FAILED')).toBe('ValidationError')
    expect(codes.length).toBeGreaterThan(50)
  })

  it('declares only codes the source raises (no dead code in a union)', () => {
    const used = codesUsedAsValues(join(root, 'src'))
    const dead = declared
      .filter((d) => !used.has(d.code))
      .map((d) => `${d.code} (${d.declaredBy}, ${d.file})`)
    expect(dead).toEqual([])
  })

  it('has every code raised and asserted by at least one test', () => {
    const asserted = codesAssertedInTests(join(root, 'test'), codes, here)
    const untested = declared
      .filter((d) => !asserted.has(d.code))
      .map((d) => `${d.code} (${d.declaredBy}, ${d.file})`)
    expect(untested).toEqual([])
  })

  it('counts a code only where a test asserts it, not where it is merely mentioned', () => {
    const source = [
      "const listed = ['A_LISTED']",
      "it('throws B_TITLE', () => { run('C_ARGUMENT') })",
      "expect(run).toThrowWithCode('D_THROWN')",
      "await expect(p).rejects.toMatchObject({ code: 'E_MATCHED' })",
      'expect(stderr).toMatch(/\\[F_PRINTED\\]$/)',
      "it.each([['x', 'G_TABLE']])('%s', (_x, code) => expect(f).toThrowWithCode(code))",
    ].join('\n')
    const wanted = ['A_LISTED', 'B_TITLE', 'C_ARGUMENT', 'D_THROWN', 'E_MATCHED', 'F_PRINTED', 'G_TABLE']
    const found = codesAssertedIn([{ file: 'inline.ts', text: source }], wanted)
    expect([...found.keys()].sort()).toEqual(['D_THROWN', 'E_MATCHED', 'F_PRINTED', 'G_TABLE'])
  })
})
