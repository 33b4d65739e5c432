import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')
const experimentsDir = join(root, 'bench', 'experiments')
const benchmarks = readFileSync(join(root, 'BENCHMARKS.md'), 'utf8')

// Issue 10: bench/experiments/ keeps the experiments BENCHMARKS.md cites and no others (a dropped one
// stays in git history). Cited as `experiments/<file>` or `bench/experiments/<file>`.
describe('bench/experiments', () => {
  const cited = new Set(
    [...benchmarks.matchAll(/(?:^|[\s`(])(?:bench\/)?experiments\/([\w.-]+\.ts)/g)].map((m) => m[1]!),
  )
  const present = readdirSync(experimentsDir).filter((name) => name.endsWith('.ts'))

  it('finds the citations', () => {
    expect(cited.size).toBeGreaterThan(0)
  })

  it('holds only experiments BENCHMARKS.md cites', () => {
    expect(present.filter((name) => !cited.has(name))).toEqual([])
  })

  it('holds every experiment BENCHMARKS.md cites', () => {
    expect([...cited].filter((name) => !existsSync(join(experimentsDir, name)))).toEqual([])
  })
})
