import { openDatabase, MerkleTreeReader } from '/work/main/src/ledger/index.js'
import { sql } from 'kysely'
const { TreeSnapshot } = await import('/work/main/src/ledger/merkle-snapshot.js')
const { inclusionPlan, rootNodes } = await import('/work/main/src/ledger/tlog/index.js')
const h = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/proftest' })
const r = new MerkleTreeReader(h.db)
const nodes = [{level:0,index:1233}, ...inclusionPlan(1233, 3000).flat(), ...rootNodes(3000)]
const med = async (label: string, f: () => Promise<unknown>) => { const a: number[] = []; for (let i = 0; i < 1000; i++) { const s = process.hrtime.bigint(); await f(); a.push(Number(process.hrtime.bigint() - s)/1000) } a.sort((x,y)=>x-y); console.log(label, 'p50', a[500].toFixed(0), 'us') }
for (let k = 0; k < 2; k++) {
await med('select 1', () => sql`select 1`.execute(h.db))
await med('fn empty', () => sql`select arbiter_merkle_read(${'p'}::text, ${'[]'}::json, ${'[]'}::json)`.execute(h.db))
await med('snapshot read', () => TreeSnapshot.read(h.db, 'p', nodes))
await med('inclusion', () => r.inclusion('p', 1234, 3000))
}
await h.close()
