import { ApiError, forgetKey, getJson, storedKey, storeKey, whoami } from './api.js'
import { destroyCharts } from './charts.js'
import { h, mount, stateMessage } from './dom.js'
import { renderApprovals } from './views/approvals.js'
import { renderChains } from './views/chains.js'
import { renderConflicts } from './views/conflicts.js'
import { renderEntry } from './views/entry.js'
import { renderLedger } from './views/ledger.js'
import { renderOverview } from './views/overview.js'
import { renderRollout } from './views/rollout.js'

const main = document.getElementById('main')
const nav = document.getElementById('nav')
const who = document.getElementById('who')
const whoName = document.getElementById('who-name')
const pendingCount = document.getElementById('pending-count')

const roleWords = { auditor: 'Auditor', approver: 'Approver', admin: 'Administrator' }

/** The signed-in identity, from /v1/whoami. */
let identity = null

function signInView(message) {
  const input = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    placeholder: 'arb_…',
  })
  const error = h('p', { class: 'form-error', role: 'alert', hidden: !message, text: message ?? '' })
  const button = h('button', { type: 'submit', class: 'button primary', text: 'Sign in' })
  const form = h(
    'form',
    {
      class: 'card signin',
      on: {
        submit: async (event) => {
          event.preventDefault()
          button.disabled = true
          button.textContent = 'Checking…'
          error.hidden = true
          try {
            const me = await whoami(input.value.trim())
            if (me.role === 'agent')
              throw new ApiError(
                403,
                'FORBIDDEN',
                'This key belongs to an agent. Sign in with an auditor or approver key.',
              )
            storeKey(input.value.trim())
            identity = me
            showIdentity()
            if (!location.hash || location.hash === '#/signin') location.hash = '#/overview'
            else route()
          } catch (e) {
            error.textContent =
              e.status === 401 ? 'This key was not accepted. Check it and try again.' : e.message
            error.hidden = false
          } finally {
            button.disabled = false
            button.textContent = 'Sign in'
          }
        },
      },
    },
    h('h1', { text: 'Sign in' }),
    h('p', {
      class: 'muted',
      text: 'Use the auditor or approver key your administrator gave you. It is kept only in this browser tab.',
    }),
    h('label', { for: 'api-key', text: 'API key' }),
    input,
    error,
    button,
  )
  nav.hidden = true
  who.hidden = true
  mount(main, form)
  input.focus()
}

function showIdentity() {
  nav.hidden = false
  who.hidden = false
  whoName.textContent = `${identity.name} · ${roleWords[identity.role] ?? identity.role}`
}

async function refreshPendingCount() {
  try {
    const { approvals } = await getJson('/v1/approvals', { status: 'pending' })
    pendingCount.hidden = approvals.length === 0
    pendingCount.textContent = String(approvals.length)
  } catch {
    pendingCount.hidden = true
  }
}

const views = {
  overview: (params) => renderOverview(main, params),
  rollout: (params) => renderRollout(main, params),
  ledger: (params) => renderLedger(main, params),
  entry: (params) => renderEntry(main, params),
  approvals: () => renderApprovals(main, identity, refreshPendingCount),
  conflicts: () => renderConflicts(main),
  chains: () => renderChains(main),
}

/** Parses `#/view/a/b?x=1` into a view name, path parts and query. */
function parseHash() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?')
  const [view, ...parts] = (path || 'overview').split('/')
  return { view, parts: parts.map(decodeURIComponent), query: new URLSearchParams(query ?? '') }
}

async function route() {
  if (!identity) return signInView()
  const { view, parts, query } = parseHash()
  for (const link of nav.querySelectorAll('a')) {
    const active = link.dataset.view === view || (view === 'entry' && link.dataset.view === 'ledger')
    if (active) link.setAttribute('aria-current', 'page')
    else link.removeAttribute('aria-current')
  }
  const render = views[view]
  if (!render) return mount(main, stateMessage('empty', 'This page does not exist.', 'Use the menu above.'))
  destroyCharts()
  mount(main, stateMessage('loading', 'Loading…'))
  try {
    await render({ parts, query })
  } catch (e) {
    mount(main, stateMessage('error', 'Something went wrong while loading this page.', e.message))
  }
  refreshPendingCount()
}

function signOut(message) {
  forgetKey()
  identity = null
  signInView(message)
}

document.getElementById('sign-out').addEventListener('click', () => signOut())
window.addEventListener('arbiter:signed-out', () => signOut('Your key is no longer accepted. Sign in again.'))
window.addEventListener('hashchange', route)

async function start() {
  const key = storedKey()
  if (key) {
    try {
      identity = await whoami(key)
      showIdentity()
    } catch {
      forgetKey()
    }
  }
  route()
}

start()
