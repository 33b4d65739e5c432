# payments.transfer {amount, currency, from_account, to_account, counterparty}:
# well-formed amounts, transfer limits by role, sanctions screening and four-eyes approval.
# Limits and thresholds are in USD; data.fintech.usd_rates converts (1 unit of currency = rate USD).
package arbiter.fintech

import data.arbiter.common.num
import data.arbiter.common.show

is_transfer if input.tool.name == "payments.transfer"

transfer := input.arguments

amount_usd := transfer.amount * data.fintech.usd_rates[transfer.currency] if valid_amount

valid_amount if {
	is_number(transfer.amount)
	transfer.amount > 0
}

deny contains {
	"rule": "fintech.transfer_invalid",
	"message": concat("", ["transfer amount must be a positive number, got ", show(transfer, "amount")]),
} if {
	is_transfer
	not valid_amount
}

deny contains {
	"rule": "fintech.transfer_invalid",
	"message": concat("", ["transfer currency ", show(transfer, "currency"), " is not supported"]),
} if {
	is_transfer
	not supported_currency
}

# A helper rule, because `not usd_rates[transfer.currency]` would be undefined (not true) when the
# currency is missing: Rego evaluates the nested reference outside the negation.
supported_currency if data.fintech.usd_rates[transfer.currency]

# The principal's limit is the highest limit of any of their roles.
role_limits := [limit | some role in input.principal.roles; limit := data.fintech.transfer_limits_usd[role]]

deny contains {
	"rule": "fintech.transfer_limit",
	"message": concat("", ["principal ", input.principal.id, " has no role with transfer authority"]),
} if {
	is_transfer
	count(role_limits) == 0
}

deny contains {
	"rule": "fintech.transfer_limit",
	"message": concat("", [
		"transfer of ", num(amount_usd), " USD exceeds the ", num(max(role_limits)),
		" USD limit of principal ", input.principal.id,
	]),
} if {
	is_transfer
	amount_usd > max(role_limits)
}

normalised(name) := lower(trim_space(name))

sanctioned := {normalised(name) | some name in data.fintech.sanctioned_counterparties}

deny contains {
	"rule": "fintech.sanctioned_counterparty",
	"message": concat("", ["counterparty ", transfer.counterparty, " is on the sanctions list"]),
} if {
	is_transfer
	is_string(transfer.counterparty)
	normalised(transfer.counterparty) in sanctioned
}

deny contains {
	"rule": "fintech.sanctioned_counterparty",
	"message": "the destination account is on the restricted accounts list",
} if {
	is_transfer
	transfer.to_account in data.fintech.restricted_accounts
}

# Four eyes: above a tier's threshold a transfer waits for that tier's approvers; the highest
# tier the amount exceeds applies (data.fintech.four_eyes).
tiers_exceeded := [tier | some tier in data.fintech.four_eyes; amount_usd > tier.above_usd]

approval contains {
	"rule": "fintech.four_eyes",
	"message": concat("", [
		"transfers above ", num(tier.above_usd), " USD need ", num(tier.count),
		" approval(s) from ", concat(" or ", tier.roles),
	]),
	"roles": tier.roles,
	"count": tier.count,
} if {
	is_transfer
	top := max([t.above_usd | some t in tiers_exceeded])
	some tier in tiers_exceeded
	tier.above_usd == top
}
