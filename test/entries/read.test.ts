import { describe, expect, it } from 'vitest'
import {
  decisionIdOf,
  EntryBodyError,
  parseEntry,
  parseEntryBody,
  readEntries,
  readEntry,
  SkippedEntries,
  toApprovalBody,
  toApprovalRequestBody,
} from '../../src/entries/index.js'

const request = toApprovalRequestBody({
  decisionId: 'd-1',
  approvalId: 'a-1',
  approval: { roles: ['payments_officer'], count: 1 },
  requestedBy: 'emp-204',
  expiresAt: new Date('2026-11-23T19:45:00.000Z'),
})
const vote = toApprovalBody({
  decisionId: 'd-1',
  approvalId: 'a-1',
  verdict: 'deny',
  approver: { id: 'emp-317', roles: ['payments_officer'] },
})

/** Entries as the ledger hands them out (only the members readers use). */
const entry = (seq: number, type: string, body: unknown) => ({
  chain: 'default',
  seq,
  ts: '2026-11-23T19:40:00.000Z',
  type,
  body,
})

describe('readEntry', () => {
  it('returns the entry with its parsed body, other members unchanged', () => {
    const read = readEntry(entry(3, 'approval_request', request), 'approval_request')
    expect(read).toEqual({
      chain: 'default',
      seq: 3,
      ts: '2026-11-23T19:40:00.000Z',
      type: 'approval_request',
      body: request,
    })
    expect(read.body.expires_at).toBe('2026-11-23T19:45:00.000Z')
  })

  it('throws ENTRY_TYPE_MISMATCH for an entry of another type', () => {
    expect(() => readEntry(entry(3, 'approval', vote), 'approval_request')).toThrowWithCode(
      'ENTRY_TYPE_MISMATCH',
    )
  })

  it('throws ENTRY_BODY_INVALID with the entry location for a body that does not match', () => {
    let error: unknown
    try {
      readEntry(entry(9, 'approval_request', { ...request, count: 'one' }), 'approval_request')
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(EntryBodyError)
    expect(error).toMatchObject({
      code: 'ENTRY_BODY_INVALID',
      type: 'approval_request',
      at: { chain: 'default', seq: 9 },
      issues: [{ path: 'count', message: expect.any(String) }],
    })
  })
})

describe('parseEntry', () => {
  it('parses an entry of any known type, narrowed by its type', () => {
    const known = parseEntry(entry(4, 'approval', vote))
    expect(known?.type).toBe('approval')
    if (known?.type === 'approval') expect(known.body.verdict).toBe('deny')
  })

  it('returns null for a type this version does not know (the set is open)', () => {
    expect(parseEntry(entry(5, 'custom_note', { anything: true }))).toBeNull()
  })

  it('throws ENTRY_BODY_INVALID for a known type with a bad body', () => {
    expect(() => parseEntry(entry(6, 'approval', { verdict: 'approve' }))).toThrowWithCode(
      'ENTRY_BODY_INVALID',
    )
  })
})

describe('readEntries', () => {
  it('keeps the valid entries of one type, leaves out other types, and counts the bad ones', () => {
    const entries = [
      entry(1, 'approval_request', request),
      entry(2, 'approval', vote),
      entry(3, 'approval', { ...vote, verdict: 'perhaps' }),
      entry(4, 'approval', 'not an object'),
      entry(5, 'conflict', {}),
    ]
    const skipped = new SkippedEntries()
    const votes = readEntries(entries, 'approval', skipped)
    expect(votes.map((v) => v.seq)).toEqual([2])
    expect(skipped.count).toBe(2)
    expect(skipped.first.map((e) => e.at)).toEqual([
      { chain: 'default', seq: 3 },
      { chain: 'default', seq: 4 },
    ])
  })

  it('keeps the first few skipped entries but counts them all', () => {
    const skipped = new SkippedEntries()
    const bad = Array.from({ length: 12 }, (_, i) => entry(i + 1, 'approval', {}))
    expect(readEntries(bad, 'approval', skipped)).toEqual([])
    expect(skipped.count).toBe(12)
    expect(skipped.first).toHaveLength(SkippedEntries.KEEP)
  })
})

describe('SkippedEntries.warn', () => {
  const recorder = () => {
    const lines: { fields: unknown; message: string }[] = []
    return { lines, logger: { warn: (fields: unknown, message: string) => lines.push({ fields, message }) } }
  }

  it('says nothing when nothing was skipped', () => {
    const { lines, logger } = recorder()
    new SkippedEntries().warn(logger as never, 'reader')
    expect(lines).toEqual([])
  })

  it('logs one warning with the count and the first locations', () => {
    const { lines, logger } = recorder()
    const skipped = new SkippedEntries()
    readEntries([entry(7, 'approval', {}), entry(8, 'approval', {})], 'approval', skipped)
    skipped.warn(logger as never, 'pending approvals')
    expect(lines).toEqual([
      {
        fields: {
          skipped: 2,
          first: [expect.stringContaining('default#7'), expect.stringContaining('default#8')],
        },
        message: 'pending approvals: skipped 2 ledger entries whose body does not match its schema',
      },
    ])
  })
})

describe('parseEntryBody', () => {
  it('names no location for a body not read from a ledger', () => {
    expect(() => parseEntryBody('approval', {})).toThrow(/^approval body at \(unstored\) does not match/)
  })
})

describe('decisionIdOf', () => {
  it('reads decision_id from any body that has one, known type or not', () => {
    expect(decisionIdOf(entry(1, 'approval', vote))).toBe('d-1')
    expect(decisionIdOf(entry(2, 'custom_note', { decision_id: 'd-9' }))).toBe('d-9')
  })

  it('returns null when there is none, or it is not a non-empty string', () => {
    for (const body of [{}, { decision_id: 7 }, { decision_id: '' }, null, 'x'])
      expect(decisionIdOf(entry(3, 'policy_loaded', body))).toBeNull()
  })
})
