import type { Command } from 'commander'
import { migrateToLatest, openDatabase } from '../../ledger/index.js'
import { type ApiKeyInfo, type ApiKeyStore, apiRoleSchema, createApiKeyStore } from '../../server/index.js'
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

function describeKey(k: ApiKeyInfo): string {
  const roles = k.roles.length ? k.roles.join(',') : '-'
  const state = k.revokedAt ? `revoked ${k.revokedAt}` : 'active'
  return [k.keyId, k.role, k.principalId, roles, k.createdAt, state, k.name].join('\t')
}

const NAME_PATTERN = /^[\w .@:-]{1,128}$/

/**
 * `arbiter keys create|list|revoke`: API keys for `arbiter serve`. The secret is printed once on
 * stdout at creation; only its SHA-256 is stored.
 */
export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('manage API keys for the HTTP server')

  addDatabaseOptions(
    keys
      .command('create')
      .description('create an API key and print it once')
      .requiredOption('--role <role>', 'agent | auditor | approver | admin')
      .option('--name <name>', 'who or what the key is for')
      .option('--principal <id>', 'principal id approvals are recorded under (default key:<id>)')
      .option('--roles <a,b>', 'roles the principal holds, for four-eyes approval checks'),
  ).action(
    async (options: DatabaseFlags & { role: string; name?: string; principal?: string; roles?: string }) => {
      const role = apiRoleSchema.safeParse(options.role)
      if (!role.success)
        throw new CliExit(`--role must be agent, auditor, approver or admin (got ${options.role})`, 2)
      if (options.name !== undefined && !NAME_PATTERN.test(options.name))
        throw new CliExit('--name may hold letters, digits, spaces and . @ : - _ (at most 128)', 2)
      const roles = (options.roles ?? '')
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean)
      const created = await withKeys(options, (store) =>
        store.create({
          role: role.data,
          ...(options.name ? { name: options.name } : {}),
          ...(options.principal ? { principalId: options.principal } : {}),
          roles,
        }),
      )
      process.stdout.write(`${created.key}\n`)
      process.stderr.write(
        `created ${created.info.role} key ${created.info.keyId} for ${created.info.principalId}; ` +
          'store it now, it is not shown again\n',
      )
    },
  )

  addDatabaseOptions(
    keys.command('list').description('list keys (never their secrets)').option('--json', 'JSON output'),
  ).action(async (options: DatabaseFlags & { json?: boolean }) => {
    const list = await withKeys(options, (store) => store.list())
    if (options.json) {
      process.stdout.write(`${JSON.stringify(list)}\n`)
      return
    }
    process.stdout.write('id\trole\tprincipal\troles\tcreated\tstate\tname\n')
    for (const k of list) process.stdout.write(`${describeKey(k)}\n`)
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
