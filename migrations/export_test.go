package migrations

// Hooks for the external tests, which need pgtest (itself importing this
// package): apply and check a given list, as a binary built with it would.
var (
	ApplyList = apply
	CheckList = check
	Load      = load
)
