import { describe, expect, it, vi } from 'vitest'
import { createLogger } from '../../src/shared/index.js'

function captureStderr(run: () => void): string {
  let text = ''
  const spy = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    text += String(chunk)
    return true
  })
  try {
    run()
  } finally {
    spy.mockRestore()
  }
  return text
}

describe('createLogger', () => {
  it('writes one readable line per record for people, with the fields after the message', () => {
    const out = captureStderr(() =>
      createLogger({ human: true, level: 'info' }).warn({ path: '/tmp/k' }, 'generated a key'),
    )
    expect(out).toBe('arbiter warn: generated a key (path=/tmp/k)\n')
  })

  it('never prints a redaction key or an authorization header, in either format', () => {
    const human = captureStderr(() =>
      createLogger({ human: true }).info({ config: { redactionKey: 'k-secret' } }, 'configured'),
    )
    expect(human).not.toContain('k-secret')
    expect(human).toContain('[redacted]')
  })
})
