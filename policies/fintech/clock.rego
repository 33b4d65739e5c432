# Calendar arithmetic on RFC 3339 UTC timestamps ("2026-11-25T14:31:07.123Z") without the time.*
# builtins, which opa-wasm does not provide. A timestamp that does not parse leaves utc_clock
# undefined, so rules that need the time fail closed.
package arbiter.fintech

utc_clock(ts) := {"date": substring(ts, 0, 10), "weekday": weekday(y, m, d), "minutes": (hh * 60) + mm} if {
	# String checks instead of a regex: regex compilation is slow in OPA-WASM.
	count(ts) >= 20
	endswith(ts, "Z")
	[substring(ts, 4, 1), substring(ts, 7, 1), substring(ts, 10, 1), substring(ts, 13, 1), substring(ts, 16, 1)] == ["-", "-", "T", ":", ":"]
	y := to_number(substring(ts, 0, 4))
	m := to_number(substring(ts, 5, 2))
	d := to_number(substring(ts, 8, 2))
	hh := to_number(substring(ts, 11, 2))
	mm := to_number(substring(ts, 14, 2))
}

# "14:30" -> 870
minutes_of(hhmm) := (to_number(substring(hhmm, 0, 2)) * 60) + to_number(substring(hhmm, 3, 2))

# Day of week, 0 = Sunday .. 6 = Saturday (Sakamoto's method).
weekday(y, m, d) := (((((yy + floor(yy / 4)) - floor(yy / 100)) + floor(yy / 400)) + month_offset[m - 1]) + d) % 7 if {
	yy := y - january_or_february(m)
}

january_or_february(m) := 1 if m < 3

else := 0

month_offset := [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4]
