import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TestProject } from 'vitest/node'
import { buildBundle } from '../src/policy/index.js'
import type { TestBundles } from './support/bundles.js'

const fixtures = fileURLToPath(new URL('./fixtures/policies/', import.meta.url))

/**
 * Compiles the policy bundles the tests load, once per run, from the sources of this checkout (real
 * `opa build`, real WASM), into a directory removed afterwards. Tests reach them through
 * `testBundles()` (test/support/bundles.ts); child processes and in-process CLI runs find the shipped
 * one through `ARBITER_BUNDLE`, so nothing falls back to a stale `build/bundle.tar.gz`.
 */
export default async function setup(project: TestProject): Promise<() => void> {
  const dir = mkdtempSync(join(tmpdir(), 'arbiter-test-bundles-'))
  const build = async (name: string, revision: string, policiesDir?: string) =>
    (
      await buildBundle({
        ...(policiesDir ? { policiesDir } : {}),
        outPath: join(dir, `${name}.tar.gz`),
        revision,
        quiet: true,
      })
    ).path
  const bundles: TestBundles = {
    shipped: await build('shipped', 'test-shipped'),
    broken: await build('broken', 'broken-r1', join(fixtures, 'broken')),
    slow: await build('slow', 'slow-r1', join(fixtures, 'slow')),
  }
  project.provide('testBundles', bundles)
  process.env.ARBITER_BUNDLE = bundles.shipped
  return () => rmSync(dir, { recursive: true, force: true })
}
