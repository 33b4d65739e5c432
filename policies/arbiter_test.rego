# Combination rules of package arbiter: deny > require_approval > allow, default deny, redaction union.
package arbiter_test

import data.arbiter.fixtures as fx

test_allow_carries_the_allowlist_reason_and_redactions if {
	d := data.arbiter.decision with input as fx.fin("payments.transfer", ["teller"], fx.transfer(500, "USD", "Bob Smith"))
	d.action == "allow"
	fx.rules(d) == {"common.tool_allowlist"}
	d.redact == ["/from_account", "/to_account"]
	not d.approval
}

test_unknown_agent_is_denied_by_default if {
	d := data.arbiter.decision with input as fx.call("shadow-agent", "web.search", "u", [], {"query": "weather"})
	d.action == "deny"
	fx.rules(d) == {"common.default_deny"}
}

test_tool_outside_the_allowlist_is_denied_by_default if {
	d := data.arbiter.decision with input as fx.care("payments.transfer", "dr-chen", ["clinician"], fx.transfer(10, "USD", "Bob"))
	d.action == "deny"
	"common.default_deny" in fx.rules(d)
}

test_require_approval_beats_allow if {
	d := data.arbiter.decision with input as fx.fin("payments.transfer", ["payments_officer"], fx.transfer(50000, "USD", "Bob Smith"))
	d.action == "require_approval"
	d.approval == {"roles": ["payments_officer"], "count": 1}
	fx.rules(d) == {"fintech.four_eyes"}
	d.redact == ["/from_account", "/to_account"]
}

test_deny_beats_require_approval if {
	d := data.arbiter.decision with input as fx.fin("payments.transfer", ["payments_officer"], fx.transfer(50000, "USD", "Volga Maritime Trading"))
	d.action == "deny"
	fx.rules(d) == {"fintech.sanctioned_counterparty"}
	not d.approval
	d.redact == ["/from_account", "/to_account"]
}

test_every_deny_reason_is_reported if {
	args := object.union(fx.transfer(50000, "USD", "Volga Maritime Trading"), {"password": "hunter2"})
	d := data.arbiter.decision with input as fx.fin("payments.transfer", ["teller"], args)
	d.action == "deny"
	fx.rules(d) == {"common.secret_in_arguments", "fintech.sanctioned_counterparty", "fintech.transfer_limit"}
}

test_strictest_approval_wins if {
	extra := {"payments.transfer": {"roles": ["branch_manager"], "count": 1}}
	d := data.arbiter.decision with input as fx.fin("payments.transfer", ["treasury_manager"], fx.transfer(150000, "USD", "Bob"))
		with data.agents["fin-assistant"].approval_required as extra
	d.action == "require_approval"
	d.approval == {"roles": ["payments_officer", "treasury_manager"], "count": 2}
	fx.rules(d) == {"common.tool_requires_approval", "fintech.four_eyes"}
}

test_equal_counts_pick_the_first_rule_id if {
	extra := {"payments.transfer": {"roles": ["branch_manager"], "count": 1}}
	d := data.arbiter.decision with input as fx.fin("payments.transfer", ["payments_officer"], fx.transfer(50000, "USD", "Bob"))
		with data.agents["fin-assistant"].approval_required as extra
	d.approval == {"roles": ["branch_manager"], "count": 1}
}
