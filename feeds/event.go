package feeds

import (
	"encoding/json"
	"sync"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/stix/pattern"
)

// Event kinds (API.md section 4).
const (
	KindCreated = "object.created" // the first version of an object id
	KindUpdated = "object.updated" // a later version
	KindRevoked = "object.revoked" // a version with revoked = true
)

// Event is one row of the event log joined with the object version it
// announces. Events are shared by every session of a replica and must not
// be modified once handed to a Tailer.
type Event struct {
	Seq        int64           // position in the one total order of the log
	Kind       string          // KindCreated, KindUpdated or KindRevoked
	ObjectID   string          // STIX id of the object
	Modified   string          // the version's modified, as written
	Org        string          // the submitting (creating) org
	Received   time.Time       // when the hub received the submission
	Object     json.RawMessage // the signed object, bytes exactly as stored
	Type       string          // STIX type
	CreatedBy  string          // created_by_ref
	TLP        string          // auth.TLPClear .. auth.TLPRed
	Recipients []string        // nil when the object names none
	Revoked    bool
	Confidence *int // nil when absent
	Labels     []string

	obsOnce sync.Once
	obs     []pattern.Observable
	frames  frames
}

// Marking returns the visibility inputs of the event's object version.
func (e *Event) Marking() auth.Marking {
	return auth.Marking{TLP: e.TLP, Recipients: e.Recipients, CreatedBy: e.CreatedBy}
}

// Observables returns the values the object's indicator pattern
// references (none for other objects or other pattern languages). They
// are computed once, on first use, from the stored bytes with the same
// extraction the lookup index uses.
func (e *Event) Observables() []pattern.Observable {
	e.obsOnce.Do(func() {
		if e.Type != "indicator" {
			return
		}
		var ind struct {
			Pattern     string `json:"pattern"`
			PatternType string `json:"pattern_type"`
		}
		if json.Unmarshal(e.Object, &ind) != nil || ind.PatternType != "stix" {
			return
		}
		p, err := pattern.Parse(ind.Pattern)
		if err != nil {
			return
		}
		e.obs = p.Observables()
	})
	return e.obs
}
