package store

import (
	"context"
	"database/sql"
	"errors"
	"time"
)

// Group is a support circle.
type Group struct {
	ID          string
	Name        string
	Description string
	CreatedAt   time.Time
	// CalendarKey is the secret in the group's calendar feed URL.
	CalendarKey string
	// Role is the asking host's role in the group ("owner", "cohost"), when listed for a host.
	Role string
	// SupportText is what the circle's ended pages say: where to turn between sessions.
	SupportText string
}

// GroupHost is a host of a group.
type GroupHost struct {
	HostID   string
	Username string
	Role     string
}

// Invite is an invitation link (its secret is never stored, only its hash).
type Invite struct {
	ID        string
	GroupID   string
	Kind      string // "member" or "listen"
	CreatedAt time.Time
	ExpiresAt time.Time // zero: never
	MaxUses   int       // 0: unlimited
	Uses      int
	Revoked   bool
	// Token is the link's secret, kept so the circle's hosts can show the link again; empty for
	// links made before it was kept.
	Token string
}

// AuditEntry is one host action.
type AuditEntry struct {
	Actor, Action, Target string
	At                    time.Time
}

// CreateGroup stores a group with its first host as owner.
func (s *Store) CreateGroup(ctx context.Context, g Group, ownerID string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO groups (id, name, description, created_at, calendar_key, support_text)
		VALUES (?, ?, ?, ?, ?, ?)`, g.ID, g.Name, g.Description, g.CreatedAt.UnixMilli(), g.CalendarKey, g.SupportText); err != nil {
		return err
	}
	if ownerID != "" {
		if _, err := tx.ExecContext(ctx, `INSERT INTO group_hosts (group_id, host_id, role) VALUES (?, ?, 'owner')`, g.ID, ownerID); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Group returns a group.
func (s *Store) Group(ctx context.Context, id string) (Group, error) {
	var g Group
	var created int64
	err := s.db.QueryRowContext(ctx, `SELECT id, name, description, created_at, calendar_key, support_text FROM groups WHERE id = ?`, id).
		Scan(&g.ID, &g.Name, &g.Description, &created, &g.CalendarKey, &g.SupportText)
	if errors.Is(err, sql.ErrNoRows) {
		return g, ErrNotFound
	}
	g.CreatedAt = time.UnixMilli(created).UTC()
	return g, err
}

// Groups lists the groups a host belongs to, or every group when hostID is empty.
func (s *Store) Groups(ctx context.Context, hostID string) ([]Group, error) {
	q := `SELECT g.id, g.name, g.description, g.created_at, COALESCE(h.role, ''), g.support_text FROM groups g
		LEFT JOIN group_hosts h ON h.group_id = g.id AND h.host_id = ?`
	if hostID != "" {
		q += ` WHERE h.host_id IS NOT NULL`
	}
	rows, err := s.db.QueryContext(ctx, q+` ORDER BY g.name`, hostID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		var created int64
		if err := rows.Scan(&g.ID, &g.Name, &g.Description, &created, &g.Role, &g.SupportText); err != nil {
			return nil, err
		}
		g.CreatedAt = time.UnixMilli(created).UTC()
		out = append(out, g)
	}
	return out, rows.Err()
}

// SetCalendarKey replaces a group's calendar feed secret (the old feed URL stops working).
func (s *Store) SetCalendarKey(ctx context.Context, groupID, key string) error {
	_, err := s.db.ExecContext(ctx, `UPDATE groups SET calendar_key = ? WHERE id = ?`, key, groupID)
	return err
}

// UpdateGroup changes a group's name and description.
func (s *Store) UpdateGroup(ctx context.Context, g Group) error {
	res, err := s.db.ExecContext(ctx, `UPDATE groups SET name = ?, description = ?, support_text = ? WHERE id = ?`,
		g.Name, g.Description, g.SupportText, g.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotFound
	}
	return nil
}

// HostRole returns a host's role in a group, or ErrNotFound.
func (s *Store) HostRole(ctx context.Context, groupID, hostID string) (string, error) {
	var role string
	err := s.db.QueryRowContext(ctx, `SELECT role FROM group_hosts WHERE group_id = ? AND host_id = ?`, groupID, hostID).Scan(&role)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return role, err
}

// AddGroupHost makes a host a co-host of a group.
func (s *Store) AddGroupHost(ctx context.Context, groupID, hostID, role string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO group_hosts (group_id, host_id, role) VALUES (?, ?, ?)
		ON CONFLICT (group_id, host_id) DO NOTHING`, groupID, hostID, role)
	return err
}

// RemoveGroupHost removes a co-host (an owner cannot be removed this way).
func (s *Store) RemoveGroupHost(ctx context.Context, groupID, hostID string) error {
	res, err := s.db.ExecContext(ctx, `DELETE FROM group_hosts WHERE group_id = ? AND host_id = ? AND role <> 'owner'`, groupID, hostID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotFound
	}
	return nil
}

// GroupHosts lists a group's hosts.
func (s *Store) GroupHosts(ctx context.Context, groupID string) ([]GroupHost, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT h.id, h.username, gh.role FROM group_hosts gh JOIN hosts h ON h.id = gh.host_id
		WHERE gh.group_id = ? ORDER BY gh.role DESC, h.username`, groupID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []GroupHost
	for rows.Next() {
		var g GroupHost
		if err := rows.Scan(&g.HostID, &g.Username, &g.Role); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}

// DeleteGroup deletes a group with its sessions, invites, audit log and library entries, and
// returns the media ids that no other group (and no remaining session) uses any more, whose files
// the caller deletes.
func (s *Store) DeleteGroup(ctx context.Context, id string) ([]string, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT media_id FROM group_media WHERE group_id = ?`, id)
	if err != nil {
		return nil, err
	}
	var media []string
	for rows.Next() {
		var m string
		if err := rows.Scan(&m); err != nil {
			rows.Close()
			return nil, err
		}
		media = append(media, m)
	}
	rows.Close()
	res, err := tx.ExecContext(ctx, `DELETE FROM groups WHERE id = ?`, id)
	if err != nil {
		return nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, ErrNotFound
	}
	var orphans []string
	for _, m := range media {
		var used int
		if err := tx.QueryRowContext(ctx, `SELECT (SELECT COUNT(*) FROM group_media WHERE media_id = ?) +
			(SELECT COUNT(*) FROM session_items WHERE media_id = ?)`, m, m).Scan(&used); err != nil {
			return nil, err
		}
		if used == 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM media WHERE id = ?`, m); err != nil {
				return nil, err
			}
			orphans = append(orphans, m)
		}
	}
	return orphans, tx.Commit()
}

// AddGroupMedia puts a media file in a group's library.
func (s *Store) AddGroupMedia(ctx context.Context, groupID, mediaID string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO group_media (group_id, media_id, added_at) VALUES (?, ?, ?)
		ON CONFLICT DO NOTHING`, groupID, mediaID, now.UnixMilli())
	return err
}

// GroupHasMedia reports whether a media file is in a group's library.
func (s *Store) GroupHasMedia(ctx context.Context, groupID, mediaID string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM group_media WHERE group_id = ? AND media_id = ?`, groupID, mediaID).Scan(&n)
	return n > 0, err
}

// GroupMediaIDs lists a group's library.
func (s *Store) GroupMediaIDs(ctx context.Context, groupID string) ([]string, error) {
	return s.strings(ctx, `SELECT media_id FROM group_media WHERE group_id = ? ORDER BY added_at DESC`, groupID)
}

// GroupSessionIDs lists a group's sessions, soonest first.
func (s *Store) GroupSessionIDs(ctx context.Context, groupID string) ([]string, error) {
	return s.strings(ctx, `SELECT id FROM sessions WHERE group_id = ? ORDER BY starts_at`, groupID)
}

func (s *Store) strings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// CreateInvite stores an invite; token is hashed.
func (s *Store) CreateInvite(ctx context.Context, inv Invite, token string) error {
	var exp, max any
	if !inv.ExpiresAt.IsZero() {
		exp = inv.ExpiresAt.UnixMilli()
	}
	if inv.MaxUses > 0 {
		max = inv.MaxUses
	}
	_, err := s.db.ExecContext(ctx, `INSERT INTO invites (id, group_id, kind, token_hash, created_at, expires_at, max_uses, token)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, inv.ID, inv.GroupID, inv.Kind, hashSecret(token), inv.CreatedAt.UnixMilli(), exp, max, token)
	return err
}

func scanInvite(row interface{ Scan(...any) error }) (Invite, error) {
	var inv Invite
	var created int64
	var exp, max, revoked sql.NullInt64
	err := row.Scan(&inv.ID, &inv.GroupID, &inv.Kind, &created, &exp, &max, &inv.Uses, &revoked, &inv.Token)
	if errors.Is(err, sql.ErrNoRows) {
		return inv, ErrNotFound
	}
	inv.CreatedAt = time.UnixMilli(created).UTC()
	if exp.Valid {
		inv.ExpiresAt = time.UnixMilli(exp.Int64).UTC()
	}
	inv.MaxUses = int(max.Int64)
	inv.Revoked = revoked.Valid
	return inv, err
}

const inviteColumns = `id, group_id, kind, created_at, expires_at, max_uses, uses, revoked_at, token`

// Invites lists a group's invites.
func (s *Store) Invites(ctx context.Context, groupID string) ([]Invite, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+inviteColumns+` FROM invites WHERE group_id = ? ORDER BY created_at`, groupID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Invite
	for rows.Next() {
		inv, err := scanInvite(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, inv)
	}
	return out, rows.Err()
}

// RevokeInvite revokes an invite of a group.
func (s *Store) RevokeInvite(ctx context.Context, groupID, id string, now time.Time) error {
	res, err := s.db.ExecContext(ctx, `UPDATE invites SET revoked_at = ? WHERE id = ? AND group_id = ? AND revoked_at IS NULL`,
		now.UnixMilli(), id, groupID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotFound
	}
	return nil
}

// UseInvite counts one use of a valid invite and returns it; an expired, revoked, used-up or
// unknown token gives ErrNotFound, all alike.
func (s *Store) UseInvite(ctx context.Context, token string, now time.Time) (Invite, error) {
	return scanInvite(s.db.QueryRowContext(ctx, `UPDATE invites SET uses = uses + 1
		WHERE token_hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
		AND (max_uses IS NULL OR uses < max_uses)
		RETURNING `+inviteColumns, hashSecret(token), now.UnixMilli()))
}

// PeekInvite returns a valid invite without using it.
func (s *Store) PeekInvite(ctx context.Context, token string, now time.Time) (Invite, error) {
	return scanInvite(s.db.QueryRowContext(ctx, `SELECT `+inviteColumns+` FROM invites
		WHERE token_hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
		AND (max_uses IS NULL OR uses < max_uses)`, hashSecret(token), now.UnixMilli()))
}

// ClaimInvite counts a use of a valid invite for one person, named by claim (a random id their
// browser keeps): the first claim of a person counts, a second one by the same person does not
// and is let through even when the link has since been used up. In one transaction, so max_uses
// holds however many people follow the link at once. Any invalid token gives ErrNotFound.
func (s *Store) ClaimInvite(ctx context.Context, token, claim string, now time.Time) (Invite, error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Invite{}, err
	}
	defer tx.Rollback()
	inv, err := scanInvite(tx.QueryRowContext(ctx, `SELECT `+inviteColumns+` FROM invites
		WHERE token_hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`, hashSecret(token), now.UnixMilli()))
	if err != nil {
		return Invite{}, err
	}
	var seen int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM invite_claims WHERE invite_id = ? AND claim_hash = ?`,
		inv.ID, hashSecret(claim)).Scan(&seen); err != nil {
		return Invite{}, err
	}
	if seen > 0 {
		return inv, tx.Commit()
	}
	res, err := tx.ExecContext(ctx, `UPDATE invites SET uses = uses + 1 WHERE id = ? AND (max_uses IS NULL OR uses < max_uses)`, inv.ID)
	if err != nil {
		return Invite{}, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return Invite{}, ErrNotFound // used up
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO invite_claims (invite_id, claim_hash, at) VALUES (?, ?, ?)`,
		inv.ID, hashSecret(claim), now.UnixMilli()); err != nil {
		return Invite{}, err
	}
	inv.Uses++
	return inv, tx.Commit()
}

// InviteClaimed reports whether a person (their claim id) has already followed an invite.
func (s *Store) InviteClaimed(ctx context.Context, inviteID, claim string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM invite_claims WHERE invite_id = ? AND claim_hash = ?`,
		inviteID, hashSecret(claim)).Scan(&n)
	return n > 0, err
}

// PeekInviteAny returns an invite that is not revoked or expired, used up or not, without using it.
func (s *Store) PeekInviteAny(ctx context.Context, token string, now time.Time) (Invite, error) {
	return scanInvite(s.db.QueryRowContext(ctx, `SELECT `+inviteColumns+` FROM invites
		WHERE token_hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`, hashSecret(token), now.UnixMilli()))
}

// Audit records a host action in a group's log.
func (s *Store) Audit(ctx context.Context, groupID, actor, action, target string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO audit_log (group_id, actor, action, target, at) VALUES (?, ?, ?, ?, ?)`,
		groupID, actor, action, target, now.UnixMilli())
	return err
}

// AuditLog returns a group's log, newest first.
func (s *Store) AuditLog(ctx context.Context, groupID string, limit int) ([]AuditEntry, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT actor, action, target, at FROM audit_log WHERE group_id = ?
		ORDER BY at DESC, id DESC LIMIT ?`, groupID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []AuditEntry
	for rows.Next() {
		var e AuditEntry
		var at int64
		if err := rows.Scan(&e.Actor, &e.Action, &e.Target, &at); err != nil {
			return nil, err
		}
		e.At = time.UnixMilli(at).UTC()
		out = append(out, e)
	}
	return out, rows.Err()
}
