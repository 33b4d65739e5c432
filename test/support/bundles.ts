import { inject } from 'vitest'

/**
 * Policy bundles compiled once per test run by test/global-setup.ts, from `policies/` and
 * `test/fixtures/policies/`, into a temporary directory: tests never load a `build/` left over from an
 * earlier checkout.
 */
export interface TestBundles {
  /** The shipped packs (`policies/`), revision `test-shipped`. */
  readonly shipped: string
  /** `test/fixtures/policies/broken`: a malformed decision, revision `broken-r1`. */
  readonly broken: string
  /** `test/fixtures/policies/slow`: an evaluation that can take as long as asked, revision `slow-r1`. */
  readonly slow: string
}

declare module 'vitest' {
  export interface ProvidedContext {
    testBundles: TestBundles
  }
}

/**
 * The bundles of this run.
 *
 * @example
 * const engine = await loadPolicyEngine({ bundlePath: testBundles().shipped })
 */
export function testBundles(): TestBundles {
  const bundles = inject('testBundles')
  // Without the global setup there is nothing fresh to load: say so rather than fall back to build/.
  if (!bundles)
    throw new Error('no test bundles: run the tests through vitest.config.ts (test/global-setup.ts)')
  return bundles
}
