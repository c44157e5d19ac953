// Package store keeps Hearth's state in an embedded SQLite database. It implements the storage
// interfaces that the session and media packages declare.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	_ "modernc.org/sqlite" // pure-Go SQLite driver: no cgo toolchain needed for the store

	"hearth/media"
	"hearth/playlist"
	"hearth/session"
)

// ErrNotFound means a requested row does not exist.
var ErrNotFound = errors.New("not found")

// Store is the SQLite-backed store.
type Store struct {
	db *sql.DB
}

// Open opens (creating if needed) the database at path and brings its schema up to date.
func Open(ctx context.Context, path string) (*Store, error) {
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=foreign_keys(1)&_pragma=synchronous(NORMAL)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	// SQLite allows one writer; a single connection avoids SQLITE_BUSY between our own goroutines.
	db.SetMaxOpenConns(1)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	s := &Store{db: db}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// migrations are applied in order; PRAGMA user_version records how many have run. Never edit one
// that has shipped: append a new one.
var migrations = []string{
	`CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
	CREATE TABLE media (
		id TEXT PRIMARY KEY,
		title TEXT NOT NULL,
		filename TEXT NOT NULL,
		format TEXT NOT NULL,
		sample_rate INTEGER NOT NULL,
		channels INTEGER NOT NULL,
		frames INTEGER NOT NULL,
		loudness_lufs REAL NOT NULL,
		peak_dbfs REAL NOT NULL,
		gain_db REAL NOT NULL,
		encoder_delay INTEGER NOT NULL,
		padding INTEGER NOT NULL,
		size INTEGER NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE TABLE sessions (
		id TEXT PRIMARY KEY,
		title TEXT NOT NULL,
		starts_at INTEGER NOT NULL,
		loop INTEGER NOT NULL,
		crossfade INTEGER NOT NULL,
		listener_token TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		ended_at INTEGER,
		demo INTEGER NOT NULL DEFAULT 0
	);
	CREATE INDEX sessions_open ON sessions (ended_at);
	CREATE TABLE session_items (
		session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
		idx INTEGER NOT NULL,
		media_id TEXT NOT NULL REFERENCES media (id),
		title TEXT NOT NULL,
		frames INTEGER NOT NULL,
		gain_db REAL NOT NULL,
		PRIMARY KEY (session_id, idx)
	);
	CREATE TABLE session_events (
		session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
		seq INTEGER NOT NULL,
		at INTEGER NOT NULL,
		action TEXT NOT NULL,
		position_ms INTEGER NOT NULL,
		loop INTEGER NOT NULL,
		PRIMARY KEY (session_id, seq)
	);`,
	// 2: members join with a token of their own, separate from the listen-only one.
	`ALTER TABLE sessions ADD COLUMN member_token TEXT NOT NULL DEFAULT '';
	UPDATE sessions SET member_token = lower(hex(randomblob(18))) WHERE member_token = '';`,
	// 3: the host can switch ducking off per session.
	`ALTER TABLE sessions ADD COLUMN ducking INTEGER NOT NULL DEFAULT 1;`,
	// 4: host accounts, their browser sessions and API tokens. Secrets are stored as SHA-256
	// hashes (tokens are random, 128 bits) or argon2id (passwords).
	`CREATE TABLE hosts (
		id TEXT PRIMARY KEY,
		username TEXT NOT NULL UNIQUE COLLATE NOCASE,
		password_hash TEXT NOT NULL,
		admin INTEGER NOT NULL DEFAULT 0,
		created_at INTEGER NOT NULL,
		disabled INTEGER NOT NULL DEFAULT 0
	);
	CREATE TABLE web_sessions (
		token_hash TEXT PRIMARY KEY,
		host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
		csrf TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL
	);
	CREATE TABLE api_tokens (
		id TEXT PRIMARY KEY,
		host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
		name TEXT NOT NULL,
		token_hash TEXT NOT NULL UNIQUE,
		created_at INTEGER NOT NULL,
		last_used INTEGER,
		revoked_at INTEGER
	);`,
	// 5: groups (circles) with their hosts, library, sessions, invite links and audit log.
	`CREATE TABLE groups (
		id TEXT PRIMARY KEY,
		name TEXT NOT NULL,
		description TEXT NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE TABLE group_hosts (
		group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
		host_id TEXT NOT NULL REFERENCES hosts (id) ON DELETE CASCADE,
		role TEXT NOT NULL,
		PRIMARY KEY (group_id, host_id)
	);
	CREATE TABLE group_media (
		group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
		media_id TEXT NOT NULL REFERENCES media (id),
		added_at INTEGER NOT NULL,
		PRIMARY KEY (group_id, media_id)
	);
	CREATE TABLE invites (
		id TEXT PRIMARY KEY,
		group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
		kind TEXT NOT NULL,
		token_hash TEXT NOT NULL UNIQUE,
		created_at INTEGER NOT NULL,
		expires_at INTEGER,
		max_uses INTEGER,
		uses INTEGER NOT NULL DEFAULT 0,
		revoked_at INTEGER
	);
	CREATE TABLE audit_log (
		id INTEGER PRIMARY KEY AUTOINCREMENT,
		group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
		actor TEXT NOT NULL,
		action TEXT NOT NULL,
		target TEXT NOT NULL,
		at INTEGER NOT NULL
	);
	CREATE INDEX audit_by_group ON audit_log (group_id, at);
	ALTER TABLE sessions ADD COLUMN group_id TEXT REFERENCES groups (id) ON DELETE CASCADE;
	CREATE INDEX sessions_by_group ON sessions (group_id, starts_at);`,
	// 6: recurring series materialise into sessions; an occurrence's session stops at its end.
	`CREATE TABLE series (
		id TEXT PRIMARY KEY,
		group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
		title TEXT NOT NULL,
		start_local TEXT NOT NULL,
		zone TEXT NOT NULL,
		duration_ms INTEGER NOT NULL,
		rrule TEXT NOT NULL,
		exceptions TEXT NOT NULL,
		media_ids TEXT NOT NULL,
		loop INTEGER NOT NULL,
		ducking INTEGER NOT NULL,
		created_at INTEGER NOT NULL
	);
	ALTER TABLE sessions ADD COLUMN series_id TEXT REFERENCES series (id) ON DELETE CASCADE;
	ALTER TABLE sessions ADD COLUMN occurrence INTEGER;
	ALTER TABLE sessions ADD COLUMN stop_at INTEGER;
	CREATE UNIQUE INDEX sessions_by_occurrence ON sessions (series_id, occurrence);`,
	// 7: each group has a secret calendar feed.
	`ALTER TABLE groups ADD COLUMN calendar_key TEXT NOT NULL DEFAULT '';
	UPDATE groups SET calendar_key = lower(hex(randomblob(18))) WHERE calendar_key = '';`,
	// 8: programs: a session's segments, each owning a run of its playlist items.
	`CREATE TABLE session_segments (
		session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
		idx INTEGER NOT NULL,
		name TEXT NOT NULL,
		length_ms INTEGER NOT NULL,
		loop INTEGER NOT NULL,
		mics TEXT NOT NULL,
		ducking INTEGER NOT NULL,
		items INTEGER NOT NULL,
		PRIMARY KEY (session_id, idx)
	);`,
	// 9: memorial collages: members' photos (stored cleaned, by content hash) and songs.
	`CREATE TABLE collage_items (
		id TEXT PRIMARY KEY,
		session_id TEXT NOT NULL REFERENCES sessions (id) ON DELETE CASCADE,
		kind TEXT NOT NULL,
		ref TEXT NOT NULL,
		caption TEXT NOT NULL,
		contributor TEXT NOT NULL,
		width INTEGER NOT NULL,
		height INTEGER NOT NULL,
		position INTEGER NOT NULL,
		created_at INTEGER NOT NULL
	);
	CREATE INDEX collage_by_session ON collage_items (session_id, position);
	ALTER TABLE sessions ADD COLUMN collage_locked INTEGER NOT NULL DEFAULT 0;`,
	// 10: a finalized collage is the session's broadcast.
	`ALTER TABLE sessions ADD COLUMN collage_final INTEGER NOT NULL DEFAULT 0;`,
	// accounts: one-time links that set a password: the first admin's setup link (no host yet)
	// and the reset links an admin issues. Only the SHA-256 of each link's secret is stored.
	`CREATE TABLE account_links (
		token_hash TEXT PRIMARY KEY,
		kind TEXT NOT NULL,
		host_id TEXT REFERENCES hosts (id) ON DELETE CASCADE,
		created_by TEXT NOT NULL,
		created_at INTEGER NOT NULL,
		expires_at INTEGER NOT NULL,
		used_at INTEGER,
		replaced_at INTEGER
	);
	CREATE INDEX account_links_by_host ON account_links (kind, host_id);`,
	// 12 (issue 9, circles): a session is a memorial only when its host makes it one, and its
	// contribution link has a token of its own; series carry that choice and may play a program;
	// circles have support text for their ended pages; invitation links can be shown again, and
	// a use is counted once per person who follows one into a session.
	`ALTER TABLE sessions ADD COLUMN memorial INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE sessions ADD COLUMN contribute_token TEXT NOT NULL DEFAULT '';
	UPDATE sessions SET memorial = 1 WHERE collage_final = 1 OR id IN (SELECT session_id FROM collage_items);
	UPDATE sessions SET contribute_token = lower(hex(randomblob(18))) WHERE contribute_token = '';
	ALTER TABLE series ADD COLUMN memorial INTEGER NOT NULL DEFAULT 0;
	ALTER TABLE series ADD COLUMN program TEXT NOT NULL DEFAULT '';
	ALTER TABLE groups ADD COLUMN support_text TEXT NOT NULL DEFAULT '';
	ALTER TABLE invites ADD COLUMN token TEXT NOT NULL DEFAULT '';
	CREATE TABLE invite_claims (
		invite_id TEXT NOT NULL REFERENCES invites (id) ON DELETE CASCADE,
		claim_hash TEXT NOT NULL,
		at INTEGER NOT NULL,
		PRIMARY KEY (invite_id, claim_hash)
	);`,
}

func (s *Store) migrate(ctx context.Context) error {
	var version int
	if err := s.db.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if version > len(migrations) {
		return fmt.Errorf("database schema version %d is newer than this build understands (%d)", version, len(migrations))
	}
	for i := version; i < len(migrations); i++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, migrations[i]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, i+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migration %d: %w", i+1, err)
		}
	}
	return nil
}

// Meta returns a stored setting, or ErrNotFound.
func (s *Store) Meta(ctx context.Context, key string) (string, error) {
	var v string
	err := s.db.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = ?`, key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return v, err
}

// SetMeta stores a setting.
func (s *Store) SetMeta(ctx context.Context, key, value string) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO meta (key, value) VALUES (?, ?)
		ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
	return err
}

// PutAsset records a validated media file. Storing the same content twice keeps the first record.
func (s *Store) PutAsset(ctx context.Context, a media.Asset) error {
	_, err := s.db.ExecContext(ctx, `INSERT INTO media (id, title, filename, format, sample_rate, channels,
		frames, loudness_lufs, peak_dbfs, gain_db, encoder_delay, padding, size, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
		a.ID, a.Title, a.Filename, a.Format, a.SampleRate, a.Channels, a.Frames, finite(a.LoudnessLUFS),
		finite(a.PeakDBFS), a.GainDB, a.EncoderDelay, a.Padding, a.Size, a.CreatedAt.UnixMilli())
	return err
}

const assetColumns = `id, title, filename, format, sample_rate, channels, frames, loudness_lufs, peak_dbfs,
	gain_db, encoder_delay, padding, size, created_at`

func scanAsset(row interface{ Scan(...any) error }) (media.Asset, error) {
	var a media.Asset
	var created int64
	err := row.Scan(&a.ID, &a.Title, &a.Filename, &a.Format, &a.SampleRate, &a.Channels, &a.Frames,
		&a.LoudnessLUFS, &a.PeakDBFS, &a.GainDB, &a.EncoderDelay, &a.Padding, &a.Size, &created)
	a.CreatedAt = time.UnixMilli(created).UTC()
	return a, err
}

// Asset returns one media record.
func (s *Store) Asset(ctx context.Context, id string) (media.Asset, error) {
	a, err := scanAsset(s.db.QueryRowContext(ctx, `SELECT `+assetColumns+` FROM media WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return a, media.ErrNotFound
	}
	return a, err
}

// Assets lists the library, newest first.
func (s *Store) Assets(ctx context.Context) ([]media.Asset, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+assetColumns+` FROM media ORDER BY created_at DESC, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []media.Asset
	for rows.Next() {
		a, err := scanAsset(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

// MediaItem implements session.Library.
func (s *Store) MediaItem(ctx context.Context, id string) (session.MediaItem, error) {
	a, err := s.Asset(ctx, id)
	if err != nil {
		return session.MediaItem{}, err
	}
	return session.MediaItem{ID: a.ID, Title: a.Title, Frames: a.Frames, GainDB: a.GainDB}, nil
}

// CreateSession stores a new session with its playlist, in one transaction.
func (s *Store) CreateSession(ctx context.Context, x *session.Session) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `INSERT INTO sessions (id, title, starts_at, loop, crossfade,
		listener_token, member_token, created_at, ended_at, demo, ducking, group_id, series_id, occurrence, stop_at,
		memorial, contribute_token)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?)`,
		x.ID, x.Title, x.StartsAt.UnixMilli(), x.Playlist.Loop, x.Playlist.Crossfade, x.ListenerToken,
		x.MemberToken, x.CreatedAt.UnixMilli(), x.Demo, x.Ducking, nullable(x.GroupID), nullable(x.SeriesID),
		nullTime(x.Occurrence), nullTime(x.StopAt), x.Memorial, x.ContributeToken); err != nil {
		if strings.Contains(err.Error(), "UNIQUE") {
			return session.ErrExists
		}
		return err
	}
	for i, it := range x.Playlist.Items {
		if _, err := tx.ExecContext(ctx, `INSERT INTO session_items (session_id, idx, media_id, title, frames, gain_db)
			VALUES (?, ?, ?, ?, ?, ?)`, x.ID, i, it.MediaID, it.Title, it.Frames, it.GainDB); err != nil {
			return err
		}
	}
	for i, sg := range x.Segments {
		if _, err := tx.ExecContext(ctx, `INSERT INTO session_segments (session_id, idx, name, length_ms, loop, mics, ducking, items)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`, x.ID, i, sg.Name, sg.Length.Milliseconds(), sg.Playlist.Loop, string(sg.Mics),
			sg.Ducking, len(sg.Playlist.Items)); err != nil {
			return err
		}
	}
	return tx.Commit()
}

// Session returns one session with its playlist and events.
func (s *Store) Session(ctx context.Context, id string) (*session.Session, error) {
	x := &session.Session{}
	var starts, created int64
	var ended sql.NullInt64
	var group, series sql.NullString
	var occurrence, stop sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT id, title, starts_at, loop, crossfade, listener_token, member_token,
		created_at, ended_at, demo, ducking, group_id, series_id, occurrence, stop_at, collage_final, memorial, contribute_token
		FROM sessions WHERE id = ?`, id).Scan(&x.ID, &x.Title, &starts, &x.Playlist.Loop,
		&x.Playlist.Crossfade, &x.ListenerToken, &x.MemberToken, &created, &ended, &x.Demo, &x.Ducking, &group, &series, &occurrence, &stop, &x.Collage,
		&x.Memorial, &x.ContributeToken)
	x.GroupID, x.SeriesID = group.String, series.String
	if occurrence.Valid {
		x.Occurrence = time.UnixMilli(occurrence.Int64).UTC()
	}
	if stop.Valid {
		x.StopAt = time.UnixMilli(stop.Int64).UTC()
	}
	if errors.Is(err, sql.ErrNoRows) {
		return nil, session.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	x.StartsAt = time.UnixMilli(starts).UTC()
	x.CreatedAt = time.UnixMilli(created).UTC()
	if ended.Valid {
		x.EndedAt = time.UnixMilli(ended.Int64).UTC()
	}
	if err := s.loadItems(ctx, x); err != nil {
		return nil, err
	}
	if err := s.loadEvents(ctx, x); err != nil {
		return nil, err
	}
	if err := s.loadSegments(ctx, x); err != nil {
		return nil, err
	}
	return x, nil
}

// loadSegments rebuilds a session's program: each segment owns the next run of playlist items.
func (s *Store) loadSegments(ctx context.Context, x *session.Session) error {
	rows, err := s.db.QueryContext(ctx, `SELECT name, length_ms, loop, mics, ducking, items FROM session_segments
		WHERE session_id = ? ORDER BY idx`, x.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	next := 0
	for rows.Next() {
		var sg session.Segment
		var length int64
		var items int
		var mics string
		if err := rows.Scan(&sg.Name, &length, &sg.Playlist.Loop, &mics, &sg.Ducking, &items); err != nil {
			return err
		}
		if next+items > len(x.Playlist.Items) {
			return fmt.Errorf("session %s: segment %q claims more items than the session has", x.ID, sg.Name)
		}
		sg.Length = time.Duration(length) * time.Millisecond
		sg.Mics = session.MicRule(mics)
		if items > 0 {
			sg.Playlist.Items = x.Playlist.Items[next : next+items]
		}
		next += items
		x.Segments = append(x.Segments, sg)
	}
	return rows.Err()
}

func (s *Store) loadItems(ctx context.Context, x *session.Session) error {
	rows, err := s.db.QueryContext(ctx, `SELECT media_id, title, frames, gain_db FROM session_items
		WHERE session_id = ? ORDER BY idx`, x.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var it playlist.Item
		if err := rows.Scan(&it.MediaID, &it.Title, &it.Frames, &it.GainDB); err != nil {
			return err
		}
		x.Playlist.Items = append(x.Playlist.Items, it)
	}
	return rows.Err()
}

func (s *Store) loadEvents(ctx context.Context, x *session.Session) error {
	rows, err := s.db.QueryContext(ctx, `SELECT at, action, position_ms, loop FROM session_events
		WHERE session_id = ? ORDER BY seq`, x.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var e session.Event
		var at, pos int64
		if err := rows.Scan(&at, &e.Action, &pos, &e.Loop); err != nil {
			return err
		}
		e.At = time.UnixMicro(at).UTC()
		e.Position = time.Duration(pos) * time.Millisecond
		x.Events = append(x.Events, e)
	}
	return rows.Err()
}

// OpenSessions implements session.Store.
func (s *Store) OpenSessions(ctx context.Context) ([]*session.Session, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id FROM sessions WHERE ended_at IS NULL ORDER BY starts_at`)
	if err != nil {
		return nil, err
	}
	var ids []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, err
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]*session.Session, 0, len(ids))
	for _, id := range ids {
		x, err := s.Session(ctx, id)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// DemoSession returns the id of the demo session that is still open, or ErrNotFound.
func (s *Store) DemoSession(ctx context.Context) (string, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM sessions WHERE demo = 1 AND ended_at IS NULL
		ORDER BY created_at DESC LIMIT 1`).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return id, err
}

// AppendEvent implements session.Store.
func (s *Store) AppendEvent(ctx context.Context, id string, e session.Event) error {
	res, err := s.db.ExecContext(ctx, `INSERT INTO session_events (session_id, seq, at, action, position_ms, loop)
		SELECT s.id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM session_events WHERE session_id = s.id), ?, ?, ?, ?
		FROM sessions s WHERE s.id = ?`,
		e.At.UnixMicro(), string(e.Action), e.Position.Milliseconds(), e.Loop, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return session.ErrNotFound
	}
	return nil
}

// SetDucking implements session.Store.
func (s *Store) SetDucking(ctx context.Context, id string, on bool) error {
	res, err := s.db.ExecContext(ctx, `UPDATE sessions SET ducking = ? WHERE id = ?`, on, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return session.ErrNotFound
	}
	return nil
}

// SetMemorial implements session.Store.
func (s *Store) SetMemorial(ctx context.Context, id string, on bool) error {
	res, err := s.db.ExecContext(ctx, `UPDATE sessions SET memorial = ? WHERE id = ?`, on, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return session.ErrNotFound
	}
	return nil
}

// MarkEnded implements session.Store.
func (s *Store) MarkEnded(ctx context.Context, id string, at time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sessions SET ended_at = ? WHERE id = ? AND ended_at IS NULL`, at.UnixMilli(), id)
	return err
}

func nullTime(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// finite keeps -Inf (silence) out of the database, which cannot store it portably.
func finite(v float64) float64 {
	if math.IsInf(v, -1) || math.IsNaN(v) {
		return -70
	}
	if math.IsInf(v, 1) {
		return 0
	}
	return v
}

// Ping reports whether the database answers.
func (s *Store) Ping(ctx context.Context) error { return s.db.PingContext(ctx) }
