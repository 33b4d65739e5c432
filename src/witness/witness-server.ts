import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { formatNote, parseNote } from '../ledger/index.js'
import { type AddCheckpointContext, addCheckpoint, type WitnessResponse } from './add-checkpoint.js'

/** Largest add-checkpoint body accepted: 63 proof lines and a note fit in a few KiB. */
export const MAX_REQUEST_BYTES = 64 * 1024

/** A listening witness: its base URL and a closer. */
export interface RunningWitness {
  readonly url: string
  close(): Promise<void>
}

class TooLarge extends Error {}

/** Reads the body, refusing more than `MAX_REQUEST_BYTES` before buffering it (attacker-sized). */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0)
    if (declared > MAX_REQUEST_BYTES) return reject(new TooLarge())
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_REQUEST_BYTES) {
        reject(new TooLarge())
        req.destroy()
      } else chunks.push(chunk)
    })
    req.on('end', () => {
      try {
        resolve(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(chunks)))
      } catch (error) {
        reject(error)
      }
    })
    req.on('error', reject)
  })
}

function send(res: ServerResponse, r: WitnessResponse): void {
  res.writeHead(r.status, { 'content-type': r.contentType, 'cache-control': 'no-store' })
  res.end(r.body)
}

/**
 * The latest cosigned checkpoint of every log, as signed notes with this witness's cosignature: the
 * read side a verifier uses to learn what the witness saw (C2SP leaves monitor retrieval open, so
 * this is Arbiter's own, documented in docs/ledger-format.md). Checkpoints are public: no auth.
 */
function listCheckpoints(ctx: AddCheckpointContext): WitnessResponse {
  const logs = ctx.state.all().map(([origin, cp]) => {
    const note = parseNote(cp.note)
    return { origin, size: cp.size, checkpoint: `${formatNote(note)}${cp.cosignature}\n` }
  })
  return {
    status: 200,
    contentType: 'application/json',
    body: `${JSON.stringify({ witness: ctx.identity.publicKey.vkey, logs })}\n`,
  }
}

/**
 * Starts the witness HTTP service: `POST /add-checkpoint` (C2SP tlog-witness) and
 * `GET /arbiter/v1/checkpoints` (what it cosigned). Everything else is 404.
 *
 * @example
 * const witness = await startWitnessServer(ctx, { port: 7380, host: '127.0.0.1' })
 */
export async function startWitnessServer(
  ctx: AddCheckpointContext,
  options: { readonly port?: number; readonly host?: string } = {},
): Promise<RunningWitness> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0]
    if (path === '/add-checkpoint' && req.method === 'POST') {
      readBody(req)
        .then((raw) => addCheckpoint(ctx, raw))
        .then(
          (r) => send(res, r),
          (error: unknown) => {
            if (error instanceof TooLarge)
              return send(res, { status: 400, contentType: 'text/plain', body: 'request body too large\n' })
            if (error instanceof TypeError)
              return send(res, {
                status: 400,
                contentType: 'text/plain',
                body: 'request body is not UTF-8\n',
              })
            ctx.logger.error({ err: error }, 'witness add-checkpoint failed')
            res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error; nothing was cosigned\n')
          },
        )
      return
    }
    if (path === '/arbiter/v1/checkpoints' && req.method === 'GET') return send(res, listCheckpoints(ctx))
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
  })
  server.keepAliveTimeout = 30_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve())
  })
  const { port } = server.address() as AddressInfo
  const host =
    options.host && options.host !== '0.0.0.0' && options.host !== '::' ? options.host : '127.0.0.1'
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve())
        server.closeAllConnections()
      }),
  }
}
