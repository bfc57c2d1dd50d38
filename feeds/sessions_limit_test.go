package feeds

import (
	"testing"

	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/auth"
)

// TestTrackEnforcesMaxSessions: ServeHTTP checks the session count before
// the upgrade, without holding the lock through it, so concurrent upgrades
// all pass that check; track, which registers the session, must refuse
// beyond MaxSessions itself (close 1013) so the bound holds.
func TestTrackEnforcesMaxSessions(t *testing.T) {
	tk := &tokens{byToken: map[string]*auth.Principal{}, revoked: map[string]bool{}}
	f, err := New(Config{MaxSessions: 3}, Deps{Source: newMemLog(), Revocations: tk, Log: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	var tracked []*session
	for i := range 5 {
		s := &session{f: f}
		code := f.track(s)
		switch {
		case i < 3 && code != 0:
			t.Fatalf("session %d refused with %d below the limit", i, code)
		case i >= 3 && code != CloseOverloaded:
			t.Fatalf("session %d: code %d, want %d beyond MaxSessions", i, code, CloseOverloaded)
		}
		if code == 0 {
			tracked = append(tracked, s)
		}
	}
	f.untrack(tracked[0])
	if code := f.track(&session{f: f}); code != 0 {
		t.Fatalf("refused with %d after a session ended", code)
	}
}
