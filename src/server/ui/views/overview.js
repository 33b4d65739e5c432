import { getJson } from '../api.js'
import { chart, colors, hourLabel, ledgerHref } from '../charts.js'
import { h, mount, stateMessage } from '../dom.js'

const ranges = [
  ['24h', 'Last 24 hours', 24],
  ['7d', 'Last 7 days', 24 * 7],
  ['30d', 'Last 30 days', 24 * 30],
]

const actions = [
  ['allow', 'Allowed'],
  ['deny', 'Denied'],
  ['require_approval', 'Needs approval'],
]

const kindWords = {
  runtime_allowed_policy_denied: 'Runtime ran, policy denies',
  runtime_denied_policy_allowed: 'Runtime blocked, policy allows',
}

function tile(label, value, detail) {
  return h(
    'div',
    { class: 'tile card' },
    h('p', { class: 'tile-label', text: label }),
    h('p', { class: 'tile-value', text: value }),
    detail ? h('p', { class: 'muted small', text: detail }) : null,
  )
}

function panel(id, title, description, body, link) {
  return h(
    'section',
    { class: 'card panel', id, 'aria-labelledby': `${id}-title` },
    h('div', { class: 'panel-head' }, h('h2', { id: `${id}-title`, text: title }), link),
    h('p', { class: 'muted small', text: description }),
    body,
  )
}

const linkTo = (href, text) => h('a', { href, class: 'panel-link', text })

function duration(seconds) {
  if (seconds === null || seconds === undefined) return '—'
  if (seconds < 90) return `${Math.round(seconds)} s`
  if (seconds < 5400) return `${Math.round(seconds / 60)} min`
  return `${(seconds / 3600).toFixed(1)} h`
}

/** The landing page: what a compliance officer wants to see at a glance, each chart linking to the ledger. */
export async function renderOverview(main, { query }) {
  const rangeKey = ranges.some(([k]) => k === query.get('range')) ? query.get('range') : '24h'
  const hours = ranges.find(([k]) => k === rangeKey)[2]
  const until = new Date()
  const since = new Date(until.getTime() - hours * 3_600_000)
  const picker = h(
    'div',
    { class: 'segmented', role: 'group', 'aria-label': 'Time range' },
    ranges.map(([key, text]) =>
      h('a', {
        href: `#/overview?range=${key}`,
        class: 'button ghost small',
        'aria-current': key === rangeKey ? 'true' : null,
        text,
      }),
    ),
  )
  const body = h('div', {}, stateMessage('loading', 'Loading the overview…'))
  mount(
    main,
    h('div', { class: 'page-head' }, h('h1', { text: 'Overview' }), picker),
    h('p', {
      class: 'muted lead',
      text: 'Decisions, refusals, conflicts and approvals at a glance. Click a bar to see those entries in the ledger.',
    }),
    body,
  )
  let o
  try {
    o = await getJson('/v1/overview', { since: since.toISOString(), until: until.toISOString() })
  } catch (e) {
    return mount(body, stateMessage('error', 'The overview could not be loaded.', e.message))
  }
  const total = o.totals.allow + o.totals.deny + o.totals.require_approval
  // The ledger's filters hold whole minutes: round the end up so the last minute's entries are in.
  const range = { from: since, to: new Date(until.getTime() + 60_000) }

  const perHour = chart(
    {
      type: 'bar',
      data: {
        labels: o.decisions_per_hour.map((b) => hourLabel(b.start)),
        datasets: actions.map(([key, label]) => ({
          label,
          data: o.decisions_per_hour.map((b) => b[key]),
          backgroundColor: colors[key],
          stack: 'decisions',
        })),
      },
      options: {
        scales: {
          x: { stacked: true, ticks: { maxTicksLimit: 12 } },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
      },
    },
    {
      label: 'Decisions per hour by action',
      onPick: (index, dataset) => {
        const start = new Date(o.decisions_per_hour[index].start)
        location.hash = ledgerHref({
          type: 'decision',
          action: actions[dataset][0],
          from: start,
          to: new Date(start.getTime() + 3_600_000),
        })
      },
    },
  )

  const rules = o.top_denying_rules
  const topRules = rules.length
    ? chart(
        {
          type: 'bar',
          data: {
            labels: rules.map((r) => r.rule),
            datasets: [
              { label: 'Denied decisions', data: rules.map((r) => r.count), backgroundColor: colors.deny },
            ],
          },
          options: {
            indexAxis: 'y',
            plugins: { legend: { display: false } },
            scales: { x: { beginAtZero: true, ticks: { precision: 0 } } },
          },
        },
        {
          label: 'Top denying rules',
          onPick: (index) => {
            location.hash = ledgerHref({
              type: 'decision',
              action: 'deny',
              rule: rules[index].rule,
              ...range,
            })
          },
        },
      )
    : stateMessage('empty', 'Nothing was denied in this period.')

  const runtimes = [...new Set(o.conflicts_by_runtime.map((c) => c.runtime))]
  const kinds = Object.keys(kindWords)
  const conflicts = o.conflicts_by_runtime.length
    ? chart(
        {
          type: 'bar',
          data: {
            labels: runtimes,
            datasets: kinds.map((kind, i) => ({
              label: kindWords[kind],
              data: runtimes.map(
                (rt) => o.conflicts_by_runtime.find((c) => c.runtime === rt && c.kind === kind)?.count ?? 0,
              ),
              backgroundColor: i === 0 ? colors.deny : colors.require_approval,
              stack: 'conflicts',
            })),
          },
          options: {
            scales: {
              x: { stacked: true },
              y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
            },
          },
        },
        {
          label: 'Conflicts by runtime',
          onPick: () => {
            location.hash = ledgerHref({ type: 'conflict', ...range })
          },
        },
      )
    : stateMessage(
        'empty',
        'No conflicts in this period.',
        'The agent runtimes and policy agreed on every call.',
      )

  const a = o.approvals
  const approvals = h(
    'div',
    { class: 'approval-figures' },
    chart(
      {
        type: 'bar',
        data: {
          labels: ['Median', '90th percentile'],
          datasets: [
            {
              label: 'Seconds to approve',
              data: [a.median_seconds_to_approve ?? 0, a.p90_seconds_to_approve ?? 0],
              backgroundColor: colors.brand,
            },
          ],
        },
        options: {
          indexAxis: 'y',
          plugins: { legend: { display: false } },
          scales: { x: { beginAtZero: true, title: { display: true, text: 'seconds' } } },
        },
      },
      {
        label: 'Time to approve',
        height: 140,
        onPick: () => {
          location.hash = ledgerHref({ type: 'approval', ...range })
        },
      },
    ),
    h('p', {
      class: 'muted small',
      text: `${a.approved} approved in this period; median ${duration(a.median_seconds_to_approve)}, 90% within ${duration(a.p90_seconds_to_approve)}.`,
    }),
  )

  const s = o.shadow
  const shadowPanel =
    s.configured || s.shadowed > 0
      ? panel(
          'chart-shadow',
          'Shadow rollout',
          s.bundle
            ? `Candidate ${s.bundle.revision} evaluated next to the live policy, never enforced.`
            : s.configured
              ? `The candidate bundle is not loaded: ${s.error ?? 'unknown error'}`
              : 'Decisions of this period were evaluated by a candidate bundle.',
          chart(
            {
              type: 'doughnut',
              data: {
                labels: ['Agree', 'Disagree', 'Candidate failed'],
                datasets: [
                  {
                    data: [s.agree, s.disagree, s.errors],
                    backgroundColor: [colors.allow, colors.deny, colors.muted],
                  },
                ],
              },
            },
            {
              label: 'Shadow agreement',
              height: 220,
              onPick: () => {
                location.hash = '#/rollout'
              },
            },
          ),
          linkTo('#/rollout', 'Open rollout →'),
        )
      : null

  mount(
    body,
    h(
      'div',
      { class: 'tiles' },
      tile('Decisions', String(total), `${o.totals.allow} allowed`),
      tile(
        'Denied',
        String(o.totals.deny),
        total ? `${Math.round((100 * o.totals.deny) / total)}% of decisions` : null,
      ),
      tile('Approvals waiting', String(a.waiting), 'open requests, not expired'),
      tile('Time to approve', duration(a.median_seconds_to_approve), 'median'),
      s.configured || s.shadowed > 0
        ? tile(
            'Shadow disagreement',
            String(s.disagree),
            s.agree + s.disagree
              ? `${Math.round((100 * s.disagree) / (s.agree + s.disagree))}% of compared calls`
              : 'nothing compared yet',
          )
        : null,
    ),
    panel(
      'chart-decisions',
      'Decisions per hour',
      'Each bar is one hour, split by what the policy decided.',
      perHour,
      linkTo(ledgerHref({ type: 'decision', ...range }), 'View in ledger →'),
    ),
    h(
      'div',
      { class: 'grid-2' },
      panel(
        'chart-rules',
        'Top denying rules',
        'The rules behind most refusals.',
        topRules,
        linkTo(ledgerHref({ type: 'decision', action: 'deny', ...range }), 'View denials →'),
      ),
      panel(
        'chart-conflicts',
        'Conflicts by runtime',
        'Where an agent platform and the policy disagreed.',
        conflicts,
        linkTo(ledgerHref({ type: 'conflict', ...range }), 'View conflicts →'),
      ),
    ),
    h(
      'div',
      { class: 'grid-2' },
      panel(
        'chart-approvals',
        `Approvals · ${a.waiting} waiting`,
        'How long people take to approve gated calls.',
        approvals,
        linkTo(ledgerHref({ type: 'approval_request', ...range }), 'View requests →'),
      ),
      shadowPanel,
    ),
  )
}
