package feeds

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/hub"
)

// Timing of a websocket session. A heartbeat goes out at least every
// HeartbeatInterval (API.md: at most 15 s apart) and also re-checks the
// token's revocation; pings go out every PingInterval and a client that
// has not answered one within PongWait of it is closed (1008); every
// write must complete within WriteWait; the subscribe message must arrive
// within SubscribeWait of the upgrade.
const (
	DefaultHeartbeatInterval = 15 * time.Second
	DefaultPongWait          = 30 * time.Second
	DefaultPingInterval      = DefaultPongWait * 9 / 10
	DefaultWriteWait         = 10 * time.Second
	DefaultSubscribeWait     = 10 * time.Second
)

// Sizes and the tailer's cadence.
const (
	// DefaultQueueSize bounds the events waiting for one session's writer,
	// that is how far behind the live edge a session may fall before it is
	// closed as a slow consumer (4408) and resumes from its cursor. One
	// bundle yields one event per object at once, so the bound admits a
	// whole bundle of up to 10,000 objects (the STIX decoder's
	// DefaultMaxObjects) with room to spare. The queue allocates for the
	// events actually waiting, never for the bound: an idle session costs
	// nothing, a full one about 32 bytes per event plus the shared events.
	DefaultQueueSize = 16384
	// DefaultRingSize is how many recent events a replica keeps in memory
	// so reconnecting cursors switch from replay to live without a query.
	DefaultRingSize = 8192
	// DefaultRingBytes bounds the ring in bytes as well (event.size: the
	// stored object, its encoded message and bookkeeping); the newest
	// event always stays, so one event larger than the bound is kept
	// alone.
	DefaultRingBytes = 64 << 20
	// DefaultQueueBytes bounds the events waiting for one session's writer
	// in bytes (event.size: three times the stored object plus 1 KiB,
	// which the encoded message and bookkeeping take): the events are
	// shared by the sessions that want them, but one whose client stops
	// reading pins them after the ring has let them go. It admits the
	// burst of the largest bundle (16 MiB of objects, the default
	// --max-body-bytes, is at most 58 MiB of events); beyond, the session
	// is a slow consumer (4408). An event alone always fits.
	DefaultQueueBytes = 64 << 20
	// DefaultQueueMatchBytes bounds the watchlist matches waiting in one
	// session's queue (the events themselves are shared by all sessions
	// and bounded by QueueSize); beyond, the session is a slow consumer.
	DefaultQueueMatchBytes = 8 << 20
	// DefaultMaxWatchEntries bounds the watchlist entries of all the
	// sessions of a replica (1,024 sessions with full 4,096-entry
	// watchlists); beyond, a subscribing session is closed 1013.
	DefaultMaxWatchEntries = 1024 * MaxFilterValues
	// DefaultMaxWatchBytes bounds the replica's watchlist text: per entry
	// its given and normalised text plus 64 bytes (1013 beyond).
	DefaultMaxWatchBytes = 512 << 20
	// DefaultBatchSize bounds the events one log read returns.
	DefaultBatchSize = 1000
	// DefaultPageBytes bounds the object bytes one log read returns (the
	// tailer's and every replaying session's), beyond its first event.
	DefaultPageBytes = 4 << 20
	// DefaultMaxReplays bounds the sessions of a replica that hold a page
	// read from the database at once; others wait for a slot.
	DefaultMaxReplays = 32
	// DefaultPollInterval is how often the tailer reads the log without a
	// wake-up (polling is what guarantees delivery), and how often a
	// RevocationFeed is asked for revoked tokens.
	DefaultPollInterval = time.Second
	// DefaultMaxMessageBytes is the read limit of client frames (close 1009).
	DefaultMaxMessageBytes = 128 << 10
	// DefaultMaxSessions bounds a replica's sessions (close 1013 beyond).
	DefaultMaxSessions = 20000
	// DefaultRetention is how long events stay in the log (4410 beyond).
	DefaultRetention = 7 * 24 * time.Hour
	// DefaultPurgeInterval is how often expired events are purged.
	DefaultPurgeInterval = time.Hour
	// DefaultStatsInterval is how often the lag gauges are refreshed.
	DefaultStatsInterval = 5 * time.Second
)

// Config is the feed's behaviour that operators (and tests) choose; zero
// fields take the defaults above.
type Config struct {
	// AllowedOrigins are the exact origins ("https://soc.example.org") a
	// browser may connect from; a request with any other Origin header is
	// refused with 403 before the upgrade. Requests without Origin (non-
	// browser clients) are not affected.
	AllowedOrigins []string

	Retention     time.Duration
	PurgeInterval time.Duration
	PollInterval  time.Duration
	StatsInterval time.Duration
	BatchSize     int
	RingSize      int
	RingBytes     int64
	PageBytes     int64
	MaxReplays    int

	// MaxWatchEntries and MaxWatchBytes bound the replica's watchlist
	// index (all sessions together).
	MaxWatchEntries int
	MaxWatchBytes   int64
	QueueMatchBytes int64

	QueueSize       int
	QueueBytes      int64
	MaxSessions     int
	MaxMessageBytes int64

	HeartbeatInterval time.Duration
	PingInterval      time.Duration
	PongWait          time.Duration
	WriteWait         time.Duration
	SubscribeWait     time.Duration
}

func (c Config) withDefaults() Config {
	dur := func(d *time.Duration, def time.Duration) {
		if *d <= 0 {
			*d = def
		}
	}
	num := func(n *int, def int) {
		if *n <= 0 {
			*n = def
		}
	}
	dur(&c.Retention, DefaultRetention)
	dur(&c.PurgeInterval, DefaultPurgeInterval)
	dur(&c.PollInterval, DefaultPollInterval)
	dur(&c.StatsInterval, DefaultStatsInterval)
	dur(&c.HeartbeatInterval, DefaultHeartbeatInterval)
	dur(&c.PongWait, DefaultPongWait)
	dur(&c.PingInterval, c.PongWait*9/10)
	dur(&c.WriteWait, DefaultWriteWait)
	dur(&c.SubscribeWait, DefaultSubscribeWait)
	num(&c.BatchSize, DefaultBatchSize)
	num(&c.RingSize, DefaultRingSize)
	num(&c.QueueSize, DefaultQueueSize)
	num(&c.MaxSessions, DefaultMaxSessions)
	num(&c.MaxWatchEntries, DefaultMaxWatchEntries)
	num(&c.MaxReplays, DefaultMaxReplays)
	num64 := func(n *int64, def int64) {
		if *n <= 0 {
			*n = def
		}
	}
	num64(&c.MaxMessageBytes, DefaultMaxMessageBytes)
	num64(&c.RingBytes, DefaultRingBytes)
	num64(&c.PageBytes, DefaultPageBytes)
	num64(&c.MaxWatchBytes, DefaultMaxWatchBytes)
	num64(&c.QueueMatchBytes, DefaultQueueMatchBytes)
	num64(&c.QueueBytes, DefaultQueueBytes)
	return c
}

// Deps are the feed's collaborators.
type Deps struct {
	Source      hub.EventSource // required
	Revocations hub.Revocations // required: revoked tokens close their sessions (polled when also a RevocationFeed)
	Wakeup      hub.Wakeup      // optional: LISTEN/NOTIFY wake-ups
	Log         zerolog.Logger
	Registry    prometheus.Registerer // nil: metrics are not registered
	Clock       Clock                 // nil: the system clock
	// CursorKey seals cursors (CursorKeySize bytes, the same on every
	// replica; see CursorCodec). nil gives plain cursors that count
	// every event of the log: for tests only, `jag serve` always sets it.
	CursorKey []byte
}
