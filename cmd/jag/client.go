package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// defaultServer is the hub a client subcommand talks to when neither
// --server nor JAG_SERVER says otherwise (the address `jag serve` binds).
const defaultServer = "http://127.0.0.1:8080"

// maxResponseBytes bounds what the client reads from one answer.
const maxResponseBytes = 256 << 20

// clientFlags are the flags every client subcommand (query, lookup,
// submit, ...) shares: which hub, and which access token.
type clientFlags struct {
	server    string
	token     string
	tokenFile string
	timeout   time.Duration
}

func (f *clientFlags) register(fs *flag.FlagSet, e *env) {
	fs.StringVar(&f.server, "server", envOr(e, "JAG_SERVER", defaultServer), "base URL of the hub (env JAG_SERVER)")
	fs.StringVar(&f.token, "token", envOr(e, "JAG_TOKEN", ""), "access token (env JAG_TOKEN); prefer --token-file")
	fs.StringVar(&f.tokenFile, "token-file", envOr(e, "JAG_TOKEN_FILE", ""), "file holding the access token (env JAG_TOKEN_FILE)")
	fs.DurationVar(&f.timeout, "timeout", 5*time.Minute, "time limit of one request (env JAG_CLIENT_TIMEOUT)")
}

// clientEnv maps the typed client flags to their environment variables
// (string flags read theirs directly with envOr).
var clientEnv = map[string]string{"timeout": "JAG_CLIENT_TIMEOUT"}

// parseClientFlags parses the flags of a client subcommand, checked
// against clientRules, then the typed environment defaults of its client
// flags.
func parseClientFlags(fs *flag.FlagSet, e *env, args []string) error {
	guardFlags(fs, clientRules) // limits and formats: config.go
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	return applyEnv(fs, e, clientEnv)
}

// client returns the HTTP client the flags describe. A token given both
// directly and as a file is a usage error: which one wins would be a guess.
func (f *clientFlags) client() (*client, error) {
	base, err := url.Parse(strings.TrimRight(f.server, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("%w: --server %q is not an http(s) URL", errUsage, f.server)
	}
	token := f.token
	if f.tokenFile != "" {
		if token != "" {
			return nil, fmt.Errorf("%w: give the token either directly or as a file, not both", errUsage)
		}
		b, err := os.ReadFile(f.tokenFile)
		if err != nil {
			return nil, fmt.Errorf("read token file: %w", err)
		}
		token = strings.TrimSpace(string(b))
	}
	return &client{base: base, token: token, http: &http.Client{Timeout: f.timeout}}, nil
}

// client is the CLI's small HTTP client of one hub. It is safe for
// concurrent use.
type client struct {
	base  *url.URL
	token string
	http  *http.Client
}

// request is one call to the hub.
type request struct {
	method      string
	path        string     // e.g. "/v1/lookup"
	query       url.Values // may be nil
	body        []byte     // nil for no body
	contentType string     // of body; default application/json
}

// apiError is a problem+json answer (or any other non-2xx answer) of the
// hub, kept whole so a caller can switch on Code.
type apiError struct {
	Status int            `json:"status"`
	Code   string         `json:"code"`
	Title  string         `json:"title"`
	Detail string         `json:"detail"`
	Errors []apiErrorItem `json:"errors"`
}

// apiErrorItem is one finding of a problem (object, JSON pointer, message).
type apiErrorItem struct {
	Object  string `json:"object"`
	Pointer string `json:"pointer"`
	Message string `json:"message"`
}

func (e *apiError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "hub answered %d", e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " %s", e.Code)
	}
	switch {
	case e.Detail != "":
		fmt.Fprintf(&b, ": %s", cell(e.Detail, 500))
	case e.Title != "":
		fmt.Fprintf(&b, ": %s", cell(e.Title, 500))
	}
	lines := make([]string, len(e.Errors))
	for i, it := range e.Errors {
		var l strings.Builder
		if it.Object != "" {
			l.WriteString(cell(it.Object, 100) + " ")
		}
		if it.Pointer != "" {
			l.WriteString(cell(it.Pointer, 100) + ": ")
		}
		l.WriteString(cell(it.Message, 500))
		lines[i] = l.String()
	}
	if len(lines) > 0 {
		b.WriteString("\n")
		writeProblems(&b, lines)
	}
	if h := e.hint(); h != "" {
		if len(lines) == 0 {
			b.WriteString("\n")
		}
		b.WriteString("hint: " + h)
	}
	return strings.TrimRight(b.String(), "\n")
}

// hint is what the user can do about a problem the hub reported, or "".
func (e *apiError) hint() string {
	text := strings.ToLower(e.Detail)
	for _, it := range e.Errors {
		text += "\n" + strings.ToLower(it.Message)
	}
	switch {
	case e.Code == "invalid_signature" && (strings.Contains(text, "not signed") || strings.Contains(text, "unsigned")):
		return "sign it with `jag sign --key KEY.jwk --as identity--… FILE > signed.json`, then submit signed.json"
	case e.Code == "invalid_signature" && strings.Contains(text, "key not found"):
		return "register the public key with `jag key add --participant identity--… --jwk PUBLIC.jwk`, or sign with a registered key"
	case e.Code == "invalid_signature" && strings.Contains(text, "revoked"):
		return "the signing key was revoked: sign with a current key (`jag key list` shows them)"
	case e.Code == "signer_mismatch":
		return "objects must be created by and signed for the token's organisation: check `jag sign --as` and the token's --org"
	case e.Code == "conflict":
		return "a different version with the same id and modified is stored: give the changed object a new modified time"
	case e.Code == "unauthorized":
		return "the token is missing, invalid, expired or revoked: get a new one (`jag token issue`)"
	case e.Code == "forbidden":
		return "the token lacks the scope this needs (submit, read or admin)"
	case e.Code == "too_large":
		return "split the input into smaller bundles"
	case e.Code == "unsupported_media_type":
		return "send application/stix+json;version=2.1 (`jag submit` does)"
	case strings.Contains(text, "spec_version") && strings.Contains(text, "2.0"):
		return "JAG takes STIX 2.1 only: convert the bundle to STIX 2.1 (spec_version \"2.1\" on every object)"
	}
	return ""
}

// errNoToken is returned when the hub asks for a token the user did not give.
var errNoToken = errors.New("no access token: pass --token-file FILE (or set JAG_TOKEN_FILE or JAG_TOKEN)")

// call sends req and, on a 2xx answer, decodes its JSON body into out
// (nothing when out is nil; the exact bytes when out is *json.RawMessage).
// It returns the status. A non-2xx answer is an *apiError; a transport
// failure names the server so the user knows where it looked.
func (c *client) call(ctx context.Context, req request, out any) (int, error) {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + req.path
	if len(req.query) > 0 {
		u.RawQuery = req.query.Encode()
	}
	var body io.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.method, u.String(), body)
	if err != nil {
		return 0, fmt.Errorf("build request: %w", err)
	}
	hr.Header.Set("Accept", "application/json, application/problem+json")
	if req.body != nil {
		ct := req.contentType
		if ct == "" {
			ct = "application/json"
		}
		hr.Header.Set("Content-Type", ct)
	}
	if c.token != "" {
		hr.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w (is the hub running? see --server)", req.method, c.base.Redacted(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		return resp.StatusCode, fmt.Errorf("read answer of %s %s: %w", req.method, req.path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.StatusCode, c.problem(resp, data)
	}
	if out == nil {
		return resp.StatusCode, nil
	}
	if raw, ok := out.(*json.RawMessage); ok {
		*raw = data
		return resp.StatusCode, nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return resp.StatusCode, fmt.Errorf("decode answer of %s %s: %w", req.method, req.path, err)
	}
	return resp.StatusCode, nil
}

// problem turns a non-2xx answer into an *apiError, also when the body is
// not a problem document (a proxy's HTML page, say).
func (c *client) problem(resp *http.Response, data []byte) error {
	e := &apiError{Status: resp.StatusCode}
	mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if mt == "application/problem+json" || mt == "application/json" {
		_ = json.Unmarshal(data, e)
		e.Status = resp.StatusCode
	}
	if e.Code == "" && e.Detail == "" {
		e.Title = http.StatusText(resp.StatusCode)
	}
	if resp.StatusCode == http.StatusUnauthorized && c.token == "" {
		return fmt.Errorf("%w: %w", errNoToken, e)
	}
	return e
}

// namesTimeout bounds the lookup of participant names: display only, it
// must never hold up the command.
const namesTimeout = 10 * time.Second

// participantNames maps participant identity ids to their registered
// names (GET /v1/participants), for human output. It is best effort: a
// token without scope read, or an older hub, gives an empty map and the
// output shows ids instead.
func (c *client) participantNames(ctx context.Context) map[string]string {
	var ans struct {
		Participants []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"participants"`
	}
	names := map[string]string{}
	ctx, cancel := context.WithTimeout(ctx, namesTimeout)
	defer cancel()
	if _, err := c.call(ctx, request{method: "GET", path: "/v1/participants"}, &ans); err != nil {
		return names
	}
	for _, p := range ans.Participants {
		names[p.ID] = p.Name
	}
	return names
}

// nameOf is the display name of a creator: its registered name, else its id.
func nameOf(names map[string]string, id string) string {
	if n := names[id]; n != "" {
		return cell(n, 40)
	}
	if id == "" {
		return "unknown creator"
	}
	return cell(id, 60)
}
