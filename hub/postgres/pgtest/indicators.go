package pgtest

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"
)

// BenchOrg is the participant LoadIndicators creates the indicators as.
const BenchOrg = "identity--e0000000-0000-4000-8000-00000000000e"

// LoadIndicators bulk-loads n synthetic indicators into the database at
// dsn with server-side SQL (generate_series), for export benchmarks:
// indicator i is TLP clear, green, amber or amber+strict by i % 4 (all
// visible to a member token), valid from 2026-01-01 on, created by
// BenchOrg, and names six distinct observables — an IPv4 address
// (10.0.0.0 + i), a domain, a URL, and a SHA-256, SHA-1 and MD5 digest —
// each with its feed event, as ingest would have appended it.
func LoadIndicators(tb testing.TB, dsn string, n int) {
	tb.Helper()
	ctx := context.Background()
	db, err := sql.Open("postgres", dsn)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	const sub = "submission--e0000000-0000-4000-8000-00000000000e"
	const id = `'indicator--' || lpad(to_hex(g), 8, '0') || '-0000-4000-8000-' || lpad(to_hex(g), 12, '0')`
	for _, q := range []string{
		`INSERT INTO participants (id, name, identity) VALUES ('` + BenchOrg + `', 'Export bench CERT', '{}')`,
		`INSERT INTO submissions (id, org, received, bundle_id, digest, accepted, duplicates, receipt)
		 VALUES ('` + sub + `', '` + BenchOrg + `', now(), 'bundle--bench', '\x00', 0, 0, 'none')`,
		`INSERT INTO objects (id, modified, modified_at, type, created_at, created_by, tlp, labels, valid_from, raw,
		                      sha256, signature, kid, submission, received)
		 SELECT ` + id + `, '2026-01-01T00:00:00.000Z', t, 'indicator', t, '` + BenchOrg + `',
		        (ARRAY['clear', 'green', 'amber', 'amber+strict'])[1 + g % 4], '{malicious-activity}', t,
		        convert_to(json_build_object('type', 'indicator', 'spec_version', '2.1', 'id', ` + id + `,
		            'created', '2026-01-01T00:00:00.000Z', 'modified', '2026-01-01T00:00:00.000Z',
		            'created_by_ref', '` + BenchOrg + `', 'pattern_type', 'stix', 'valid_from', '2026-01-01T00:00:00.000Z',
		            'pattern', '[ipv4-addr:value = ''' || host('10.0.0.0'::inet + g) || ''']')::text, 'UTF8'),
		        '\x00', 'sig', 'kid', '` + sub + `', t + g * interval '1 microsecond'
		 FROM generate_series(0, $1 - 1) g, (SELECT timestamptz '2026-01-01 00:00:00+00') c (t)`,
		`INSERT INTO observables (object_id, modified, created_by, kind, value, net, path, op)
		 SELECT s.id, '2026-01-01T00:00:00.000Z', '` + BenchOrg + `', k.kind, k.value, k.net, k.kind || ':value', '='
		 FROM (SELECT g, ` + id + ` AS id, md5(g::text) AS h FROM generate_series(0, $1 - 1) g) s,
		 LATERAL (VALUES
		     ('ipv4', host('10.0.0.0'::inet + s.g), '10.0.0.0'::inet + s.g),
		     ('domain', 'h' || substr(s.h, 1, 10) || '.example-' || (s.g % 97) || '.net', NULL),
		     ('url', 'https://h' || s.g || '.example.org/p/' || substr(s.h, 11, 8), NULL),
		     ('sha256', encode(sha256(convert_to(s.g::text, 'UTF8')), 'hex'), NULL),
		     ('sha1', substr(encode(sha512(convert_to(s.g::text, 'UTF8')), 'hex'), 1, 40), NULL),
		     ('md5', s.h, NULL)) AS k (kind, value, net)`,
		`INSERT INTO events (object_id, modified, kind, org, received)
		 SELECT id, modified, 'object.created', created_by, received FROM objects
		 WHERE created_by = '` + BenchOrg + `' ORDER BY received`,
		`ANALYZE`,
	} {
		var err error
		if strings.Contains(q, "$1") {
			_, err = db.ExecContext(ctx, q, n)
		} else {
			_, err = db.ExecContext(ctx, q)
		}
		if err != nil {
			tb.Fatalf("pgtest: load indicators: %v", err)
		}
	}
	tb.Logf("pgtest: loaded %d indicators (%d observables) in %s", n, 6*n, time.Since(start).Round(time.Millisecond))
}
