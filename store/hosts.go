package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
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

// Account changes: disabling, deleting, passwords and one-time links.

var (
	// ErrSoleOwner means a host is the only owner of some circles, which would be left without
	// one; the error lists them.
	ErrSoleOwner = errors.New("the only owner of some circles")
	// ErrLinkUsed, ErrLinkExpired and ErrLinkReplaced say why a one-time link no longer works.
	ErrLinkUsed     = errors.New("link already used")
	ErrLinkExpired  = errors.New("link expired")
	ErrLinkReplaced = errors.New("link replaced by a newer one")
	// ErrSetupDone means a setup link was used after an account already exists.
	ErrSetupDone = errors.New("setup already done")
	// ErrHostDisabled means the account a link belongs to is switched off.
	ErrHostDisabled = errors.New("account disabled")
)

// SoleOwnerError lists the circles a host is the only owner of.
type SoleOwnerError struct{ Groups []Group }

func (e *SoleOwnerError) Error() string { return ErrSoleOwner.Error() }

// Unwrap lets errors.Is find ErrSoleOwner.
func (e *SoleOwnerError) Unwrap() error { return ErrSoleOwner }

// SoleOwnedGroups lists the circles whose only owner is the host.
func (s *Store) SoleOwnedGroups(ctx context.Context, hostID string) ([]Group, error) {
	return soleOwned(ctx, s.db, hostID)
}

type querier interface {
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
}

func soleOwned(ctx context.Context, q querier, hostID string) ([]Group, error) {
	rows, err := q.QueryContext(ctx, `SELECT g.id, g.name FROM groups g JOIN group_hosts gh ON gh.group_id = g.id
		WHERE gh.host_id = ? AND gh.role = 'owner'
		AND NOT EXISTS (SELECT 1 FROM group_hosts o WHERE o.group_id = g.id AND o.role = 'owner' AND o.host_id <> ?)
		ORDER BY g.name`, hostID, hostID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.ID, &g.Name); err != nil {
			return nil, err
		}
		g.Role = "owner"
		out = append(out, g)
	}
	return out, rows.Err()
}

// SetHostDisabled switches an account off or on again. Switching it off also ends its browser
// sessions; its API tokens are kept but refused while it is off (every request looks the host up).
func (s *Store) SetHostDisabled(ctx context.Context, id string, disabled bool) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE hosts SET disabled = ? WHERE id = ?`, disabled, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotFound
	}
	if disabled {
		if _, err := tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE host_id = ?`, id); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// SetPassword replaces a host's password hash and ends their other browser sessions: all of
// them, or all but the one whose cookie is keepSession.
func (s *Store) SetPassword(ctx context.Context, id, hash, keepSession string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := setPassword(ctx, tx, id, hash, keepSession); err != nil {
		return err
	}
	return tx.Commit()
}

func setPassword(ctx context.Context, tx *sql.Tx, id, hash, keepSession string) error {
	res, err := tx.ExecContext(ctx, `UPDATE hosts SET password_hash = ? WHERE id = ?`, hash, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotFound
	}
	keep := ""
	if keepSession != "" {
		keep = hashSecret(keepSession)
	}
	_, err = tx.ExecContext(ctx, `DELETE FROM web_sessions WHERE host_id = ? AND token_hash <> ?`, id, keep)
	return err
}

// DeleteHost deletes an account with its sign-ins, tokens and links, and takes it off every
// circle. Circles it is the only owner of are handed to transferTo as owner (recorded in each
// circle's activity log); without transferTo, a *SoleOwnerError lists them and nothing changes.
func (s *Store) DeleteHost(ctx context.Context, id, transferTo, actor string, now time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var username string
	if err := tx.QueryRowContext(ctx, `SELECT username FROM hosts WHERE id = ?`, id).Scan(&username); errors.Is(err, sql.ErrNoRows) {
		return ErrNotFound
	} else if err != nil {
		return err
	}
	sole, err := soleOwned(ctx, tx, id)
	if err != nil {
		return err
	}
	if len(sole) > 0 {
		if transferTo == "" {
			return &SoleOwnerError{Groups: sole}
		}
		var heir string
		if err := tx.QueryRowContext(ctx, `SELECT username FROM hosts WHERE id = ? AND id <> ?`, transferTo, id).Scan(&heir); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("transfer to: %w", ErrNotFound)
		} else if err != nil {
			return err
		}
		for _, g := range sole {
			if _, err := tx.ExecContext(ctx, `INSERT INTO group_hosts (group_id, host_id, role) VALUES (?, ?, 'owner')
				ON CONFLICT (group_id, host_id) DO UPDATE SET role = 'owner'`, g.ID, transferTo); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO audit_log (group_id, actor, action, target, at) VALUES (?, ?, ?, ?, ?)`,
				g.ID, actor, "owner_transferred", username+" -> "+heir, now.UnixMilli()); err != nil {
				return err
			}
		}
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM hosts WHERE id = ?`, id); err != nil {
		return err
	}
	return tx.Commit()
}

// AccountLink is a one-time link that sets a password: "setup" creates the first admin account,
// "reset" sets a new password for HostID.
type AccountLink struct {
	Kind      string
	HostID    string
	Username  string
	CreatedAt time.Time
	ExpiresAt time.Time
	Used      bool
	Replaced  bool
}

// CreateAccountLink stores a link's hash. Earlier unused links of the same kind (for the same
// host) stop working: only the newest link works.
func (s *Store) CreateAccountLink(ctx context.Context, kind, hostID, token, createdBy string, now, expires time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var host any
	if hostID != "" {
		host = hostID
	}
	if _, err := tx.ExecContext(ctx, `UPDATE account_links SET replaced_at = ? WHERE kind = ? AND host_id IS ?
		AND used_at IS NULL AND replaced_at IS NULL`, now.UnixMilli(), kind, host); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO account_links (token_hash, kind, host_id, created_by, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?)`, hashSecret(token), kind, host, createdBy, now.UnixMilli(), expires.UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

// LookupAccountLink returns a link whatever its state (the caller says why it no longer works).
func (s *Store) LookupAccountLink(ctx context.Context, token string) (AccountLink, error) {
	return lookupLink(ctx, s.db, token)
}

type rowQuerier interface {
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func lookupLink(ctx context.Context, q rowQuerier, token string) (AccountLink, error) {
	var l AccountLink
	var host, username sql.NullString
	var created, expires int64
	var used, replaced sql.NullInt64
	err := q.QueryRowContext(ctx, `SELECT l.kind, l.host_id, h.username, l.created_at, l.expires_at, l.used_at, l.replaced_at
		FROM account_links l LEFT JOIN hosts h ON h.id = l.host_id WHERE l.token_hash = ?`, hashSecret(token)).
		Scan(&l.Kind, &host, &username, &created, &expires, &used, &replaced)
	if errors.Is(err, sql.ErrNoRows) {
		return l, ErrNotFound
	}
	if err != nil {
		return l, err
	}
	l.HostID, l.Username = host.String, username.String
	l.CreatedAt, l.ExpiresAt = time.UnixMilli(created).UTC(), time.UnixMilli(expires).UTC()
	l.Used, l.Replaced = used.Valid, replaced.Valid
	return l, nil
}

// linkState says why a link cannot be used now, or nil.
func (l AccountLink) linkState(now time.Time) error {
	switch {
	case l.Used:
		return ErrLinkUsed
	case l.Replaced:
		return ErrLinkReplaced
	case !now.Before(l.ExpiresAt):
		return ErrLinkExpired
	}
	return nil
}

// Check reports whether the link works at now: nil, or ErrLinkUsed, ErrLinkReplaced, ErrLinkExpired.
func (l AccountLink) Check(now time.Time) error { return l.linkState(now) }

// spendLink marks a link used inside tx if it still works, and returns it.
func spendLink(ctx context.Context, tx *sql.Tx, token, kind string, now time.Time) (AccountLink, error) {
	l, err := lookupLink(ctx, tx, token)
	if err != nil {
		return l, err
	}
	if l.Kind != kind {
		return l, ErrNotFound
	}
	if err := l.linkState(now); err != nil {
		return l, err
	}
	res, err := tx.ExecContext(ctx, `UPDATE account_links SET used_at = ? WHERE token_hash = ? AND used_at IS NULL`, now.UnixMilli(), hashSecret(token))
	if err != nil {
		return l, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return l, ErrLinkUsed
	}
	return l, nil
}

// UseResetLink spends a reset link: the host's password becomes hash and all their browser
// sessions end. It returns the host.
func (s *Store) UseResetLink(ctx context.Context, token, hash string, now time.Time) (Host, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Host{}, err
	}
	defer tx.Rollback()
	l, err := spendLink(ctx, tx, token, "reset", now)
	if err != nil {
		return Host{}, err
	}
	h, err := scanHost(tx.QueryRowContext(ctx, `SELECT `+hostColumns+` FROM hosts WHERE id = ?`, l.HostID))
	if err != nil {
		return Host{}, err
	}
	if h.Disabled {
		return Host{}, ErrHostDisabled
	}
	if err := setPassword(ctx, tx, h.ID, hash, ""); err != nil {
		return Host{}, err
	}
	h.PasswordHash = hash
	return h, tx.Commit()
}

// UseSetupLink spends the setup link by creating the first account, an admin. It fails with
// ErrSetupDone if any account exists by then.
func (s *Store) UseSetupLink(ctx context.Context, token string, h Host, now time.Time) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := spendLink(ctx, tx, token, "setup", now); err != nil {
		return err
	}
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM hosts`).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return ErrSetupDone
	}
	h.Admin = true
	if _, err := tx.ExecContext(ctx, `INSERT INTO hosts (id, username, password_hash, admin, created_at) VALUES (?, ?, ?, 1, ?)`,
		h.ID, h.Username, h.PasswordHash, h.CreatedAt.UnixMilli()); err != nil {
		return err
	}
	return tx.Commit()
}

// HostCount returns how many accounts exist.
func (s *Store) HostCount(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM hosts`).Scan(&n)
	return n, err
}

// EnabledAdmins counts the admin accounts that are switched on.
func (s *Store) EnabledAdmins(ctx context.Context) (int, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM hosts WHERE admin = 1 AND disabled = 0`).Scan(&n)
	return n, err
}
