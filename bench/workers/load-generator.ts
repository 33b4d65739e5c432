// Child process of the sidecar benchmark: an HTTP load generator, kept out of the process that serves
// (and out of the harness) so its own CPU shows as a separate process and never stalls the server's loop.
// It runs `concurrency` closed-loop workers over kept-alive connections, each POSTing the next body of a
// fixed list as soon as the previous response has been read in full.
import http from 'node:http'
import { z } from 'zod'
import { tellParent } from '../lib/child.js'
import { closedLoop } from '../lib/stats.js'

const configSchema = z.object({
  url: z.string().url(),
  path: z.string().startsWith('/'),
  headers: z.record(z.string(), z.string()),
  /** Request bodies, already serialised; sent round-robin. */
  bodies: z.array(z.string()).min(1),
  concurrency: z.number().int().positive(),
  warmupMs: z.number().int().nonnegative(),
  windowMs: z.number().int().positive(),
})
export type LoadConfig = z.infer<typeof configSchema>

/** What one run measured; `statuses` counts every response (warm-up included) by HTTP status. */
export type LoadResult = {
  readonly type: 'result'
  readonly concurrency: number
  readonly ops: number
  readonly errors: number
  readonly seconds: number
  readonly opsPerSec: number
  readonly p50Us: number
  readonly p99Us: number
  readonly statuses: Record<string, number>
  readonly firstError?: string
}

async function run(config: LoadConfig): Promise<LoadResult> {
  const target = new URL(config.url)
  const agent = new http.Agent({ keepAlive: true, maxSockets: config.concurrency })
  const statuses: Record<string, number> = {}
  const bodies = config.bodies.map((text) => Buffer.from(text))
  let next = 0
  const post = () =>
    new Promise<void>((resolve, reject) => {
      const body = bodies[next++ % bodies.length] as Buffer
      const req = http.request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: 'POST',
          path: config.path,
          headers: {
            ...config.headers,
            'content-type': 'application/json',
            'content-length': String(body.length),
          },
        },
        (res) => {
          const chunks: Buffer[] = []
          res.on('data', (c: Buffer) => chunks.push(c))
          res.on('error', reject)
          res.on('end', () => {
            const status = res.statusCode ?? 0
            statuses[status] = (statuses[status] ?? 0) + 1
            if (status === 200) return resolve()
            reject(new Error(`HTTP ${status}: ${Buffer.concat(chunks).toString().slice(0, 200)}`))
          })
        },
      )
      req.on('error', reject)
      req.end(body)
    })
  const result = await closedLoop(config.concurrency, config.windowMs, config.warmupMs, post)
  agent.destroy()
  return {
    type: 'result',
    concurrency: config.concurrency,
    ops: result.ops,
    errors: result.errors,
    seconds: result.seconds,
    opsPerSec: result.opsPerSec,
    p50Us: result.latency.p50Us,
    p99Us: result.latency.p99Us,
    statuses,
    ...(result.firstError === undefined ? {} : { firstError: result.firstError }),
  }
}

try {
  const config = configSchema.parse(JSON.parse(process.argv[2] ?? 'null'))
  tellParent(await run(config))
} catch (error) {
  tellParent({ type: 'error', message: error instanceof Error ? error.message : String(error) })
  process.exitCode = 1
}
process.disconnect?.()
