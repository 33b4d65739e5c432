import { type Kysely, sql } from 'kysely'

/**
 * `arbiter_merkle_read(chain, nodes, seqs)`: one consistent read of what a Merkle proof, root or tile
 * needs (src/ledger/merkle-snapshot.ts): the chain's head, the last stored level-2 node (how far the
 * stored tree reaches), the stored nodes `nodes` names (`[{"l": level, "i": index}, …]`, hex hashes,
 * null where absent) and the entries `seqs` names (`[seq, …]`, as stored, null where absent).
 *
 * A PL/pgSQL function because its statement is planned once per connection and then reused: planning
 * the same query sent from the client took longer than running it (issue 13: proofs under 1 ms).
 * Every lookup is a correlated primary-key probe, so the cost does not grow with the chain. It runs
 * with the caller's rights (SECURITY INVOKER) and only reads.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`create function arbiter_merkle_read(p_chain text, p_nodes json, p_seqs json)
    returns json language plpgsql stable security invoker as $fn$
    declare
      result json;
    begin
      select json_build_object(
        'head', (select h.seq::text from ledger_heads h where h.chain = p_chain),
        'last2', (select m.idx::text from ledger_merkle m where m.chain = p_chain and m.level = 2
                  order by m.idx desc limit 1),
        'nodes', (select coalesce(json_agg(json_build_array(t.l, t.i::text,
                    (select encode(m.hash, 'hex') from ledger_merkle m
                     where m.chain = p_chain and m.level = t.l and m.idx = t.i))), '[]'::json)
                  from json_to_recordset(p_nodes) as t (l smallint, i bigint)),
        'entries', (select coalesce(json_agg((select json_build_object('chain', x.chain,
                      'seq', x.seq::text, 'ts', x.ts, 'type', x.type, 'body', x.body::text,
                      'prev', x.prev, 'hash', x.hash)
                    from ledger_entries x where x.chain = p_chain and x.seq = s.v::bigint)), '[]'::json)
                  from json_array_elements_text(p_seqs) as s (v)))
      into result;
      return result;
    end
    $fn$`.execute(db)
}
