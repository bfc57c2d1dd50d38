package export

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CSVHeader is the first row of a csv export.
var CSVHeader = []string{"id", "version", "observable_type", "value", "confidence", "tlp", "creator",
	"valid_from", "valid_until", "labels", "revoked"}

// csvWriter writes RFC 4180 CSV (CRLF line ends, quoting where needed):
// one row per (indicator, observable), domains as A-labels, times in
// RFC 3339 UTC, labels joined by ";" (a label holding ";" is quoted by
// the row's quoting, never split), an empty cell for what is absent.
// Cells are never prefixed or altered: the table is for machine lookups;
// a spreadsheet user must import it as text.
type csvWriter struct {
	b   *bufio.Writer
	w   *csv.Writer
	row []string
}

func newCSVWriter(b *bufio.Writer) (*csvWriter, error) {
	c := &csvWriter{b: b, w: csv.NewWriter(b), row: make([]string, len(CSVHeader))}
	c.w.UseCRLF = true
	if err := c.w.Write(CSVHeader); err != nil {
		return nil, fmt.Errorf("write export: %w", err)
	}
	return c, nil
}

func (c *csvWriter) Write(r *Record) error {
	value := r.Value
	if r.Kind == "domain" {
		a, ok := ALabel(value)
		if !ok {
			return nil
		}
		value = a
	}
	conf := ""
	if r.Confidence != nil {
		conf = strconv.Itoa(*r.Confidence)
	}
	c.row[0], c.row[1], c.row[2], c.row[3] = r.ID, r.Modified, r.Kind, value
	c.row[4], c.row[5], c.row[6] = conf, r.TLP, r.CreatedBy
	c.row[7], c.row[8] = csvTime(r.ValidFrom), csvTime(r.ValidUntil)
	c.row[9], c.row[10] = strings.Join(r.Labels, ";"), strconv.FormatBool(r.Revoked)
	if err := c.w.Write(c.row); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}

func csvTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

func (c *csvWriter) Close() error {
	c.w.Flush()
	if err := c.w.Error(); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	if err := c.b.Flush(); err != nil {
		return fmt.Errorf("write export: %w", err)
	}
	return nil
}
