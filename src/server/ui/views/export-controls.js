import { download } from '../api.js'
import { h } from '../dom.js'

/**
 * The "Export JSON Lines" and "Export CSV" buttons plus the line that shows a failed download;
 * shared by the ledger and integrity pages.
 */
export function exportControls(buttonClass = 'button ghost') {
  const error = h('span', { class: 'form-error', role: 'alert' })
  const button = (format, text) =>
    h('button', {
      type: 'button',
      class: buttonClass,
      text,
      on: {
        click: () =>
          download(format).catch((e) => {
            error.textContent = e.message
          }),
      },
    })
  return { buttons: [button('jsonl', 'Export JSON Lines'), button('csv', 'Export CSV')], error }
}
