// Small DOM helpers. Every piece of ledger data goes through textContent, never innerHTML:
// tool arguments and reasons are attacker-influenced text.

/**
 * Creates an element. `attrs`: class, text, on (event map), data (dataset), anything else as an attribute.
 * Children may be nodes, strings, arrays, null or false.
 */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue
    if (key === 'class') el.className = value
    else if (key === 'text') el.textContent = String(value)
    else if (key === 'on') for (const [event, fn] of Object.entries(value)) el.addEventListener(event, fn)
    else if (key === 'data') Object.assign(el.dataset, value)
    else if (value === true) el.setAttribute(key, '')
    else el.setAttribute(key, String(value))
  }
  append(el, children)
  return el
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue
    el.append(child instanceof Node ? child : document.createTextNode(String(child)))
  }
}

/** Replaces the children of `el`. */
export function mount(el, ...children) {
  el.replaceChildren()
  append(el, children)
}

/** A message block for loading, empty and error states. */
export function stateMessage(kind, text, detail) {
  return h(
    'div',
    { class: `state ${kind}`, role: kind === 'error' ? 'alert' : 'status' },
    h('p', { text }),
    detail ? h('p', { class: 'muted', text: detail }) : null,
  )
}

/** Formats an RFC 3339 timestamp in the reader's local time; the exact UTC value stays in the title. */
export function time(ts) {
  if (!ts) return h('span', { class: 'muted', text: '—' })
  const date = new Date(ts)
  const shown = Number.isNaN(date.getTime())
    ? ts
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' })
  return h('time', { datetime: ts, title: ts, text: shown })
}

/** First 12 characters of a hash with the full value on hover. */
export function shortHash(hash) {
  if (!hash) return h('span', { class: 'muted', text: '—' })
  return h('code', { class: 'hash', title: hash, text: `${hash.slice(0, 12)}…` })
}

const actionWords = {
  allow: 'Allowed',
  deny: 'Denied',
  require_approval: 'Needs approval',
  approve: 'Approved',
  approved: 'Approved',
  denied: 'Denied',
  pending: 'Waiting',
  timeout: 'Timed out',
  timed_out: 'Timed out',
  expired: 'Expired',
  ok: 'Succeeded',
  error: 'Failed',
  not_run: 'Not run',
  runtime_reported: 'Reported by runtime',
}

const actionTone = {
  allow: 'good',
  approve: 'good',
  approved: 'good',
  ok: 'good',
  deny: 'bad',
  denied: 'bad',
  error: 'bad',
  timeout: 'bad',
  timed_out: 'bad',
  expired: 'bad',
  require_approval: 'warn',
  pending: 'warn',
}

/** A coloured label for an action, verdict or status, in plain words. */
export function badge(value) {
  if (!value) return h('span', { class: 'muted', text: '—' })
  return h('span', { class: `badge ${actionTone[value] ?? 'neutral'}`, text: actionWords[value] ?? value })
}

const typeWords = {
  decision: 'Decision',
  outcome: 'Outcome',
  approval_request: 'Approval request',
  approval: 'Approval',
  approval_refused: 'Approval refused',
  conflict: 'Conflict',
  policy_loaded: 'Policy loaded',
  runtime_event: 'Runtime event',
}

/** Entry type in plain words. */
export function typeLabel(type) {
  return typeWords[type] ?? type
}

/** Link to an entry page. */
export function entryHref(chain, seq) {
  return `#/entry/${encodeURIComponent(chain)}/${seq}`
}
