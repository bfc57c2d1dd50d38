package feeds

// Websocket close codes of the feed (API.md section 4).
const (
	CloseNormal        = 1000 // normal closure
	CloseGoingAway     = 1001 // the replica is draining: reconnect (with the cursor)
	ClosePolicy        = 1008 // protocol misuse: bad subscribe message, cursor, filter, missing pongs
	CloseTooBig        = 1009 // a client frame exceeded the read limit
	CloseInternal      = 1011 // the hub failed (e.g. the database) : reconnect later
	CloseOverloaded    = 1013 // too many sessions on this replica: retry later
	CloseTokenExpired  = 4401 // the token expired or was revoked
	CloseForbidden     = 4403 // the token does not allow reading the feed
	CloseSlowConsumer  = 4408 // the client did not keep up: reconnect with the cursor
	CloseCursorExpired = 4410 // the cursor is older than the retention: resync via history
)
