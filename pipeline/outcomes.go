package pipeline

// outcome is the outcome of an episode.
type outcome int8

const (
	outcomeRecovered outcome = iota
	outcomeLost
	outcomePending
)

var outcomeNames = [...]string{"recovered", "lost", "pending"}

// recoveryTime returns the recovery time r of an episode at d and whether it is
// recovered; qualifying are the customer's qualifying purchase times. SPEC §4:
// "recovered if a qualifying purchase falls in (d, min(d + W, as_of)]; the first such
// purchase time is its recovery time r".
func (def *definitions) recoveryTime(qualifying []int64, d int64) (r int64, recovered bool) {
	j := upperBound(qualifying, d)
	if j < len(qualifying) && qualifying[j] <= def.windowEnd(d) {
		return qualifying[j], true
	}
	return 0, false
}

// windowEnd is the end of the recovery window of an episode at d: min(d + W, as_of).
func (def *definitions) windowEnd(d int64) int64 { return min(d+def.recoveryWindow, def.asOf) }

// outcome returns the outcome of an episode at d. SPEC §4: "recovered if a qualifying
// purchase falls in (d, min(d + W, as_of)]" (recoveryTime); "lost if not recovered and
// d + W <= as_of; pending otherwise (its window is still open)."
func (def *definitions) outcome(recovered bool, d int64) outcome {
	switch {
	case recovered:
		return outcomeRecovered
	case d+def.recoveryWindow <= def.asOf:
		return outcomeLost
	}
	return outcomePending
}

// matured reports whether the window of an episode at d has closed by as_of. SPEC §4,
// matured_recovery_rate: "over the matured episodes of Q (d + W <= as_of: the window
// has closed)".
func (def *definitions) matured(d int64) bool { return d+def.recoveryWindow <= def.asOf }
