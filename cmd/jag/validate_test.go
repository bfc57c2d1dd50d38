package main

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// testDatasets holds the real indicator sets (a copy of shared/datasets
// with their licences, kept by the stix package's tests).
var testDatasets = filepath.Join("..", "..", "stix", "testdata", "datasets")

func TestValidate(t *testing.T) {
	t.Parallel()
	datasets := testDatasets
	cases := []struct {
		name     string
		args     []string
		stdin    string
		exit     int
		valid    bool
		objects  int
		contains string
	}{
		{name: "Pegasus", args: []string{filepath.Join(datasets, "amnesty-pegasus.stix2.json")}, exit: 0, valid: true, objects: 3099},
		{name: "Predator", args: []string{filepath.Join(datasets, "mvt-predator.stix2.json")}, exit: 0, valid: true, objects: 1171},
		{name: "Stdin", args: []string{"-"}, exit: 0, valid: true, objects: 1, stdin: `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` +
			`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",` +
			`"pattern":"[ipv4-addr:value = '198.51.100.1']","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}]}`},
		{name: "BadPattern", args: []string{"-"}, exit: 1, objects: 1, contains: "invalid_pattern", stdin: `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[` +
			`{"type":"indicator","spec_version":"2.1","id":"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f","created":"2024-01-01T00:00:00.000Z","modified":"2024-01-01T00:00:00.000Z",` +
			`"pattern":"[ipv4-addr:value = ]","pattern_type":"stix","valid_from":"2024-01-01T00:00:00Z"}]}`},
		{name: "DuplicateKey", args: []string{"-"}, exit: 1, contains: "invalid_json", stdin: `{"type":"bundle","TYPE":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[]}`},
		{name: "TrailingData", args: []string{"-"}, exit: 1, contains: "invalid_json", stdin: `{"type":"bundle","id":"bundle--5d0092c5-5f74-4287-9642-33f4c354e56d","objects":[]} {}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e, out, errb := testEnv(nil)
			e.stdin = strings.NewReader(tc.stdin)
			code := run(context.Background(), e, append([]string{"validate"}, tc.args...))
			if code != tc.exit {
				t.Fatalf("exit = %d, want %d; stdout %s stderr %s", code, tc.exit, out.String(), errb.String())
			}
			var rep validateReport
			if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
				t.Fatalf("stdout is not a JSON report: %v\n%s", err, out.String())
			}
			if rep.Valid != tc.valid || rep.Objects != tc.objects {
				t.Fatalf("report valid=%v objects=%d, want %v %d: %s", rep.Valid, rep.Objects, tc.valid, tc.objects, out.String())
			}
			if tc.valid && len(rep.Problems) != 0 {
				t.Fatalf("valid bundle has problems: %v", rep.Problems)
			}
			if tc.contains != "" && !strings.Contains(out.String(), tc.contains) {
				t.Fatalf("report lacks %q: %s", tc.contains, out.String())
			}
		})
	}
}

func TestValidateUsage(t *testing.T) {
	t.Parallel()
	e, _, _ := testEnv(nil)
	if code := run(context.Background(), e, []string{"validate"}); code != 2 {
		t.Fatalf("exit = %d, want 2", code)
	}
}
