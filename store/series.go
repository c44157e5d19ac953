package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"hearth/schedule"
	"hearth/session"
)

// exceptionJSON is how a series' per-occurrence changes are stored.
type exceptionJSON struct {
	Original  int64 `json:"original"`
	Cancelled bool  `json:"cancelled,omitempty"`
	MovedTo   int64 `json:"moved_to,omitempty"`
}

func encodeExceptions(ex []schedule.Exception) string {
	out := make([]exceptionJSON, 0, len(ex))
	for _, e := range ex {
		j := exceptionJSON{Original: e.Original.UnixMilli(), Cancelled: e.Cancelled}
		if !e.MovedTo.IsZero() {
			j.MovedTo = e.MovedTo.UnixMilli()
		}
		out = append(out, j)
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func decodeExceptions(s string) ([]schedule.Exception, error) {
	var in []exceptionJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	out := make([]schedule.Exception, 0, len(in))
	for _, j := range in {
		e := schedule.Exception{Original: time.UnixMilli(j.Original).UTC(), Cancelled: j.Cancelled}
		if j.MovedTo != 0 {
			e.MovedTo = time.UnixMilli(j.MovedTo).UTC()
		}
		out = append(out, e)
	}
	return out, nil
}

// startLayout is how a series' local start is stored: its wall-clock fields (schedule keeps Start
// as a wall time labelled UTC; only the fields count).
const startLayout = "2006-01-02T15:04:05"

// CreateSeries implements session.SeriesStore.
func (s *Store) CreateSeries(ctx context.Context, x session.Series) error {
	media, _ := json.Marshal(x.MediaIDs)
	sc := x.Schedule
	_, err := s.db.ExecContext(ctx, `INSERT INTO series (id, group_id, title, start_local, zone, duration_ms, rrule,
		exceptions, media_ids, loop, ducking, created_at, memorial, program) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		x.ID, x.GroupID, x.Title, sc.Start.Format(startLayout), sc.Location.String(), sc.Duration.Milliseconds(),
		sc.RRule, encodeExceptions(sc.Exceptions), string(media), x.Loop, x.Ducking, x.Created.UnixMilli(), x.Memorial,
		encodeProgram(x.Segments))
	return err
}

// segmentTemplateJSON is how a series' program is stored: the request each occurrence is made from.
type segmentTemplateJSON struct {
	Name     string   `json:"name"`
	MediaIDs []string `json:"media_ids,omitempty"`
	Loop     bool     `json:"loop,omitempty"`
	LengthMS int64    `json:"length_ms,omitempty"`
	Mics     string   `json:"mics"`
	Ducking  bool     `json:"ducking,omitempty"`
}

func encodeProgram(segs []session.SegmentRequest) string {
	if len(segs) == 0 {
		return ""
	}
	out := make([]segmentTemplateJSON, 0, len(segs))
	for _, sg := range segs {
		out = append(out, segmentTemplateJSON{Name: sg.Name, MediaIDs: sg.MediaIDs, Loop: sg.Loop, LengthMS: sg.Length.Milliseconds(),
			Mics: string(sg.Mics), Ducking: sg.Ducking})
	}
	b, _ := json.Marshal(out)
	return string(b)
}

func decodeProgram(s string) ([]session.SegmentRequest, error) {
	if s == "" {
		return nil, nil
	}
	var in []segmentTemplateJSON
	if err := json.Unmarshal([]byte(s), &in); err != nil {
		return nil, err
	}
	out := make([]session.SegmentRequest, 0, len(in))
	for _, j := range in {
		out = append(out, session.SegmentRequest{Name: j.Name, MediaIDs: j.MediaIDs, Loop: j.Loop,
			Length: time.Duration(j.LengthMS) * time.Millisecond, Mics: session.MicRule(j.Mics), Ducking: j.Ducking})
	}
	return out, nil
}

const seriesColumns = `id, group_id, title, start_local, zone, duration_ms, rrule, exceptions, media_ids, loop, ducking, created_at,
	memorial, program`

func scanSeries(row interface{ Scan(...any) error }) (session.Series, error) {
	var x session.Series
	var start, zone, rrule, exceptions, media, program string
	var dur, created int64
	err := row.Scan(&x.ID, &x.GroupID, &x.Title, &start, &zone, &dur, &rrule, &exceptions, &media, &x.Loop, &x.Ducking, &created,
		&x.Memorial, &program)
	if errors.Is(err, sql.ErrNoRows) {
		return x, session.ErrNotFound
	}
	if err != nil {
		return x, err
	}
	sc, err := schedule.Parse(start, zone, time.Duration(dur)*time.Millisecond, rrule)
	if err != nil {
		return x, err
	}
	if sc.Exceptions, err = decodeExceptions(exceptions); err != nil {
		return x, err
	}
	if err := json.Unmarshal([]byte(media), &x.MediaIDs); err != nil {
		return x, err
	}
	if x.Segments, err = decodeProgram(program); err != nil {
		return x, err
	}
	x.Schedule = sc
	x.Created = time.UnixMilli(created).UTC()
	return x, nil
}

// Series implements session.SeriesStore.
func (s *Store) Series(ctx context.Context, id string) (session.Series, error) {
	return scanSeries(s.db.QueryRowContext(ctx, `SELECT `+seriesColumns+` FROM series WHERE id = ?`, id))
}

// AllSeries implements session.SeriesStore.
func (s *Store) AllSeries(ctx context.Context) ([]session.Series, error) {
	return s.seriesWhere(ctx, ``)
}

// GroupSeries lists a group's series.
func (s *Store) GroupSeries(ctx context.Context, groupID string) ([]session.Series, error) {
	return s.seriesWhere(ctx, `WHERE group_id = ?`, groupID)
}

func (s *Store) seriesWhere(ctx context.Context, where string, args ...any) ([]session.Series, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+seriesColumns+` FROM series `+where+` ORDER BY created_at`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []session.Series
	for rows.Next() {
		x, err := scanSeries(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, rows.Err()
}

// UpdateSeriesSchedule implements session.SeriesStore (only the exceptions change).
func (s *Store) UpdateSeriesSchedule(ctx context.Context, id string, sc schedule.Schedule) error {
	res, err := s.db.ExecContext(ctx, `UPDATE series SET exceptions = ? WHERE id = ?`, encodeExceptions(sc.Exceptions), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return session.ErrNotFound
	}
	return nil
}

// DeleteSeries implements session.SeriesStore: the series goes, with its sessions that have not
// started; sessions that have started keep running and lose only the link to the series.
func (s *Store) DeleteSeries(ctx context.Context, id string) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	now := time.Now().UnixMilli()
	if _, err := tx.ExecContext(ctx, `DELETE FROM sessions WHERE series_id = ? AND starts_at > ?`, id, now); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE sessions SET series_id = NULL WHERE series_id = ?`, id); err != nil {
		return err
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM series WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return session.ErrNotFound
	}
	return tx.Commit()
}

// SessionByOccurrence implements session.SeriesStore.
func (s *Store) SessionByOccurrence(ctx context.Context, seriesID string, original time.Time) (*session.Session, error) {
	var id string
	err := s.db.QueryRowContext(ctx, `SELECT id FROM sessions WHERE series_id = ? AND occurrence = ?`, seriesID, original.UnixMilli()).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, session.ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	return s.Session(ctx, id)
}

// RescheduleSession implements session.SeriesStore.
func (s *Store) RescheduleSession(ctx context.Context, id string, start, stop time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE sessions SET starts_at = ?, stop_at = ? WHERE id = ?`, start.UnixMilli(), stop.UnixMilli(), id)
	return err
}

// DeleteSession implements session.SeriesStore.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM sessions WHERE id = ?`, id)
	return err
}
