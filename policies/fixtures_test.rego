# Shared inputs for the policy tests (a *_test.rego file, so it never ships in the bundle).
package arbiter.fixtures

# A Wednesday inside trading hours; Arbiter sets context.time like this (RFC 3339 UTC, millis).
wednesday_open := "2026-11-25T15:00:00.000Z"

call(agent_id, tool, principal, roles, args) := {
	"tool": {"name": tool, "kind": "client"},
	"arguments": args,
	"agent": {"id": agent_id, "runtime": "anthropic", "model": "claude-sonnet-4-5"},
	"principal": {"id": principal, "roles": roles, "tenant": "acme"},
	"session": {"id": "sess-1"},
	"context": {"time": wednesday_open},
}

fin(tool, roles, args) := call("fin-assistant", tool, "emp-101", roles, args)

care(tool, principal, roles, args) := call("care-assistant", tool, principal, roles, args)

at(call_input, time) := object.union(call_input, {"context": {"time": time}})

transfer(amount, currency, counterparty) := {
	"amount": amount,
	"currency": currency,
	"from_account": "4401778812",
	"to_account": "7730019921",
	"counterparty": counterparty,
}

order(symbol, side, quantity) := {"symbol": symbol, "side": side, "quantity": quantity}

read(patient_id, purpose) := {"patient_id": patient_id, "purpose": purpose}

# The rule ids of a decision's reasons.
rules(decision) := {r.rule | some r in decision.reasons}
