import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

/**
 * Where the replay worker's code is. Built code (dist/) runs `replay-worker.js` directly; from the
 * TypeScript sources (tests, tsx) a worker does not inherit the parent's loader hooks, so it registers
 * tsx first (as src/policy/worker-spawn.ts does for the evaluation workers). @internal
 */
export function replayWorkerEntry(): { readonly filename: string | URL; readonly eval: boolean } {
  const here = import.meta.url
  if (!here.endsWith('.ts')) return { filename: new URL('./replay-worker.js', here), eval: false }
  const require = createRequire(here)
  const manifestPath = require.resolve('tsx/package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>
  }
  const api = pathToFileURL(join(dirname(manifestPath), manifest.exports['./esm/api']!.import.default)).href
  const entry = new URL('./replay-worker.ts', here).href
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}) })`
  return { filename: code, eval: true }
}
