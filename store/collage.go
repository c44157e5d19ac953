package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"hearth/playlist"
	"hearth/session"
)

// CollageItem is a photo or song added to a session's collage.
type CollageItem struct {
	ID          string
	SessionID   string
	Kind        string // "photo" or "song"
	Ref         string // photo file id, or media id for songs
	Caption     string
	Contributor string
	Width       int
	Height      int
	Position    int
	CreatedAt   time.Time
}

// AddCollageItem appends an item at the end of the session's collage, unless the collage is
// locked or already holds max items of that kind; it reports which.
func (s *Store) AddCollageItem(ctx context.Context, it CollageItem, max int) (locked, full bool, err error) {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return false, false, err
	}
	defer tx.Rollback()
	var isLocked bool
	if err := tx.QueryRowContext(ctx, `SELECT collage_locked FROM sessions WHERE id = ?`, it.SessionID).Scan(&isLocked); err != nil {
		return false, false, err
	}
	if isLocked {
		return true, false, nil
	}
	var n, last int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM collage_items WHERE session_id = ? AND kind = ?`, it.SessionID, it.Kind).Scan(&n); err != nil {
		return false, false, err
	}
	if n >= max {
		return false, true, nil
	}
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) FROM collage_items WHERE session_id = ?`, it.SessionID).Scan(&last); err != nil {
		return false, false, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO collage_items (id, session_id, kind, ref, caption, contributor, width, height,
		position, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, it.ID, it.SessionID, it.Kind, it.Ref, it.Caption,
		it.Contributor, it.Width, it.Height, last+1, it.CreatedAt.UnixMilli()); err != nil {
		return false, false, err
	}
	return false, false, tx.Commit()
}

// CollageItems lists a session's collage in order.
func (s *Store) CollageItems(ctx context.Context, sessionID string) ([]CollageItem, bool, error) {
	var locked bool
	if err := s.db.QueryRowContext(ctx, `SELECT collage_locked FROM sessions WHERE id = ?`, sessionID).Scan(&locked); err != nil {
		return nil, false, err
	}
	rows, err := s.db.QueryContext(ctx, `SELECT id, session_id, kind, ref, caption, contributor, width, height, position, created_at
		FROM collage_items WHERE session_id = ? ORDER BY position, created_at`, sessionID)
	if err != nil {
		return nil, false, err
	}
	defer rows.Close()
	var out []CollageItem
	for rows.Next() {
		var it CollageItem
		var created int64
		if err := rows.Scan(&it.ID, &it.SessionID, &it.Kind, &it.Ref, &it.Caption, &it.Contributor, &it.Width, &it.Height,
			&it.Position, &created); err != nil {
			return nil, false, err
		}
		it.CreatedAt = time.UnixMilli(created).UTC()
		out = append(out, it)
	}
	return out, locked, rows.Err()
}

// UpdateCollageItem changes an item's caption and position.
func (s *Store) UpdateCollageItem(ctx context.Context, sessionID, id, caption string, position int) error {
	res, err := s.db.ExecContext(ctx, `UPDATE collage_items SET caption = ?, position = ? WHERE id = ? AND session_id = ?`,
		caption, position, id, sessionID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return ErrNotFound
	}
	return nil
}

// DeleteCollageItem removes an item and returns it (so its photo file can go if unused).
func (s *Store) DeleteCollageItem(ctx context.Context, sessionID, id string) (CollageItem, error) {
	var it CollageItem
	err := s.db.QueryRowContext(ctx, `DELETE FROM collage_items WHERE id = ? AND session_id = ? RETURNING kind, ref`, id, sessionID).
		Scan(&it.Kind, &it.Ref)
	if err != nil {
		return it, ErrNotFound
	}
	return it, nil
}

// PhotoInUse reports whether any collage still shows a photo file.
func (s *Store) PhotoInUse(ctx context.Context, ref string) (bool, error) {
	var n int
	err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM collage_items WHERE kind = 'photo' AND ref = ?`, ref).Scan(&n)
	return n > 0, err
}

// SetCollageLocked locks or unlocks a session's collage.
func (s *Store) SetCollageLocked(ctx context.Context, sessionID string, locked bool) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sessions SET collage_locked = ? WHERE id = ?`, locked, sessionID)
	return err
}

// SetCollage makes a session play its finalized collage: pl replaces the playlist and any
// program, in one transaction. An empty pl only marks the session as no longer a collage session.
func (s *Store) SetCollage(ctx context.Context, sessionID string, pl playlist.Playlist) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if len(pl.Items) == 0 {
		res, err := tx.ExecContext(ctx, `UPDATE sessions SET collage_final = 0 WHERE id = ?`, sessionID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return session.ErrNotFound
		}
		return tx.Commit()
	}
	res, err := tx.ExecContext(ctx, `UPDATE sessions SET collage_final = 1, collage_locked = 1, loop = ?, crossfade = ?
		WHERE id = ?`, pl.Loop, pl.Crossfade, sessionID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return session.ErrNotFound
	}
	for _, q := range []string{`DELETE FROM session_items WHERE session_id = ?`, `DELETE FROM session_segments WHERE session_id = ?`} {
		if _, err := tx.ExecContext(ctx, q, sessionID); err != nil {
			return err
		}
	}
	for i, it := range pl.Items {
		if _, err := tx.ExecContext(ctx, `INSERT INTO session_items (session_id, idx, media_id, title, frames, gain_db)
			VALUES (?, ?, ?, ?, ?, ?)`, sessionID, i, it.MediaID, it.Title, it.Frames, it.GainDB); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// CollageLocked reports whether a session's collage is closed to new contributions.
// CollageState reads whether a session's collage is locked and whether it is final in one row, so
// a reader never sees one half of a finalize (which sets both at once).
func (s *Store) CollageState(ctx context.Context, sessionID string) (locked, final bool, err error) {
	err = s.db.QueryRowContext(ctx, `SELECT collage_locked, collage_final FROM sessions WHERE id = ?`, sessionID).Scan(&locked, &final)
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	return locked, final, err
}

func (s *Store) CollageLocked(ctx context.Context, sessionID string) (bool, error) {
	var locked bool
	err := s.db.QueryRowContext(ctx, `SELECT collage_locked FROM sessions WHERE id = ?`, sessionID).Scan(&locked)
	return locked, err
}
