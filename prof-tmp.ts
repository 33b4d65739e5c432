import { openDatabase, MerkleTreeReader } from '/work/main/src/ledger/index.js'
const h = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/proftest' })
const r = new MerkleTreeReader(h.db)
const med = async (label: string, f: () => Promise<unknown>) => { const a: number[] = []; for (let i = 0; i < 500; i++) { const s = process.hrtime.bigint(); await f(); a.push(Number(process.hrtime.bigint() - s)/1000) } a.sort((x,y)=>x-y); console.log(label, 'p50', a[250].toFixed(0), 'us') }
await med('inclusion sized', () => r.inclusion('p', 1 + Math.floor(Math.random()*3000), 3000))
await med('consistency sized', () => r.consistency('p', 1 + Math.floor(Math.random()*3000), 3000))
await med('inclusion unsized', () => r.inclusion('p', 1 + Math.floor(Math.random()*3000)))
await h.close()
