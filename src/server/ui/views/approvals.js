import { getJson, postJson } from '../api.js'
import { badge, entryHref, h, mount, stateMessage, time } from '../dom.js'

function argumentsSummary(decision) {
  const args = decision?.input?.arguments ?? {}
  const redacted = new Set((decision?.redacted ?? []).map((p) => p.slice(1)))
  return h(
    'dl',
    { class: 'facts compact' },
    Object.entries(args).flatMap(([k, v]) => [
      h('dt', { text: k }),
      h(
        'dd',
        {},
        redacted.has(k)
          ? h('span', { class: 'badge neutral', text: 'Redacted' })
          : h('code', { text: typeof v === 'string' ? v : JSON.stringify(v) }),
      ),
    ]),
  )
}

function card(item, canDecide, onDone) {
  const decision = item.decision?.body
  const comment = h('textarea', {
    id: `comment-${item.approval_id}`,
    rows: 2,
    placeholder: 'Optional: why you decided this way',
  })
  const message = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const act = (verdict) => async () => {
    for (const b of buttons) b.disabled = true
    message.hidden = true
    try {
      const result = await postJson(`/v1/approvals/${encodeURIComponent(item.approval_id)}`, {
        verdict,
        ...(comment.value.trim() ? { comment: comment.value.trim() } : {}),
      })
      onDone(
        verdict === 'approve'
          ? `Approved. The request is now: ${result.state}.`
          : 'Denied. The agent will be told why.',
      )
    } catch (e) {
      message.textContent = e.message
      message.hidden = false
      for (const b of buttons) b.disabled = false
    }
  }
  const buttons = [
    h('button', { type: 'button', class: 'button primary', text: 'Approve', on: { click: act('approve') } }),
    h('button', { type: 'button', class: 'button danger', text: 'Deny', on: { click: act('deny') } }),
  ]
  const tool = decision?.input?.tool?.name ?? 'unknown tool'
  return h(
    'article',
    { class: 'card approval', data: { approvalId: item.approval_id } },
    h('div', { class: 'approval-head' }, h('h2', {}, h('code', { text: tool })), badge(item.state)),
    h(
      'p',
      {},
      `Requested by `,
      h('strong', { text: item.requested_by ?? '?' }),
      decision?.input?.agent ? ` through agent ${decision.input.agent.id}` : '',
      // The API key that filed it (and its holder) may not approve it either: show who that was.
      item.caller ? ` · filed with key ${item.caller.key_id} (${item.caller.principal_id})` : '',
    ),
    decision ? argumentsSummary(decision) : null,
    h(
      'ul',
      { class: 'reasons' },
      (decision?.reasons ?? []).map((r) =>
        h('li', {}, h('code', { class: 'rule', text: r.rule }), h('span', { text: r.message })),
      ),
    ),
    h(
      'p',
      { class: 'muted' },
      `Needs ${item.count} approval(s) from: ${item.roles.join(', ')} · so far ${item.votes.filter((v) => v.body.verdict === 'approve').length} · expires `,
      time(item.expires_at),
    ),
    item.decision
      ? h(
          'p',
          {},
          h('a', { href: entryHref(item.decision.chain, item.decision.seq), text: 'Open the full decision' }),
        )
      : null,
    canDecide
      ? h(
          'div',
          { class: 'decide' },
          h('label', { for: comment.id, text: 'Comment' }),
          comment,
          h('div', { class: 'actions' }, buttons),
          message,
        )
      : h('p', { class: 'muted', text: 'Your key can view approval requests but not decide them.' }),
  )
}

/** The approval queue: pending requests with approve/deny and a comment. */
export async function renderApprovals(main, identity, refreshCount) {
  const notice = h('p', { class: 'notice', role: 'status', hidden: true })
  const list = h('div', { class: 'approval-list' }, stateMessage('loading', 'Loading approval requests…'))
  mount(
    main,
    h('div', { class: 'page-head' }, h('h1', { text: 'Approvals' })),
    h('p', {
      class: 'muted lead',
      text: 'Tool calls that policy holds until a second person agrees. You cannot approve a call you asked for yourself.',
    }),
    notice,
    list,
  )
  const canDecide = identity.role === 'approver' || identity.role === 'admin'
  async function load() {
    try {
      const { approvals } = await getJson('/v1/approvals', { status: 'pending' })
      if (approvals.length === 0)
        return mount(
          list,
          stateMessage(
            'empty',
            'Nothing is waiting for approval.',
            'New requests appear here as agents make them.',
          ),
        )
      mount(
        list,
        approvals.map((item) =>
          card(item, canDecide, (text) => {
            notice.textContent = text
            notice.hidden = false
            refreshCount()
            load()
          }),
        ),
      )
    } catch (e) {
      mount(list, stateMessage('error', 'The approval requests could not be loaded.', e.message))
    }
  }
  await load()
}
