import type { McpResult } from '../sections/mcp.js'
import type { TargetCheck } from './report.js'

const fmt = (n: number, digits = 0): string =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—'

/** Item 7 (issue 11): the gateway's added p50 at c=1 on PostgreSQL, and no errors anywhere. */
export function mcpTargets(results: readonly McpResult[]): TargetCheck[] {
  const pg = results.find((r) => r.backend === 'postgres')?.points.find((p) => p.concurrency === 1)
  const errors = results.flatMap((r) => r.points).reduce((n, p) => n + p.direct.errors + p.gateway.errors, 0)
  const status = (ok: boolean | undefined): TargetCheck['status'] =>
    ok === undefined ? 'NOT RUN' : ok ? 'PASS' : 'MISS'
  return [
    {
      item: 8,
      target: 'arbiter mcp adds ≤ 1 ms per tools/call at p50 (PostgreSQL, c=1)',
      measured: pg ? `${fmt(pg.addedP50Us)} µs` : '—',
      status: status(pg && pg.addedP50Us <= 1000),
    },
    {
      item: 8,
      target: 'arbiter mcp: no errors, direct or through the gateway',
      measured: results.length ? `${fmt(errors)} errors` : '—',
      status: status(results.length ? errors === 0 : undefined),
    },
  ]
}

/** Section 7 of the table: direct and through the gateway, side by side per backend and concurrency. */
export function renderMcp(results: readonly McpResult[]): string[] {
  if (results.length === 0) return []
  const w = [10, 4, 10, 10, 10, 11, 10, 10, 11, 11]
  const row = (cells: readonly string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(w[i] ?? 0) : c.padStart(w[i] ?? 0))).join('  ')
  const lines = [
    '',
    '8. MCP gateway: tools/call direct to a stdio upstream vs through arbiter mcp (durable decision first)',
    row([
      'backend',
      'c',
      'direct /s',
      'p50 µs',
      'p99 µs',
      'gateway /s',
      'p50 µs',
      'p99 µs',
      'added p50',
      'added p99',
    ]),
  ]
  for (const r of results)
    for (const p of r.points)
      lines.push(
        row([
          r.backend,
          String(p.concurrency),
          fmt(p.direct.opsPerSec),
          fmt(p.direct.p50Us),
          fmt(p.direct.p99Us),
          fmt(p.gateway.opsPerSec),
          fmt(p.gateway.p50Us),
          fmt(p.gateway.p99Us),
          fmt(p.addedP50Us),
          fmt(p.addedP99Us),
        ]),
      )
  const firstError = results.flatMap((r) => r.points).find((p) => p.gateway.firstError ?? p.direct.firstError)
  if (firstError)
    lines.push(
      `   first error: ${(firstError.gateway.firstError ?? firstError.direct.firstError)?.slice(0, 160)}`,
    )
  return lines
}
