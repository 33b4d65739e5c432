// Experiment: where the in-process decision time goes (validation, serialisation, WASM, result parse),
// per input. Usage: npx tsx bench/experiments/decision-breakdown.ts [bundle]
import { loadPolicy } from '@open-policy-agent/opa-wasm'
import { decisionSchema, readBundle, toolCallInputSchema } from '../../src/policy/index.js'
import { benchInputs } from '../lib/inputs.js'
import { nowUs, summarise } from '../lib/stats.js'

const contents = await readBundle(process.argv[2] ?? 'build/bundle.tar.gz')
const policy = await loadPolicy(contents.wasm)
policy.setData(contents.data)
const ep = (policy.entrypoints as Record<string, number>)['arbiter/decision'] as number
const enc = new TextEncoder()
const N = 20_000
for (const raw of benchInputs()) {
  const t = {
    zod: new Float64Array(N),
    json: new Float64Array(N),
    wasm: new Float64Array(N),
    out: new Float64Array(N),
  }
  for (let i = 0; i < N + 2000; i++) {
    const a = nowUs()
    const input = toolCallInputSchema.parse(raw)
    input.context = { time: '2026-11-25T21:00:00.000Z' }
    const b = nowUs()
    const bytes = enc.encode(JSON.stringify(input))
    const c = nowUs()
    const rs = policy.evaluate(bytes.buffer as ArrayBuffer, ep) as { result: unknown }[]
    const d = nowUs()
    decisionSchema.parse(rs[0]?.result)
    const e = nowUs()
    if (i >= 2000) {
      const k = i - 2000
      t.zod[k] = b - a
      t.json[k] = c - b
      t.wasm[k] = d - c
      t.out[k] = e - d
    }
  }
  const f = (x: Float64Array) => summarise(x).p50Us.toFixed(1).padStart(6)
  console.log(
    `${raw.tool.name.padEnd(22)} zod ${f(t.zod)}  json ${f(t.json)}  wasm ${f(t.wasm)}  result ${f(t.out)} (p50 µs)`,
  )
}
