import { CHANGE_KINDS, NOT_REPLAYABLE_REASONS, type ReplayReport, type Verdict } from './replay.types.js'

/** Output formats of `arbiter policy replay --format`. */
export type ReportFormat = 'text' | 'json' | 'markdown'
export const REPORT_FORMATS: readonly ReportFormat[] = ['text', 'json', 'markdown']

const verdict = (v: Verdict): string => (v.rules.length ? `${v.action} (${v.rules.join(', ')})` : v.action)
const changed = (r: ReplayReport): number => CHANGE_KINDS.reduce((n, k) => n + r.changes[k], 0)
const notReplayed = (r: ReplayReport): number =>
  NOT_REPLAYABLE_REASONS.reduce((n, k) => n + r.notReplayable[k], 0)

function text(r: ReplayReport): string {
  const out = [
    `candidate ${r.candidate.revision} (sha256 ${r.candidate.sha256})`,
    `decisions ${r.decisions}, replayed ${r.replayed}, unchanged ${r.unchanged}, changed ${changed(r)}, not replayable ${notReplayed(r)}`,
    '',
    'changes:',
    ...CHANGE_KINDS.map((k) => `  ${k.padEnd(18)} ${r.changes[k]}`),
    'not replayable:',
    ...NOT_REPLAYABLE_REASONS.map((k) => `  ${k.padEnd(20)} ${r.notReplayable[k]}`),
  ]
  if (r.rules.length) {
    out.push('rules:')
    for (const rule of r.rules) out.push(`  ${rule.rule}  +${rule.added} -${rule.removed}`)
  }
  if (r.examples.length) {
    out.push('examples:')
    for (const e of r.examples)
      out.push(
        `  ${e.kind} ${e.chain}#${e.seq} decision ${e.decisionId} ${e.tool} (${e.agent}): ${verdict(e.recorded)} -> ${verdict(e.candidate)}`,
      )
  }
  if (r.notReplayableExamples.length) {
    out.push('not replayable examples:')
    for (const e of r.notReplayableExamples)
      out.push(`  ${e.reason} ${e.chain}#${e.seq} decision ${e.decisionId}: ${e.detail}`)
  }
  return `${out.join('\n')}\n`
}

// Markdown table cells: a pipe or a newline in a rule id or detail must not break the table.
const cell = (value: string): string =>
  value
    .replace(/\\/g, '\\\\')
    .replace(/\|/g, '\\|')
    .replace(/[\r\n]+/g, ' ')
const code = (value: string): string => `\`${cell(value).replace(/`/g, "'")}\``

function markdown(r: ReplayReport): string {
  const out = [
    '### Policy replay',
    '',
    `Candidate \`${cell(r.candidate.revision)}\` (sha256 \`${r.candidate.sha256.slice(0, 12)}\`) replayed over **${r.decisions}** recorded decisions: **${changed(r)}** would change, ${r.unchanged} unchanged, ${notReplayed(r)} not replayable.`,
    '',
    '| change | decisions |',
    '|---|---:|',
    ...CHANGE_KINDS.map((k) => `| \`${k}\` | ${r.changes[k]} |`),
    '',
  ]
  if (r.rules.length) {
    out.push('| rule | added | removed |', '|---|---:|---:|')
    for (const rule of r.rules) out.push(`| ${code(rule.rule)} | ${rule.added} | ${rule.removed} |`)
    out.push('')
  }
  if (r.examples.length) {
    out.push(
      '<details><summary>Examples</summary>',
      '',
      '| change | ledger | decision | tool | recorded | candidate |',
      '|---|---|---|---|---|---|',
    )
    for (const e of r.examples)
      out.push(
        `| \`${e.kind}\` | ${code(`${e.chain}#${e.seq}`)} | ${code(e.decisionId)} | ${code(e.tool)} | ${cell(verdict(e.recorded))} | ${cell(verdict(e.candidate))} |`,
      )
    out.push('', '</details>', '')
  }
  if (notReplayed(r) > 0) {
    out.push(
      `**Not replayable: ${notReplayed(r)}** (the bundle that made them does not reproduce them from the record, so their impact is unknown): ${NOT_REPLAYABLE_REASONS.filter(
        (k) => r.notReplayable[k] > 0,
      )
        .map((k) => `\`${k}\` ${r.notReplayable[k]}`)
        .join(', ')}.`,
      '',
    )
    if (r.notReplayableExamples.length) {
      out.push('| reason | ledger | decision | detail |', '|---|---|---|---|')
      for (const e of r.notReplayableExamples)
        out.push(
          `| \`${e.reason}\` | ${code(`${e.chain}#${e.seq}`)} | ${code(e.decisionId)} | ${cell(e.detail)} |`,
        )
      out.push('')
    }
  }
  return `${out.join('\n')}`
}

/**
 * Renders a replay report: `text` for a terminal, `json` (the {@link ReplayReport} itself) for tools,
 * `markdown` to paste as a pull-request comment. Deterministic: the same report gives the same bytes.
 *
 * @example
 * process.stdout.write(formatReport(report, 'markdown'))
 */
export function formatReport(report: ReplayReport, format: ReportFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`
  return format === 'markdown' ? markdown(report) : text(report)
}
