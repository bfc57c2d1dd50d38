package postgres

// FeedAppendLock exposes the append lock to the external tests, which
// append events by the same protocol as ingest.
const FeedAppendLock = feedAppendLock
