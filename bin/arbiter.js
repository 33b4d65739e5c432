#!/usr/bin/env node
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const main = new URL('../dist/cli/main.js', import.meta.url)
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write('arbiter: not built yet; run `npm run setup` in the checkout first\n')
  process.exit(2)
}
const { runCli } = await import(main.href)
await runCli(process.argv)
