import { getJson } from '../api.js'
import { chart, colors, hourLabel, localInput } from '../charts.js'
import { badge, entryHref, h, mount, shortHash, stateMessage, time } from '../dom.js'

const fields = [
  { name: 'since', label: 'From', type: 'datetime-local' },
  { name: 'until', label: 'Until', type: 'datetime-local' },
  {
    name: 'bucket',
    label: 'Per',
    options: [
      ['hour', 'Hour'],
      ['day', 'Day'],
      ['minute', 'Minute'],
    ],
  },
  { name: 'rule', label: 'Rule id', placeholder: 'e.g. fintech.transfer_limit' },
  { name: 'tool', label: 'Tool', placeholder: 'e.g. payments.transfer' },
]

function field(spec, value) {
  const id = `rollout-${spec.name}`
  const control = spec.options
    ? h(
        'select',
        { id, name: spec.name },
        spec.options.map(([v, text]) => h('option', { value: v, text, selected: v === value })),
      )
    : h('input', { id, name: spec.name, type: spec.type ?? 'text', placeholder: spec.placeholder, value })
  return h('div', { class: 'field' }, h('label', { for: id, text: spec.label }), control)
}

const percent = (rate) => (rate === null || rate === undefined ? '—' : `${(100 * rate).toFixed(1)}%`)

function rulesOf(reasons) {
  return [...new Set((reasons ?? []).map((r) => r.rule))].sort().join(', ')
}

function disagreementRow(entry) {
  const b = entry.body
  return h(
    'tr',
    {},
    h('td', {}, h('a', { href: entryHref(entry.chain, entry.seq) }, time(entry.ts))),
    h('td', {}, h('code', { text: b.input?.tool?.name ?? '—' })),
    h('td', { text: b.input?.principal?.id ?? '' }),
    h('td', {}, badge(b.action), ' ', h('code', { class: 'small', text: rulesOf(b.reasons) })),
    h(
      'td',
      {},
      badge(b.shadow?.action),
      ' ',
      h('code', { class: 'small', text: (b.shadow?.rules ?? []).join(', ') }),
    ),
    h('td', { class: 'muted' }, `${entry.chain} #${entry.seq}`),
  )
}

/** Shadow rollout: how often the candidate bundle agrees with the live one, and where it does not. */
export async function renderRollout(main, { query }) {
  const values = Object.fromEntries(fields.map((f) => [f.name, query.get(f.name) ?? '']))
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
          location.hash = `#/rollout?${params}`
        },
      },
    },
    h(
      'div',
      { class: 'filter-grid' },
      fields.map((spec) => field(spec, values[spec.name])),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'button primary', text: 'Apply filters' }),
      h('a', { href: '#/rollout', class: 'button ghost', text: 'Clear' }),
    ),
  )
  const body = h('div', {}, stateMessage('loading', 'Loading the rollout…'))
  mount(
    main,
    h('div', { class: 'page-head' }, h('h1', { text: 'Rollout' })),
    h('p', {
      class: 'muted lead',
      text: 'A candidate policy runs in the shadow of the live one: it sees every call, decides nothing. Here is how often the two agree.',
    }),
    form,
    body,
  )
  const apiQuery = { bucket: values.bucket || 'hour', rule: values.rule, tool: values.tool, limit: 100 }
  if (values.since) apiQuery.since = new Date(values.since).toISOString()
  if (values.until) apiQuery.until = new Date(values.until).toISOString()
  let r
  try {
    r = await getJson('/v1/rollout', apiQuery)
  } catch (e) {
    return mount(body, stateMessage('error', 'The rollout could not be loaded.', e.message))
  }
  const status = r.shadow.configured
    ? r.shadow.bundle
      ? h(
          'p',
          { class: 'rollout-status' },
          'Candidate in shadow: revision ',
          h('code', { text: r.shadow.bundle.revision }),
          ' ',
          shortHash(r.shadow.bundle.sha256),
        )
      : h('p', {
          class: 'rollout-status form-error',
          role: 'alert',
          text: `The candidate bundle is not loaded: ${r.shadow.error ?? 'unknown error'}. The live policy keeps deciding.`,
        })
    : h('p', {
        class: 'rollout-status muted',
        text: 'No shadow bundle is configured on this server (arbiter serve --shadow-bundle <path>). Recorded shadow decisions are still shown.',
      })
  const t = r.totals
  const label = r.bucket === 'day' ? (iso) => new Date(iso).toLocaleDateString() : hourLabel
  const trend = chart(
    {
      type: 'bar',
      data: {
        labels: r.series.map((point) => label(point.start)),
        datasets: [
          {
            type: 'line',
            label: 'Agreement rate (%)',
            data: r.series.map((point) =>
              point.agreement_rate === null ? null : 100 * point.agreement_rate,
            ),
            borderColor: colors.brand,
            backgroundColor: colors.brand,
            spanGaps: true,
            yAxisID: 'rate',
          },
          {
            label: 'Disagreements',
            data: r.series.map((point) => point.disagree),
            backgroundColor: colors.deny,
            yAxisID: 'count',
          },
          {
            label: 'Candidate failed',
            data: r.series.map((point) => point.errors),
            backgroundColor: colors.muted,
            yAxisID: 'count',
          },
        ],
      },
      options: {
        scales: {
          x: { ticks: { maxTicksLimit: 12 } },
          rate: { position: 'left', min: 0, max: 100, title: { display: true, text: 'agreement %' } },
          count: {
            position: 'right',
            beginAtZero: true,
            ticks: { precision: 0 },
            grid: { drawOnChartArea: false },
          },
        },
      },
    },
    {
      label: 'Agreement rate over time',
      height: 300,
      onPick: (index) => {
        const start = new Date(r.series[index].start)
        const width = { minute: 60_000, hour: 3_600_000, day: 86_400_000 }[r.bucket]
        const params = new URLSearchParams({
          ...Object.fromEntries(Object.entries(values).filter(([, v]) => v)),
          since: localInput(start),
          until: localInput(new Date(start.getTime() + width)),
        })
        location.hash = `#/rollout?${params}`
      },
    },
  )
  const table = r.disagreements.length
    ? h(
        'table',
        { class: 'table', id: 'disagreements-table' },
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['When', 'Tool', 'On behalf of', 'Live policy decided', 'Candidate would decide', 'Position'].map(
              (x) => h('th', { scope: 'col', text: x }),
            ),
          ),
        ),
        h('tbody', {}, r.disagreements.map(disagreementRow)),
      )
    : stateMessage(
        'empty',
        'No disagreements in this period.',
        t.shadowed
          ? 'The candidate decided every compared call like the live policy.'
          : 'No decision of this period was shadowed.',
      )
  mount(
    body,
    status,
    h(
      'div',
      { class: 'tiles' },
      h(
        'div',
        { class: 'tile card' },
        h('p', { class: 'tile-label', text: 'Agreement' }),
        h('p', { class: 'tile-value', id: 'agreement-rate', text: percent(t.agreement_rate) }),
      ),
      h(
        'div',
        { class: 'tile card' },
        h('p', { class: 'tile-label', text: 'Shadowed decisions' }),
        h('p', { class: 'tile-value', text: String(t.shadowed) }),
        h('p', { class: 'muted small', text: `of ${t.decisions} decisions` }),
      ),
      h(
        'div',
        { class: 'tile card' },
        h('p', { class: 'tile-label', text: 'Disagreements' }),
        h('p', { class: 'tile-value', text: String(t.disagree) }),
      ),
      h(
        'div',
        { class: 'tile card' },
        h('p', { class: 'tile-label', text: 'Candidate failed' }),
        h('p', { class: 'tile-value', text: String(t.errors) }),
      ),
    ),
    h(
      'section',
      { class: 'card panel', id: 'chart-agreement' },
      h('h2', { text: 'Agreement over time' }),
      trend,
    ),
    h('section', { class: 'panel' }, h('h2', { text: `Disagreeing decisions (${t.disagree})` }), table),
  )
}
