import { describe, expect, it } from 'vitest'
import {
  apiErrorFields,
  describeApiError,
  httpStatusOf,
  isPermanentApiError,
  isRejectedAnswer,
} from '../../src/adapters/managed-agents/api-errors.js'
import { otherSdk } from '../support/session-harness.js'

// Classification reads `status` from the error object, so it holds for errors of any SDK copy and for
// plain objects shaped like them.
const shaped = (status: number | undefined) =>
  Object.assign(new Error(`${status} from another copy`), { status })

describe('API error classification', () => {
  it.each([
    [400, true, true],
    [401, true, false],
    [403, true, false],
    [404, true, false],
    [408, false, false],
    [409, false, true],
    [413, true, true],
    [422, true, true],
    [429, false, false],
    [500, false, false],
    [529, false, false],
  ])('status %i: permanent %s, a refused answer %s', (status, permanent, rejected) => {
    expect(isPermanentApiError(shaped(status))).toBe(permanent)
    expect(isRejectedAnswer(shaped(status))).toBe(rejected)
  })

  it('retries what has no status: connection errors, cut streams, anything else', () => {
    for (const error of [shaped(undefined), new Error('socket hang up'), 'text', null, { status: '404' }]) {
      expect(httpStatusOf(error)).toBeUndefined()
      expect(isPermanentApiError(error)).toBe(false)
    }
  })

  it('reads status, type, message and request id from an error of another SDK copy', () => {
    const headers = new Headers({ 'request-id': 'req_1' })
    const body = { type: 'error', error: { type: 'not_found_error', message: 'session s1 not found' } }
    const error = new otherSdk.APIError(404, body, undefined, headers)
    expect(apiErrorFields(error)).toEqual({
      status: 404,
      errorType: 'not_found_error',
      message: 'session s1 not found',
      requestId: 'req_1',
    })
    expect(describeApiError(error)).toBe('404 not_found_error: session s1 not found')
    expect(describeApiError(new Error('socket hang up'))).toBe('socket hang up')
  })
})
