package store

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"hearth/media"
	"hearth/playlist"
	"hearth/session"
)

func openTemp(t *testing.T) (*Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "hearth.db")
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func TestSessionRoundTripAndReopen(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	a := media.Asset{ID: "ab00000000000000000000000000000000000000000000000000000000000000",
		Title: "Bell", Filename: "bell.mp3", Format: "mp3", SampleRate: 44100, Channels: 2, Frames: 480000,
		LoudnessLUFS: -20.5, PeakDBFS: -3, GainDB: 2.5, EncoderDelay: 576, Padding: 1000, Size: 12345,
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	if err := s.PutAsset(ctx, a); err != nil {
		t.Fatal(err)
	}
	start := time.Date(2026, 11, 24, 18, 0, 0, 0, time.UTC)
	x := &session.Session{
		ID: "s1", Title: "Tuesday", StartsAt: start, ListenerToken: "tok", CreatedAt: start.Add(-time.Hour),
		Playlist: playlist.Playlist{Loop: true, Crossfade: 4800, Items: []playlist.Item{{MediaID: a.ID, Title: "Bell", Frames: 480000, GainDB: 2.5}}},
	}
	if err := s.CreateSession(ctx, x); err != nil {
		t.Fatal(err)
	}
	ev := []session.Event{
		{At: start.Add(time.Second + 123*time.Microsecond), Action: session.ActionPause},
		{At: start.Add(2 * time.Second), Action: session.ActionSeek, Position: 1500 * time.Millisecond},
		{At: start.Add(3 * time.Second), Action: session.ActionLoop, Loop: false},
	}
	for _, e := range ev {
		if err := s.AppendEvent(ctx, "s1", e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.AppendEvent(ctx, "nosuch", ev[0]); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("event on unknown session: %v", err)
	}
	s.Close()

	// Reopening runs no migration twice and finds everything as it was.
	s2, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Session(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Tuesday" || !got.StartsAt.Equal(start) || !got.Playlist.Loop || got.Playlist.Crossfade != 4800 ||
		len(got.Playlist.Items) != 1 || got.Playlist.Items[0] != x.Playlist.Items[0] {
		t.Fatalf("session = %+v", got)
	}
	if len(got.Events) != 3 {
		t.Fatalf("events = %+v", got.Events)
	}
	for i := range ev {
		if !got.Events[i].At.Equal(ev[i].At) || got.Events[i].Action != ev[i].Action ||
			got.Events[i].Position != ev[i].Position || got.Events[i].Loop != ev[i].Loop {
			t.Fatalf("event %d = %+v, want %+v", i, got.Events[i], ev[i])
		}
	}
	ga, err := s2.Asset(ctx, a.ID)
	if err != nil || ga != a {
		t.Fatalf("asset = %+v, %v; want %+v", ga, err, a)
	}
	open, err := s2.OpenSessions(ctx)
	if err != nil || len(open) != 1 {
		t.Fatalf("open sessions = %v, %v", open, err)
	}
	if err := s2.MarkEnded(ctx, "s1", start.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if open, _ := s2.OpenSessions(ctx); len(open) != 0 {
		t.Fatalf("ended session still open")
	}
	if _, err := s2.Session(ctx, "nosuch"); !errors.Is(err, session.ErrNotFound) {
		t.Fatalf("unknown session: %v", err)
	}
	if _, err := s2.Asset(ctx, "nosuch"); !errors.Is(err, media.ErrNotFound) {
		t.Fatalf("unknown asset: %v", err)
	}
}

func TestNewerSchemaIsRefused(t *testing.T) {
	ctx := context.Background()
	s, path := openTemp(t)
	if _, err := s.db.ExecContext(ctx, `PRAGMA user_version = 999`); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := Open(ctx, path); err == nil {
		t.Fatal("a database from a newer build was opened")
	}
}

func TestSessionWithUnknownMediaIsRejected(t *testing.T) {
	s, _ := openTemp(t)
	x := &session.Session{ID: "s", Title: "t", StartsAt: time.Now(), ListenerToken: "x", CreatedAt: time.Now(),
		Playlist: playlist.Playlist{Items: []playlist.Item{{MediaID: "missing", Frames: 1}}}}
	if err := s.CreateSession(context.Background(), x); err == nil {
		t.Fatal("foreign key not enforced")
	}
	if _, err := s.Session(context.Background(), "s"); !errors.Is(err, session.ErrNotFound) {
		t.Fatal("a failed create left a half session behind")
	}
}
