# trading.place_order {symbol, side, quantity}: only traders, well-formed orders, no restricted
# securities, and only during trading hours (from input.context.time, which Arbiter sets).
package arbiter.fintech

is_order if input.tool.name == "trading.place_order"

order := input.arguments

deny contains {
	"rule": "fintech.trading_role_required",
	"message": concat("", ["principal ", input.principal.id, " has no trading role"]),
} if {
	is_order
	count({r | some r in input.principal.roles} & {r | some r in data.fintech.trading_roles}) == 0
}

valid_order if count(invalid_order_fields) == 0

# Pointers of the order fields that are wrong; messages name them instead of echoing the values.
# Each test sits in a helper rule: `not is_string(order.symbol)` would be undefined, not true, for a
# missing symbol (the reference is evaluated outside the negation).
invalid_order_fields contains "/symbol" if not symbol_ok

invalid_order_fields contains "/side" if not side_ok

invalid_order_fields contains "/quantity" if not quantity_ok

symbol_ok if is_string(order.symbol)

side_ok if order.side in {"buy", "sell"}

quantity_ok if {
	is_number(order.quantity)
	order.quantity > 0
	order.quantity == floor(order.quantity)
}

deny contains {
	"rule": "fintech.order_invalid",
	"message": concat("", [
		"an order needs a symbol, side buy|sell and a positive whole quantity; invalid: ",
		concat(", ", sort([f | some f in invalid_order_fields])),
	]),
} if {
	is_order
	not valid_order
}

deny contains {
	"rule": "fintech.restricted_security",
	"message": concat("", [upper(order.symbol), " is on the restricted securities list"]),
} if {
	is_order
	is_string(order.symbol)
	upper(order.symbol) in data.fintech.restricted_securities
}

deny contains {
	"rule": "fintech.trading_hours",
	"message": concat("", [
		"orders may only be placed ", data.fintech.trading_hours.description,
		"; decision time is ", json.marshal(object.get(input, ["context", "time"], null)),
	]),
} if {
	is_order
	not market_open
}

hours := data.fintech.trading_hours

market_open if {
	clock := utc_clock(input.context.time)
	clock.weekday in hours.weekdays
	not clock.date in hours.holidays
	clock.minutes >= minutes_of(hours.open_utc)
	clock.minutes < minutes_of(hours.close_utc)
}
