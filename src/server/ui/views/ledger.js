import { getJson } from '../api.js'
import { badge, entryHref, h, mount, shortHash, stateMessage, time, typeLabel } from '../dom.js'
import { exportControls } from './export-controls.js'

const filterFields = [
  { name: 'q', label: 'Search reasons', type: 'search', placeholder: 'e.g. limit, sanctions' },
  {
    name: 'type',
    label: 'Entry type',
    options: [
      ['', 'Any type'],
      ['decision', 'Decision'],
      ['outcome', 'Outcome'],
      ['approval_request', 'Approval request'],
      ['approval', 'Approval'],
      ['conflict', 'Conflict'],
      ['policy_loaded', 'Policy loaded'],
    ],
  },
  {
    name: 'action',
    label: 'Decision',
    options: [
      ['', 'Any decision'],
      ['allow', 'Allowed'],
      ['deny', 'Denied'],
      ['require_approval', 'Needs approval'],
    ],
  },
  { name: 'tool', label: 'Tool', placeholder: 'e.g. transfer_funds' },
  { name: 'rule', label: 'Rule id', placeholder: 'e.g. fintech.transfer_limit' },
  { name: 'principal', label: 'On behalf of', placeholder: 'user or service id' },
  { name: 'agent', label: 'Agent', placeholder: 'agent id' },
  { name: 'session', label: 'Session', placeholder: 'session id' },
  { name: 'chain', label: 'Chain', placeholder: 'default' },
  { name: 'from', label: 'From', type: 'datetime-local' },
  { name: 'to', label: 'Until', type: 'datetime-local' },
]

function field(spec, value) {
  const id = `filter-${spec.name}`
  const control = spec.options
    ? h(
        'select',
        { id, name: spec.name },
        spec.options.map(([v, text]) => h('option', { value: v, text, selected: v === value })),
      )
    : h('input', { id, name: spec.name, type: spec.type ?? 'text', placeholder: spec.placeholder, value })
  return h('div', { class: 'field' }, h('label', { for: id, text: spec.label }), control)
}

/** Query for the API from the form's (hash) query: local datetime inputs become UTC instants. */
function apiQuery(query) {
  const out = {}
  for (const spec of filterFields) {
    const value = query.get(spec.name)
    if (!value) continue
    out[spec.name] = spec.type === 'datetime-local' ? new Date(value).toISOString() : value
  }
  return out
}

function summary(entry) {
  const b = entry.body
  if (entry.type === 'decision') return b.input?.tool?.name ?? '—'
  if (entry.type === 'outcome') return b.error ?? (b.duration_ms !== undefined ? `${b.duration_ms} ms` : '')
  if (entry.type === 'approval') return [b.approver?.id, b.comment].filter(Boolean).join(' — ')
  if (entry.type === 'approval_request') return `needs ${b.count ?? 1} of: ${(b.roles ?? []).join(', ')}`
  if (entry.type === 'conflict') return String(b.kind ?? '').replaceAll('_', ' ')
  if (entry.type === 'policy_loaded') return `revision ${b.revision ?? '?'}`
  return ''
}

function row(entry) {
  const b = entry.body
  const status = b.action ?? b.verdict ?? b.status ?? b.policy_action
  const rules = Array.isArray(b.reasons) ? b.reasons.map((r) => r.rule).join(', ') : ''
  return h(
    'tr',
    {
      class: 'clickable',
      data: { href: entryHref(entry.chain, entry.seq) },
      on: {
        click: () => {
          location.hash = entryHref(entry.chain, entry.seq)
        },
      },
    },
    h('td', {}, time(entry.ts)),
    h('td', {}, h('a', { href: entryHref(entry.chain, entry.seq), text: typeLabel(entry.type) })),
    h('td', { class: 'wrap', text: summary(entry) }),
    h('td', {}, badge(status)),
    h('td', { class: 'wrap' }, h('code', { text: rules })),
    h('td', { text: b.input?.principal?.id ?? b.requested_by ?? '' }),
    h('td', { class: 'muted' }, `${entry.chain} #${entry.seq} `, shortHash(entry.hash)),
  )
}

/** The searchable, filterable ledger table with keyset "show more". */
export async function renderLedger(main, { query }) {
  const form = h(
    'form',
    {
      class: 'filters card',
      role: 'search',
      on: {
        submit: (event) => {
          event.preventDefault()
          const params = new URLSearchParams()
          for (const [k, v] of new FormData(event.target)) if (v) params.set(k, String(v))
          location.hash = `#/ledger?${params}`
        },
      },
    },
    h(
      'div',
      { class: 'filter-grid' },
      filterFields.map((spec) => field(spec, query.get(spec.name) ?? '')),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary', text: 'Apply filters' }),
      h('a', { href: '#/ledger', class: 'button ghost', text: 'Clear' }),
    ),
  )
  const body = h('tbody')
  const table = h(
    'table',
    { class: 'table', id: 'ledger-table' },
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ['When', 'Type', 'What', 'Result', 'Rules', 'On behalf of', 'Position'].map((t) =>
          h('th', { scope: 'col', text: t }),
        ),
      ),
    ),
    body,
  )
  const results = h('div', { class: 'results' }, stateMessage('loading', 'Loading entries…'))
  const more = h('button', {
    type: 'button',
    class: 'button ghost',
    hidden: true,
    text: 'Show older entries',
  })
  const exports = exportControls('button ghost small')
  mount(
    main,
    h(
      'div',
      { class: 'page-head' },
      h('h1', { text: 'Ledger' }),
      h('div', { class: 'actions' }, ...exports.buttons, exports.error),
    ),
    h('p', {
      class: 'muted lead',
      text: 'Every decision, outcome, approval and conflict, newest first. Click a row for details.',
    }),
    form,
    results,
    h('div', { class: 'more' }, more),
  )
  const base = apiQuery(query)
  let cursor = null
  async function load() {
    more.disabled = true
    try {
      const page = await getJson('/v1/entries', { ...base, limit: 50, cursor })
      if (!cursor && page.entries.length === 0) {
        mount(
          results,
          stateMessage(
            'empty',
            'No entries match these filters.',
            'Try clearing a filter or widening the time range.',
          ),
        )
      } else {
        if (!cursor) mount(results, table)
        for (const entry of page.entries) body.append(row(entry))
      }
      cursor = page.next_cursor
      more.hidden = !cursor
    } catch (e) {
      mount(results, stateMessage('error', 'The entries could not be loaded.', e.message))
    } finally {
      more.disabled = false
    }
  }
  more.addEventListener('click', load)
  await load()
}
