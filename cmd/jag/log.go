package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"

	"github.com/jag-hub/jag/auth/jcs"
	"github.com/jag-hub/jag/hub/translog"
)

// `jag log verify` and `jag log prove`: a client's checks of the hub's
// transparency log, with nothing but the log key trusted.

func cmdLog(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 {
		return fmt.Errorf("%w: jag log verify|prove|key [flags]", errUsage)
	}
	switch args[0] {
	case "verify":
		return cmdLogVerify(ctx, e, args[1:])
	case "prove":
		return cmdLogProve(ctx, e, args[1:])
	case "key":
		return cmdLogKey(ctx, e, args[1:])
	}
	return fmt.Errorf("%w: unknown log command %q (verify, prove or key)", errUsage, args[0])
}

// logFlags are the flags of the log commands: the hub, its log key, and
// the state file holding the last trusted checkpoint.
type logFlags struct {
	client    clientFlags
	logKey    string
	state     string
	witnesses multiFlag
	quorum    int
}

// multiFlag is a repeatable string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func (f *logFlags) register(fs *flag.FlagSet, e *env) {
	f.client.register(fs, e)
	fs.StringVar(&f.logKey, "log-key", envOr(e, "JAG_LOG_KEY", ""),
		"the hub's log verifier key (GET /v1/log/key, obtained out of band); kept in the state file after the first run (env JAG_LOG_KEY)")
	fs.StringVar(&f.state, "state", envOr(e, "JAG_LOG_STATE", "jag-log-state.json"), "file keeping the last trusted checkpoint (env JAG_LOG_STATE)")
	fs.Var(&f.witnesses, "witness", "a witness verifier key (C2SP tlog-cosignature, type 0x04); repeat for several")
	fs.IntVar(&f.quorum, "quorum", 0, "cosignatures required from the --witness keys (default all of them)")
}

// logState is the state file of `jag log verify` and `jag witness`.
type logState struct {
	LogKey     string `json:"log_key"`
	Checkpoint string `json:"checkpoint,omitempty"` // the last trusted (or cosigned) checkpoint, signed
}

func loadLogState(path string) (logState, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return logState{}, false, nil
	}
	if err != nil {
		return logState{}, false, fmt.Errorf("read state: %w", err)
	}
	var s logState
	if err := json.Unmarshal(b, &s); err != nil {
		return logState{}, false, fmt.Errorf("state file %s is corrupt: %w", path, err)
	}
	return s, true, nil
}

// saveLogState writes s atomically (temporary file, then rename).
func saveLogState(path string, s logState) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".jag-log-state-*")
	if err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save state: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save state: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save state: %w", err)
	}
	return nil
}

// logSession is a verified view of one hub's log.
type logSession struct {
	c       *client
	tc      *translog.Client
	state   logState
	trusted *translog.Signed // from the state file, nil on a first run
	// rotateTo is a new log key given while another is pinned: it is
	// pinned once a checkpoint carries the signatures of both.
	rotateTo  note.Verifier
	rotateKey string // its vkey
}

// openLog resolves the log key (flag or state; they must agree), the
// witnesses, and the trusted checkpoint of the state file.
func openLog(f *logFlags) (*logSession, error) {
	c, err := f.client.client()
	if err != nil {
		return nil, err
	}
	st, _, err := loadLogState(f.state)
	if err != nil {
		return nil, err
	}
	key := f.logKey
	var rotateTo note.Verifier
	switch {
	case key == "" && st.LogKey == "":
		return nil, fmt.Errorf("%w: no log key: pass --log-key (the hub's GET /v1/log/key, obtained out of band)", errUsage)
	case key == "":
		key = st.LogKey
	case st.LogKey != "" && st.LogKey != key:
		// A rotation: keep verifying with the pinned key; the new one is
		// pinned once a checkpoint carries both signatures.
		if rotateTo, err = note.NewVerifier(key); err != nil {
			return nil, fmt.Errorf("%w: --log-key: %v", errUsage, err)
		}
		key = st.LogKey
	}
	lk, err := note.NewVerifier(key)
	if err != nil {
		return nil, fmt.Errorf("%w: --log-key: %v", errUsage, err)
	}
	if rotateTo != nil && rotateTo.Name() != lk.Name() {
		return nil, fmt.Errorf("the new log key names %q but the pinned one %q: a different log, not a rotation", rotateTo.Name(), lk.Name())
	}
	st.LogKey = key
	var ws []note.Verifier
	for _, w := range f.witnesses {
		v, err := translog.NewCosignatureVerifier(w)
		if err != nil {
			return nil, fmt.Errorf("%w: --witness %q: %v", errUsage, w, err)
		}
		ws = append(ws, v)
	}
	if f.quorum < 0 || f.quorum > len(ws) {
		return nil, fmt.Errorf("%w: --quorum must be between 0 and the number of --witness keys (%d)", errUsage, len(ws))
	}
	if f.quorum == 0 {
		f.quorum = len(ws)
	}
	s := &logSession{c: c, state: st, rotateTo: rotateTo, rotateKey: f.logKey, tc: &translog.Client{Fetch: logFetcher(c), LogKey: lk, Witnesses: ws}}
	if st.Checkpoint != "" {
		t, err := translog.OpenCheckpoint([]byte(st.Checkpoint), lk)
		if err != nil {
			return nil, fmt.Errorf("state file %s: trusted checkpoint: %w", f.state, err)
		}
		s.trusted = &t
	}
	return s, nil
}

// logFetcher reads log resources from the hub.
func logFetcher(c *client) translog.Fetcher {
	return func(ctx context.Context, p string) ([]byte, error) {
		var raw json.RawMessage
		if _, err := c.call(ctx, request{method: "GET", path: "/v1/log/" + p}, &raw); err != nil {
			return nil, err
		}
		return raw, nil
	}
}

// current fetches the hub's checkpoint and checks it against the trusted
// one: signature, quorum, consistency.
func (s *logSession) current(ctx context.Context, quorum int) (translog.Signed, []byte, error) {
	cur, msg, err := s.tc.Checkpoint(ctx)
	if err != nil {
		return translog.Signed{}, nil, fmt.Errorf("checkpoint refused: %w", err)
	}
	if err := s.tc.RequireQuorum(cur, quorum); err != nil {
		return translog.Signed{}, nil, err
	}
	if s.trusted != nil {
		if err := s.tc.Consistent(ctx, s.trusted.Checkpoint, cur.Checkpoint); err != nil {
			return translog.Signed{}, nil, err
		}
	}
	if s.rotateTo != nil {
		if _, err := translog.OpenCheckpoint(msg, s.rotateTo); err != nil {
			return translog.Signed{}, nil, fmt.Errorf("the checkpoint is not signed by the new log key as well, so it cannot replace the pinned one: %w", err)
		}
		s.state.LogKey = s.rotateKey
	}
	return cur, msg, nil
}

// logVerified is what `jag log verify` prints.
type logVerified struct {
	Origin       string `json:"origin"`
	Size         int64  `json:"size"`
	Root         string `json:"root"`
	PreviousSize *int64 `json:"previous_size,omitempty"`
	CosignedBy   int    `json:"cosigned_by"`
}

func cmdLogVerify(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "log verify", "[flags]")
	var f logFlags
	f.register(fs, e)
	if err := parseClientFlags(fs, e, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: no arguments expected", errUsage)
	}
	s, err := openLog(&f)
	if err != nil {
		return err
	}
	cur, msg, err := s.current(ctx, f.quorum)
	if err != nil {
		return err
	}
	out := logVerified{Origin: cur.Origin, Size: cur.Size, Root: base64.StdEncoding.EncodeToString(cur.Hash[:]), CosignedBy: cur.CosignedBy(s.tc.Witnesses)}
	if s.trusted != nil {
		out.PreviousSize = &s.trusted.Size
	}
	s.state.Checkpoint = string(msg) // as signed: every key's signature
	if err := saveLogState(f.state, s.state); err != nil {
		return err
	}
	return json.NewEncoder(e.stdout).Encode(out)
}

// provenanceDoc is the part of GET /v1/objects/{id}/provenance prove reads.
type provenanceDoc struct {
	ID         string `json:"id"`
	Modified   string `json:"modified"`
	Raw        string `json:"raw"`
	Signature  string `json:"signature"`
	KID        string `json:"kid"`
	Submission struct {
		ID       string `json:"id"`
		Received string `json:"received"`
	} `json:"submission"`
	Log *struct {
		Index   int64 `json:"index"`
		Pending bool  `json:"pending"`
	} `json:"log"`
}

// proved is one line of `jag log prove`'s output.
type proved struct {
	ID       string `json:"id"`
	Modified string `json:"modified"`
	Index    int64  `json:"index"`
	SHA256   string `json:"sha256"`
	TreeSize int64  `json:"tree_size"`
}

func cmdLogProve(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "log prove", "[flags] ID[@VERSION]... | --submission ID")
	var f logFlags
	f.register(fs, e)
	submission := fs.String("submission", "", "prove every object version of this submission's receipt (own org)")
	wait := fs.Duration("wait", 10*time.Second, "how long to wait for a checkpoint that covers a fresh version")
	if err := parseClientFlags(fs, e, args); err != nil {
		return err
	}
	if (fs.NArg() == 0) == (*submission == "") {
		return fmt.Errorf("%w: name object versions (ID or ID@VERSION) or --submission, not both", errUsage)
	}
	s, err := openLog(&f)
	if err != nil {
		return err
	}
	type want struct{ id, version, sha256 string }
	var wants []want
	for _, a := range fs.Args() {
		id, v, _ := strings.Cut(a, "@")
		wants = append(wants, want{id: id, version: v})
	}
	if *submission != "" {
		objs, err := receiptObjects(ctx, s.c, *submission)
		if err != nil {
			return err
		}
		for _, o := range objs {
			wants = append(wants, want{id: o.ID, version: o.Modified, sha256: o.SHA256})
		}
	}
	cur, msg, err := s.current(ctx, f.quorum)
	if err != nil {
		return err
	}
	deadline := time.Now().Add(*wait)
	for _, w := range wants {
		p, err := provenanceOf(ctx, s.c, w.id, w.version)
		if err != nil {
			return err
		}
		for p.Log != nil && p.Log.Index >= cur.Size && time.Now().Before(deadline) {
			// A fresh version: wait for the sequencer's next checkpoint.
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(250 * time.Millisecond):
			}
			if cur, msg, err = s.current(ctx, f.quorum); err != nil {
				return err
			}
		}
		out, err := proveVersion(ctx, s.tc, cur.Checkpoint, p)
		if err != nil {
			return err
		}
		if w.sha256 != "" && w.sha256 != out.SHA256 {
			return fmt.Errorf("%s@%s: the receipt names sha256 %s but the hub now serves bytes with sha256 %s: the stored object was changed", w.id, p.Modified, w.sha256, out.SHA256)
		}
		if err := json.NewEncoder(e.stdout).Encode(out); err != nil {
			return err
		}
	}
	s.state.Checkpoint = string(msg)
	return saveLogState(f.state, s.state)
}

func provenanceOf(ctx context.Context, c *client, id, version string) (provenanceDoc, error) {
	var q url.Values
	if version != "" {
		q = url.Values{"version": {version}}
	}
	var p provenanceDoc
	if _, err := c.call(ctx, request{method: "GET", path: "/v1/objects/" + url.PathEscape(id) + "/provenance", query: q}, &p); err != nil {
		return provenanceDoc{}, fmt.Errorf("provenance of %s: %w", id, err)
	}
	return p, nil
}

// proveVersion checks that the version p describes is in the tree cp and
// that its entry matches the object's bytes: the entry is fetched from
// the entry bundles and authenticated against the tree, and the expected
// entry is rebuilt from the object's own bytes.
func proveVersion(ctx context.Context, tc *translog.Client, cp translog.Checkpoint, p provenanceDoc) (proved, error) {
	name := p.ID + "@" + p.Modified
	if p.Log == nil {
		return proved{}, fmt.Errorf("%s: %w: the hub names no log entry for this version", name, translog.ErrNotInLog)
	}
	if p.Log.Index >= cp.Size {
		return proved{}, fmt.Errorf("%s: %w: entry %d is not covered by the checkpoint of size %d yet (retry later, or raise --wait)", name, translog.ErrNotInLog, p.Log.Index, cp.Size)
	}
	entry, err := tc.Entry(ctx, cp, p.Log.Index)
	if err != nil {
		return proved{}, fmt.Errorf("%s: %w", name, err)
	}
	raw, err := base64.StdEncoding.DecodeString(p.Raw)
	if err != nil {
		return proved{}, fmt.Errorf("%s: provenance raw bytes: %w", name, err)
	}
	canon, err := jcs.Transform(raw)
	if err != nil {
		return proved{}, fmt.Errorf("%s: the object's bytes are not JSON: %w", name, err)
	}
	sum := sha256.Sum256(canon)
	var logged struct {
		SHA256 string `json:"sha256"`
	}
	if err := json.Unmarshal(entry, &logged); err != nil {
		return proved{}, fmt.Errorf("%s: entry %d is not JSON: %w", name, p.Log.Index, err)
	}
	if logged.SHA256 != hex.EncodeToString(sum[:]) {
		return proved{}, fmt.Errorf("%s: the object's bytes (sha256 %x) do not match its log entry %d (sha256 %s): the stored object was changed after it was logged", name, sum, p.Log.Index, logged.SHA256)
	}
	var obj struct {
		CreatedBy string `json:"created_by_ref"`
	}
	if err := json.Unmarshal(raw, &obj); err != nil {
		return proved{}, fmt.Errorf("%s: %w", name, err)
	}
	received, err := time.Parse(time.RFC3339Nano, p.Submission.Received)
	if err != nil {
		return proved{}, fmt.Errorf("%s: provenance received time: %w", name, err)
	}
	want, err := translog.ObjectEntry(translog.ObjectVersion{
		ID: p.ID, Modified: p.Modified, SHA256: sum, KID: p.KID, Signature: p.Signature,
		Creator: obj.CreatedBy, Submission: p.Submission.ID, Received: received,
	})
	if err != nil {
		return proved{}, fmt.Errorf("%s: %w", name, err)
	}
	if !bytes.Equal(want, entry) {
		return proved{}, fmt.Errorf("%s: log entry %d does not match the version's provenance (id, version, key, signature, creator, submission or receive time differ)", name, p.Log.Index)
	}
	return proved{ID: p.ID, Modified: p.Modified, Index: p.Log.Index, SHA256: logged.SHA256, TreeSize: cp.Size}, nil
}

// receiptObject is one version a receipt names.
type receiptObject struct {
	ID       string `json:"id"`
	Modified string `json:"modified"`
	SHA256   string `json:"sha256"`
}

// receiptObjects fetches a submission of the caller's org and decodes its
// receipt's object list.
func receiptObjects(ctx context.Context, c *client, id string) ([]receiptObject, error) {
	var sub struct {
		Receipt string `json:"receipt"`
	}
	if _, err := c.call(ctx, request{method: "GET", path: "/v1/submissions/" + url.PathEscape(id)}, &sub); err != nil {
		return nil, fmt.Errorf("submission %s: %w", id, err)
	}
	parts := strings.Split(sub.Receipt, ".")
	if len(parts) != 3 {
		return nil, fmt.Errorf("submission %s: the receipt is not a compact JWS", id)
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, fmt.Errorf("submission %s: receipt payload: %w", id, err)
	}
	var p struct {
		Objects []receiptObject `json:"objects"`
	}
	if err := json.Unmarshal(payload, &p); err != nil {
		return nil, fmt.Errorf("submission %s: receipt payload: %w", id, err)
	}
	return p.Objects, nil
}
