import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { computePolicyRevision, treeHash } from '../../src/policy/index.js'
import { makeTempDir, removeDir } from './helpers.js'

let root: string
let policies: string

beforeEach(() => {
  root = makeTempDir('arbiter-revision-')
  policies = join(root, 'policies')
  mkdirSync(join(policies, 'pack'), { recursive: true })
  writeFileSync(join(policies, 'arbiter.rego'), 'package arbiter\n')
  writeFileSync(join(policies, 'pack', 'rules.rego'), 'package arbiter.pack\n')
})
afterEach(() => removeDir(root))

// A throwaway repository in a temp dir (never the checkout), with an identity so commits work anywhere.
const git = (...args: string[]) =>
  execFileSync(
    'git',
    ['-c', 'user.name=t', '-c', 'user.email=t@example.com', '-c', 'commit.gpgsign=false', ...args],
    {
      cwd: root,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    },
  ).trim()

describe('treeHash', () => {
  it('is stable and changes with content, names and additions', () => {
    const first = treeHash(policies)
    expect(treeHash(policies)).toBe(first)
    writeFileSync(join(policies, 'arbiter.rego'), 'package arbiter\n\n')
    const edited = treeHash(policies)
    expect(edited).not.toBe(first)
    writeFileSync(join(policies, 'data.json'), '{}')
    expect(treeHash(policies)).not.toBe(edited)
  })
})

describe('computePolicyRevision', () => {
  it('outside a repository: nogit plus the tree hash', () => {
    expect(computePolicyRevision(policies)).toBe(`nogit+dirty.${treeHash(policies).slice(0, 16)}`)
  })

  it('in a repository without commits: nogit plus the tree hash', () => {
    git('init', '-q')
    expect(computePolicyRevision(policies)).toMatch(/^nogit\+dirty\.[0-9a-f]{16}$/)
  })

  describe('in a repository with a commit', () => {
    let commit: string
    beforeEach(() => {
      git('init', '-q')
      git('add', '.')
      git('commit', '-q', '-m', 'policies')
      commit = git('rev-parse', 'HEAD')
    })

    it('is the commit when the policies are clean', () => {
      expect(computePolicyRevision(policies)).toBe(commit)
    })

    it('adds the tree hash when a policy file changed', () => {
      writeFileSync(join(policies, 'pack', 'rules.rego'), 'package arbiter.pack\n\nx := 1\n')
      expect(computePolicyRevision(policies)).toBe(`${commit}+dirty.${treeHash(policies).slice(0, 16)}`)
    })

    it('adds the tree hash for an untracked policy file', () => {
      writeFileSync(join(policies, 'new.rego'), 'package arbiter.extra\n')
      expect(computePolicyRevision(policies)).toMatch(new RegExp(`^${commit}\\+dirty\\.[0-9a-f]{16}$`))
    })

    it('ignores changes outside the policies directory', () => {
      writeFileSync(join(root, 'README.md'), 'unrelated')
      expect(computePolicyRevision(policies)).toBe(commit)
    })
  })
})
