import { expect } from 'vitest'

interface CodeMatchers<R = unknown> {
  /** Passes when the value (a function, or a promise for `.rejects`) throws an error whose `code` is `code`. */
  toThrowWithCode(code: string): R
}

declare module 'vitest' {
  interface Assertion<T> extends CodeMatchers<T> {}
  interface AsymmetricMatchersContaining extends CodeMatchers {}
}

function codeOf(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error
    ? (error as { code: unknown }).code
    : undefined
}

expect.extend({
  toThrowWithCode(received: unknown, code: string) {
    let thrown: unknown
    let threw = false
    if (typeof received === 'function') {
      try {
        received()
      } catch (error) {
        thrown = error
        threw = true
      }
    } else {
      // With `.rejects`, vitest hands the rejection reason itself.
      thrown = received
      threw = true
    }
    const got = codeOf(thrown)
    return {
      pass: threw && got === code,
      message: () =>
        threw
          ? `expected error code ${code}, got ${String(got)} (${thrown instanceof Error ? thrown.message : String(thrown)})`
          : `expected a throw with code ${code}, nothing was thrown`,
    }
  },
})
