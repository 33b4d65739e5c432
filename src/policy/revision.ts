import { spawnSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { sha256Hex } from '../shared/index.js'

function git(args: string[], cwd: string): string | null {
  const result = spawnSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
  return result.status === 0 && !result.error ? result.stdout.trim() : null
}

function listFiles(dir: string): string[] {
  const out: string[] = []
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name)
    if (entry.isDirectory()) out.push(...listFiles(full))
    else if (entry.isFile()) out.push(full)
  }
  return out
}

/**
 * SHA-256 over every file under `dir`: sorted `relative/path NUL sha256(content) LF` lines, so the
 * hash changes with any edit, rename, addition or removal and never with mtimes or walk order.
 *
 * @example
 * treeHash('policies') // '5f1c…' (64 hex chars)
 */
export function treeHash(dir: string): string {
  const lines = listFiles(dir)
    .map((file) => `${relative(dir, file).split(sep).join('/')}\0${sha256Hex(readFileSync(file))}\n`)
    .sort()
  return sha256Hex(lines.join(''))
}

/**
 * The `.manifest` revision for the policy source in `policiesDir`: the git commit of HEAD (`nogit` when
 * not a repository or no commit yet), plus `+dirty.<16 hex of treeHash>` when git reports changes under
 * the directory or cannot tell. So a revision names exactly one policy source.
 *
 * @example
 * computePolicyRevision('/repo/policies') // 'a1b2c3…' or 'a1b2c3…+dirty.5f1c0d2e9a7b3c41'
 */
export function computePolicyRevision(policiesDir: string): string {
  const commit = git(['rev-parse', '--verify', '--quiet', 'HEAD'], policiesDir)
  const status = git(['status', '--porcelain', '--', '.'], policiesDir)
  const base = commit && /^[0-9a-f]{40,64}$/.test(commit) ? commit : 'nogit'
  const clean = commit !== null && status === ''
  return clean ? base : `${base}+dirty.${treeHash(policiesDir).slice(0, 16)}`
}
