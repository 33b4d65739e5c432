import { describe, expect, it } from 'vitest'
import { runCliCaptured } from '../support/run-cli.js'

// `arbiter mcp` HTTP-mode flags are checked before anything is opened: exit 2 with a one-line reason.
describe('arbiter mcp flags (HTTP mode)', () => {
  const mcp = (...args: string[]) => runCliCaptured('mcp', '--server-name', 'everything', ...args)

  it('refuses both an upstream command and --upstream-url', async () => {
    const run = await mcp('--upstream-url', 'http://127.0.0.1:1/mcp', '--', 'node', 'server.js')
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('either as a command after -- or as --upstream-url, not both')
  })

  it('refuses an --upstream-url that is not http(s)', async () => {
    const run = await mcp('--upstream-url', 'file:///etc/passwd', '--port', '0')
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('--upstream-url must be an http(s) URL')
  })

  it('refuses --principal, --roles and --agent-id with --port: the key decides who calls', async () => {
    const run = await mcp('--port', '0', '--principal', 'u-17', '--upstream-url', 'http://127.0.0.1:1/mcp')
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('are for stdio mode')
  })

  it('refuses a bad --port and an --allowed-host with a port or a path', async () => {
    const port = await mcp('--port', '70000', '--upstream-url', 'http://127.0.0.1:1/mcp')
    expect(port.code).toBe(2)
    expect(port.stderr).toContain('--port must be 0-65535')
    const host = await mcp(
      '--port',
      '0',
      '--allowed-host',
      'evil.example:80',
      '--upstream-url',
      'http://x/mcp',
    )
    expect(host.code).toBe(2)
    expect(host.stderr).toContain('--allowed-host must be a hostname without port')
  })

  it('refuses a gateway with no upstream at all', async () => {
    const run = await mcp('--port', '0')
    expect(run.code).toBe(2)
    expect(run.stderr).toContain('no upstream MCP server')
  })
})
