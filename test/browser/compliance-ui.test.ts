import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { toConflictBody } from '../../src/entries/index.js'
import { reasonSchema } from '../../src/policy/index.js'
import { type ServerFixture, startServerFixture, transferCall } from '../server/server-fixture.js'
import { createPgliteBackend, type TestBackend } from '../support/backends.js'

const chromiumPath = process.env.ARBITER_CHROMIUM ?? '/usr/bin/chromium'
const artifacts = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'artifacts')

async function post(f: ServerFixture, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await f.call(path, { method: 'POST', key: f.keys.agent, body })
  expect(response.status).toBe(200)
  return (await response.json()) as Record<string, unknown>
}

async function signIn(page: Page, url: string, key: string): Promise<void> {
  await page.goto(url)
  await page.getByLabel('API key').fill(key)
  await page.getByRole('button', { name: 'Sign in' }).click()
  await page.getByRole('navigation', { name: 'Main' }).waitFor()
}

// `npm test` installs Debian's chromium (scripts/setup.mjs --tests); a missing browser is a failure, not a
// skip, unless someone opts out explicitly.
describe.skipIf(process.env.ARBITER_SKIP_BROWSER === '1')('compliance web UI in headless Chromium', () => {
  let backend: TestBackend
  let f: ServerFixture
  let context: BrowserContext
  let userDataDir: string
  let pendingDecisionId: string

  beforeAll(async () => {
    if (!existsSync(chromiumPath))
      throw new Error(
        `no Chromium at ${chromiumPath}: run \`node scripts/setup.mjs --tests\` or set ARBITER_CHROMIUM`,
      )
    mkdirSync(artifacts, { recursive: true })
    backend = await createPgliteBackend()
    f = await startServerFixture(backend)
    // A small realistic ledger: allowed, denied and approval-gated transfers, an outcome and a conflict.
    const allowed = await post(f, '/v1/decisions', transferCall(250, ['teller']))
    await post(f, `/v1/decisions/${allowed.decision_id}/outcome`, { status: 'ok', duration_ms: 84 })
    const denied = await post(f, '/v1/decisions', transferCall(48_000, ['teller']))
    await f.composed.guard.record(
      'conflict',
      toConflictBody({
        decisionId: String(denied.decision_id),
        kind: 'runtime_allowed_policy_denied',
        runtime: { decision: 'allow', policy: 'always_allow' },
        policyAction: 'deny',
        reasons: z.array(reasonSchema).parse(denied.reasons),
        interrupted: true,
      }),
    )
    const pending = await post(f, '/v1/decisions', transferCall(18_500, ['payments_officer']))
    expect(pending.status).toBe('pending')
    pendingDecisionId = String(pending.decision_id)
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
        '--disable-quic',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
    })
  })

  afterAll(async () => {
    await context?.close()
    if (userDataDir) rmSync(userDataDir, { recursive: true, force: true })
    await f?.close()
    await backend?.dispose()
  })

  it('signs in, filters to a denied transfer, opens it, and approves a pending request as a second person', async () => {
    const page = await context.newPage()
    const consoleErrors: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text())
    })

    // A wrong key is refused with a plain message.
    await page.goto(f.url)
    await page.getByLabel('API key').fill('arb_wrongwrongwrongwrong')
    await page.getByRole('button', { name: 'Sign in' }).click()
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not accepted')
    await page.screenshot({ path: join(artifacts, 'ui-sign-in.png') })

    // The console opens on the overview; the ledger is one click away.
    await signIn(page, f.url, f.keys.auditor)
    await page.getByRole('heading', { name: 'Overview' }).waitFor()
    await page.getByRole('link', { name: 'Ledger', exact: true }).click()
    await page.locator('#ledger-table tbody tr').first().waitFor()
    await page.screenshot({ path: join(artifacts, 'ui-ledger.png'), fullPage: true })

    await page.getByLabel('Decision', { exact: true }).selectOption('deny')
    await page.getByLabel('Tool').fill('payments.transfer')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await expect.poll(() => page.locator('#ledger-table tbody tr').count()).toBe(1)
    await page.locator('#ledger-table tbody tr').first().click()

    await page.getByRole('heading', { name: 'Proposed call' }).waitFor()
    const text = await page.locator('main').textContent()
    expect(text).toContain('Denied')
    expect(text).toContain('fintech.transfer_limit')
    expect(text).toContain('exceeds the 10000 USD limit')
    expect(text).toContain('Policy bundle revision')
    expect(text).toContain('Position in the chain')
    expect(text).toContain('Conflict')
    await page.screenshot({ path: join(artifacts, 'ui-entry-denied.png'), fullPage: true })

    // An auditor sees the queue but has no buttons.
    await page.getByRole('link', { name: /Approvals/ }).click()
    await page.locator('article.approval').first().waitFor()
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0)

    // The requester's own approver key is refused (four eyes) ...
    await page.getByRole('button', { name: 'Sign out' }).click()
    await signIn(page, `${f.url}/#/approvals`, f.keys.selfApprover)
    await page.locator('article.approval').first().waitFor()
    await page.getByRole('button', { name: 'Approve' }).click()
    await expect.poll(() => page.locator('article.approval .form-error').textContent()).toContain('four-eyes')

    // ... and a second officer approves with a comment.
    await page.getByRole('button', { name: 'Sign out' }).click()
    await signIn(page, `${f.url}/#/approvals`, f.keys.approver)
    await page.locator('article.approval').first().waitFor()
    await page.getByLabel('Comment').fill('Invoice INV-2231 checked against the contract')
    await page.screenshot({ path: join(artifacts, 'ui-approvals.png'), fullPage: true })
    await page.getByRole('button', { name: 'Approve' }).click()
    await expect.poll(() => page.getByRole('status').first().textContent()).toContain('Approved')
    await page.getByText('Nothing is waiting for approval.').waitFor()

    const view = (await (
      await f.call(`/v1/decisions/${pendingDecisionId}`, { key: f.keys.agent })
    ).json()) as {
      status: string
    }
    expect(view.status).toBe('approved')

    await page.getByRole('link', { name: 'Integrity' }).click()
    await page.getByRole('button', { name: 'Verify all chains now' }).click()
    await expect.poll(() => page.locator('#chains-table').textContent()).toContain('Intact')
    await page.screenshot({ path: join(artifacts, 'ui-integrity.png'), fullPage: true })

    await page.getByRole('link', { name: 'Conflicts' }).click()
    await page.locator('#conflicts-table').waitFor()
    await page.screenshot({ path: join(artifacts, 'ui-conflicts.png'), fullPage: true })

    // The refused sign-in (401) and the refused self-approval (403) are expected; nothing else may fail.
    expect(consoleErrors.filter((e) => !/status of 40[13]/.test(e))).toEqual([])
  })
})
