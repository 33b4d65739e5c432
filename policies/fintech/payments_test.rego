package arbiter.fintech.payments_test

import data.arbiter.fixtures as fx

pay(roles, args) := d if {
	d := data.arbiter.decision with input as fx.fin("payments.transfer", roles, args)
}

# --- fintech.transfer_invalid -------------------------------------------------------------------

test_negative_amount_is_denied if {
	d := pay(["teller"], fx.transfer(-5, "USD", "Bob"))
	d.action == "deny"
	d.reasons == [{"rule": "fintech.transfer_invalid", "message": "transfer amount /amount must be a positive number, got a number that is not positive"}]
}

test_string_amount_is_denied if {
	fx.rules(pay(["teller"], fx.transfer("500", "USD", "Bob"))) == {"fintech.transfer_invalid"}
}

# The attack: an SSN passed as the amount is redacted, and the reason must not carry it either.
test_invalid_amount_is_named_not_echoed if {
	d := pay(["teller"], fx.transfer("078-05-1120", "USD", "Bob"))
	d.reasons == [{"rule": "fintech.transfer_invalid", "message": "transfer amount /amount must be a positive number, got a value of type string"}]
	"/amount" in d.redact
}

test_unsupported_currency_is_named_not_echoed if {
	d := pay(["teller"], fx.transfer(100, "GB82WEST12345698765432", "Bob"))
	d.reasons == [{"rule": "fintech.transfer_invalid", "message": "transfer currency /currency is not supported (supported: CHF, EUR, GBP, JPY, USD)"}]
	"/currency" in d.redact
}

test_missing_currency_is_denied if {
	d := pay(["teller"], object.remove(fx.transfer(100, "USD", "Bob"), ["currency"]))
	fx.rules(d) == {"fintech.transfer_invalid"}
}

# --- fintech.transfer_limit ---------------------------------------------------------------------

test_within_the_role_limit_is_allowed if {
	pay(["teller"], fx.transfer(9999, "USD", "Bob")).action == "allow"
}

test_above_the_role_limit_is_denied if {
	d := pay(["teller"], fx.transfer(10001, "USD", "Bob"))
	d.action == "deny"
	d.reasons == [{"rule": "fintech.transfer_limit", "message": "transfer of 10001 USD exceeds the 10000 USD limit of principal emp-101"}]
}

# A number shaped like an account number is redacted, so the limit message leaves it out.
test_redacted_amount_is_left_out_of_the_limit_message if {
	d := pay(["teller"], fx.transfer(4401778812, "USD", "Bob"))
	d.reasons == [{"rule": "fintech.transfer_limit", "message": "transfer of the amount exceeds the 10000 USD limit of principal emp-101"}]
	"/amount" in d.redact
}

test_limits_apply_in_usd_after_conversion if {
	# 9500 EUR is 10260 USD: above a teller's limit although the number is below it.
	fx.rules(pay(["teller"], fx.transfer(9500, "EUR", "Bob"))) == {"fintech.transfer_limit"}
	pay(["teller"], fx.transfer(9000, "EUR", "Bob")).action == "allow"
}

test_the_highest_role_limit_applies if {
	pay(["teller", "payments_officer"], fx.transfer(20000, "USD", "Bob")).action == "require_approval"
}

test_principal_without_transfer_authority_is_denied if {
	d := pay(["trader"], fx.transfer(10, "USD", "Bob"))
	d.reasons == [{"rule": "fintech.transfer_limit", "message": "principal emp-101 has no role with transfer authority"}]
}

# --- fintech.four_eyes --------------------------------------------------------------------------

test_at_the_threshold_no_approval_is_needed if {
	pay(["payments_officer"], fx.transfer(10000, "USD", "Bob")).action == "allow"
}

test_above_the_first_tier_one_payments_officer_approves if {
	d := pay(["payments_officer"], fx.transfer(10000.01, "USD", "Bob"))
	d.action == "require_approval"
	d.approval == {"roles": ["payments_officer"], "count": 1}
	d.reasons == [{"rule": "fintech.four_eyes", "message": "transfers above 10000 USD need 1 approval(s) from payments_officer"}]
}

test_above_the_second_tier_two_approvers_are_needed if {
	d := pay(["payments_officer"], fx.transfer(150000, "GBP", "Bob"))
	d.action == "require_approval"
	d.approval == {"roles": ["payments_officer", "treasury_manager"], "count": 2}
	count(d.reasons) == 1
}

# --- fintech.sanctioned_counterparty -------------------------------------------------------------

test_sanctioned_counterparty_is_denied_whatever_the_case_and_spacing if {
	d := pay(["teller"], fx.transfer(100, "USD", "  kestrel ARMS brokerage "))
	d.action == "deny"
	d.reasons == [{"rule": "fintech.sanctioned_counterparty", "message": "counterparty /counterparty is Kestrel Arms Brokerage, which is on the sanctions list"}]
}

test_restricted_destination_account_is_denied if {
	args := object.union(fx.transfer(100, "USD", "Bob"), {"to_account": "CH9300762011623852957"})
	d := pay(["teller"], args)
	d.reasons == [{"rule": "fintech.sanctioned_counterparty", "message": "the destination account is on the restricted accounts list"}]
}

test_ordinary_counterparty_is_allowed if {
	pay(["teller"], fx.transfer(100, "USD", "Oceanic Bakery Ltd")).action == "allow"
}
