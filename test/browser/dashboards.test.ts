import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { toConflictBody } from '../../src/entries/index.js'
import { makeTempDir, removeDir } from '../policy/helpers.js'
import { type ServerFixture, startServerFixture, transferCall } from '../server/server-fixture.js'
import { createPgliteBackend, type TestBackend } from '../support/backends.js'
import { buildLiveAndCandidate } from '../support/candidate-bundles.js'

const chromiumPath = process.env.ARBITER_CHROMIUM ?? '/usr/bin/chromium'
const artifacts = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'artifacts')

async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(url)
  await page.getByLabel('API key').fill(key)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('navigation', { name: 'Main' }).waitFor()
}

// The Overview (landing page) and Rollout pages over a server with a shadow bundle that cuts the
// teller's transfer limit to 1,000 USD: charts drawn by the package's own Chart.js under the strict CSP.
describe.skipIf(process.env.ARBITER_SKIP_BROWSER === '1')('dashboards in headless Chromium', () => {
  let dir: string
  let backend: TestBackend
  let f: ServerFixture
  let context: BrowserContext
  let userDataDir: string

  beforeAll(async () => {
    if (!existsSync(chromiumPath))
      throw new Error(
        `no Chromium at ${chromiumPath}: run \`node scripts/setup.mjs --tests\` or set ARBITER_CHROMIUM`,
      )
    mkdirSync(artifacts, { recursive: true })
    dir = makeTempDir('arbiter-dashboards-')
    const { live, candidate } = await buildLiveAndCandidate(dir)
    backend = await createPgliteBackend()
    f = await startServerFixture(backend, {}, { bundlePath: live.path, shadowBundlePath: candidate.path })
    const post = async (body: unknown) => {
      const response = await f.call('/v1/decisions', { method: 'POST', key: f.keys.agent, body })
      expect(response.status).toBe(200)
      return (await response.json()) as {
        decision_id: string
        reasons: Array<{ rule: string; message: string }>
      }
    }
    for (const amount of [120, 450, 2500, 7200, 9800]) await post(transferCall(amount, ['teller']))
    const denied = await post(transferCall(48_000, ['teller']))
    await post(transferCall(18_500, ['payments_officer']))
    await f.composed.guard.record(
      'conflict',
      toConflictBody({
        decisionId: denied.decision_id,
        kind: 'runtime_allowed_policy_denied',
        runtime: { decision: 'allow', policy: 'always_allow' },
        policyAction: 'deny',
        reasons: denied.reasons,
        interrupted: true,
      }),
    )
    userDataDir = mkdtempSync(join(tmpdir(), 'arbiter-chromium-'))
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: chromiumPath,
      headless: true,
      viewport: { width: 1360, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
      ],
    })
  }, 240_000)

  afterAll(async () => {
    await context?.close()
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true })
    await f?.close()
    await backend?.dispose()
    if (dir) removeDir(dir)
  })

  it('opens on the overview, whose charts link to the filtered ledger', async () => {
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
    page.on('pageerror', (e) => problems.push(e.message))
    const requested: string[] = []
    page.on('request', (r) => requested.push(r.url()))

    await signIn(page, f.url, f.keys.auditor)
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    expect(page.url()).toContain('#/overview')
    // Five charts: per hour, denying rules, conflicts, time to approve, shadow agreement.
    await expect.poll(() => page.locator('canvas[data-ready="true"]').count(), { timeout: 15_000 }).toBe(5)
    const text = await page.locator('main').textContent()
    expect(text).toContain('Decisions per hour')
    expect(text).toContain('Top denying rules')
    expect(text).toContain('Conflicts by runtime')
    expect(text).toContain('1 waiting')
    expect(text).toContain('Shadow rollout')
    expect(text).toContain('candidate-r2')
    await page.screenshot({ path: join(artifacts, 'ui-overview.png'), fullPage: true })

    // Everything came from this server: the chart library included.
    expect(requested.every((url) => url.startsWith(f.url))).toBe(true)
    expect(requested.some((url) => url.endsWith('/vendor/chart.umd.min.js'))).toBe(true)

    await page.locator('#chart-rules').getByRole('link', { name: 'View denials →' }).click()
    await expect.poll(() => page.locator('#ledger-table tbody tr').count()).toBe(1)
    expect(await page.getByLabel('Decision', { exact: true }).inputValue()).toBe('deny')
    expect(await page.locator('#ledger-table').textContent()).toContain('fintech.transfer_limit')

    // Clicking a bar of the denying-rules chart filters the ledger by that rule.
    await page.getByRole('link', { name: 'Overview' }).click()
    await expect.poll(() => page.locator('canvas[data-ready="true"]').count(), { timeout: 15_000 }).toBe(5)
    const bars = page.locator('#chart-rules canvas')
    const box = (await bars.boundingBox())!
    // One horizontal bar filling the chart's height: click its middle, left of the bar's end.
    await page.mouse.click(box.x + box.width * 0.4, box.y + box.height * 0.45)
    await expect.poll(() => page.url()).toContain('rule=fintech.transfer_limit')
    await expect.poll(() => page.locator('#ledger-table tbody tr').count()).toBe(1)

    expect(problems).toEqual([])
  })

  it('shows the rollout: agreement over time and the disagreeing decisions, with a filter', async () => {
    const page = await context.newPage()
    const problems: string[] = []
    page.on('console', (m) => m.type() === 'error' && problems.push(m.text()))
    page.on('pageerror', (e) => problems.push(e.message))
    await signIn(page, `${f.url}/#/rollout`, f.keys.auditor)
    await page.getByRole('heading', { name: 'Rollout' }).waitFor()
    // 2,500, 7,200 and 9,800 are allowed live but over the candidate's 1,000 limit.
    await expect.poll(() => page.locator('#disagreements-table tbody tr').count()).toBe(3)
    await expect.poll(() => page.locator('#chart-agreement canvas[data-ready="true"]').count()).toBe(1)
    // 7 decisions shadowed, 4 agree.
    expect(await page.locator('#agreement-rate').textContent()).toBe('57.1%')
    const table = await page.locator('#disagreements-table').textContent()
    expect(table).toContain('Allowed')
    expect(table).toContain('Denied')
    expect(table).toContain('fintech.transfer_limit')
    expect(await page.locator('main').textContent()).toContain('candidate-r2')
    await page.screenshot({ path: join(artifacts, 'ui-rollout.png'), fullPage: true })

    await page.getByLabel('Tool').fill('accounts.get_balance')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.getByText('No disagreements in this period.').waitFor()
    await page.getByLabel('Tool').fill('payments.transfer')
    await page.getByLabel('Rule id').fill('fintech.transfer_limit')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await expect.poll(() => page.locator('#disagreements-table tbody tr').count()).toBe(3)
    // The disagreeing decision opens on its entry page.
    await page.locator('#disagreements-table tbody tr a').first().click()
    await page.getByRole('heading', { name: 'Proposed call' }).waitFor()
    const entry = await page.locator('#shadow-decision').textContent()
    expect(entry).toContain('would have decided differently')
    expect(entry).toContain('candidate-r2')
    await page.screenshot({ path: join(artifacts, 'ui-entry-shadow.png'), fullPage: true })
    expect(problems).toEqual([])
  })
})
