import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** What `new Worker(filename, { eval })` needs to start a worker module. */
export interface WorkerEntry {
  readonly filename: string | URL
  readonly eval: boolean
}

/**
 * Where the worker module `name` next to `callerUrl` (the caller's `import.meta.url`) is. Built code
 * (dist/) runs `<name>.js` directly. From the TypeScript sources (tests, tsx) the worker is TypeScript
 * too, and a worker thread does not inherit the parent's loader hooks: it registers tsx (a dev
 * dependency) first, then imports the entry.
 *
 * @example
 * const entry = workerEntry(import.meta.url, 'evaluation-worker')
 * new Worker(entry.filename, { eval: entry.eval })
 */
export function workerEntry(callerUrl: string, name: string): WorkerEntry {
  if (!callerUrl.endsWith('.ts')) return { filename: new URL(`./${name}.js`, callerUrl), eval: false }
  const require = createRequire(callerUrl)
  const manifestPath = require.resolve('tsx/package.json')
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>
  }
  const api = pathToFileURL(join(dirname(manifestPath), manifest.exports['./esm/api']!.import.default)).href
  const entry = new URL(`./${name}.ts`, callerUrl).href
  const code = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry)}) })`
  return { filename: code, eval: true }
}
