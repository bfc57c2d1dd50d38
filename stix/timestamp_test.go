package stix

import (
	"errors"
	"testing"
	"time"
)

func TestParseTimestamp(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time // zero: must fail
	}{
		{"2016-05-12T08:17:27Z", time.Date(2016, 5, 12, 8, 17, 27, 0, time.UTC)},
		{"2016-05-12T08:17:27.000Z", time.Date(2016, 5, 12, 8, 17, 27, 0, time.UTC)},
		{"2016-05-12T08:17:27.1Z", time.Date(2016, 5, 12, 8, 17, 27, 100_000_000, time.UTC)},
		{"2016-05-12T08:17:27.123456789Z", time.Date(2016, 5, 12, 8, 17, 27, 123456789, time.UTC)},
		{"2024-02-29T23:59:59.999Z", time.Date(2024, 2, 29, 23, 59, 59, 999_000_000, time.UTC)},
		{"0002-01-01T00:00:00Z", time.Date(2, 1, 1, 0, 0, 0, 0, time.UTC)},
		{"2016-12-31T23:59:60Z", time.Time{}},            // leap second
		{"2016-05-12T08:17:27+00:00", time.Time{}},       // offset
		{"2016-05-12T08:17:27.000+02:00", time.Time{}},   // offset
		{"2016-05-12t08:17:27Z", time.Time{}},            // lower-case t
		{"2016-05-12T08:17:27z", time.Time{}},            // lower-case z
		{"2016-05-12T08:17:27.1234567891Z", time.Time{}}, // 10 fraction digits
		{"2016-05-12T08:17:27.Z", time.Time{}},
		{"2016-05-12T08:17:27", time.Time{}},
		{"2016-05-12 08:17:27Z", time.Time{}},
		{"2023-02-29T00:00:00Z", time.Time{}},
		{"2016-13-01T00:00:00Z", time.Time{}},
		{"2016-00-01T00:00:00Z", time.Time{}},
		{"2016-04-31T00:00:00Z", time.Time{}},
		{"2016-05-12T24:00:00Z", time.Time{}},
		{"2016-05-12T08:60:00Z", time.Time{}},
		{"2016-5-12T08:17:27Z", time.Time{}},
		{"+016-05-12T08:17:27Z", time.Time{}},
		{"2016-05-12T08:17:27.12a4Z", time.Time{}},
		{"", time.Time{}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseTimestamp(tt.in)
			if tt.want.IsZero() {
				if !errors.Is(err, ErrTimestamp) {
					t.Fatalf("ParseTimestamp(%q) = %v, %v; want ErrTimestamp", tt.in, got, err)
				}
				return
			}
			if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
				t.Fatalf("ParseTimestamp(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
			}
		})
	}
}

func TestDaysIn(t *testing.T) {
	for year := 1896; year <= 2404; year++ {
		for month := 1; month <= 12; month++ {
			want := time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
			if got := daysIn(year, month); got != want {
				t.Fatalf("daysIn(%d, %d) = %d, want %d", year, month, got, want)
			}
		}
	}
}
