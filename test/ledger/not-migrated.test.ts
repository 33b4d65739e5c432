import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { assertLedgerSchema, openDatabase } from '../../src/ledger/index.js'
import { createPgliteBackend, type TestBackend } from '../support/backends.js'
import { runCliCaptured } from '../support/run-cli.js'

describe('a database that was never migrated', () => {
  let backend: TestBackend
  beforeEach(async () => {
    backend = await createPgliteBackend()
  })
  afterEach(async () => {
    await backend.dispose()
  })

  it('assertLedgerSchema throws LEDGER_NOT_MIGRATED', async () => {
    const handle = await openDatabase({ dataDir: backend.dataDir! })
    try {
      await expect(assertLedgerSchema(handle.db)).rejects.toThrowWithCode('LEDGER_NOT_MIGRATED')
    } finally {
      await handle.close()
    }
  })

  it.each([['verify'], ['export', '--format', 'jsonl'], ['checkpoint']])(
    '`arbiter %s` tells the user to run `arbiter migrate`, in one line, exit 1',
    async (...args) => {
      const run = await runCliCaptured(...args, '--data-dir', backend.dataDir!)
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(/^arbiter: .*run `arbiter migrate`.*\[LEDGER_NOT_MIGRATED\]\n$/m)
    },
  )
})
