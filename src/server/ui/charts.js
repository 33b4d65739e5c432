// Charts through Chart.js, served from this server (/vendor/chart.umd.min.js, the package's own file):
// the page loads nothing from another origin, so the CSP stays `script-src 'self'`.

const live = new Set()

export const colors = {
  allow: '#1d7a46',
  deny: '#b42318',
  require_approval: '#c98a00',
  brand: '#1f4e8c',
  muted: '#8896a8',
  line: '#dfe3e9',
}

/** Destroys the charts of the previous page (each holds a resize observer). */
export function destroyCharts() {
  for (const chart of live) chart.destroy()
  live.clear()
}

/**
 * Draws a chart into a new canvas and returns the canvas' wrapper. `onPick(index, datasetIndex)` runs
 * when a bar or point is clicked (charts link to the filtered ledger). Ledger text reaches the chart only
 * as labels, which Chart.js draws on the canvas (never as HTML).
 */
export function chart(config, { label, onPick, height = 260 } = {}) {
  const wrapper = document.createElement('div')
  wrapper.className = 'chart'
  wrapper.style.height = `${height}px`
  const canvas = document.createElement('canvas')
  canvas.setAttribute('role', 'img')
  canvas.setAttribute('aria-label', label ?? '')
  wrapper.append(canvas)
  const Chart = window.Chart
  if (!Chart) {
    wrapper.textContent = 'The chart library could not be loaded.'
    return wrapper
  }
  // Drawn once the wrapper is in the document (Chart.js measures its parent).
  requestAnimationFrame(() => {
    if (!canvas.isConnected) return
    const instance = new Chart(canvas, {
      ...config,
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { position: 'bottom' }, ...(config.options?.plugins ?? {}) },
        ...config.options,
        onClick: (_event, elements) => {
          const [first] = elements
          if (first && onPick) onPick(first.index, first.datasetIndex)
        },
        onHover: (event, elements) => {
          if (event.native?.target)
            event.native.target.style.cursor = elements.length && onPick ? 'pointer' : 'default'
        },
      },
    })
    live.add(instance)
    canvas.dataset.ready = 'true'
  })
  return wrapper
}

/** `YYYY-MM-DDTHH:MM` in the reader's time zone: what the ledger's datetime-local filters hold. */
export function localInput(date) {
  const pad = (n) => String(n).padStart(2, '0')
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`
}

/** Link into the ledger view with these filters (from/until as Dates). */
export function ledgerHref(filters) {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(filters)) {
    if (value === undefined || value === null || value === '') continue
    params.set(key, value instanceof Date ? localInput(value) : String(value))
  }
  return `#/ledger?${params}`
}

/** Short hour label in local time, e.g. `Nov 28, 14:00`. */
export function hourLabel(iso) {
  return new Date(iso).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
  })
}
