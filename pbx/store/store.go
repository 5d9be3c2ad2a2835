package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // driver "sqlite"

	"voiplab/pbx/cdr"
)

// FileName is the database file inside data_dir.
const FileName = "voiplab.db"

// Store is the PBX database. It is safe for concurrent use.
type Store struct {
	db   *sql.DB
	path string
}

// Binding is one registered contact of an extension (RFC 3261 §10.3).
type Binding struct {
	User      string         `json:"user"`
	Contact   string         `json:"contact"`   // the Contact URI
	Source    netip.AddrPort `json:"source"`    // where the REGISTER came from (received/rport)
	Transport string         `json:"transport"` // UDP, TCP, TLS
	Expires   time.Time      `json:"expires"`
	CallID    string         `json:"call_id"`
	CSeq      uint32         `json:"cseq"`
	UserAgent string         `json:"user_agent"`
}

const schema = `
CREATE TABLE IF NOT EXISTS bindings (
	user TEXT NOT NULL, contact TEXT NOT NULL, source TEXT NOT NULL, transport TEXT NOT NULL,
	expires INTEGER NOT NULL, call_id TEXT NOT NULL, cseq INTEGER NOT NULL, user_agent TEXT NOT NULL,
	PRIMARY KEY (user, contact));
CREATE TABLE IF NOT EXISTS cdrs (
	id INTEGER PRIMARY KEY AUTOINCREMENT, call_id TEXT NOT NULL, from_uri TEXT NOT NULL, to_uri TEXT NOT NULL,
	start INTEGER NOT NULL, answer INTEGER, end INTEGER NOT NULL, status INTEGER NOT NULL, reason TEXT NOT NULL,
	duration_ms INTEGER NOT NULL, codec TEXT NOT NULL, media TEXT NOT NULL, rtp TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);
`

// Open opens (creating it and dir when needed) the database dir/voiplab.db.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	path := filepath.Join(dir, FileName)
	// LIBRARIES.md: WAL, synchronous NORMAL, busy timeout.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)&_pragma=busy_timeout(5000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	if _, err := db.ExecContext(ctx, schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: open %s: %w", path, err)
	}
	return &Store{db: db, path: path}, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error {
	if err := s.db.Close(); err != nil {
		return fmt.Errorf("store: close: %w", err)
	}
	return nil
}

func wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrConnDone) || err.Error() == "sql: database is closed" {
		err = fmt.Errorf("%w: %v", ErrClosed, err)
	}
	return fmt.Errorf("store: %s: %w", op, err)
}

// BindingOp is a change to one binding: Put (insert or replace) or delete.
type BindingOp struct {
	Delete  bool
	Binding Binding // for a delete, User and Contact ("" Contact: all of User)
}

// ApplyBindings applies changes in one transaction, in order.
func (s *Store) ApplyBindings(ctx context.Context, ops []BindingOp) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return wrap("bindings", err)
	}
	defer tx.Rollback()
	put, err := tx.PrepareContext(ctx, `INSERT OR REPLACE INTO bindings VALUES (?, ?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return wrap("bindings", err)
	}
	defer put.Close()
	// Prepared once per transaction: the registrar's flush deletes and
	// rewrites every changed user (100 users 10 times a second under load),
	// and compiling the statement each time cost more than running it.
	var delUser, delContact *sql.Stmt
	for _, op := range ops {
		b := op.Binding
		switch {
		case op.Delete && b.Contact == "":
			if delUser == nil {
				if delUser, err = tx.PrepareContext(ctx, `DELETE FROM bindings WHERE user = ?`); err != nil {
					return wrap("bindings", err)
				}
				defer delUser.Close()
			}
			_, err = delUser.ExecContext(ctx, b.User)
		case op.Delete:
			if delContact == nil {
				if delContact, err = tx.PrepareContext(ctx, `DELETE FROM bindings WHERE user = ? AND contact = ?`); err != nil {
					return wrap("bindings", err)
				}
				defer delContact.Close()
			}
			_, err = delContact.ExecContext(ctx, b.User, b.Contact)
		default:
			_, err = put.ExecContext(ctx, b.User, b.Contact, b.Source.String(), b.Transport,
				b.Expires.UnixNano(), b.CallID, b.CSeq, b.UserAgent)
		}
		if err != nil {
			return wrap("bindings", err)
		}
	}
	return wrap("bindings", tx.Commit())
}

// PutBinding inserts or replaces one binding.
func (s *Store) PutBinding(ctx context.Context, b Binding) error {
	return s.ApplyBindings(ctx, []BindingOp{{Binding: b}})
}

// DeleteBinding removes one binding, or every binding of user when contact is "".
func (s *Store) DeleteBinding(ctx context.Context, user, contact string) error {
	return s.ApplyBindings(ctx, []BindingOp{{Delete: true, Binding: Binding{User: user, Contact: contact}}})
}

// Bindings returns the bindings that are still valid at now, ordered by user
// and contact; it deletes the expired ones.
func (s *Store) Bindings(ctx context.Context, now time.Time) ([]Binding, error) {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM bindings WHERE expires <= ?`, now.UnixNano()); err != nil {
		return nil, wrap("bindings", err)
	}
	rows, err := s.db.QueryContext(ctx, `SELECT user, contact, source, transport, expires, call_id, cseq, user_agent
		FROM bindings ORDER BY user, contact`)
	if err != nil {
		return nil, wrap("bindings", err)
	}
	defer rows.Close()
	var out []Binding
	for rows.Next() {
		var b Binding
		var src string
		var exp int64
		if err := rows.Scan(&b.User, &b.Contact, &src, &b.Transport, &exp, &b.CallID, &b.CSeq, &b.UserAgent); err != nil {
			return nil, wrap("bindings", err)
		}
		b.Source, _ = netip.ParseAddrPort(src)
		b.Expires = time.Unix(0, exp).UTC()
		out = append(out, b)
	}
	return out, wrap("bindings", rows.Err())
}

// AddCDR appends a call detail record.
func (s *Store) AddCDR(ctx context.Context, r cdr.Record) error {
	rtp, err := json.Marshal(r.RTP)
	if err != nil {
		return wrap("cdr", err)
	}
	var answer *int64
	if r.Answer != nil {
		a := r.Answer.UnixNano()
		answer = &a
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO cdrs (call_id, from_uri, to_uri, start, answer, end, status, reason,
		duration_ms, codec, media, rtp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.CallID, r.From, r.To, r.Start.UnixNano(), answer, r.End.UnixNano(), r.Status, r.Reason,
		r.DurationMs, r.Codec, r.Media, string(rtp))
	return wrap("cdr", err)
}

// CDRs returns every call record in the order they were added.
func (s *Store) CDRs(ctx context.Context) ([]cdr.Record, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT call_id, from_uri, to_uri, start, answer, end, status, reason,
		duration_ms, codec, media, rtp FROM cdrs ORDER BY id`)
	if err != nil {
		return nil, wrap("cdr", err)
	}
	defer rows.Close()
	out := []cdr.Record{}
	for rows.Next() {
		var r cdr.Record
		var start, end int64
		var answer sql.NullInt64
		var rtp string
		if err := rows.Scan(&r.CallID, &r.From, &r.To, &start, &answer, &end, &r.Status, &r.Reason,
			&r.DurationMs, &r.Codec, &r.Media, &rtp); err != nil {
			return nil, wrap("cdr", err)
		}
		r.Start, r.End = time.Unix(0, start).UTC(), time.Unix(0, end).UTC()
		if answer.Valid {
			a := time.Unix(0, answer.Int64).UTC()
			r.Answer = &a
		}
		if err := json.Unmarshal([]byte(rtp), &r.RTP); err != nil {
			return nil, wrap("cdr", err)
		}
		out = append(out, r)
	}
	return out, wrap("cdr", rows.Err())
}

// Secret returns a stored secret (a generated password) by name.
func (s *Store) Secret(ctx context.Context, name string) (value string, ok bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT value FROM secrets WHERE name = ?`, name).Scan(&value)
	if errors.Is(err, sql.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, wrap("secret", err)
	}
	return value, true, nil
}

// SetSecret stores a secret, replacing an older value.
func (s *Store) SetSecret(ctx context.Context, name, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT OR REPLACE INTO secrets VALUES (?, ?)`, name, value)
	return wrap("secret", err)
}
