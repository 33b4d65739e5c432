import { createHash, generateKeyPairSync } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import {
  cosignatureMessage,
  cosignerKeyOf,
  ed25519FromSeed,
  ed25519VerifierKey,
  formatAddCheckpointBody,
  parseAddCheckpointBody,
  parseCosignerVkey,
  parseWitnessList,
  parseWitnessRef,
  signCosignature,
  verifyCosignatureLine,
} from '../../../src/ledger/index.js'

const body = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n'

describe('tlog-cosignature/v1', () => {
  // A fixed key, so the key id and verifier key are pinned here (seed 0x02 × 32).
  const fixed = ed25519FromSeed(Buffer.alloc(32, 2))
  const me = cosignerKeyOf('witness.example/w1', fixed)

  it('signs `cosignature/v1\\ntime <t>\\n` + the note body, with key id ‖ big-endian time ‖ signature', () => {
    expect(cosignatureMessage(body, 1679315147).toString()).toBe(`cosignature/v1\ntime 1679315147\n${body}`)
    const cosig = signCosignature(body, { name: me.name, privateKey: fixed }, 1679315147)
    const bytes = Buffer.from(cosig.line.split(' ')[2]!, 'base64')
    expect(bytes).toHaveLength(76)
    expect(bytes.subarray(0, 4)).toEqual(me.keyId)
    expect(bytes.readBigUInt64BE(4)).toBe(1679315147n)
    expect(verifyCosignatureLine(body, cosig.line, me)).toEqual(cosig)
  })

  it('derives the key id as SHA-256(name ‖ "\\n" ‖ 0x04 ‖ key)[:4] and round-trips the vkey', () => {
    const id = createHash('sha256')
      .update('witness.example/w1\n')
      .update(Buffer.from([4]))
      .update(me.raw)
      .digest()
      .subarray(0, 4)
    expect(me.keyId).toEqual(id)
    expect(me.vkey).toBe(
      `witness.example/w1+${id.toString('hex')}+${Buffer.concat([Buffer.from([4]), me.raw]).toString('base64')}`,
    )
    expect(parseCosignerVkey(me.vkey).vkey).toBe(me.vkey)
  })

  describe('when the line is not a valid cosignature by this witness', () => {
    const cosig = signCosignature(body, { name: me.name, privateKey: fixed }, 1700000000)
    const other = cosignerKeyOf('witness.example/w1', generateKeyPairSync('ed25519').privateKey)
    const bytes = Buffer.from(cosig.line.split(' ')[2]!, 'base64')
    const withBytes = (b: Buffer) => `\u2014 witness.example/w1 ${b.toString('base64')}`
    it.each([
      ['another body', () => verifyCosignatureLine(body.replace('20852163', '20852164'), cosig.line, me)],
      ['another key of the same name', () => verifyCosignatureLine(body, cosig.line, other)],
      ['another name', () => verifyCosignatureLine(body, cosig.line.replace('w1', 'w2'), me)],
      [
        'a changed timestamp',
        () => {
          const b = Buffer.from(bytes)
          b[11] = b[11]! ^ 1
          return verifyCosignatureLine(body, withBytes(b), me)
        },
      ],
      ['a truncated signature', () => verifyCosignatureLine(body, withBytes(bytes.subarray(0, 70)), me)],
      [
        'a timestamp of 2^63 or more',
        () => {
          const b = Buffer.from(bytes)
          b[4] = 0x80
          return verifyCosignatureLine(body, withBytes(b), me)
        },
      ],
      ['not a signature line', () => verifyCosignatureLine(body, 'witness.example/w1 AAAA', me)],
    ])('%s is null', (_what, check) => {
      expect(check()).toBeNull()
    })
  })

  it.each([
    ['not three parts', 'witness.example/w1+abcd'],
    ['a bad key hash', `${me.vkey.split('+')[0]}+zzzzzzzz+${me.vkey.split('+').slice(2).join('+')}`],
    ['a log key (type 0x01)', ed25519VerifierKey('witness.example/w1', fixed)],
    ['a key hash for another key', me.vkey.replace(/\+[0-9a-f]{8}\+/, '+00000000+')],
    ['a name with a space', 'a b+00000000+BAAA'],
    ['not a string', 42],
  ])('parseCosignerVkey refuses %s with WITNESS_KEY_INVALID', (_what, vkey) => {
    expect(() => parseCosignerVkey(vkey)).toThrowWithCode('WITNESS_KEY_INVALID')
  })

  it('refuses to cosign with a public key', () => {
    const { publicKey } = generateKeyPairSync('ed25519')
    expect(() => signCosignature(body, { name: 'w', privateKey: publicKey }, 1)).toThrowWithCode(
      'WITNESS_KEY_INVALID',
    )
  })
})

describe('add-checkpoint body', () => {
  const hash = Buffer.alloc(32, 7)
  const note = `${body}\n\u2014 example.com/behind-the-sofa AAAA\n`

  it('round-trips old size, proof lines and the note', () => {
    const text = formatAddCheckpointBody({ oldSize: 20852014, proof: [hash, hash], note })
    expect(text).toBe(`old 20852014\n${hash.toString('base64')}\n${hash.toString('base64')}\n\n${note}`)
    expect(parseAddCheckpointBody(text)).toEqual({ oldSize: 20852014, proof: [hash, hash], note })
  })

  it.each([
    ['no blank line', 'old 0\n'],
    ['no old line', 'new 0\n\nx'],
    ['a leading zero', 'old 01\n\nx'],
    ['a negative size', 'old -1\n\nx'],
    ['a proof line that is not 32 bytes', 'old 3\nAAAA\n\nx'],
    ['a proof although old is 0', `old 0\n${hash.toString('base64')}\n\nx`],
    ['64 proof lines', `old 3\n${`${hash.toString('base64')}\n`.repeat(64)}\nx`],
  ])('refuses %s with WITNESS_REQUEST_MALFORMED', (_what, text) => {
    expect(() => parseAddCheckpointBody(text)).toThrowWithCode('WITNESS_REQUEST_MALFORMED')
  })
})

describe('witness references', () => {
  const key = cosignerKeyOf('witness.example/w1', generateKeyPairSync('ed25519').privateKey)

  it('parses <url>=<vkey>, a bare vkey, and lists', () => {
    expect(parseWitnessRef(`http://w1:7380/=${key.vkey}`)).toMatchObject({
      url: 'http://w1:7380',
      key: { vkey: key.vkey },
    })
    expect(parseWitnessRef(key.vkey).url).toBeUndefined()
    expect(parseWitnessList(`http://a=${key.vkey}, https://b/x?y=1=${key.vkey}`).map((w) => w.url)).toEqual([
      'http://a',
      'https://b/x?y=1',
    ])
  })

  it.each([
    ['a non-http URL', `file:///x=${'k'}`],
    ['not a URL', `nope=${'k'}`],
  ])('refuses %s', (_what, text) => {
    expect(() => parseWitnessRef(text.replace(/k$/, key.vkey))).toThrowWithCode('WITNESS_KEY_INVALID')
  })
})
