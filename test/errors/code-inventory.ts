import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

/**
 * Reads the source tree for the error codes Arbiter declares and the test tree for the codes its tests
 * assert, syntactically (TypeScript's parser, no type checking: it takes a second on the whole tree).
 * Used by error-codes.test.ts; kept apart so the rules of "declared" and "asserted" are in one place.
 */

/** One code and the class (or `sendError` call) that declares it. */
export interface DeclaredCode {
  readonly code: string
  readonly declaredBy: string
  readonly file: string
}

/** Every `.ts` file under `dir`, recursively. */
export function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) return tsFiles(path)
    return path.endsWith('.ts') ? [path] : []
  })
}

function parse(file: string): ts.SourceFile {
  return ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true)
}

function visit(node: ts.Node, fn: (node: ts.Node) => void): void {
  fn(node)
  node.forEachChild((child) => visit(child, fn))
}

const ERROR_BASE = 'ArbiterError'

/**
 * Codes declared by every class that extends `ArbiterError` (directly, or through another such class):
 * the string literals of its type argument, following type aliases (`ArbiterError<LedgerErrorCode>`).
 * Codes written straight to HTTP responses (`sendError(res, 'RATE_LIMITED', …)`) count too.
 */
export function declaredErrorCodes(srcDir: string, root: string): DeclaredCode[] {
  const aliases = new Map<string, ts.TypeNode>()
  const classes: { name: string; base: string; arg: ts.TypeNode | undefined; file: string }[] = []
  const sent: DeclaredCode[] = []
  for (const file of tsFiles(srcDir)) {
    const source = parse(file)
    const where = relative(root, file)
    visit(source, (node) => {
      if (ts.isTypeAliasDeclaration(node)) aliases.set(node.name.text, node.type)
      if (ts.isClassDeclaration(node) && node.name) {
        for (const clause of node.heritageClauses ?? []) {
          if (clause.token !== ts.SyntaxKind.ExtendsKeyword) continue
          const base = clause.types[0]
          if (base)
            classes.push({
              name: node.name.text,
              base: base.expression.getText(source),
              arg: base.typeArguments?.[0],
              file: where,
            })
        }
      }
      if (ts.isCallExpression(node) && node.expression.getText(source) === 'sendError') {
        const code = node.arguments[1]
        if (code && ts.isStringLiteral(code))
          sent.push({ code: code.text, declaredBy: 'sendError', file: where })
      }
    })
  }
  const literals = (type: ts.TypeNode | undefined, seen = new Set<string>()): string[] => {
    if (!type) return []
    if (ts.isUnionTypeNode(type)) return type.types.flatMap((t) => literals(t, seen))
    if (ts.isParenthesizedTypeNode(type)) return literals(type.type, seen)
    if (ts.isLiteralTypeNode(type) && ts.isStringLiteral(type.literal)) return [type.literal.text]
    if (ts.isTypeReferenceNode(type)) {
      const name = type.typeName.getText()
      if (seen.has(name)) return []
      seen.add(name)
      return literals(aliases.get(name), seen)
    }
    return []
  }
  const errorClasses = new Set([ERROR_BASE])
  // Subclasses of subclasses: repeat until nothing new joins (the tree is a handful of levels deep).
  for (let grew = true; grew; ) {
    grew = false
    for (const c of classes)
      if (errorClasses.has(c.base) && !errorClasses.has(c.name)) {
        errorClasses.add(c.name)
        grew = true
      }
  }
  const declared = new Map<string, DeclaredCode>()
  for (const c of classes) {
    if (!errorClasses.has(c.base)) continue
    for (const code of literals(c.arg))
      if (!declared.has(code)) declared.set(code, { code, declaredBy: c.name, file: c.file })
  }
  for (const s of sent) if (!declared.has(s.code)) declared.set(s.code, s)
  return [...declared.values()].sort((a, b) => a.code.localeCompare(b.code))
}

/**
 * Codes written as a value somewhere in `srcDir` (a `new XError('CODE', …)`, a returned or compared
 * literal): string literals outside type positions. A code only named in its union is never raised.
 */
export function codesUsedAsValues(srcDir: string): Set<string> {
  const used = new Set<string>()
  for (const file of tsFiles(srcDir)) {
    visit(parse(file), (node) => {
      if (ts.isStringLiteral(node) && !ts.isLiteralTypeNode(node.parent)) used.add(node.text)
    })
  }
  return used
}

/** Text of a literal that may carry a code: strings, templates and regular expressions. */
function literalText(node: ts.Node): string | null {
  if (ts.isStringLiteralLike(node)) return node.text
  if (ts.isTemplateHead(node) || ts.isTemplateMiddle(node) || ts.isTemplateTail(node)) return node.text
  if (ts.isRegularExpressionLiteral(node)) return node.text
  return null
}

/** `expect(…)…`, `expect.objectContaining(…)`: the leftmost name of a call chain. */
function chainRoot(expression: ts.Expression): string | null {
  let e: ts.Expression = expression
  for (;;) {
    if (ts.isPropertyAccessExpression(e) || ts.isElementAccessExpression(e)) e = e.expression
    else if (ts.isCallExpression(e)) e = e.expression
    else if (ts.isAwaitExpression(e) || ts.isParenthesizedExpression(e)) e = e.expression
    else return ts.isIdentifier(e) ? e.text : null
  }
}

/**
 * Whether `node` sits in an assertion: inside an `expect(…)` chain (`toThrowWithCode('X')`,
 * `toBe('X')`, `toMatchObject({ code: 'X' })`, `toMatch(/\[X\]/)`) or in the table of an
 * `it.each` / `describe.each` whose cases are asserted by the test body.
 */
function inAssertion(node: ts.Node): boolean {
  for (let p: ts.Node | undefined = node.parent; p; p = p.parent) {
    if (!ts.isCallExpression(p)) continue
    if (chainRoot(p.expression) === 'expect') return true
    const callee = p.expression
    if (ts.isPropertyAccessExpression(callee) && callee.name.text === 'each') return true
  }
  return false
}

/**
 * Codes the tests under `testDir` assert, with the files asserting each. A code counts when it
 * appears as a whole word in a literal inside an assertion (see {@link inAssertion}); files under
 * `exclude` (this inventory's own test) do not count.
 */
export function codesAssertedInTests(
  testDir: string,
  codes: readonly string[],
  exclude: string,
): Map<string, string[]> {
  const sources = tsFiles(testDir)
    .filter((file) => !file.startsWith(exclude))
    .map((file) => ({ file, text: readFileSync(file, 'utf8') }))
  return codesAssertedIn(sources, codes)
}

/** {@link codesAssertedInTests} over given source texts. */
export function codesAssertedIn(
  sources: ReadonlyArray<{ file: string; text: string }>,
  codes: readonly string[],
): Map<string, string[]> {
  const found = new Map<string, string[]>()
  const wanted = new Set(codes)
  const word = /[A-Z][A-Z0-9_]+[A-Z0-9]/g
  for (const { file, text: source } of sources) {
    visit(ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true), (node) => {
      const text = literalText(node)
      if (text === null || !inAssertion(node)) return
      for (const match of text.matchAll(word)) {
        const code = match[0]
        if (!wanted.has(code)) continue
        const files = found.get(code) ?? []
        if (!files.includes(file)) files.push(file)
        found.set(code, files)
      }
    })
  }
  return found
}
