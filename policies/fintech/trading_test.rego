package arbiter.fintech.trading_test

import data.arbiter.fintech
import data.arbiter.fixtures as fx

trade(roles, args, time) := d if {
	d := data.arbiter.decision with input as fx.at(fx.fin("trading.place_order", roles, args), time)
}

buy_msft := fx.order("MSFT", "buy", 100)

# --- fintech.trading_role_required ---------------------------------------------------------------

test_trader_may_place_an_order_in_hours if {
	trade(["trader"], buy_msft, fx.wednesday_open).action == "allow"
}

test_non_trader_is_denied if {
	d := trade(["teller"], buy_msft, fx.wednesday_open)
	d.reasons == [{"rule": "fintech.trading_role_required", "message": "principal emp-101 has no trading role"}]
}

# --- fintech.order_invalid -----------------------------------------------------------------------

test_unknown_side_is_denied if {
	fx.rules(trade(["trader"], fx.order("MSFT", "short", 100), fx.wednesday_open)) == {"fintech.order_invalid"}
}

test_fractional_quantity_is_denied if {
	fx.rules(trade(["trader"], fx.order("MSFT", "sell", 1.5), fx.wednesday_open)) == {"fintech.order_invalid"}
}

test_zero_quantity_is_denied if {
	fx.rules(trade(["trader"], fx.order("MSFT", "sell", 0), fx.wednesday_open)) == {"fintech.order_invalid"}
}

# Messages name the wrong fields; they never echo what was sent (it may be an account number).
test_invalid_fields_are_named_not_echoed if {
	d := trade(["trader"], {"side": "078-05-1120", "quantity": 4401778812.5}, fx.wednesday_open)
	d.reasons == [{"rule": "fintech.order_invalid", "message": "an order needs a symbol, side buy|sell and a positive whole quantity; invalid: /quantity, /side, /symbol"}]
	d.redact == ["/quantity", "/side"]
}

# --- fintech.restricted_security -----------------------------------------------------------------

test_restricted_security_is_denied_whatever_the_case if {
	d := trade(["trader"], fx.order("acme", "buy", 10), fx.wednesday_open)
	d.reasons == [{"rule": "fintech.restricted_security", "message": "ACME is on the restricted securities list"}]
}

# --- fintech.trading_hours -----------------------------------------------------------------------

closed(time) if fx.rules(trade(["trader"], buy_msft, time)) == {"fintech.trading_hours"}

test_opening_minute_is_open if trade(["trader"], buy_msft, "2026-11-25T14:30:00.000Z").action == "allow"

test_last_minute_is_open if trade(["trader"], buy_msft, "2026-11-25T20:59:59.999Z").action == "allow"

test_before_the_open_is_closed if closed("2026-11-25T14:29:59.999Z")

test_at_the_close_is_closed if closed("2026-11-25T21:00:00.000Z")

test_saturday_is_closed if closed("2026-11-28T15:00:00.000Z")

test_sunday_is_closed if closed("2026-11-29T15:00:00.000Z")

test_market_holiday_is_closed if closed("2026-11-26T15:00:00.000Z")

test_unparseable_time_fails_closed if closed("2026-11-25 15:00:00")

test_non_utc_time_fails_closed if closed("2026-11-25T15:00:00+01:00")

test_missing_time_fails_closed if {
	d := data.arbiter.decision with input as object.remove(fx.fin("trading.place_order", ["trader"], buy_msft), ["context"])
	d.reasons == [{"rule": "fintech.trading_hours", "message": "orders may only be placed Monday to Friday 14:30-21:00 UTC (09:30-16:00 New York, standard time), not on market holidays; decision time is null"}]
}

test_weekday_arithmetic if {
	fintech.weekday(2026, 11, 25) == 3 # Wednesday
	fintech.weekday(2024, 2, 29) == 4 # Thursday, leap day
	fintech.weekday(2000, 3, 1) == 3 # Wednesday, after a century leap day
	fintech.weekday(2027, 1, 3) == 0 # Sunday
	fintech.weekday(1999, 12, 31) == 5 # Friday
}

test_utc_clock_parses_rfc3339 if {
	fintech.utc_clock("2026-11-25T14:31:07.123Z") == {"date": "2026-11-25", "weekday": 3, "minutes": 871}
	fintech.utc_clock("2026-11-25T14:31:07Z").minutes == 871
}
