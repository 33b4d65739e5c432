# Second entry point of every Arbiter bundle, next to arbiter/decision: the policy's detectors applied
# to free text. Input {"texts": [string, ...]}; output {"findings": [{"text", "match", "detector"}]},
# where "text" indexes input.texts and "match" is a substring to hide (see common/text_scan.rego).
# The METADATA annotation makes `opa build` compile it as an entry point without a -e flag.
package arbiter

import data.arbiter.common

# METADATA
# title: arbiter/scan
# entrypoint: true
scan := {"findings": [f | some f in common.text_findings]}
