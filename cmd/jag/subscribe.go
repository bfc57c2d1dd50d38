package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gorilla/websocket"

	"github.com/jag-hub/jag/feeds"
)

// subscribeConfig is `jag subscribe`'s configuration.
type subscribeConfig struct {
	client     clientFlags
	cursorFile string
	filter     string
	types      string
	labels     string
	createdBy  string
	watch      string
	minConf    int
	noRevoked  bool
	maxBackoff time.Duration
}

// subscribeEnv maps subscribe's typed flags to their environment variables.
var subscribeEnv = map[string]string{"timeout": "JAG_CLIENT_TIMEOUT", "max-backoff": "JAG_SUBSCRIBE_MAX_BACKOFF"}

// errFatalFeed marks a refusal that reconnecting cannot cure.
var errFatalFeed = errors.New("feed refused")

func cmdSubscribe(ctx context.Context, e *env, args []string) error {
	if isExportSubscribe(args) { // --export FORMAT --out FILE: see export_subscribe.go
		return cmdSubscribeExport(ctx, e, args)
	}
	var c subscribeConfig
	fs := newFlagSet(e, "subscribe", "[flags]")
	c.client.register(fs, e)
	fs.StringVar(&c.cursorFile, "cursor-file", envOr(e, "JAG_CURSOR_FILE", ""), "file that keeps the feed cursor across runs, rewritten atomically after every event (env JAG_CURSOR_FILE)")
	fs.StringVar(&c.filter, "filter", "", `subscription filter as JSON, e.g. '{"types":["indicator"],"observables":["198.51.100.7"]}'`)
	fs.StringVar(&c.types, "types", "", "comma-separated STIX types")
	fs.StringVar(&c.labels, "labels", "", "comma-separated labels (any of them)")
	fs.StringVar(&c.createdBy, "created-by", "", "comma-separated identity ids of creators")
	fs.StringVar(&c.watch, "watch", "", "comma-separated watchlist of IPs, CIDRs, domains, URLs, e-mail addresses, hashes")
	fs.IntVar(&c.minConf, "min-confidence", -1, "lowest confidence (0-100); -1 for no condition")
	fs.BoolVar(&c.noRevoked, "exclude-revoked", false, "do not deliver revocations")
	fs.DurationVar(&c.maxBackoff, "max-backoff", 30*time.Second, "longest pause between reconnection attempts (env JAG_SUBSCRIBE_MAX_BACKOFF)")
	output := fs.String("output", "", "text or jsonl (default text on a terminal, jsonl in a pipe; table is text, json is jsonl: a feed is a stream)")
	guardFlags(fs, clientRules)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	format, err := chooseOutput(e, *output, outText, outJSONL)
	if err != nil {
		return err
	}
	if err := applyEnv(fs, e, subscribeEnv); err != nil {
		return err
	}
	filter, err := c.buildFilter()
	if err != nil {
		return err
	}
	cl, err := c.client.client()
	if err != nil {
		return err
	}
	if cl.token == "" {
		return errNoToken
	}
	s := &subscriber{e: e, cfg: c, filter: filter, token: cl.token, url: feedURL(cl.base.String()), human: human(format)}
	if s.human {
		s.names = cl.participantNames(ctx)
	}
	return s.run(ctx)
}

// buildFilter merges --filter with the single-purpose flags.
func (c *subscribeConfig) buildFilter() (*feeds.Filter, error) {
	var f feeds.Filter
	if c.filter != "" {
		d := json.NewDecoder(strings.NewReader(c.filter))
		d.DisallowUnknownFields()
		if err := d.Decode(&f); err != nil {
			return nil, fmt.Errorf("%w: --filter: %v", errUsage, err)
		}
	}
	f.Types = append(f.Types, splitList(c.types)...)
	f.Labels = append(f.Labels, splitList(c.labels)...)
	f.CreatedBy = append(f.CreatedBy, splitList(c.createdBy)...)
	f.Observables = append(f.Observables, splitList(c.watch)...)
	if c.minConf >= 0 {
		f.MinConfidence = &c.minConf
	}
	if c.noRevoked {
		no := false
		f.IncludeRevoked = &no
	}
	return &f, nil
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// feedURL turns the hub's http(s) base URL into the feed's ws(s) URL.
func feedURL(base string) string {
	u := strings.TrimRight(base, "/") + "/v1/feed"
	if rest, ok := strings.CutPrefix(u, "https://"); ok {
		return "wss://" + rest
	}
	return "ws://" + strings.TrimPrefix(u, "http://")
}

// subscriber is one run of `jag subscribe`.
type subscriber struct {
	e      *env
	cfg    subscribeConfig
	filter *feeds.Filter
	token  string
	url    string
	cursor string // last cursor received ("" before the first)
	human  bool   // events as sentences, not JSON lines
	names  map[string]string
	events int // events printed
}

// status writes one status line on stderr: what the subscriber is doing
// now. Every change of state writes one, so the last line is current.
func (s *subscriber) status(format string, args ...any) {
	fmt.Fprintf(s.e.stderr, "jag subscribe: "+format+"\n", args...)
}

// run connects, prints, and reconnects with backoff until ctx ends (exit
// 0) or the hub refuses for good (exit 1 with the reason).
func (s *subscriber) run(ctx context.Context) error {
	if s.cfg.cursorFile != "" {
		b, err := os.ReadFile(s.cfg.cursorFile)
		switch {
		case err == nil:
			s.cursor = strings.TrimSpace(string(b))
		case !errors.Is(err, os.ErrNotExist):
			return fmt.Errorf("read cursor file: %w", err)
		}
	}
	delay := 100 * time.Millisecond
	for {
		subscribed, err := s.session(ctx)
		if ctx.Err() != nil {
			s.stopped()
			return nil
		}
		if errors.Is(err, errFatalFeed) {
			return err // main prints it: the last line says why it stopped
		}
		if subscribed {
			delay = 100 * time.Millisecond
		}
		pause := delay/2 + rand.N(delay/2+1)
		state := "could not subscribe"
		if subscribed {
			state = "disconnected"
		}
		s.status("%s: %s; reconnecting in %s", state, cell(firstLine(err), 300), pause.Round(time.Millisecond))
		select {
		case <-ctx.Done():
			s.stopped()
			return nil
		case <-time.After(pause):
		}
		delay = min(2*delay, s.cfg.maxBackoff)
	}
}

// stopped says where the subscriber stopped, so the next run can resume.
func (s *subscriber) stopped() {
	switch {
	case s.cursor == "":
		s.status("stopped before the hub sent a cursor")
	case s.cfg.cursorFile != "":
		s.status("stopped after %s at cursor %s (saved in %s; the next run resumes there)", plural(s.events, "event"), s.cursor, s.cfg.cursorFile)
	default:
		s.status("stopped after %s at cursor %s (resume with --cursor-file FILE holding it)", plural(s.events, "event"), s.cursor)
	}
}

// session runs one connection; subscribed reports whether it got as far
// as the subscription (which resets the backoff).
func (s *subscriber) session(ctx context.Context) (subscribed bool, err error) {
	d := websocket.Dialer{Subprotocols: []string{feeds.Subprotocol}, HandshakeTimeout: 30 * time.Second, Proxy: http.ProxyFromEnvironment}
	hdr := http.Header{"Authorization": {"Bearer " + s.token}}
	conn, resp, err := d.DialContext(ctx, s.url, hdr)
	if err != nil {
		if resp != nil {
			switch resp.StatusCode {
			case http.StatusUnauthorized:
				return false, fmt.Errorf("%w: 401 unauthorized: the token is missing, invalid, expired or revoked", errFatalFeed)
			case http.StatusForbidden:
				return false, fmt.Errorf("%w: 403 forbidden: the token lacks scope read, or the origin is not allowed", errFatalFeed)
			}
			return false, fmt.Errorf("connect to %s: %s", s.url, resp.Status)
		}
		return false, fmt.Errorf("connect to %s: %w", s.url, err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() {
		_ = conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
		_ = conn.Close()
	})
	defer stop()
	msg := map[string]any{"op": "subscribe", "filter": s.filter}
	resume := s.cursor
	if resume != "" {
		msg["cursor"] = resume
	}
	if err := conn.WriteJSON(msg); err != nil {
		return false, fmt.Errorf("subscribe: %w", err)
	}
	for {
		_, data, err := conn.ReadMessage()
		if err != nil {
			return subscribed, s.closed(err)
		}
		var m struct {
			Op      string `json:"op"`
			Cursor  string `json:"cursor"`
			Code    string `json:"code"`
			Message string `json:"message"`
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return subscribed, fmt.Errorf("bad message from the hub: %w", err)
		}
		switch m.Op {
		case "subscribed":
			subscribed = true
			from := "from the live edge (no cursor yet)"
			if resume != "" {
				from = "resuming after cursor " + cell(resume, 100)
			}
			s.status("connected to %s (replica at %s); %s; %s", s.url, conn.RemoteAddr(), describeFilter(s.filter), from)
			if err := s.advance(m.Cursor); err != nil {
				return subscribed, err
			}
		case "event":
			if err := s.printEvent(data); err != nil {
				return subscribed, fmt.Errorf("%w: write event: %v", errFatalFeed, err)
			}
			s.events++
			if err := s.advance(m.Cursor); err != nil {
				return subscribed, err
			}
		case "heartbeat":
			if err := s.advance(m.Cursor); err != nil {
				return subscribed, err
			}
		case "error":
			s.status("the hub reported %s: %s", cell(m.Code, 60), cell(m.Message, 300))
		}
	}
}

// advance records the cursor, persisting it atomically (temporary file
// and rename in the same directory) so a crash leaves either the old or
// the new cursor, never a torn one.
func (s *subscriber) advance(cursor string) error {
	if cursor == "" || cursor == s.cursor {
		return nil
	}
	s.cursor = cursor
	if s.cfg.cursorFile == "" {
		return nil
	}
	if err := writeFileAtomic(s.cfg.cursorFile, []byte(cursor+"\n")); err != nil {
		return fmt.Errorf("%w: save cursor: %v", errFatalFeed, err)
	}
	return nil
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// closed turns the end of a connection into a fatal or retryable error.
func (s *subscriber) closed(err error) error {
	var ce *websocket.CloseError
	if !errors.As(err, &ce) {
		return fmt.Errorf("connection lost: %w", err)
	}
	switch ce.Code {
	case feeds.CloseForbidden:
		return fmt.Errorf("%w: 4403 forbidden: %s", errFatalFeed, ce.Text)
	case feeds.CloseTokenExpired:
		return fmt.Errorf("%w: 4401 the token expired or was revoked: %s", errFatalFeed, ce.Text)
	case feeds.CloseCursorExpired:
		return fmt.Errorf("%w: 4410 the cursor is older than the retention: resync with `jag query`, then remove %s", errFatalFeed, s.cfg.cursorFile)
	case feeds.ClosePolicy, feeds.CloseTooBig:
		return fmt.Errorf("%w: %d %s", errFatalFeed, ce.Code, ce.Text)
	}
	return fmt.Errorf("hub closed the feed (%d %s)", ce.Code, ce.Text)
}
