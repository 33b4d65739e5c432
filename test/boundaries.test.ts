import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const srcRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src')

/** Which top-level folders of src/ each folder may import from (besides itself). */
const allowed: Record<string, readonly string[]> = {
  shared: [],
  policy: ['shared'],
  ledger: ['shared'],
  // The typed bodies of ledger entries: schemas built on the policy's input and decision types.
  entries: ['shared', 'policy'],
  guard: ['shared', 'policy', 'ledger', 'entries'],
  adapters: ['shared', 'guard'],
  server: ['shared', 'guard', 'ledger', 'policy', 'entries'],
  // Policy replay: recorded decisions (ledger, entries) re-evaluated by bundles (policy).
  replay: ['shared', 'ledger', 'policy', 'entries'],
  // The composition root: everything but the CLI (and the demo, which is built on it).
  app: ['shared', 'guard', 'ledger', 'policy', 'entries', 'adapters', 'server', 'replay'],
  demo: ['shared', 'guard', 'ledger', 'policy', 'entries', 'adapters', 'server', 'app'],
  // The independent witness service: the ledger's pure transparency-log code, nothing of the log's I/O.
  witness: ['shared', 'ledger'],
  cli: [
    'shared',
    'guard',
    'ledger',
    'policy',
    'entries',
    'adapters',
    'server',
    'demo',
    'app',
    'replay',
    'witness',
  ],
  '.': ['shared', 'guard', 'ledger', 'policy', 'entries', 'adapters', 'server', 'app', 'replay'],
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return tsFiles(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

function topFolder(file: string): string {
  const rel = relative(srcRoot, file)
  return rel.includes('/') ? rel.split('/')[0]! : '.'
}

const importPattern = /(?:import|export)[^'"]*?from\s+['"](\.[^'"]+)['"]|import\(\s*['"](\.[^'"]+)['"]\s*\)/g

describe('module boundaries', () => {
  const edges = tsFiles(srcRoot).flatMap((file) => {
    const text = readFileSync(file, 'utf8')
    return [...text.matchAll(importPattern)].map((m) => {
      const target = resolve(dirname(file), (m[1] ?? m[2])!)
      return { file: relative(srcRoot, file), from: topFolder(file), to: topFolder(target), target }
    })
  })

  it('finds the source files', () => {
    expect(edges.length).toBeGreaterThan(10)
  })

  it('only imports downward (shared <- policy, ledger <- guard <- adapters, server <- app <- cli)', () => {
    const backwards = edges.filter(
      (e) => e.from !== e.to && e.to !== '.' && !(allowed[e.from] ?? []).includes(e.to),
    )
    expect(backwards.map((e) => `${e.file} -> ${e.to}`)).toEqual([])
  })

  it('has no import cycle between modules (values, static or dynamic; type-only imports aside)', () => {
    const graph = new Map<string, string[]>()
    for (const file of tsFiles(srcRoot)) {
      const text = readFileSync(file, 'utf8')
      const targets = [...text.matchAll(importPattern)]
        .filter((m) => !/^(import|export)\s+type\b/.test(m[0]))
        .map((m) => resolve(dirname(file), (m[1] ?? m[2])!).replace(/\.js$/, '.ts'))
      graph.set(file, targets)
    }
    const cycles: string[] = []
    const state = new Map<string, 'open' | 'done'>()
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(srcRoot, f)).join(' -> '))
        return
      }
      state.set(file, 'open')
      for (const next of graph.get(file) ?? []) visit(next, [...path, file])
      state.set(file, 'done')
    }
    for (const file of graph.keys()) visit(file, [])
    expect(cycles).toEqual([])
  })

  it('enters another folder only through its index.ts (adapters/<runtime> count as folders)', () => {
    const sideDoors = edges.filter((e) => {
      if (e.from === e.to || e.to === '.') return false
      const rel = relative(srcRoot, e.target)
      const parts = rel.split('/')
      const depth = e.to === 'adapters' ? 3 : 2
      return !(parts.length === depth && parts[depth - 1] === 'index.js')
    })
    expect(sideDoors.map((e) => `${e.file} -> ${relative(srcRoot, e.target)}`)).toEqual([])
  })
})
