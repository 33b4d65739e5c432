#!/usr/bin/env node
// The package build (`npm run build`, also run by `npm pack` through `prepack` and by scripts/setup.mjs):
// everything the installed package runs from, under dist/.
//   dist/**/*.js, *.d.ts        the TypeScript sources (tsconfig.build.json)
//   dist/migrations/*.js        the database migrations (tsconfig.migrations.json)
//   dist/server/ui/             the compliance web UI's static files (tsc copies no assets), with
//                               vendor/chart.umd.min.js from the chart.js package
//   dist/sample-bundle.tar.gz   the sample policies compiled to WASM, for `arbiter demo` without OPA
// It also leaves the same bundle at build/bundle.tar.gz, the checkout's default bundle.
// dist/ is emptied first, so nothing of a deleted source file is ever packed.
import { execFileSync } from 'node:child_process'
import { copyFileSync, cpSync, mkdirSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const dist = join(root, 'dist')
const run = (args) => execFileSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
const step = (text) => process.stderr.write(`[build] ${text}\n`)

step('compiling TypeScript and migrations')
rmSync(dist, { recursive: true, force: true })
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc')
run([tsc, '-p', 'tsconfig.build.json'])
run([tsc, '-p', 'tsconfig.migrations.json'])

step('copying the web UI')
cpSync(join(root, 'src', 'server', 'ui'), join(dist, 'server', 'ui'), { recursive: true })
// The chart library's browser build, served by the UI from this origin (see src/server/vendor-assets.ts).
const require = createRequire(import.meta.url)
mkdirSync(join(dist, 'server', 'ui', 'vendor'), { recursive: true })
copyFileSync(
  join(dirname(require.resolve('chart.js')), 'chart.umd.min.js'),
  join(dist, 'server', 'ui', 'vendor', 'chart.umd.min.js'),
)

step('compiling the sample policy bundle (builds the pinned OPA CLI on first use; may take minutes)')
const bundle = join(root, 'build', 'bundle.tar.gz')
run([join(root, 'bin', 'arbiter.js'), 'policy', 'build', '--quiet', '--out', bundle])
copyFileSync(bundle, join(dist, 'sample-bundle.tar.gz'))
