import { getJson, postJson } from '../api.js'
import { h, mount, shortHash, stateMessage, time } from '../dom.js'
import { exportControls } from './export-controls.js'

function verification(v) {
  if (!v) return h('span', { class: 'muted', text: 'Never checked' })
  return h(
    'span',
    {},
    h('span', { class: `badge ${v.ok ? 'good' : 'bad'}`, text: v.ok ? 'Intact' : 'Problem found' }),
    ' ',
    time(v.ts),
    h('span', { class: 'muted', text: ` · ${v.entries} entries · by ${v.requested_by}` }),
    v.ok ? null : h('div', { class: 'form-error', text: `${v.error_code ?? ''} ${v.message}` }),
  )
}

/** Chain integrity: head, last signed checkpoint, last verification, verify now, export. */
export async function renderChains(main) {
  const results = h('div', {}, stateMessage('loading', 'Loading chains…'))
  const notice = h('p', { class: 'notice', role: 'status', hidden: true })
  const verifyButton = h('button', { type: 'button', class: 'button primary', text: 'Verify all chains now' })
  const exports = exportControls('button ghost')
  mount(
    main,
    h(
      'div',
      { class: 'page-head' },
      h('h1', { text: 'Integrity' }),
      h('div', { class: 'actions' }, verifyButton, ...exports.buttons),
    ),
    h('p', {
      class: 'muted lead',
      text: 'Each chain links every entry to the one before it by hash. Verification recomputes every link and checks the signed checkpoints, so any edit or deletion shows up.',
    }),
    exports.error,
    notice,
    results,
  )
  async function load() {
    let data
    try {
      data = await getJson('/v1/chains')
    } catch (e) {
      return mount(results, stateMessage('error', 'The chains could not be loaded.', e.message))
    }
    if (data.chains.length === 0)
      return mount(
        results,
        stateMessage('empty', 'The ledger is empty.', 'Chains appear once the first decision is recorded.'),
      )
    mount(
      results,
      h(
        'table',
        { class: 'table', id: 'chains-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Chain', 'Latest entry', 'Latest hash', 'Last signed checkpoint', 'Last verification'].map((t) =>
              h('th', { scope: 'col', text: t }),
            ),
          ),
        ),
        h(
          'tbody',
          {},
          data.chains.map((c) =>
            h(
              'tr',
              {},
              h('td', {}, h('code', { text: c.chain })),
              h('td', { text: `#${c.head.seq}` }),
              h('td', {}, shortHash(c.head.hash)),
              h(
                'td',
                {},
                c.last_checkpoint
                  ? h(
                      'span',
                      {},
                      `#${c.last_checkpoint.seq} · `,
                      time(c.last_checkpoint.ts),
                      h('span', { class: 'muted', text: ` · key ${c.last_checkpoint.key_id}` }),
                    )
                  : h('span', { class: 'muted', text: 'None yet' }),
              ),
              h('td', {}, verification(c.last_verification)),
            ),
          ),
        ),
      ),
    )
  }
  verifyButton.addEventListener('click', async () => {
    verifyButton.disabled = true
    verifyButton.textContent = 'Verifying…'
    try {
      const result = await postJson('/v1/verify', {})
      // A chain deleted from the database has no row in the table: name every failure here.
      const failed = result.results
        .filter((r) => !r.ok)
        .map((r) => `${r.chain}: ${r.error_code} ${r.message}`)
      notice.textContent = result.ok
        ? 'Verification finished: every chain is intact.'
        : `Verification found a problem. ${failed.join(' · ')}`
      notice.className = result.ok ? 'notice' : 'notice error'
      notice.hidden = false
      await load()
    } catch (e) {
      notice.textContent = e.message
      notice.className = 'notice error'
      notice.hidden = false
    } finally {
      verifyButton.disabled = false
      verifyButton.textContent = 'Verify all chains now'
    }
  })
  await load()
}
