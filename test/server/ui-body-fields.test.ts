import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { entryBodySchemas, KNOWN_ENTRY_TYPES } from '../../src/entries/index.js'
import { repoRoot } from '../ledger/support.js'
import { bodyFields } from '../support/body-fields.js'

// The web UI is plain JavaScript (no build step, no types), so nothing stops it reading a body member
// under a name the schemas do not have. This test reads every member access on a body in the UI
// sources and checks that some body schema has that member.

const uiDir = join(repoRoot, 'src', 'server', 'ui')

function jsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return jsFiles(path)
    return path.endsWith('.js') ? [path] : []
  })
}

/** Every member path any body can have: `action`, `input.tool.name`, `reasons[].rule`, … */
const knownPaths = new Set(
  KNOWN_ENTRY_TYPES.flatMap((type) =>
    bodyFields(entryBodySchemas[type]).map((f) => f.field.replaceAll('[]', '')),
  ),
)

/** Names a file binds to a body (`const b = entry.body`, a `decision` parameter) or to its `input`. */
function aliases(source: string): { body: string[]; input: string[] } {
  const body = [...source.matchAll(/\bconst (\w+) = [\w.?]*\.body\b(?![.?])/g)].map((m) => m[1]!)
  if (/\bfunction \w+\(decision\)/.test(source)) body.push('decision')
  const input = [...source.matchAll(/\bconst (\w+) = (\w+)\.input\b/g)]
    .filter((m) => body.includes(m[2]!))
    .map((m) => m[1]!)
  return { body, input }
}

const members = String.raw`((?:\?\.|\.)[a-z_][a-z0-9_]*)+`
// Array and string methods end a chain: what follows is not a body member.
const jsMembers = new Set(['length', 'slice', 'join', 'map', 'filter', 'replaceAll'])

/** Member paths read from bodies in one UI source file. */
function bodyPaths(source: string): string[] {
  const { body, input } = aliases(source)
  const patterns: [RegExp, string[]][] = [
    // `entry.body.kind`, `v.body.verdict`, `decision?.body?.input…` (not `document.body`).
    [new RegExp(String.raw`(?<!document)\.body${members}`, 'g'), []],
    ...body.map((name): [RegExp, string[]] => [
      new RegExp(String.raw`(?<![\w$.])${name}${members}`, 'g'),
      [],
    ]),
    ...input.map((name): [RegExp, string[]] => [
      new RegExp(String.raw`(?<![\w$.])${name}${members}`, 'g'),
      ['input'],
    ]),
  ]
  const paths: string[] = []
  for (const [pattern, prefix] of patterns) {
    for (const match of source.matchAll(pattern)) {
      // Drop what names the body itself: `b` in `b.action`, or `` and `body` in `.body.kind`.
      const names = match[0].split(/\??\./)
      const chain = [...prefix, ...names.slice(names[0] === '' ? 2 : 1)]
      while (chain.length > 0 && jsMembers.has(chain.at(-1)!)) chain.pop()
      if (chain.length > prefix.length) paths.push(chain.join('.'))
    }
  }
  return paths
}

describe('web UI reads body members the schemas define', () => {
  const files = jsFiles(uiDir)

  it('finds body reads in the UI sources', () => {
    expect(files.flatMap((f) => bodyPaths(readFileSync(f, 'utf8'))).length).toBeGreaterThan(30)
  })

  it.each(files.map((f) => [f.slice(uiDir.length + 1), f]))('%s', (_name, file) => {
    const unknown = bodyPaths(readFileSync(file, 'utf8')).filter((path) => !knownPaths.has(path))
    expect(unknown).toEqual([])
  })
})
