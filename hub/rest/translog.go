package rest

import (
	"encoding/base64"

	"github.com/jag-hub/jag/hub"
)

// logPositionView is one version's transparency-log index in a
// submission's answer.
type logPositionView struct {
	ID       string `json:"id"`
	Modified string `json:"modified"`
	Index    int64  `json:"index"`
}

func logPositionViews(ps []hub.LogPosition) []logPositionView {
	if len(ps) == 0 {
		return nil
	}
	out := make([]logPositionView, len(ps))
	for i, p := range ps {
		out[i] = logPositionView(p)
	}
	return out
}

// provenanceLog is the "log" member of a provenance answer: the version's
// entry, and (once a checkpoint covers it) the inclusion proof of the
// entry in that signed checkpoint, all checkable with
// golang.org/x/mod/sumdb/tlog and /note and the log key.
type provenanceLog struct {
	Index      int64    `json:"index"`
	Entry      string   `json:"entry,omitempty"`      // base64 of the entry bytes
	Checkpoint string   `json:"checkpoint,omitempty"` // the signed note
	Proof      []string `json:"proof,omitempty"`      // base64 RFC 6962 hashes
	Pending    bool     `json:"pending,omitempty"`    // no checkpoint covers it yet
}

// provenanceLogOf is the view of l; nil when the version has no entry.
func provenanceLogOf(l *hub.ProvenanceLog) *provenanceLog {
	if l == nil {
		return nil
	}
	p := &provenanceLog{Index: l.Index, Pending: l.Pending}
	if in := l.Inclusion; in != nil {
		p.Entry = base64.StdEncoding.EncodeToString(in.Entry)
		p.Checkpoint = string(in.Checkpoint)
		p.Proof = make([]string, len(in.Proof))
		for i, h := range in.Proof {
			p.Proof[i] = base64.StdEncoding.EncodeToString(h[:])
		}
	}
	return p
}
