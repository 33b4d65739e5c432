// Sensitive values for test/security/secrets.test.ts: one or more per detector in policies/data.json
// (the test fails when data.json gains a detector without a sample), one per field-name list entry.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

interface Pattern {
  readonly name: string
  readonly regex: string
}

interface PolicyData {
  readonly secrets: { patterns: Pattern[]; fields: string[] }
  readonly redaction: { patterns: Pattern[]; fields: string[] }
  readonly health: { identifier_patterns: Pattern[] }
}

const root = join(fileURLToPath(new URL('.', import.meta.url)), '..', '..')
export const policyData = JSON.parse(readFileSync(join(root, 'policies', 'data.json'), 'utf8')) as PolicyData

/** Every detector of the shipped data (secrets, redaction, health identifiers). */
export const detectors: readonly Pattern[] = [
  ...policyData.secrets.patterns,
  ...policyData.redaction.patterns,
  ...policyData.health.identifier_patterns,
]

/** Values each detector must catch, by detector name. */
export const patternSamples: Readonly<Record<string, readonly string[]>> = {
  'AWS access key id': ['AKIAIOSFODNN7EXAMPLE', 'ASIAJEXAMPLEXEG2JICEA'],
  'API secret key': ['sk-proj-Zx9Qw8Er7Ty6Ui5Op4As3Df2Gh'],
  'private key': [
    '-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEAq7BFUpkGp3+8Ur9uZ\n-----END RSA PRIVATE KEY-----',
  ],
  'GitHub token': [
    'ghp_R4nd0mT0k3nV4lu3F0rT3st1ngAbCdEf12',
    'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqr',
  ],
  'Slack token': ['xoxb-2048-1234567890-Zq8Wm3Lp'],
  IBAN: ['DE89370400440532013000', 'GB82WEST12345698765432'],
  'US social security number': ['123-45-6789'],
  'patient id': ['MRN-771204'],
  'account number': ['4401778812', '99887766554433'],
}

/** Every pattern sample, once. */
export const samples: readonly string[] = [...new Set(Object.values(patternSamples).flat())]

/** Samples that are digits only, sent as JSON numbers too. */
export const numberSamples: readonly number[] = samples.filter((s) => /^[0-9]+$/.test(s)).map(Number)

/** A value per field name that no pattern catches: only the field name marks it. */
export const fieldValue = (field: string) => `fv-${field}-7Qx`

export const redactionFields: readonly string[] = policyData.redaction.fields
export const credentialFields: readonly string[] = policyData.secrets.fields

/** Number-typed values under redaction field names (9 digits: no pattern matches them). */
export const fieldNumber = (i: number) => 501_234_560 + i

/** An object holding every field name once, each with its {@link fieldValue}. */
export function fieldObject(): Record<string, string> {
  return Object.fromEntries([...redactionFields, ...credentialFields].map((f) => [f, fieldValue(f)]))
}

/** An object holding every redaction field name with a number value. */
export function numberFieldObject(): Record<string, number> {
  return Object.fromEntries(redactionFields.map((f, i) => [f, fieldNumber(i)]))
}

/** Every raw value none of the outputs may contain. */
export function forbiddenValues(): string[] {
  const privateKeyBody = 'MIIEpAIBAAKCAQEAq7BFUpkGp3+8Ur9uZ'
  return [
    ...samples,
    privateKeyBody,
    ...[...redactionFields, ...credentialFields].map(fieldValue),
    ...redactionFields.map((_, i) => String(fieldNumber(i))),
  ]
}

/** The ways a value can be spelled in a JSON, CSV or log text. */
export function spellingsOf(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1)
  return [...new Set([value, json, JSON.stringify(json).slice(1, -1), value.replace(/"/g, '""')])]
}

/** Where in `haystack` (name -> text) any forbidden value appears: `["<where>: <value>"]`. */
export function leaks(haystack: ReadonlyMap<string, string>): string[] {
  const found: string[] = []
  for (const value of forbiddenValues())
    for (const spelling of spellingsOf(value))
      for (const [where, text] of haystack) if (text.includes(spelling)) found.push(`${where}: ${value}`)
  return [...new Set(found)]
}
