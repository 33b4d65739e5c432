import { getJson } from '../api.js'
import { badge, entryHref, h, mount, stateMessage, time } from '../dom.js'

const kindWords = {
  runtime_allowed_policy_denied: 'The agent runtime ran a call that policy denies',
  runtime_denied_policy_allowed: 'The agent runtime blocked a call that policy allows',
}

/** Conflicts between a vendor runtime's own permission decision and corporate policy. */
export async function renderConflicts(main) {
  const results = h('div', {}, stateMessage('loading', 'Loading conflicts…'))
  mount(
    main,
    h('div', { class: 'page-head' }, h('h1', { text: 'Conflicts' })),
    h('p', {
      class: 'muted lead',
      text: 'Moments where the agent platform and company policy disagreed about a tool call.',
    }),
    results,
  )
  let page
  try {
    page = await getJson('/v1/conflicts', { limit: 200 })
  } catch (e) {
    return mount(results, stateMessage('error', 'The conflicts could not be loaded.', e.message))
  }
  if (page.conflicts.length === 0)
    return mount(
      results,
      stateMessage(
        'empty',
        'No conflicts recorded.',
        'The agent platform and policy have agreed on every call so far.',
      ),
    )
  mount(
    results,
    h(
      'table',
      { class: 'table', id: 'conflicts-table' },
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['When', 'What happened', 'Tool', 'Policy said', 'Session stopped', 'Rules'].map((t) =>
            h('th', { scope: 'col', text: t }),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        page.conflicts.map(({ entry, decision }) =>
          h(
            'tr',
            {},
            h('td', {}, h('a', { href: entryHref(entry.chain, entry.seq) }, time(entry.ts))),
            h('td', { class: 'wrap', text: kindWords[entry.body.kind] ?? entry.body.kind }),
            h('td', {}, h('code', { text: decision?.body?.input?.tool?.name ?? '—' })),
            h('td', {}, badge(entry.body.policy_action)),
            h('td', { text: entry.body.interrupted ? 'Yes' : 'No' }),
            h(
              'td',
              { class: 'wrap' },
              h('code', { text: (entry.body.reasons ?? []).map((r) => r.rule).join(', ') }),
            ),
          ),
        ),
      ),
    ),
  )
}
