package main

import (
	"context"
	"flag"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/jag-hub/jag/auth"
	"github.com/jag-hub/jag/hub"
	"github.com/jag-hub/jag/hub/postgres"
	"github.com/jag-hub/jag/hub/rest"
	"github.com/jag-hub/jag/hub/taxii"
)

// taxiiConfig is the TAXII 2.1 adapter's part of `jag serve`'s
// configuration; body size, request time and public access are the hub's.
type taxiiConfig struct {
	baseURL         string
	contact         string
	statusRetention time.Duration
}

func (c *taxiiConfig) register(fs *flag.FlagSet, e *env) {
	fs.StringVar(&c.baseURL, "taxii-base-url", envOr(e, "JAG_TAXII_BASE_URL", ""),
		"public URL of the hub, e.g. https://hub.example.org, for absolute API root URLs in TAXII discovery (env JAG_TAXII_BASE_URL)")
	fs.StringVar(&c.contact, "taxii-contact", envOr(e, "JAG_TAXII_CONTACT", ""), "contact shown in TAXII discovery (env JAG_TAXII_CONTACT)")
	fs.DurationVar(&c.statusRetention, "taxii-status-retention", 7*24*time.Hour, "how long the status of a TAXII POST stays readable (env JAG_TAXII_STATUS_RETENTION)")
}

// taxiiEnv maps the TAXII typed flags to their environment variables.
var taxiiEnv = map[string]string{"taxii-status-retention": "JAG_TAXII_STATUS_RETENTION"}

// newTAXII builds the TAXII 2.1 handler on the same ingest service as the
// REST API, the database and the token authority; body size, request
// time and public access are the REST API's.
func newTAXII(c taxiiConfig, api rest.Config, ingest *hub.IngestService, budget *hub.ByteBudget, db *postgres.DB, tokens *auth.Authority, log zerolog.Logger, reg prometheus.Registerer) *taxii.Handler {
	return taxii.New(taxii.Config{
		BaseURL:          c.baseURL,
		Contact:          c.contact,
		MaxContentLength: api.MaxBodyBytes,
		RequestTimeout:   api.RequestTimeout,
		StatusRetention:  c.statusRetention,
		PublicAccess:     api.PublicAccess,
	}, taxii.Deps{
		Tokens:      tokens,
		Collections: db,
		Reader:      db,
		Ingester:    ingest,
		Statuses:    db,
		// one ingest byte budget for both channels
		IngestBudget: budget,
		Metrics:      reg,
	}, log)
}

// withTAXII routes /taxii2 and everything under it to t, the rest to api.
// TAXII is not mounted inside the REST server: a ServeMux answers doubled
// slashes and a missing trailing slash with a redirect (which loses a POST
// body), and the REST middleware answers refused credentials and oversized
// bodies with problem+json, where TAXII owes a TAXII error message; the
// TAXII handler does its own authentication, limits, logging and metrics.
func withTAXII(api, t http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if taxii.Owns(r.URL.Path) {
			t.ServeHTTP(w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}

// purgeTAXIIStatuses deletes expired TAXII status resources once an hour.
func purgeTAXIIStatuses(ctx context.Context, db *postgres.DB, log zerolog.Logger) {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		n, err := db.PurgeStatuses(ctx, time.Now())
		switch {
		case ctx.Err() != nil:
			return
		case err != nil:
			log.Warn().Err(err).Msg("purge taxii statuses")
		case n > 0:
			log.Info().Int64("purged", n).Msg("purged expired taxii statuses")
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}
