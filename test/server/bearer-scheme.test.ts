import { beforeAll, describe, expect, it } from 'vitest'
import { backendFactories } from '../support/backends.js'
import { type ServerFixture, useServerFixture } from './server-fixture.js'

// RFC 7235 section 2.1: the auth-scheme is case-insensitive and separated from the credentials by
// one or more spaces (1*SP).
describe.each(backendFactories)('the Authorization header on %s', (_name, createBackend) => {
  const server = useServerFixture(createBackend)
  let f: ServerFixture
  beforeAll(() => {
    f = server()
  })

  const statusWith = async (authorization: string) =>
    (await fetch(`${f.url}/v1/whoami`, { headers: { authorization } })).status

  it('accepts the Bearer scheme in any case, with any number of spaces before the key', async () => {
    for (const scheme of ['Bearer', 'bearer', 'BEARER', 'bEaReR'])
      for (const spaces of [' ', '  ', '      '])
        expect(await statusWith(`${scheme}${spaces}${f.keys.auditor}`), `${scheme}${spaces}`).toBe(200)
  })

  it('still refuses other schemes and shapes with 401', async () => {
    for (const header of [
      `Basic ${f.keys.auditor}`,
      `Bearer${f.keys.auditor}`,
      `Bearer\t${f.keys.auditor}`,
      `Bearer ${f.keys.auditor} extra`,
      'Bearer ',
      f.keys.auditor,
    ])
      expect(await statusWith(header), JSON.stringify(header)).toBe(401)
  })
})
