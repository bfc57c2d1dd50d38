package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/postgres/pgtest"
)

// registryDB returns a database with participant orgA registered.
func registryDB(t *testing.T) *postgres.DB {
	t.Helper()
	db := pgtest.New(t)
	mustCreateParticipant(t, db, orgA, "CERT A")
	return db
}

func mustCreateParticipant(t *testing.T, db *postgres.DB, id, name string) auth.Participant {
	t.Helper()
	p, err := auth.NewParticipant(id, name, "BE", "government", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateParticipant(context.Background(), p); err != nil {
		t.Fatalf("CreateParticipant: %v", err)
	}
	return p
}

func TestParticipants(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := registryDB(t)
	t.Run("OK", func(t *testing.T) {
		p, err := db.Participant(ctx, orgA)
		if err != nil {
			t.Fatal(err)
		}
		if p.ID != orgA || p.Name != "CERT A" || p.Country != "BE" || p.Sector != "government" || len(p.Identity) == 0 {
			t.Fatalf("participant = %+v", p)
		}
		noCountry, _ := auth.NewParticipant(orgB, "CERT B", "", "", time.Now())
		if err := db.CreateParticipant(ctx, noCountry); err != nil {
			t.Fatal(err)
		}
		all, err := db.Participants(ctx)
		if err != nil || len(all) != 2 || all[0].ID != orgA || all[1].ID != orgB || all[1].Country != "" {
			t.Fatalf("Participants = %+v, %v", all, err)
		}
	})
	t.Run("ErrConflict", func(t *testing.T) {
		p, _ := auth.NewParticipant(orgA, "again", "", "", time.Now())
		if err := db.CreateParticipant(ctx, p); !errors.Is(err, hub.ErrConflict) {
			t.Fatalf("err = %v, want hub.ErrConflict", err)
		}
	})
	t.Run("ErrNotFound", func(t *testing.T) {
		if _, err := db.Participant(ctx, "identity--00000000-0000-4000-8000-000000000000"); !errors.Is(err, hub.ErrNotFound) {
			t.Fatalf("err = %v, want hub.ErrNotFound", err)
		}
	})
}
