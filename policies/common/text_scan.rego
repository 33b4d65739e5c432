# Free text Arbiter stores that never went through a decision: tool error messages, outcome errors
# posted over HTTP, approval comments. Arbiter calls the arbiter/scan entry point with
# {"texts": [string, ...]} and replaces every flagged substring before the text is stored.
package arbiter.common

# {"text": index into input.texts, "match": the flagged substring, "detector": pattern name}
text_findings contains {"text": i, "match": found[0], "detector": pattern.name} if {
	some i, text in input.texts
	is_string(text)
	shape := shape_of(text)
	some pattern in detectors
	matches(pattern, text, shape)
	some found in regex.find_all_string_submatch_n(pattern.regex, text, -1)
}
