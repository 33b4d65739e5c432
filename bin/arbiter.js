#!/usr/bin/env node
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const main = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('arbiter: not built yet; run `npm run setup` in the checkout first\n')
  process.exit(2)
}

// `verify` and `export` stream a whole chain in constant memory, but V8 grows its heap lazily while
// garbage piles up; a capped heap keeps their peak RSS near 100 MB on any chain length. Re-run once
// with the cap unless the caller chose heap flags of their own.
const streaming = new Set(['verify', 'export'])
const capped = process.execArgv.some((a) => a.startsWith('--max-old-space-size'))
const userHeapFlags = /--max-(old|semi)-space-size/.test(process.env.NODE_OPTIONS ?? '')
if (streaming.has(process.argv[2] ?? '') && !capped && !userHeapFlags) {
  const heap = ['--max-old-space-size=96', '--max-semi-space-size=2']
  const child = spawnSync(process.execPath, [...heap, ...process.argv.slice(1)], { stdio: 'inherit' })
  process.exit(child.status ?? 1)
}

const { runCli } = await import(main.href)
await runCli(process.argv)
