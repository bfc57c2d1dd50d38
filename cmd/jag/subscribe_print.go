package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/jag-hub/jag/feeds"
)

// describeFilter says in words what the subscription asks for.
func describeFilter(f *feeds.Filter) string {
	var parts []string
	list := func(name string, v []string) {
		if len(v) > 0 {
			parts = append(parts, name+" "+cell(strings.Join(v, ","), 200))
		}
	}
	list("types", f.Types)
	list("labels", f.Labels)
	list("created by", f.CreatedBy)
	list("watching", f.Observables)
	if f.MinConfidence != nil {
		parts = append(parts, fmt.Sprintf("confidence ≥ %d", *f.MinConfidence))
	}
	if f.IncludeRevoked != nil && !*f.IncludeRevoked {
		parts = append(parts, "no revocations")
	}
	if len(parts) == 0 {
		return "every event you may see"
	}
	return strings.Join(parts, "; ")
}

// printEvent writes one event: in jsonl the hub's message as received,
// one per line; for people one sentence.
func (s *subscriber) printEvent(data []byte) error {
	if !s.human {
		_, err := s.e.stdout.Write(append(data, '\n'))
		return err
	}
	var ev struct {
		Event    string          `json:"event"`
		Org      string          `json:"org"`
		Received string          `json:"received"`
		Object   json.RawMessage `json:"object"`
		Match    []feeds.Match   `json:"match"`
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return fmt.Errorf("bad event from the hub: %w", err)
	}
	o := summarise(ev.Object)
	var b strings.Builder
	what := strings.TrimPrefix(ev.Event, "object.")
	fmt.Fprintf(&b, "%s %-7s %s", humanTime(ev.Received), cell(what, 20), cell(o.ID, 100))
	if t := o.title(); t != "" {
		fmt.Fprintf(&b, " %q", cell(t, 80))
	}
	fmt.Fprintf(&b, " (%s, %s)", nameOf(s.names, o.CreatedBy), tlpOf(o.Markings))
	for i, m := range ev.Match {
		if i == 0 {
			b.WriteString(": ")
		} else {
			b.WriteString("; ")
		}
		v, obs := cell(m.Value, 100), cell(m.Observable.Value, 100)
		switch m.Match {
		case "exact":
			fmt.Fprintf(&b, "names %s", v)
		case "cidr":
			fmt.Fprintf(&b, "%s is inside %s", v, obs)
		case "parent_domain":
			fmt.Fprintf(&b, "%s is under %s", v, obs)
		case "contains":
			fmt.Fprintf(&b, "%s contains %s", v, obs)
		default:
			fmt.Fprintf(&b, "%s matches %s (%s)", v, obs, cell(m.Match, 30))
		}
	}
	b.WriteString("\n")
	_, err := io.WriteString(s.e.stdout, b.String())
	return err
}
