package feeds

import (
	"context"
	"time"

	"github.com/jag-hub/jag/hub"
)

// revocationLoop polls the revocation store every PollInterval, one query
// for all the replica's sessions, and closes with 4401 the sessions whose
// token is in the answer. The first poll reads every revocation not yet
// purged, so a session registered before Run is covered too. A failed
// poll is retried at the next interval from the same position; meanwhile
// the heartbeat's per-token check still applies.
func (f *Feed) revocationLoop(ctx context.Context, rf hub.RevocationFeed) {
	tick := f.clock.NewTicker(f.cfg.PollInterval)
	defer tick.Stop()
	var since time.Time
	failing := false
	for {
		qctx, cancel := context.WithTimeout(ctx, f.cfg.WriteWait)
		jtis, through, err := rf.TokensRevokedSince(qctx, since)
		cancel()
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			if !failing {
				f.log.Warn().Err(err).Msg("feed: cannot poll token revocations; heartbeats still check them")
			}
			failing = true
		default:
			if failing {
				f.log.Info().Msg("feed: token revocation poll recovered")
			}
			failing = false
			since = through
			f.closeRevoked(jtis)
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C():
		}
	}
}

// closeRevoked kills with 4401 every session whose token id is in jtis.
// The scan of the sessions runs only when there is something to close.
func (f *Feed) closeRevoked(jtis []string) {
	if len(jtis) == 0 {
		return
	}
	revoked := make(map[string]struct{}, len(jtis))
	for _, j := range jtis {
		if j != "" {
			revoked[j] = struct{}{}
		}
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for s := range f.sessions {
		if _, ok := revoked[s.p.JTI]; ok {
			s.kill(CloseTokenExpired, "token revoked")
		}
	}
}
