package postgres

import (
	"context"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
)

// preparedStmts holds the statements of the hottest read paths (the
// revocation check every authenticated request makes, the position a
// conditional export poll reads), prepared once per pool connection.
//
// lib/pq runs a statement with parameters in two round trips (parse and
// describe, then bind and execute); a prepared statement runs in one.
// database/sql prepares it on each connection the first time it is used
// there and forgets it with the connection. Only constant SQL literals are
// prepared, so the set is bounded by the code. A migration that changes
// a table or function a statement reads makes PostgreSQL re-plan it on its
// next execution; none of these statements returns a row type that a
// forward-only migration could change.
type preparedStmts struct {
	mu sync.Mutex
	m  map[string]*sqlx.Stmt
}

// prepared returns query prepared on the pool, preparing it on first use.
// A failure to prepare is not remembered: the next call tries again.
func (db *DB) prepared(ctx context.Context, query string) (*sqlx.Stmt, error) {
	p := &db.stmts
	p.mu.Lock()
	st := p.m[query]
	p.mu.Unlock()
	if st != nil {
		return st, nil
	}
	st, err := db.db.PreparexContext(ctx, query)
	if err != nil {
		return nil, fmt.Errorf("prepare: %w", mapError(err))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev := p.m[query]; prev != nil { // another caller prepared it meanwhile
		_ = st.Close()
		return prev, nil
	}
	if p.m == nil {
		p.m = map[string]*sqlx.Stmt{}
	}
	p.m[query] = st
	return st, nil
}

// closeAll closes every prepared statement (DB.Close).
func (p *preparedStmts) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for q, st := range p.m {
		_ = st.Close()
		delete(p.m, q)
	}
}
