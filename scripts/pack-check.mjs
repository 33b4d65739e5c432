#!/usr/bin/env node
// The package as a user gets it: `npm pack`, install the tarball into an empty project (its peer
// dependencies too), then there
//   - type-check and run the README's "Using it from code" snippet (read from README.md, so the README
//     cannot drift), with the sample bundle the package ships;
//   - `npx arbiter verify --json` over the same configuration: the CLI must find the entries and the
//     signed checkpoint the snippet wrote (a service and the CLI agree on where the ledger is);
//   - `npx arbiter demo --no-serve` with no bundle configured (the shipped sample bundle, no OPA);
//   - `npx arbiter policy test` without OPA_BIN: a clear error saying what to do.
// Also checks the tarball's file list: complete (dist, UI, migrations, sample bundle, bin, LICENSE) and
// lean (no sources, tests, benchmarks, fixtures or source maps), and that every package its code and
// types import is declared.
//
//   node scripts/pack-check.mjs [--no-build]   (--no-build: dist/ is fresh, e.g. after scripts/setup.mjs)
//
// Installs use the npm cache (--prefer-offline), so a repeat run needs no network for known versions.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { builtinModules, createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const build = !process.argv.includes('--no-build')
const work = mkdtempSync(join(tmpdir(), 'arbiter-pack-check-'))
const project = join(work, 'project')
const started = Date.now()
const step = (text) =>
  process.stderr.write(`[pack-check ${((Date.now() - started) / 1000).toFixed(1)}s] ${text}\n`)

class CheckFailed extends Error {}

function fail(message, result) {
  const output = result ? `\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}` : ''
  throw new CheckFailed(`${message}${output}`)
}

// The user's environment, minus anything of ours that would make the check pass for the wrong reason.
const cleanEnv = Object.fromEntries(
  Object.entries(process.env).filter(
    ([name]) => !/^(DATABASE_URL|OPA_BIN|ARBITER_.*|NODE_OPTIONS|npm_config_ignore_scripts)$/.test(name),
  ),
)

function exec(command, args, options = {}) {
  const result = spawnSync(command, args, {
    cwd: options.cwd ?? project,
    env: { ...cleanEnv, ...options.env },
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 64 * 1024 * 1024,
  })
  if (result.error) fail(`${command} ${args.join(' ')} could not run: ${result.error.message}`)
  return result
}

function expectExit(result, code, what) {
  if (result.status !== code) fail(`${what}: exit ${result.status}, expected ${code}`, result)
  return result
}

/** The first ```ts block under "## Using it from code" in README.md. */
function readmeSnippet() {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  const section = readme.split(/^## /m).find((part) => part.startsWith('Using it from code'))
  const block = section && /```ts\n([\s\S]*?)```/.exec(section)
  if (!block) fail('README.md has no ```ts block under "## Using it from code"')
  return block[1]
}

function checkFileList(files) {
  const paths = new Set(files.map((file) => file.path))
  const required = [
    'package.json',
    'README.md',
    'LICENSE',
    'bin/arbiter.js',
    'dist/index.js',
    'dist/index.d.ts',
    'dist/cli/main.js',
    'dist/server/ui/index.html',
    'dist/server/ui/vendor/chart.umd.min.js',
    'dist/migrations/0001_ledger_tables.js',
    'dist/sample-bundle.tar.gz',
    'docs/ledger-format.md',
  ]
  const missing = required.filter((path) => !paths.has(path))
  if (missing.length > 0) fail(`the package lacks ${missing.join(', ')}`)
  const unwanted = [...paths].filter((path) =>
    /^(src|test|bench|examples|policies|tools|build|migrations|\.ci)\/|\.map$|^dist\/.*\.test\.|tsconfig|biome\.json|vitest/.test(
      path,
    ),
  )
  if (unwanted.length > 0)
    fail(`the package holds files users do not need: ${unwanted.slice(0, 10).join(', ')}`)
}

/** Every file under `dir` whose name ends with `suffix`. */
function filesUnder(dir, suffix) {
  return readdirSync(dir, { recursive: true })
    .map((name) => join(dir, String(name)))
    .filter((path) => path.endsWith(suffix))
}

/**
 * Every package the installed code imports (at run time from .js, for types from .d.ts) is one it
 * declares: a dependency or peer dependency (with its own types, or its @types package declared), or a
 * Node.js built-in. Catches a devDependency used at run time, or public types users cannot resolve.
 */
function checkDeclaredImports(installed) {
  const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'))
  const declared = new Set([
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ])
  const packageOf = (specifier) =>
    specifier
      .split('/')
      .slice(0, specifier.startsWith('@') ? 2 : 1)
      .join('/')
  const builtin = (name) => name.startsWith('node:') || builtinModules.includes(name)
  const shipsTypes = (name) => {
    // Optional peers (@openai/agents, ai) are not installed with the tarball, which shows Arbiter runs
    // without them; their types are checked in the checkout's own install instead.
    const dir = [join(project, 'node_modules', name), join(root, 'node_modules', name)].find((d) =>
      existsSync(join(d, 'package.json')),
    )
    if (!dir) return false
    return (
      existsSync(join(dir, 'index.d.ts')) ||
      /"(types|typings|typesVersions)"\s*:|\.d\.[mc]?ts"/.test(
        readFileSync(join(dir, 'package.json'), 'utf8'),
      )
    )
  }
  const typesPackage = (name) => `@types/${name.replace(/^@([^/]+)\//, '$1__')}`
  // Statements only (a JSDoc example's `import … from 'arbiter'` is a comment line starting with `*`).
  const specifiers = new RegExp(
    [
      /^\s*(?:import|export)\s[^;'"]*?\bfrom\s*['"]([^'"./][^'"]*)['"]/.source,
      /^\s*import\s*['"]([^'"./][^'"]*)['"]/.source,
      /^[^*/\n]*\bimport\(\s*['"]([^'"./][^'"]*)['"]/.source,
      /\brequire\(\s*['"]([^'"./][^'"]*)['"]/.source,
      /\bcreateRequire\([^)]*\)\(\s*['"]([^'"./][^'"]*)['"]/.source,
    ].join('|'),
    'gm',
  )
  const problems = new Set()
  for (const [suffix, typesOnly] of [
    ['.js', false],
    ['.d.ts', true],
  ]) {
    for (const file of filesUnder(join(installed, 'dist'), suffix)) {
      for (const match of readFileSync(file, 'utf8').matchAll(specifiers)) {
        const name = packageOf(match.slice(1).find((group) => group !== undefined))
        if (builtin(name)) continue
        const ok = typesOnly
          ? (declared.has(name) && shipsTypes(name)) || declared.has(typesPackage(name))
          : declared.has(name)
        if (!ok) problems.add(`${name} (${typesOnly ? 'types, ' : ''}${file.slice(installed.length + 1)})`)
      }
    }
  }
  if (problems.size > 0) fail(`the package imports what it does not declare: ${[...problems].join(', ')}`)
}

function typeCheck(snippetPath) {
  // Our own TypeScript, strict, against the types the package ships (checkDeclaredImports covers the
  // packages those types import; checking every library's .d.ts as well would take much longer).
  const typescript = createRequire(join(root, 'package.json'))('typescript')
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2022',
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        typeRoots: [join(root, 'node_modules', '@types')],
        types: ['node'],
      },
      files: [snippetPath],
    }),
  )
  const tsc = join(dirname(createRequire(import.meta.url).resolve('typescript')), '..', 'bin', 'tsc')
  expectExit(exec(process.execPath, [tsc, '-p', 'tsconfig.json']), 0, 'type-checking the README snippet')
  const js = typescript.transpileModule(readFileSync(snippetPath, 'utf8'), {
    compilerOptions: { module: typescript.ModuleKind.ESNext, target: typescript.ScriptTarget.ES2022 },
  }).outputText
  const jsPath = snippetPath.replace(/\.ts$/, '.mjs')
  writeFileSync(jsPath, js)
  return jsPath
}

function main() {
  if (build) {
    step('building (npm run build)')
    expectExit(exec('npm', ['run', 'build', '--silent'], { cwd: root }), 0, 'npm run build')
  }
  step('packing')
  const packed = expectExit(
    exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root }),
    0,
    'npm pack',
  )
  const [info] = JSON.parse(packed.stdout)
  checkFileList(info.files)
  step(`${info.filename}: ${info.files.length} files, ${Math.round(info.size / 1024)} kB packed`)

  step('installing the tarball into an empty project')
  mkdirSync(project)
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'arbiter-pack-check', private: true, type: 'module' }),
  )
  expectExit(
    exec('npm', [
      'install',
      '--no-audit',
      '--no-fund',
      '--prefer-offline',
      '--loglevel=error',
      join(work, info.filename),
    ]),
    0,
    'npm install of the tarball',
  )
  checkDeclaredImports(join(project, 'node_modules', 'arbiter'))

  step("running the README's snippet")
  const snippet = join(project, 'snippet.ts')
  writeFileSync(snippet, readmeSnippet())
  const runnable = typeCheck(snippet)
  const serviceEnv = {
    ARBITER_DATA_DIR: join(project, 'ledger'),
    ARBITER_BUNDLE: 'node_modules/arbiter/dist/sample-bundle.tar.gz',
  }
  const ran = expectExit(exec(process.execPath, [runnable], { env: serviceEnv }), 0, 'the README snippet')
  if (!/"msg":"arbiter ready"/.test(ran.stderr)) fail('the README snippet logged nothing', ran)

  step('verifying its ledger with the CLI')
  const verified = expectExit(
    exec('npx', ['--no-install', 'arbiter', 'verify', '--json'], { env: serviceEnv }),
    0,
    'npx arbiter verify',
  )
  const report = JSON.parse(verified.stdout)
  const chain = report.chains.find((c) => c.chain === 'default')
  if (!chain || chain.entries < 2 || chain.checkpoints < 1)
    fail('arbiter verify did not find the entries and the signed checkpoint the snippet wrote', verified)

  step('npx arbiter demo --no-serve')
  const demo = expectExit(
    exec('npx', ['--no-install', 'arbiter', 'demo', '--no-serve'], {
      env: { ARBITER_DATA_DIR: join(project, 'demo') },
    }),
    0,
    'npx arbiter demo --no-serve',
  )
  if (!/ledger chain demo: verified/.test(demo.stdout)) fail('the demo did not verify its ledger', demo)

  step('npx arbiter policy test without OPA')
  const policy = exec('npx', ['--no-install', 'arbiter', 'policy', 'test'])
  if (policy.status === 0 || !/OPA_BIN/.test(policy.stderr))
    fail('arbiter policy test without OPA must fail and say to set OPA_BIN', policy)
}

try {
  main()
  step('ok')
} catch (error) {
  process.stderr.write(`[pack-check] FAILED: ${error instanceof CheckFailed ? error.message : error.stack}\n`)
  process.exitCode = 1
} finally {
  rmSync(work, { recursive: true, force: true })
}
