import type { Command } from 'commander'
import { migrateToLatest, openDatabase } from '../../ledger/index.js'
import {
  ApiKeyError,
  type ApiKeyInfo,
  type ApiKeyStore,
  apiRoleSchema,
  createApiKeyStore,
} from '../../server/index.js'
import { CliExit } from '../cli-exit.js'
import { addDatabaseOptions, configFromFlags, type DatabaseFlags } from '../config.js'

async function withKeys<T>(options: DatabaseFlags, run: (keys: ApiKeyStore) => Promise<T>): Promise<T> {
  const opened = await openDatabase(configFromFlags(options))
  try {
    await migrateToLatest(opened.db)
    return await run(createApiKeyStore(opened.db))
  } finally {
    await opened.close()
  }
}

const list = (values: readonly string[]) => (values.length ? values.join(',') : '-')

function describeKey(k: ApiKeyInfo): string {
  const state = k.revokedAt ? `revoked ${k.revokedAt}` : 'active'
  return [
    k.keyId,
    k.role,
    k.identity,
    k.principalId,
    list(k.roles),
    list(k.actFor),
    list(k.assertRoles),
    k.frontEnd ? 'yes' : 'no',
    k.createdAt,
    state,
    k.name,
  ].join('\t')
}

const NAME_PATTERN = /^[\w .@:-]{1,128}$/
// Ids and roles end up in tool call inputs (agent.id, principal.id, principal.roles) and in the ledger.
const ID_PATTERN = /^[\w.@:-]{1,256}$/
const ROLE_PATTERN = /^[\w.:-]{1,128}$/

function idFlag(flag: string, value: string | undefined): string | undefined {
  if (value !== undefined && !ID_PATTERN.test(value))
    throw new CliExit(
      `${flag} may hold letters, digits and . @ : - _ (at most 256), got ${JSON.stringify(value)}`,
      2,
    )
  return value
}

function listFlag(flag: string, value: string | undefined, pattern: RegExp): string[] {
  const items = (value ?? '')
    .split(',')
    .map((item) => item.trim())
    .filter(Boolean)
  const bad = items.find((item) => !pattern.test(item))
  if (bad !== undefined)
    throw new CliExit(
      `${flag} items may hold letters, digits and . : - _ (and @ in ids), got ${JSON.stringify(bad)}`,
      2,
    )
  return [...new Set(items)]
}

interface CreateFlags extends DatabaseFlags {
  role: string
  name?: string
  identity?: string
  principal?: string
  roles?: string
  actFor?: string
  assertRoles?: string
  frontEnd?: boolean
}

/**
 * `arbiter keys create|list|revoke`: API keys for `arbiter serve`, each bound to an identity
 * (docs/trust-model.md). The secret is printed once on stdout at creation; only its SHA-256 is stored.
 */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage API keys for the HTTP server')

  addDatabaseOptions(
    keys
      .command('create')
      .description('create an API key bound to an identity and print it once')
      .requiredOption('--role <role>', 'agent | auditor | approver | admin')
      .option('--name <name>', 'who or what the key is for')
      .option('--identity <id>', 'agent or service id the key speaks as (default --principal, else key:<id>)')
      .option(
        '--principal <id>',
        "the key's own principal: approvals are recorded under it (default --identity)",
      )
      .option('--roles <a,b>', 'roles of that principal (four-eyes checks; limits of calls made for it)')
      .option('--act-for <id,...>', 'agent/admin keys: further principal ids the key may name in a call')
      .option(
        '--assert-roles <r1,...>',
        'agent/admin keys: roles it may claim for --act-for principals or end users',
      )
      .option('--front-end', 'agent/admin keys: a trusted front end that may name any end-user principal'),
  ).action(async (options: CreateFlags) => {
    const role = apiRoleSchema.safeParse(options.role)
    if (!role.success)
      throw new CliExit(`--role must be agent, auditor, approver or admin (got ${options.role})`, 2)
    if (options.name !== undefined && !NAME_PATTERN.test(options.name))
      throw new CliExit('--name may hold letters, digits, spaces and . @ : - _ (at most 128)', 2)
    const identity = idFlag('--identity', options.identity)
    const principal = idFlag('--principal', options.principal)
    const created = await withKeys(options, (store) =>
      store.create({
        role: role.data,
        ...(options.name ? { name: options.name } : {}),
        ...(identity ? { identity } : {}),
        ...(principal ? { principalId: principal } : {}),
        roles: listFlag('--roles', options.roles, ROLE_PATTERN),
        actFor: listFlag('--act-for', options.actFor, ID_PATTERN),
        assertRoles: listFlag('--assert-roles', options.assertRoles, ROLE_PATTERN),
        frontEnd: options.frontEnd === true,
      }),
    ).catch((error: unknown) => {
      if (error instanceof ApiKeyError && error.code === 'API_KEY_INVALID_BINDING')
        throw new CliExit(error.message, 2)
      throw error
    })
    const { info } = created
    process.stdout.write(`${created.key}\n`)
    process.stderr.write(
      `created ${info.role} key ${info.keyId} as ${info.identity} for ${info.principalId}` +
        `${info.frontEnd ? ' (front end)' : ''}; store it now, it is not shown again\n`,
    )
  })

  addDatabaseOptions(
    keys
      .command('list')
      .description('list keys and their bindings (never their secrets)')
      .option('--json', 'JSON output'),
  ).action(async (options: DatabaseFlags & { json?: boolean }) => {
    const all = await withKeys(options, (store) => store.list())
    if (options.json) {
      process.stdout.write(`${JSON.stringify(all)}\n`)
      return
    }
    process.stdout.write(
      'id\trole\tidentity\tprincipal\troles\tact_for\tassert_roles\tfront_end\tcreated\tstate\tname\n',
    )
    for (const k of all) process.stdout.write(`${describeKey(k)}\n`)
  })

  addDatabaseOptions(
    keys.command('revoke').description('revoke a key by id').argument('<id>', 'key id from `keys list`'),
  ).action(async (id: string, options: DatabaseFlags) => {
    const revoked = await withKeys(options, (store) => store.revoke(id)).catch((error: unknown) => {
      if (error instanceof Error && 'code' in error && error.code === 'API_KEY_NOT_FOUND')
        throw new CliExit(`no api key with id ${id}`, 2)
      throw error
    })
    process.stdout.write(`revoked ${revoked.keyId} (${revoked.role}, ${revoked.principalId})\n`)
  })
}
