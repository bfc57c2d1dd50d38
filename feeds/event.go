package feeds

import (
	"context"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
)

// event is a hub.Event with its encoded message, prepared once and shared
// by every session of the replica.
type event struct {
	*hub.Event
	frames [2]frames // as announced (Kind), and as KindCreated (see kindFor)
}

// size estimates the memory an event holds once delivered: the stored
// object, its encoded message (open) and the prepared message sharing
// it, and the fixed parts.
func (e *event) size() int64 { return 3*int64(len(e.Object)) + 1024 }

// batchBytes is the sum of the sizes of evs.
func batchBytes(evs []*event) int64 {
	var n int64
	for _, e := range evs {
		n += e.size()
	}
	return n
}

// page is one read of the event log, wrapped for the sessions.
type page struct {
	events        []*event
	purgedThrough int64
}

// readEvents reads up to limit events after position after from src, at
// most maxBytes of objects when src can bound pages in bytes (beyond the
// first event), with the markings of their earlier versions when src
// keeps them.
func readEvents(ctx context.Context, src hub.EventSource, after int64, limit int, maxBytes int64) (page, error) {
	var p hub.Page
	var err error
	if pager, ok := src.(hub.EventPager); ok {
		p, err = pager.EventsAfterBytes(ctx, after, limit, maxBytes)
	} else {
		p, err = src.EventsAfter(ctx, after, limit)
	}
	if err != nil {
		return page{}, err
	}
	if h, ok := src.(hub.EventHistory); ok {
		if err := h.EarlierMarkings(ctx, p.Events); err != nil {
			return page{}, err
		}
	}
	out := page{events: make([]*event, len(p.Events)), purgedThrough: p.PurgedThrough}
	for i, e := range p.Events {
		out.events[i] = &event{Event: e}
	}
	return out, nil
}

// kindFor is the event kind as viewer p sees it: an update of an object
// none of whose earlier versions p may see is, for p, its creation.
// Without the earlier versions' markings (a source without
// hub.EventHistory) only the creating org's members, who see every
// version, are told of an update.
func kindFor(p *auth.Principal, ev *event) string {
	if ev.Kind != hub.KindUpdated {
		return ev.Kind
	}
	if !ev.EarlierKnown {
		if p != nil && p.Tier == auth.TierMember && p.Org != "" && p.Org == ev.CreatedBy {
			return hub.KindUpdated
		}
		return hub.KindCreated
	}
	for _, m := range ev.Earlier {
		if auth.Visible(p, m) {
			return hub.KindUpdated
		}
	}
	return hub.KindCreated
}
