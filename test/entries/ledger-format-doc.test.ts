import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import {
  entryBodySchemas,
  KNOWN_ENTRY_TYPES,
  type KnownEntryType,
  parseEntryBody,
} from '../../src/entries/index.js'
import { repoRoot } from '../ledger/support.js'
import { bodyFields } from '../support/body-fields.js'

// docs/ledger-format.md documents every body in a table; the schemas in src/entries are what the code
// writes and reads. This test keeps the two the same, member by member.

const doc = readFileSync(join(repoRoot, 'docs', 'ledger-format.md'), 'utf8')

/** The text of the "### Bodies" section, up to the next heading of the same or a higher level. */
function bodiesSection(text: string): string {
  const start = text.indexOf('\n### Bodies\n')
  expect(start, 'docs/ledger-format.md has a "### Bodies" section').toBeGreaterThan(0)
  const rest = text.slice(start + 1)
  const end = rest.slice(1).search(/\n#{2,3} /)
  return end < 0 ? rest : rest.slice(0, end + 1)
}

/** `#### \`type\`` subsections with their table rows: [field, type, required, meaning]. */
function documentedBodies(section: string): Map<string, string[][]> {
  const bodies = new Map<string, string[][]>()
  for (const part of section.split(/\n#### /).slice(1)) {
    const heading = /^`([a-z_]+)`\n/.exec(part)
    expect(heading, `a body heading is a type in backticks: ${part.slice(0, 40)}`).not.toBeNull()
    const rows = part
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) =>
        line
          .slice(1, -1)
          .split('|')
          .map((cell) => cell.trim()),
      )
    bodies.set(heading![1]!, rows)
  }
  return bodies
}

describe('docs/ledger-format.md "Bodies"', () => {
  const bodies = documentedBodies(bodiesSection(doc))

  it('documents exactly the entry types Arbiter writes, in the same order', () => {
    expect([...bodies.keys()]).toEqual([...KNOWN_ENTRY_TYPES])
  })

  it.each(KNOWN_ENTRY_TYPES.map((type) => [type]))(
    '%s: one row per member, same names, types and requiredness',
    (type) => {
      const rows = bodies.get(type) ?? []
      const documented = rows.map(([field, kind, required]) => ({
        field: field!.replaceAll('`', ''),
        type: kind,
        required,
      }))
      expect(documented).toEqual(bodyFields(entryBodySchemas[type]))
      for (const row of rows) expect(row[3], `meaning of ${row[0]} in ${type}`).toMatch(/\w/)
    },
  )

  it('the type row of the entry table names every known type', () => {
    const typeRow = doc.split('\n').find((line) => line.startsWith('| `type`'))
    for (const type of KNOWN_ENTRY_TYPES) expect(typeRow).toContain(`\`${type}\``)
  })
})

describe('docs/ledger-format.md worked example', () => {
  it('holds bodies that match their schemas', () => {
    const lines = doc.split('\n').filter((line) => line.startsWith('{"body":') && line.includes('"hash":'))
    expect(lines.length).toBeGreaterThan(0)
    for (const line of lines) {
      const entry = JSON.parse(line) as { type: KnownEntryType; body: unknown }
      expect(() => parseEntryBody(entry.type, entry.body)).not.toThrow()
    }
  })
})
