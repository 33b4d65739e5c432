// Talks to the /v1 API with the key kept in sessionStorage (gone when the tab closes).

const KEY = 'arbiter.key'

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message)
    this.status = status
    this.code = code
  }
}

export function storedKey() {
  return sessionStorage.getItem(KEY)
}

export function storeKey(key) {
  sessionStorage.setItem(KEY, key)
}

export function forgetKey() {
  sessionStorage.removeItem(KEY)
}

async function request(method, path, { query, body, key } = {}) {
  const url = new URL(path, window.location.origin)
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') url.searchParams.set(name, String(value))
  }
  const headers = { Authorization: `Bearer ${key ?? storedKey() ?? ''}` }
  if (body !== undefined) headers['Content-Type'] = 'application/json'
  let response
  try {
    response = await fetch(url, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    })
  } catch {
    throw new ApiError(0, 'NETWORK', 'The server could not be reached. Check your connection and try again.')
  }
  if (response.ok) return response
  let code = 'HTTP_ERROR'
  let message = `The server answered ${response.status}.`
  try {
    const json = await response.json()
    code = json.error?.code ?? code
    message = json.error?.message ?? message
  } catch {
    // Not JSON: keep the generic message.
  }
  if (response.status === 401 && !key) window.dispatchEvent(new CustomEvent('arbiter:signed-out'))
  throw new ApiError(response.status, code, message)
}

export async function getJson(path, query) {
  return (await request('GET', path, { query })).json()
}

export async function postJson(path, body) {
  return (await request('POST', path, { body })).json()
}

/** Checks a key before keeping it. */
export async function whoami(key) {
  return (await request('GET', '/v1/whoami', { key })).json()
}

/** Saves a fetched response as a file (the key travelled in a header, never in the URL). */
async function saveAs(response, name) {
  const blob = await response.blob()
  const href = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = href
  link.download = name
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(href), 10_000)
}

/** Downloads an export through fetch. */
export async function download(format) {
  await saveAs(await request('GET', '/v1/export', { query: { format } }), `arbiter-ledger.${format}`)
}

/** Downloads the archived policy bundle with this SHA-256 (the exact bytes that decided). */
export async function downloadBundle(sha256) {
  await saveAs(
    await request('GET', `/v1/bundles/${encodeURIComponent(sha256)}/bundle.tar.gz`),
    `${sha256}.tar.gz`,
  )
}
