import type { IncomingMessage, ServerResponse } from 'node:http'

/** Largest request body the stand-in reads; bigger bodies get 413 like the real API. */
const MAX_BODY_BYTES = 4 * 1024 * 1024

/** An error the stand-in answers in the API's error envelope (`{type:'error', error:{type, message}}`). */
export class WireError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message)
  }
}

let requestCounter = 0

/** Writes a JSON response with the headers the SDK reads (`request-id`). */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body)
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    'request-id': `req_standin_${++requestCounter}`,
  })
  res.end(text)
}

/** Answers a {@link WireError} (or anything else, as a 500 api_error) in the API's error envelope. */
export function sendError(res: ServerResponse, error: unknown): void {
  const wire =
    error instanceof WireError
      ? error
      : new WireError(500, 'api_error', error instanceof Error ? error.message : String(error))
  if (res.headersSent) {
    res.destroy()
    return
  }
  sendJson(res, wire.status, { type: 'error', error: { type: wire.type, message: wire.message } })
}

/** Reads and parses a JSON request body; the client is the SDK under test, still treated as untrusted. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req) {
    size += (chunk as Buffer).length
    if (size > MAX_BODY_BYTES) throw new WireError(413, 'request_too_large', 'request body too large')
    chunks.push(chunk as Buffer)
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'))
  } catch {
    throw new WireError(400, 'invalid_request_error', 'request body is not valid JSON')
  }
}

/** Checks the headers every API call must carry: an API key and `anthropic-version`. */
export function checkCommonHeaders(req: IncomingMessage): void {
  if (!req.headers['x-api-key'] && !req.headers.authorization)
    throw new WireError(401, 'authentication_error', 'x-api-key header is required')
  if (!req.headers['anthropic-version'])
    throw new WireError(400, 'invalid_request_error', 'anthropic-version header is required')
}

/** Checks that a beta endpoint was called with its beta flag in `anthropic-beta`. */
export function checkBeta(req: IncomingMessage, beta: string): void {
  const header = req.headers['anthropic-beta']
  const values = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map((v) => v.trim())
  if (!values.includes(beta))
    throw new WireError(
      400,
      'invalid_request_error',
      `this endpoint requires the anthropic-beta value ${beta}`,
    )
}
