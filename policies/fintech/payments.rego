# payments.transfer {amount, currency, from_account, to_account, counterparty}:
# well-formed amounts, transfer limits by role, sanctions screening and four-eyes approval.
# Limits and thresholds are in USD; data.fintech.usd_rates converts (1 unit of currency = rate USD).
# Messages name arguments by JSON pointer and never echo a value the caller sent: an SSN passed as
# the amount must not come back in a reason (reasons are stored in the ledger forever).
package arbiter.fintech

import data.arbiter.common
import data.arbiter.common.num
import data.arbiter.common.type_of

is_transfer if input.tool.name == "payments.transfer"

transfer := input.arguments

amount_usd := transfer.amount * data.fintech.usd_rates[transfer.currency] if valid_amount

valid_amount if {
	is_number(transfer.amount)
	transfer.amount > 0
}

deny contains {
	"rule": "fintech.transfer_invalid",
	"message": concat("", ["transfer amount /amount must be a positive number, got ", amount_kind]),
} if {
	is_transfer
	not valid_amount
}

amount_kind := "a number that is not positive" if is_number(transfer.amount)

else := concat("", ["a value of type ", type_of(transfer, "amount")])

deny contains {
	"rule": "fintech.transfer_invalid",
	"message": concat("", [
		"transfer currency /currency is not supported (supported: ",
		concat(", ", sort([c | some c, _ in data.fintech.usd_rates])), ")",
	]),
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
		"transfer of ", amount_shown, " exceeds the ", num(max(role_limits)),
		" USD limit of principal ", input.principal.id,
	]),
} if {
	is_transfer
	amount_usd > max(role_limits)
}

# The amount in USD for a message, unless the amount is itself redacted (a number shaped like an
# account number): then the message must not carry it either.
amount_shown := "the amount" if "/amount" in common.redact

else := concat("", [num(amount_usd), " USD"])

normalised(name) := lower(trim_space(name))

# The message names the list entry, not the caller's spelling of it.
deny contains {
	"rule": "fintech.sanctioned_counterparty",
	"message": concat("", ["counterparty /counterparty is ", name, ", which is on the sanctions list"]),
} if {
	is_transfer
	is_string(transfer.counterparty)
	some name in data.fintech.sanctioned_counterparties
	normalised(name) == normalised(transfer.counterparty)
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
