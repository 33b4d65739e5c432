import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportLines } from '../../src/ledger/index.js'
import { backendFactories, type TestBackend } from '../support/backends.js'
import { databaseFlags, type OpenLedger, openLedger, repoRoot, runCliProcess } from './support.js'

const python = spawnSync('python3', ['--version']).status === 0
if (!python) console.warn('python3 not found: skipping the independent export verifier tests')

const verifier = join(repoRoot, 'scripts', 'verify-export.py')
function pyVerify(input: string) {
  return spawnSync('python3', [verifier, '-'], { input, encoding: 'utf8' })
}

async function collect(lines: AsyncIterable<string>): Promise<string[]> {
  const out: string[] = []
  for await (const line of lines) out.push(line)
  return out
}

// Bodies that stress canonicalisation: key order by UTF-16 code units, non-ASCII, escapes, number forms.
const bodies: Record<string, unknown>[] = [
  { decision_id: 'd1', action: 'allow', reasons: [] },
  {
    '\u20ac': 'euro',
    '\r': 'cr',
    ö: 1,
    '\ud83d\ude00': 'emoji',
    '1': 'one',
    a: { z: null, y: [true, false] },
  },
  { numbers: [0, -0, 1.5, -1e-7, 1e21, 123456789012345680000, 5e-324, 0.1 + 0.2, 2 ** 53] },
  {
    text: 'quote " backslash \\ tab \t newline \n bell \u0007 del \u007f',
    nested: { deep: { deeper: ['x'] } },
  },
]

describe.each(backendFactories)('export on %s', (_name, createBackend) => {
  let backend: TestBackend
  let store: OpenLedger

  beforeAll(async () => {
    backend = await createBackend()
    store = await openLedger(backend)
    for (let round = 0; round < 5; round++)
      for (const body of bodies) await store.ledger.append({ chain: 'exp', type: 'decision', body })
    await store.ledger.append({ chain: 'exp-2', type: 'outcome', body: { status: 'ok' } })
  })
  afterAll(async () => {
    await store?.close()
    await backend?.dispose()
  })

  it('writes JSONL lines that are exactly the v1 object plus hash, in seq order, then the end line', async () => {
    const lines = await collect(exportLines(store.ledger, { format: 'jsonl', chain: 'exp' }))
    expect(lines).toHaveLength(21)
    const entries = lines.slice(0, 20)
    const first = JSON.parse(entries[0]!) as Record<string, unknown>
    expect(Object.keys(first).sort()).toEqual(['body', 'chain', 'hash', 'prev', 'seq', 'ts', 'type', 'v'])
    expect(entries.map((l) => (JSON.parse(l) as { seq: number }).seq)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    )
    expect(JSON.parse(lines[20]!)).toEqual({
      export_end: { checkpoints: 0, entries: 20, exported_at: expect.stringMatching(/Z$/) },
    })
  })

  it('writes CSV with a header and RFC 4180 quoting', async () => {
    const lines = await collect(
      exportLines(store.ledger, { format: 'csv', chain: 'exp', fromSeq: 4, toSeq: 4 }),
    )
    expect(lines[0]).toBe('chain,seq,ts,type,prev,hash,body')
    expect(lines).toHaveLength(2)
    expect(lines[1]).toMatch(/^exp,4,[^,]+,decision,[0-9a-f]{64},[0-9a-f]{64},"\{""nested"":/)
  })

  it.each([
    [{ format: 'xml' }, 'LEDGER_EXPORT_INVALID'],
    [{ format: 'jsonl', fromSeq: 0 }, 'LEDGER_EXPORT_INVALID'],
    [{ format: 'jsonl', fromSeq: 5, toSeq: 2 }, 'LEDGER_EXPORT_INVALID'],
    [{ format: 'jsonl', chain: '../etc' }, 'LEDGER_REQUEST_INVALID'],
  ])('rejects %j with %s', async (options, code) => {
    // biome-ignore lint/suspicious/noExplicitAny: deliberately malformed options
    await expect(collect(exportLines(store.ledger, options as any))).rejects.toThrowWithCode(code)
  })

  describe.skipIf(!python)('re-verified by the independent Python script', () => {
    it('accepts the full export of every chain', async () => {
      const lines = await collect(exportLines(store.ledger, { format: 'jsonl' }))
      const run = pyVerify(`${lines.join('\n')}\n`)
      expect(run.stderr).toBe('')
      expect(run.status).toBe(0)
      const head = await store.ledger.head('exp')
      expect(run.stdout).toBe(
        `ok: exp 20 entries, head ${head?.hash}\nok: exp-2 1 entries, head ${(await store.ledger.head('exp-2'))?.hash}\n`,
      )
    })

    it('accepts a range export and catches an edited line', async () => {
      const lines = await collect(
        exportLines(store.ledger, { format: 'jsonl', chain: 'exp', fromSeq: 3, toSeq: 9 }),
      )
      expect(pyVerify(`${lines.join('\n')}\n`).status).toBe(0)
      const edited = lines.map((l, i) => (i === 3 ? l.replace('"euro"', '"EURO"') : l))
      const run = pyVerify(`${edited.join('\n')}\n`)
      expect(run.status).toBe(1)
      expect(run.stdout).toMatch(/^FAIL: exp seq 6 hash_mismatch/)
      const dropped = lines.filter((_, i) => i !== 3)
      expect(pyVerify(`${dropped.join('\n')}\n`).stdout).toMatch(
        /^FAIL: exp seq 6 gap.*\nFAIL: export truncated: the end line counts/,
      )
    })

    it('verifies what `arbiter export` prints', async () => {
      await store.close()
      const run = runCliProcess('export', ...databaseFlags(backend), '--chain', 'exp', '--format', 'jsonl')
      expect(run.status, run.stderr).toBe(0)
      expect(run.stdout.split('\n').filter(Boolean)).toHaveLength(21)
      expect(pyVerify(run.stdout).stdout).toMatch(/^ok: exp 20 entries/)
    })
  })
})
