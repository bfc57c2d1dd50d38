package feeds

import (
	"context"

	"github.com/jag-hub/jag/hub"
)

// event is a hub.Event with its encoded message, prepared once and shared
// by every session of the replica.
type event struct {
	*hub.Event
	frames frames
}

// page is one read of the event log, wrapped for the sessions.
type page struct {
	events        []*event
	purgedThrough int64
}

// readEvents reads up to limit events after position after from src.
func readEvents(ctx context.Context, src hub.EventSource, after int64, limit int) (page, error) {
	p, err := src.EventsAfter(ctx, after, limit)
	if err != nil {
		return page{}, err
	}
	out := page{events: make([]*event, len(p.Events)), purgedThrough: p.PurgedThrough}
	for i, e := range p.Events {
		out.events[i] = &event{Event: e}
	}
	return out, nil
}
