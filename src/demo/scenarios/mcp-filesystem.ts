import { mkdirSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { Client } from '@modelcontextprotocol/sdk/client/index.js'
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js'
import { createMcpGateway, stdioUpstream } from '../../adapters/mcp/index.js'
import type { Guard } from '../../guard/index.js'

/**
 * The directory the demo's filesystem server serves. Fixed (not the OS temp dir) because the sample
 * policy's `data.mcp.filesystem.readable` names it.
 */
export const DEMO_FILES_DIR = '/tmp/arbiter-demo/files'

const SUMMARY = 'Quarterly summary: revenue 1.2M, churn 2.1%.\n'

type Content = { content?: Array<{ type: string; text?: string }>; isError?: boolean }

/** The `server-filesystem` entry script, when the package is installed (a devDependency). */
function filesystemServerPath(): string | undefined {
  try {
    return createRequire(import.meta.url).resolve('@modelcontextprotocol/server-filesystem/dist/index.js')
  } catch {
    return undefined
  }
}

/**
 * The MCP scene: an MCP client (as Claude Desktop would be) talks to the reference filesystem server
 * through the gateway (`createMcpGateway`, what `arbiter mcp` runs), principal u-17 (analyst): one
 * read allowed and returned unchanged, one write denied with its rule id. Skipped, with a note, when
 * `@modelcontextprotocol/server-filesystem` is not installed.
 */
export async function runMcpFilesystemScene(options: {
  guard: Guard
  print: (line: string) => void
}): Promise<{ ran: boolean }> {
  const { guard, print } = options
  const server = filesystemServerPath()
  if (!server) {
    print('  (skipped: npm install @modelcontextprotocol/server-filesystem to run this scene)')
    return { ran: false }
  }
  mkdirSync(DEMO_FILES_DIR, { recursive: true })
  writeFileSync(join(DEMO_FILES_DIR, 'summary.txt'), SUMMARY)
  const gateway = createMcpGateway({
    guard,
    serverName: 'filesystem',
    principal: { id: 'u-17', roles: ['analyst'] },
    connectUpstream: stdioUpstream(process.execPath, [server, DEMO_FILES_DIR], { stderr: 'ignore' }),
  })
  const [clientSide, gatewaySide] = InMemoryTransport.createLinkedPair()
  const session = await gateway.connect(gatewaySide)
  const client = new Client({ name: 'claude-desktop', version: 'demo' })
  try {
    await client.connect(clientSide)
    const show = (tool: string, result: Content) => {
      const text = (result.content ?? []).map((c) => c.text ?? '').join('\n')
      if (result.isError) print(`  DENY  ${tool}\n        ${text.split('\n').slice(1).join('\n        ')}`)
      else print(`  ALLOW ${tool}: ${JSON.stringify(text)}`)
    }
    const path = join(DEMO_FILES_DIR, 'summary.txt')
    show(
      'read_text_file',
      (await client.callTool({ name: 'read_text_file', arguments: { path } })) as Content,
    )
    const target = join(DEMO_FILES_DIR, 'notes.txt')
    const write = { name: 'write_file', arguments: { path: target, content: 'overwrite' } }
    show('write_file', (await client.callTool(write)) as Content)
  } finally {
    await client.close()
    await session.close()
  }
  return { ran: true }
}
