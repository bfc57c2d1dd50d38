package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jag-hub/jag/feeds"
	"github.com/jag-hub/jag/hub/export"
)

// isExportSubscribe reports whether `jag subscribe` was asked for the
// --export mode (the hook in cmdSubscribe).
func isExportSubscribe(args []string) bool {
	for _, a := range args {
		if a == "--" {
			return false
		}
		if a == "--export" || a == "-export" || strings.HasPrefix(a, "--export=") || strings.HasPrefix(a, "-export=") {
			return true
		}
	}
	return false
}

// exportSubscriber is one run of `jag subscribe --export FORMAT --out FILE`:
// it keeps FILE equal to the export, re-fetching it (conditionally, so an
// unchanged export costs a 304) when the live feed delivers an indicator
// event, when the export's next validity boundary passes, and every
// --refresh. FILE is replaced atomically. The feed cursor is saved only
// once FILE reflects every event up to it, so a restart resumes from
// there without missing a change.
type exportSubscriber struct {
	e          *env
	c          *client
	path       string
	query      string
	out        string
	cursorFile string
	feedFilter feeds.Filter
	refresh    time.Duration
	debounce   time.Duration
	maxBackoff time.Duration
	cursor     string // saved cursor: FILE reflects every event up to it
}

func cmdSubscribeExport(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "subscribe --export", "FORMAT --out FILE [filters] [flags]")
	var cf clientFlags
	var ff exportFilterFlags
	var format, name string
	s := &exportSubscriber{e: e}
	cf.register(fs, e)
	ff.register(fs)
	fs.StringVar(&format, "export", "", "export format to keep current: "+formatList())
	fs.StringVar(&name, "name", "", "keep the named export definition NAME current instead (filters not allowed)")
	fs.StringVar(&s.out, "out", "", "the file to keep current (replaced atomically)")
	fs.StringVar(&s.cursorFile, "cursor-file", "", "where the feed cursor is kept (default FILE.cursor)")
	fs.DurationVar(&s.refresh, "refresh", 5*time.Minute, "also re-check the export this often (a conditional GET)")
	fs.DurationVar(&s.debounce, "debounce", 2*time.Second, "wait this long after an event for more before re-fetching")
	fs.DurationVar(&s.maxBackoff, "max-backoff", 30*time.Second, "longest pause between reconnection attempts (env JAG_SUBSCRIBE_MAX_BACKOFF)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := applyEnv(fs, e, subscribeEnv); err != nil {
		return err
	}
	f, err := export.ParseFormat(format)
	if err != nil {
		return fmt.Errorf("%w: --export: %v", errUsage, err)
	}
	if s.out == "" {
		return fmt.Errorf("%w: --out FILE is required with --export", errUsage)
	}
	if s.refresh < time.Second || s.debounce < 0 {
		return fmt.Errorf("%w: --refresh must be at least 1s and --debounce not negative", errUsage)
	}
	if s.cursorFile == "" {
		s.cursorFile = s.out + ".cursor"
	}
	filter, err := ff.filter()
	if err != nil {
		return err
	}
	s.path, s.query = "/v1/exports/"+string(f), filter.Query()
	if name != "" {
		if s.query != "" {
			return fmt.Errorf("%w: a named export carries its own filters", errUsage)
		}
		s.path = "/v1/exports/by-name/" + url.PathEscape(name)
	}
	// The feed only needs to say "something changed": indicator events
	// the export's filters may care about, revocations included.
	s.feedFilter = feeds.Filter{Types: []string{"indicator"}, Labels: filter.Labels, CreatedBy: filter.Creators, MinConfidence: filter.MinConfidence}
	if s.c, err = cf.client(); err != nil {
		return err
	}
	if s.c.token == "" {
		return errNoToken
	}
	if b, err := os.ReadFile(s.cursorFile); err == nil {
		s.cursor = strings.TrimSpace(string(b))
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("read cursor file: %w", err)
	}
	return s.run(ctx)
}

// run fetches once, then follows the feed, reconnecting with backoff.
func (s *exportSubscriber) run(ctx context.Context) error {
	delay := 100 * time.Millisecond
	for {
		subscribed, err := s.session(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if errors.Is(err, errFatalFeed) {
			return err
		}
		if subscribed {
			delay = 100 * time.Millisecond
		}
		pause := delay/2 + rand.N(delay/2+1)
		fmt.Fprintf(s.e.stderr, "jag subscribe: %v; reconnecting in %s\n", err, pause.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(pause):
		}
		delay = min(2*delay, s.maxBackoff)
	}
}

// fetch brings the file up to date; a failure is reported and retried.
func (s *exportSubscriber) fetch(ctx context.Context) error {
	changed, err := s.c.downloadFile(ctx, s.path, s.query, s.out)
	if err != nil {
		var ae *apiError
		if errors.As(err, &ae) && (ae.Status == http.StatusUnauthorized || ae.Status == http.StatusForbidden ||
			ae.Status == http.StatusBadRequest || ae.Status == http.StatusNotFound) {
			return fmt.Errorf("%w: %v", errFatalFeed, err)
		}
		fmt.Fprintf(s.e.stderr, "jag subscribe: fetch export: %v\n", err)
		return err
	}
	if changed {
		fmt.Fprintf(s.e.stderr, "jag subscribe: %s updated\n", s.out)
	}
	return nil
}

// save records a cursor FILE now reflects.
func (s *exportSubscriber) save(cursor string) error {
	if cursor == "" || cursor == s.cursor {
		return nil
	}
	s.cursor = cursor
	if err := writeFileAtomic(s.cursorFile, []byte(cursor+"\n")); err != nil {
		return fmt.Errorf("%w: save cursor: %v", errFatalFeed, err)
	}
	return nil
}

// nextBoundary reads the validity boundary an export's ETag carries
// (hub/export Tag: "<digest>.<unix microseconds>"); zero for none.
func nextBoundary(file string) time.Time {
	b, err := os.ReadFile(file + ".etag")
	if err != nil {
		return time.Time{}
	}
	tag := strings.Trim(strings.TrimSpace(string(b)), `"`)
	_, nb, ok := strings.Cut(tag, ".")
	n, err := strconv.ParseInt(nb, 10, 64)
	if !ok || err != nil || n <= 0 {
		return time.Time{}
	}
	return time.UnixMicro(n)
}

// feedMessage is what the session reads from the feed.
type feedMessage struct {
	Op      string `json:"op"`
	Cursor  string `json:"cursor"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// session runs one feed connection.
func (s *exportSubscriber) session(ctx context.Context) (subscribed bool, err error) {
	d := websocket.Dialer{Subprotocols: []string{feeds.Subprotocol}, HandshakeTimeout: 30 * time.Second, Proxy: http.ProxyFromEnvironment}
	conn, resp, err := d.DialContext(ctx, feedURL(s.c.base.String()), http.Header{"Authorization": {"Bearer " + s.c.token}})
	if err != nil {
		if resp != nil && (resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden) {
			return false, fmt.Errorf("%w: feed: %s", errFatalFeed, resp.Status)
		}
		return false, fmt.Errorf("connect to the feed: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { _ = conn.Close() })
	defer stop()
	msg := map[string]any{"op": "subscribe", "filter": s.feedFilter}
	if s.cursor != "" {
		msg["cursor"] = s.cursor
	}
	if err := conn.WriteJSON(msg); err != nil {
		return false, fmt.Errorf("subscribe: %w", err)
	}
	msgs := make(chan feedMessage)
	readErr := make(chan error, 1)
	ended := make(chan struct{}) // the reader never outlives the session
	defer close(ended)
	go func() {
		for {
			var m feedMessage
			_, data, err := conn.ReadMessage()
			if err == nil {
				err = json.Unmarshal(data, &m)
			}
			if err != nil {
				readErr <- err
				return
			}
			select {
			case msgs <- m:
			case <-ended:
				return
			}
		}
	}()

	// pending: events arrived that FILE may not reflect yet; seen is the
	// latest cursor received.
	pending, seen := true, s.cursor // fetch once on (re)connect
	wake := time.NewTimer(0)
	defer wake.Stop()
	poll := time.NewTicker(s.refresh)
	defer poll.Stop()
	for {
		select {
		case <-ctx.Done():
			return subscribed, ctx.Err()
		case err := <-readErr:
			var ce *websocket.CloseError
			if errors.As(err, &ce) && (ce.Code == feeds.CloseTokenExpired || ce.Code == feeds.CloseForbidden || ce.Code == feeds.ClosePolicy) {
				return subscribed, fmt.Errorf("%w: feed closed (%d %s)", errFatalFeed, ce.Code, ce.Text)
			}
			if errors.As(err, &ce) && ce.Code == feeds.CloseCursorExpired {
				// older than the retention: the export itself is the
				// resync; start again from the live edge
				s.cursor = ""
				_ = os.Remove(s.cursorFile)
			}
			return subscribed, fmt.Errorf("feed: %w", err)
		case m := <-msgs:
			switch m.Op {
			case "subscribed":
				subscribed = true
			case "event":
				pending = true
				wake.Reset(s.debounce)
			case "error":
				fmt.Fprintf(s.e.stderr, "jag subscribe: hub error %s: %s\n", m.Code, m.Message)
			}
			if m.Cursor != "" {
				seen = m.Cursor
			}
			if !pending {
				if err := s.save(seen); err != nil {
					return subscribed, err
				}
			}
		case <-poll.C:
			pending = true
			wake.Reset(0)
		case <-wake.C:
			covered := seen
			if err := s.fetch(ctx); err != nil {
				if errors.Is(err, errFatalFeed) {
					return subscribed, err
				}
				wake.Reset(5 * time.Second)
				continue
			}
			pending = false
			if err := s.save(covered); err != nil {
				return subscribed, err
			}
			if nb := nextBoundary(s.out); !nb.IsZero() {
				// the export changes when an indicator's validity starts or ends
				wake.Reset(max(time.Until(nb), 0) + 100*time.Millisecond)
			}
		}
	}
}
