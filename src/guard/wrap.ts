import type { Guard, WrapMeta } from './guard.types.js'

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Builds the guarded version of `run`: same parameters, async result. Each call is checked, recorded
 * and only then run (see `Guard.execute`).
 * @internal
 */
export function toWrapped<P extends unknown[], R>(
  guard: Guard,
  toolName: string,
  run: (...args: P) => R | Promise<R>,
  meta: WrapMeta<P>,
): (...args: P) => Promise<Awaited<R>> {
  const toArguments =
    meta.toArguments ?? ((...args: P) => (args.length === 1 && isPlainObject(args[0]) ? args[0] : { args }))
  return async (...args: P): Promise<Awaited<R>> => {
    const context = typeof meta.context === 'function' ? await meta.context(...args) : meta.context
    const input = {
      tool: { name: toolName, kind: meta.kind ?? 'client', ...(meta.server ? { server: meta.server } : {}) },
      arguments: toArguments(...args),
      agent: context.agent,
      principal: context.principal,
      session: context.session,
      ...(context.context ? { context: context.context } : {}),
    }
    return guard.execute(input, () => run(...args))
  }
}
