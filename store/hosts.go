package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"strings"
	"time"
)

// ErrExists means a unique value (a username) is taken.
var ErrExists = errors.New("already exists")

// Host is a host account.
type Host struct {
	ID           string
	Username     string
	PasswordHash string
	Admin        bool
	CreatedAt    time.Time
	Disabled     bool
}

// APIToken describes an API token without its secret.
type APIToken struct {
	ID        string
	HostID    string
	Name      string
	CreatedAt time.Time
	LastUsed  time.Time
	Revoked   bool
}

// hashSecret is how random tokens are stored: they carry 128 bits, so a fast hash suffices.
func hashSecret(s string) string {
	h := sha256.Sum256([]byte(s))
	return hex.EncodeToString(h[:])
}

// CreateHost adds a host account.
func (s *Store) CreateHost(ctx context.Context, h Host) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO hosts (id, username, password_hash, admin, created_at) VALUES (?, ?, ?, ?, ?)`,
		h.ID, h.Username, h.PasswordHash, h.Admin, h.CreatedAt.UnixMilli())
	if err != nil && strings.Contains(err.Error(), "UNIQUE") {
		return ErrExists
	}
	return err
}

const hostColumns = `id, username, password_hash, admin, created_at, disabled`

func scanHost(row interface{ Scan(...any) error }) (Host, error) {
	var h Host
	var created int64
	err := row.Scan(&h.ID, &h.Username, &h.PasswordHash, &h.Admin, &created, &h.Disabled)
	if errors.Is(err, sql.ErrNoRows) {
		return h, ErrNotFound
	}
	h.CreatedAt = time.UnixMilli(created).UTC()
	return h, err
}

// HostByUsername finds a host (usernames compare case-insensitively).
func (s *Store) HostByUsername(ctx context.Context, username string) (Host, error) {
	return scanHost(s.db.QueryRowContext(ctx, `SELECT `+hostColumns+` FROM hosts WHERE username = ?`, username))
}

// HostByID finds a host.
func (s *Store) HostByID(ctx context.Context, id string) (Host, error) {
	return scanHost(s.db.QueryRowContext(ctx, `SELECT `+hostColumns+` FROM hosts WHERE id = ?`, id))
}

// Hosts lists every host.
func (s *Store) Hosts(ctx context.Context) ([]Host, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+hostColumns+` FROM hosts ORDER BY username`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Host
	for rows.Next() {
		h, err := scanHost(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// CreateWebSession stores a browser sign-in session.
func (s *Store) CreateWebSession(ctx context.Context, token, hostID, csrf string, now, expires time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO web_sessions (token_hash, host_id, csrf, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
		hashSecret(token), hostID, csrf, now.UnixMilli(), expires.UnixMilli())
	return err
}

// WebSession returns the host and CSRF token of a live browser session.
func (s *Store) WebSession(ctx context.Context, token string, now time.Time) (Host, string, error) {
	var hostID, csrf string
	err := s.db.QueryRowContext(ctx, `SELECT host_id, csrf FROM web_sessions WHERE token_hash = ? AND expires_at > ?`,
		hashSecret(token), now.UnixMilli()).Scan(&hostID, &csrf)
	if errors.Is(err, sql.ErrNoRows) {
		return Host{}, "", ErrNotFound
	}
	if err != nil {
		return Host{}, "", err
	}
	h, err := s.HostByID(ctx, hostID)
	return h, csrf, err
}

// DeleteWebSession signs a browser session out; expired ones are swept at the same time.
func (s *Store) DeleteWebSession(ctx context.Context, token string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM web_sessions WHERE token_hash = ? OR expires_at <= ?`, hashSecret(token), now.UnixMilli())
	return err
}

// CreateAPIToken stores a new API token for a host.
func (s *Store) CreateAPIToken(ctx context.Context, id, hostID, name, token string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO api_tokens (id, host_id, name, token_hash, created_at) VALUES (?, ?, ?, ?, ?)`,
		id, hostID, name, hashSecret(token), now.UnixMilli())
	return err
}

// HostByAPIToken resolves a live API token and records its use.
func (s *Store) HostByAPIToken(ctx context.Context, token string, now time.Time) (Host, error) {
	var hostID string
	err := s.db.QueryRowContext(ctx, `UPDATE api_tokens SET last_used = ? WHERE token_hash = ? AND revoked_at IS NULL RETURNING host_id`,
		now.UnixMilli(), hashSecret(token)).Scan(&hostID)
	if errors.Is(err, sql.ErrNoRows) {
		return Host{}, ErrNotFound
	}
	if err != nil {
		return Host{}, err
	}
	return s.HostByID(ctx, hostID)
}

// APITokens lists a host's tokens.
func (s *Store) APITokens(ctx context.Context, hostID string) ([]APIToken, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, host_id, name, created_at, last_used, revoked_at FROM api_tokens
		WHERE host_id = ? ORDER BY created_at`, hostID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []APIToken
	for rows.Next() {
		var t APIToken
		var created int64
		var used, revoked sql.NullInt64
		if err := rows.Scan(&t.ID, &t.HostID, &t.Name, &created, &used, &revoked); err != nil {
			return nil, err
		}
		t.CreatedAt = time.UnixMilli(created).UTC()
		if used.Valid {
			t.LastUsed = time.UnixMilli(used.Int64).UTC()
		}
		t.Revoked = revoked.Valid
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeAPIToken revokes one of a host's tokens.
func (s *Store) RevokeAPIToken(ctx context.Context, hostID, id string, now time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND host_id = ? AND revoked_at IS NULL`,
		now.UnixMilli(), id, hostID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotFound
	}
	return nil
}
