package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// Retry timing of `jag submit`. Retrying is safe because ingest is
// idempotent: a bundle stored by an attempt whose answer was lost is
// answered 200 with the original receipt on the next one.
const (
	submitBackoffBase = 250 * time.Millisecond // first wait; doubles per attempt
	submitBackoffMax  = 30 * time.Second       // longest wait, Retry-After included
	maxSubmitBytes    = 64 << 20               // largest bundle read from the input
)

// stixContentType is the media type of a submitted bundle.
const stixContentType = "application/stix+json;version=2.1"

// submitOptions are the flags of `jag submit` beyond the client flags.
type submitOptions struct {
	attempts int
	// sleep waits d or until ctx ends (tests shorten it).
	sleep func(ctx context.Context, d time.Duration) error
}

func cmdSubmit(ctx context.Context, e *env, args []string) error {
	fs := newFlagSet(e, "submit", "[flags] FILE|-")
	var cf clientFlags
	cf.register(fs, e)
	opt := submitOptions{sleep: sleepCtx}
	fs.IntVar(&opt.attempts, "attempts", 8, "attempts on network errors and 503 before giving up (env JAG_SUBMIT_ATTEMPTS)")
	receiptFile := fs.String("receipt", "", "also write the hub's full answer (with the signed receipt) to this file")
	output := registerOutput(fs, outText, outJSON)
	if err := parseClientFlags(fs, e, args); err != nil {
		return err
	}
	format, err := chooseOutput(e, *output, outText, outJSON)
	if err != nil {
		return err
	}
	if err := applyEnv(fs, e, map[string]string{"attempts": "JAG_SUBMIT_ATTEMPTS"}); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("%w: want exactly one FILE (or - for stdin)", errUsage)
	}
	if opt.attempts < 1 {
		return fmt.Errorf("%w: --attempts must be at least 1", errUsage)
	}
	c, err := cf.client()
	if err != nil {
		return err
	}
	body, err := readInput(e, fs.Arg(0), maxSubmitBytes)
	if err != nil {
		return err
	}
	answer, status, err := submitBundleStatus(ctx, c, body, opt, e.stderr)
	if err != nil {
		return err
	}
	// 200: every object was stored before (the answer is the original
	// submission's); 201: something new was stored.
	already := status == http.StatusOK
	if *receiptFile != "" {
		if err := os.WriteFile(*receiptFile, answer, 0o644); err != nil {
			return fmt.Errorf("the hub stored the bundle, but writing --receipt failed: %w", err)
		}
	}
	return printSubmission(e.stdout, e.stderr, format, answer, already, *receiptFile)
}

// submission is the hub's answer to POST /v1/bundles.
type submission struct {
	Submission string `json:"submission"`
	Received   string `json:"received"`
	Accepted   int    `json:"accepted"`
	Duplicates int    `json:"duplicates"`
	Receipt    string `json:"receipt"`
}

// printSubmission prints the answer: for people one summary line (the
// signed receipt is kept only with --receipt); for machines the hub's
// document exactly as sent ({"submission","received","accepted",
// "duplicates","receipt"}; jsonl compacts it onto one line), and when the
// hub had every object before (it answers 200 with the original
// submission) a note on stderr, since the document is the same as then.
func printSubmission(w, stderr io.Writer, format string, answer []byte, already bool, receiptFile string) error {
	if !human(format) {
		if already {
			fmt.Fprintln(stderr, "jag submit: already stored: the hub had every object of this bundle; this is the original submission's receipt")
		}
		if format == outJSON {
			_, err := w.Write(answer)
			return err
		}
		var b bytes.Buffer
		if err := json.Compact(&b, answer); err != nil {
			return fmt.Errorf("hub answer is not JSON: %w", err)
		}
		b.WriteByte('\n')
		_, err := w.Write(b.Bytes())
		return err
	}
	var s submission
	if err := json.Unmarshal(answer, &s); err != nil {
		return fmt.Errorf("decode the hub's answer: %w", err)
	}
	kept := "; --receipt FILE keeps the signed receipt"
	if receiptFile != "" {
		kept = "; signed receipt in " + receiptFile
	}
	var line string
	switch {
	case already:
		line = fmt.Sprintf("already stored: nothing new, the hub had every object of this bundle since submission %s, received %s%s\n",
			cell(s.Submission, 100), humanTime(s.Received), kept)
	case s.Duplicates > 0:
		line = fmt.Sprintf("accepted %s (%s already stored); submission %s, received %s%s\n",
			plural(s.Accepted, "new object"), plural(s.Duplicates, "object"), cell(s.Submission, 100), humanTime(s.Received), kept)
	default:
		line = fmt.Sprintf("accepted %s; submission %s, received %s%s\n",
			plural(s.Accepted, "new object"), cell(s.Submission, 100), humanTime(s.Received), kept)
	}
	if format == outTable {
		tw := newTable(w)
		fmt.Fprintf(tw, "SUBMISSION\tRECEIVED\tACCEPTED\tDUPLICATES\tALREADY STORED\tRECEIPT\n%s\t%s\t%d\t%d\t%t\t%s\n", cell(s.Submission, 100),
			humanTime(s.Received), s.Accepted, s.Duplicates, already, orDash(receiptFile))
		return tw.Flush()
	}
	_, err := io.WriteString(w, line)
	return err
}

// submitBundle posts body until the hub answers something other than 503
// or a network failure, or attempts run out, and returns the 2xx answer
// (the receipt document) with a trailing newline.
func submitBundle(ctx context.Context, c *client, body []byte, opt submitOptions, log io.Writer) ([]byte, error) {
	answer, _, err := submitBundleStatus(ctx, c, body, opt, log)
	return answer, err
}

// submitBundleStatus is submitBundle that also returns the 2xx status.
func submitBundleStatus(ctx context.Context, c *client, body []byte, opt submitOptions, log io.Writer) ([]byte, int, error) {
	var lastErr error
	for attempt := 1; ; attempt++ {
		answer, status, retryAfter, err := postBundle(ctx, c, body)
		if err == nil {
			return answer, status, nil
		}
		lastErr = err
		if !retryable(err) || attempt >= opt.attempts || ctx.Err() != nil {
			break
		}
		wait := backoff(attempt, retryAfter)
		fmt.Fprintf(log, "jag submit: attempt %d failed (%v); retrying in %s\n", attempt, firstLine(err), wait.Round(time.Millisecond))
		if err := opt.sleep(ctx, wait); err != nil {
			return nil, 0, fmt.Errorf("submit: %w (last failure: %w)", err, lastErr)
		}
	}
	return nil, 0, lastErr
}

// transportError is a failure to get any answer from the hub.
type transportError struct{ err error }

func (e *transportError) Error() string { return e.err.Error() }
func (e *transportError) Unwrap() error { return e.err }

// retryable: network failures and 503 (database unavailable, overload).
// Everything else is the hub's final word on this bundle.
func retryable(err error) bool {
	var te *transportError
	var ae *apiError
	return errors.As(err, &te) || (errors.As(err, &ae) && ae.Status == http.StatusServiceUnavailable)
}

// postBundle makes one attempt. It returns the 2xx answer and its status,
// or the error and the server's Retry-After (0 when absent).
func postBundle(ctx context.Context, c *client, body []byte) ([]byte, int, time.Duration, error) {
	u := *c.base
	u.Path = strings.TrimRight(u.Path, "/") + "/v1/bundles"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", stixContentType)
	req.Header.Set("Accept", "application/json, application/problem+json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, 0, &transportError{fmt.Errorf("POST %s: %w", c.base.Redacted(), err)}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes))
	if err != nil {
		// The answer was lost on the way: the bundle may be stored, and
		// the retry will say so.
		return nil, 0, 0, &transportError{fmt.Errorf("read answer: %w", err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, 0, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), c.problem(resp, data)
	}
	var check map[string]json.RawMessage
	if err := json.Unmarshal(data, &check); err != nil || check["receipt"] == nil {
		return nil, 0, 0, fmt.Errorf("the hub answered %d without a receipt", resp.StatusCode)
	}
	if !bytes.HasSuffix(data, []byte("\n")) {
		data = append(data, '\n')
	}
	return data, resp.StatusCode, 0, nil
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// backoff is the wait before attempt+1: exponential from submitBackoffBase
// with jitter (half to all of the step), never shorter than the server's
// Retry-After, never longer than submitBackoffMax.
func backoff(attempt int, retryAfter time.Duration) time.Duration {
	step := submitBackoffBase << min(attempt-1, 16)
	step = min(step, submitBackoffMax)
	d := step/2 + rand.N(step/2+1)
	return min(max(d, retryAfter), submitBackoffMax)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}
