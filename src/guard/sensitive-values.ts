import { valueAtPointer } from '../ledger/index.js'

/**
 * The raw texts a redaction covers: the string or number at each pointer, and every string and
 * number leaf below an object or array there (booleans and null identify no one). Numbers are taken
 * in their JSON spelling (`4401778812`). Iterative, and each node is visited at most once per pointer,
 * so the cost is bounded by the admitted size of `root` (depth and node limits) times the pointers.
 *
 * @example
 * collectSensitiveValues({ a: { iban: 'DE89…', n: 4401778812 } }, ['/a']) // ['DE89…', '4401778812']
 */
export function collectSensitiveValues(root: unknown, pointers: readonly string[]): string[] {
  const found = new Set<string>()
  for (const pointer of pointers) {
    const stack: unknown[] = [valueAtPointer(root, pointer)]
    while (stack.length > 0) {
      const node = stack.pop()
      if (typeof node === 'string') found.add(node)
      else if (typeof node === 'number' && Number.isFinite(node)) found.add(JSON.stringify(node))
      else if (Array.isArray(node)) stack.push(...node)
      else if (typeof node === 'object' && node !== null) stack.push(...Object.values(node))
    }
  }
  return [...found]
}

/** `redact_input` pointers sorted by the part of the input they fall in, rebased where needed. */
export interface InputPointers {
  /** Pointers into `arguments` (rebased: `/arguments/x` -> `/x`, `/arguments` -> ``). */
  readonly arguments: string[]
  /** Pointers into `context` (rebased likewise). */
  readonly context: string[]
  /** Every other pointer, still rooted at the input (`/principal/id`, `/session/thread`). */
  readonly identity: string[]
}

function rebase(pointer: string, member: string): string | null {
  const prefix = `/${member}`
  if (pointer === prefix) return ''
  return pointer.startsWith(`${prefix}/`) ? pointer.slice(prefix.length) : null
}

/**
 * Sorts input-rooted pointers into arguments, context and identity pointers.
 *
 * @example
 * splitInputPointers(['/arguments/iban', '/context/note', '/principal/id'])
 * // { arguments: ['/iban'], context: ['/note'], identity: ['/principal/id'] }
 */
export function splitInputPointers(pointers: readonly string[]): InputPointers {
  const split: InputPointers = { arguments: [], context: [], identity: [] }
  for (const pointer of pointers) {
    const inArguments = rebase(pointer, 'arguments')
    const inContext = rebase(pointer, 'context')
    if (inArguments !== null) split.arguments.push(inArguments)
    else if (inContext !== null) split.context.push(inContext)
    else split.identity.push(pointer)
  }
  return split
}
