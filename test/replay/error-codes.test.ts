// The replay error codes, each provoked through the real code: a candidate that is not a bundle (as a
// path and as bytes), a --fail-on kind that does not exist, and a worker thread that crashes on a
// malformed batch (or whose recorded bundle cannot be read).
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { loadCandidate, parseFailOn, type ReplayBatch, runReplay } from '../../src/replay/index.js'
import { makeTempDir, removeDir } from '../policy/helpers.js'
import { testBundles } from '../support/bundles.js'

const dir = makeTempDir('arbiter-replay-codes-')
afterAll(() => removeDir(dir))

// Worker threads load the candidate bundle: on a busy shared machine that takes a while.
const SLOW = 120_000

async function* batches(...list: ReplayBatch[]): AsyncIterable<ReplayBatch> {
  yield* list
}

describe('replay error codes', () => {
  it('REPLAY_OPTIONS_INVALID for an unknown or empty --fail-on kind', () => {
    expect(() => parseFailOn('allow_to_maybe')).toThrowWithCode('REPLAY_OPTIONS_INVALID')
    expect(() => parseFailOn('allow_to_deny,')).toThrowWithCode('REPLAY_OPTIONS_INVALID')
    expect(parseFailOn('allow_to_deny, deny_to_allow')).toEqual(['allow_to_deny', 'deny_to_allow'])
  })

  it(
    'REPLAY_CANDIDATE_INVALID for a missing candidate path or a policies directory that does not build',
    async () => {
      await expect(loadCandidate(join(dir, 'no-such-bundle.tar.gz'))).rejects.toMatchObject({
        name: 'ReplayError',
        code: 'REPLAY_CANDIDATE_INVALID',
      })
      const broken = join(dir, 'broken-policies')
      mkdirSync(broken, { recursive: true })
      writeFileSync(join(broken, 'arbiter.rego'), 'package arbiter\n\ndecision := {\n')
      await expect(loadCandidate(broken)).rejects.toMatchObject({ code: 'REPLAY_CANDIDATE_INVALID' })
    },
    SLOW,
  )

  it('REPLAY_CANDIDATE_INVALID for candidate bytes that are not a bundle', async () => {
    const notABundle = join(dir, 'not-a-bundle.tar.gz')
    writeFileSync(notABundle, 'this is not a tar.gz\n')
    const bytes = await loadCandidate(notABundle)
    await expect(
      runReplay({ candidate: bytes, source: batches(), recordedBundle: async () => null, workers: 1 }),
    ).rejects.toMatchObject({ name: 'ReplayError', code: 'REPLAY_CANDIDATE_INVALID' })
  })

  it(
    'REPLAY_WORKER_FAILED when a worker thread crashes on a batch it cannot read',
    async () => {
      const candidate = readFileSync(testBundles().shipped)
      // Rows that are not rows: the worker's loop throws, the thread dies, the runner reports it.
      const malformed = { rows: [null] } as unknown as ReplayBatch
      await expect(
        runReplay({ candidate, source: batches(malformed), recordedBundle: async () => null, workers: 1 }),
      ).rejects.toMatchObject({
        name: 'ReplayError',
        code: 'REPLAY_WORKER_FAILED',
        message: expect.stringContaining('replay worker'),
      })
    },
    SLOW,
  )
})
