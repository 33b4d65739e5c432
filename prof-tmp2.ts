import { openDatabase } from '/work/main/src/ledger/index.js'
import { sql } from 'kysely'
import pg from 'pg'
const { TreeSnapshot } = await import('/work/main/src/ledger/merkle-snapshot.js')
const { inclusionPlan, rootNodes } = await import('/work/main/src/ledger/tlog/index.js')
const h = await openDatabase({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/proftest' })
const nodes = [{level:0,index:1233}, ...inclusionPlan(1233, 3000).flat(), ...rootNodes(3000)]
const med = async (label: string, f: () => Promise<unknown>) => { const a: number[] = []; for (let i = 0; i < 500; i++) { const s = process.hrtime.bigint(); await f(); a.push(Number(process.hrtime.bigint() - s)/1000) } a.sort((x,y)=>x-y); console.log(label, 'p50', a[250].toFixed(0), 'us') }
await med('select 1', () => sql`select 1`.execute(h.db))
await med('snapshot read', () => TreeSnapshot.read(h.db, 'p', nodes))
const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:5432/proftest', max: 1 })
import fs from "node:fs"
const text = fs.readFileSync('/tmp/prof/q.sql','utf8').replace('explain analyze ','')
await med('raw same sql', () => pool.query(text))
await med('raw prepared', () => pool.query({ name: 'q1', text }))
await pool.end(); await h.close()
