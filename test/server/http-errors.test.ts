import { describe, expect, it } from 'vitest'
import { statusByCode } from '../../src/server/index.js'

describe('statusByCode', () => {
  it('maps every client error code the API documents to its status', () => {
    expect(statusByCode).toMatchObject({
      VALIDATION_FAILED: 400,
      INVALID_JSON: 400,
      UNAUTHENTICATED: 401,
      FORBIDDEN: 403,
      APPROVAL_FORBIDDEN: 403,
      NOT_FOUND: 404,
      DECISION_NOT_FOUND: 404,
      ENTRY_NOT_FOUND: 404,
      APPROVAL_NOT_FOUND: 404,
      APPROVAL_CLOSED: 409,
      PAYLOAD_TOO_LARGE: 413,
      RATE_LIMITED: 429,
      GUARD_LEDGER_UNAVAILABLE: 503,
    })
  })
})
