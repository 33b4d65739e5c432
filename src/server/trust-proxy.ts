import express from 'express'
import { ValidationError } from '../shared/index.js'
import type { TrustProxy } from './server.types.js'

/**
 * Parses a `trust proxy` value as given on the command line or in `ARBITER_TRUST_PROXY`: `true`,
 * `false`, a hop count (`1`), or a comma-separated list of addresses, CIDR ranges and the names
 * `loopback`, `linklocal`, `uniquelocal`. The list is checked the way express will compile it.
 *
 * @throws {ValidationError} VALIDATION_FAILED for anything express would refuse.
 * @example
 * parseTrustProxy('loopback, 10.0.0.0/8') // 'loopback, 10.0.0.0/8'
 * parseTrustProxy('1') // 1 (one hop)
 */
export function parseTrustProxy(raw: string): TrustProxy {
  const text = raw.trim()
  if (text === 'true') return true
  if (text === 'false' || text === '') return false
  if (/^\d{1,3}$/.test(text)) return Number(text)
  try {
    // express compiles the list when it is set; a throwaway app reports a bad entry now, not at start.
    express().set('trust proxy', text)
  } catch (error) {
    throw new ValidationError(`trust proxy: ${error instanceof Error ? error.message : String(error)}`, [
      { path: 'trustProxy', message: 'expected true, false, a hop count or addresses/CIDR ranges' },
    ])
  }
  return text
}
