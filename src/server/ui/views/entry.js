import { downloadBundle, getJson } from '../api.js'
import { badge, entryHref, h, mount, shortHash, stateMessage, time, typeLabel } from '../dom.js'

const escapePointer = (key) => String(key).replaceAll('~', '~0').replaceAll('/', '~1')

/** Flattens arguments into (JSON pointer, value) rows; redacted pointers stop the descent. */
function flatten(value, pointer, redacted, rows) {
  if (redacted.has(pointer) || value === null || typeof value !== 'object') {
    rows.push([pointer, value])
    return rows
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value)
  if (entries.length === 0) rows.push([pointer, value])
  for (const [k, v] of entries) flatten(v, `${pointer}/${escapePointer(k)}`, redacted, rows)
  return rows
}

function argumentsTable(args, redactedList) {
  const redacted = new Set(redactedList ?? [])
  const rows = flatten(args ?? {}, '', redacted, [])
  if (rows.length === 0 || (rows.length === 1 && rows[0][0] === ''))
    return h('p', { class: 'muted', text: 'No arguments.' })
  return h(
    'table',
    { class: 'table compact args' },
    h('thead', {}, h('tr', {}, h('th', { text: 'Argument' }), h('th', { text: 'Value' }))),
    h(
      'tbody',
      {},
      rows.map(([pointer, value]) =>
        h(
          'tr',
          { class: redacted.has(pointer) ? 'redacted' : null },
          h('td', {}, h('code', { text: pointer.slice(1).replaceAll('/', ' › ') || '(whole)' })),
          redacted.has(pointer)
            ? h(
                'td',
                {},
                h('span', { class: 'badge neutral', text: 'Redacted' }),
                ' ',
                h('span', { class: 'muted', text: 'value hidden; only a keyed fingerprint is stored' }),
              )
            : h(
                'td',
                {},
                h('code', {
                  class: 'value',
                  text: typeof value === 'string' ? value : JSON.stringify(value),
                }),
              ),
        ),
      ),
    ),
  )
}

function facts(pairs) {
  return h(
    'dl',
    { class: 'facts' },
    pairs
      .filter(([, v]) => v !== undefined && v !== null && v !== '')
      .flatMap(([k, v]) => [h('dt', { text: k }), h('dd', {}, v)]),
  )
}

function reasonsList(reasons) {
  if (!Array.isArray(reasons) || reasons.length === 0)
    return h('p', { class: 'muted', text: 'No rule gave a reason (allowed by default).' })
  return h(
    'ul',
    { class: 'reasons' },
    reasons.map((r) =>
      h('li', {}, h('code', { class: 'rule', text: r.rule }), h('span', { text: r.message })),
    ),
  )
}

function decisionSection(entry) {
  const b = entry.body
  const input = b.input ?? {}
  return [
    h(
      'section',
      { class: 'card' },
      h('h2', { text: 'Proposed call' }),
      facts([
        [
          'Tool',
          h('code', {
            text: `${input.tool?.name ?? '?'}${input.tool?.server ? ` on ${input.tool.server}` : ''}`,
          }),
        ],
        ['Tool kind', input.tool?.kind],
        [
          'Agent',
          input.agent
            ? `${input.agent.id} (${input.agent.runtime}${input.agent.model ? `, ${input.agent.model}` : ''})`
            : null,
        ],
        [
          'On behalf of',
          input.principal
            ? `${input.principal.id}${input.principal.roles?.length ? ` — roles: ${input.principal.roles.join(', ')}` : ''}`
            : null,
        ],
        ['Tenant', input.principal?.tenant],
        ['Session', input.session?.id],
        [
          'Runtime said',
          input.runtime
            ? `${input.runtime.decision}${input.runtime.policy ? ` (${input.runtime.policy})` : ''}`
            : null,
        ],
      ]),
      h('h3', { text: 'Arguments' }),
      argumentsTable(input.arguments, b.redacted),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', {}, 'Decision ', badge(b.action)),
      reasonsList(b.reasons),
      b.approval
        ? h('p', { text: `Needs ${b.approval.count} approval(s) from: ${b.approval.roles.join(', ')}` })
        : null,
      facts([
        ['Policy bundle revision', b.bundle ? h('code', { text: b.bundle.revision }) : null],
        ['Bundle SHA-256', b.bundle ? bundleLink(b.bundle.sha256) : null],
        ['Evaluation time', b.duration_us !== undefined ? `${b.duration_us} µs` : null],
        ['Decision id', h('code', { text: b.decision_id })],
      ]),
    ),
    b.shadow ? shadowSection(b.shadow) : null,
  ]
}

/** The decision's bundle: its hash and a button that downloads the archived bytes that made it. */
function bundleLink(sha256) {
  const failed = h('span', { class: 'muted' })
  const button = h('button', {
    type: 'button',
    class: 'button ghost small',
    data: { bundle: sha256 },
    text: 'Download bundle',
    on: {
      click: () => {
        failed.textContent = ''
        downloadBundle(sha256).catch((e) => {
          failed.textContent = ` ${e.message}`
        })
      },
    },
  })
  return h('span', {}, shortHash(sha256), ' ', button, failed)
}

/** What the shadow (candidate) bundle would have decided: recorded, never enforced. */
function shadowSection(shadow) {
  return h(
    'section',
    { class: 'card', id: 'shadow-decision' },
    h('h2', {}, 'Shadow candidate ', shadow.error ? badge('error') : badge(shadow.action)),
    h('p', {
      class: 'muted',
      text: shadow.error
        ? 'The candidate bundle gave no decision for this call; the live decision above stood.'
        : shadow.agrees
          ? 'The candidate bundle would have decided the same. It was not enforced.'
          : 'The candidate bundle would have decided differently. It was not enforced.',
    }),
    facts([
      ['Candidate rules', shadow.rules ? h('code', { text: shadow.rules.join(', ') || '—' }) : null],
      ['Candidate error', shadow.error ?? null],
      ['Candidate revision', shadow.bundle ? h('code', { text: shadow.bundle.revision }) : null],
      ['Candidate SHA-256', shadow.bundle ? shortHash(shadow.bundle.sha256) : null],
      ['Candidate evaluation time', shadow.duration_us !== undefined ? `${shadow.duration_us} µs` : null],
    ]),
  )
}

function linkedItem(entry) {
  const b = entry.body
  let detail = ''
  let status = null
  if (entry.type === 'outcome') {
    status = b.status
    detail = [
      b.duration_ms !== undefined ? `took ${b.duration_ms} ms` : '',
      b.error ?? '',
      b.result_sha256 ? `result SHA-256 ${b.result_sha256.slice(0, 12)}…` : '',
    ]
      .filter(Boolean)
      .join(' · ')
  } else if (entry.type === 'approval') {
    status = b.verdict
    detail = [b.approver ? `by ${b.approver.id}` : 'by nobody in time', b.comment ? `“${b.comment}”` : '']
      .filter(Boolean)
      .join(' ')
  } else if (entry.type === 'approval_request') {
    status = 'pending'
    detail = `${b.count} approval(s) needed from ${(b.roles ?? []).join(', ')}; asked by ${b.requested_by}; expires ${new Date(b.expires_at).toLocaleString()}`
  } else if (entry.type === 'approval_refused') {
    detail = `${b.approver?.id ?? '?'}: ${b.reason ?? ''}`
  } else if (entry.type === 'conflict') {
    status = b.policy_action
    detail = `${String(b.kind).replaceAll('_', ' ')}${b.interrupted ? ' — session interrupted' : ''}`
  } else if (entry.type === 'decision') {
    status = b.action
    detail = b.input?.tool?.name ?? ''
  }
  return h(
    'li',
    {},
    h('a', { href: entryHref(entry.chain, entry.seq), text: typeLabel(entry.type) }),
    ' ',
    badge(status),
    ' ',
    h('span', { text: detail }),
    ' ',
    h('span', { class: 'muted' }, time(entry.ts)),
  )
}

/** One entry: the call, the decision with reasons and bundle, linked outcome/approvals/conflicts, chain position. */
export async function renderEntry(main, { parts }) {
  const [chain, seqText] = parts
  let data
  try {
    data = await getJson(
      `/v1/entries/${encodeURIComponent(chain ?? '')}/${encodeURIComponent(seqText ?? '')}`,
    )
  } catch (e) {
    return mount(
      main,
      h('a', { href: '#/ledger', class: 'back', text: '← Back to the ledger' }),
      stateMessage(
        'error',
        e.status === 404 ? 'This entry does not exist.' : 'The entry could not be loaded.',
        e.message,
      ),
    )
  }
  const { entry, linked } = data
  const b = entry.body
  const sections =
    entry.type === 'decision'
      ? decisionSection(entry)
      : [
          h(
            'section',
            { class: 'card' },
            h('h2', { text: 'Details' }),
            h('pre', { class: 'json', text: JSON.stringify(b, null, 2) }),
          ),
        ]
  if (entry.type === 'conflict' && Array.isArray(b.reasons))
    sections.push(
      h('section', { class: 'card' }, h('h2', { text: 'Why policy disagrees' }), reasonsList(b.reasons)),
    )
  mount(
    main,
    h('a', { href: '#/ledger', class: 'back', text: '← Back to the ledger' }),
    h(
      'div',
      { class: 'page-head' },
      h('h1', {}, `${typeLabel(entry.type)} `, h('span', { class: 'muted', text: `#${entry.seq}` })),
      time(entry.ts),
    ),
    h('div', { class: 'grid-2' }, sections),
    h(
      'section',
      { class: 'card' },
      h('h2', { text: 'Related entries' }),
      linked.length
        ? h('ul', { class: 'timeline' }, linked.map(linkedItem))
        : h('p', { class: 'muted', text: 'No other entries refer to this decision yet.' }),
    ),
    h(
      'section',
      { class: 'card' },
      h('h2', { text: 'Position in the chain' }),
      facts([
        ['Chain', h('code', { text: entry.chain })],
        ['Sequence number', String(entry.seq)],
        ['Recorded at', entry.ts],
        ['Previous entry hash', h('code', { class: 'hash-full', text: entry.prev })],
        ['This entry hash', h('code', { class: 'hash-full', text: entry.hash })],
      ]),
    ),
  )
}
