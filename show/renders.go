package show

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"sync"
	"time"
)

// Render states, as the dashboard shows them.
const (
	StateNone      = "none"
	StateQueued    = "queued"
	StateRendering = "rendering"
	StateReady     = "ready"
	StateFailed    = "failed"
)

// Status is how far a session's recording has come.
type Status struct {
	State    string  `json:"state"`
	Progress float64 `json:"progress"`
	Error    string  `json:"error,omitempty"`
}

// Renders records collages ahead of time, one at a time so that recording never takes more than
// one core from live rooms, and keeps the recordings in a directory, named by session and show.
type Renders struct {
	dir string
	log *slog.Logger
	ctx context.Context

	sem chan struct{}
	mu  sync.Mutex
	// jobs holds the latest job of each session.
	jobs map[string]*job
	wg   sync.WaitGroup
}

type job struct {
	cancel context.CancelFunc
	status Status
}

var safeID = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// NewRenders keeps recordings in dir; ctx bounds every recording.
func NewRenders(ctx context.Context, dir string, log *slog.Logger) (*Renders, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	// Half-written recordings of a previous run are of no use.
	if tmps, err := filepath.Glob(filepath.Join(dir, ".recording-*")); err == nil {
		for _, t := range tmps {
			os.Remove(t)
		}
	}
	return &Renders{dir: dir, log: log, ctx: ctx, sem: make(chan struct{}, 1), jobs: make(map[string]*job)}, nil
}

// Path is where the recording of session's show s lives.
func (r *Renders) Path(sessionID string, s *Show) string {
	return filepath.Join(r.dir, sessionID+"-"+s.Key()+".ivf")
}

// Open opens the recording of a session's show, if there is a whole one.
func (r *Renders) Open(sessionID string, s *Show) (*Recording, error) {
	if !safeID.MatchString(sessionID) {
		return nil, fmt.Errorf("%w: bad session id", ErrRecording)
	}
	return OpenRecording(r.Path(sessionID, s), s)
}

// Start records a session's show in the background, replacing any recording of it in progress
// or made before. build makes the show; it runs in the background too, as decoding every photo
// takes a while.
func (r *Renders) Start(sessionID string, build func(ctx context.Context) (*Show, error)) error {
	if !safeID.MatchString(sessionID) {
		return fmt.Errorf("%w: bad session id", ErrRecording)
	}
	ctx, cancel := context.WithCancel(r.ctx)
	j := &job{cancel: cancel, status: Status{State: StateQueued}}
	r.mu.Lock()
	if old := r.jobs[sessionID]; old != nil {
		old.cancel()
	}
	r.jobs[sessionID] = j
	r.mu.Unlock()
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer cancel()
		err := r.run(ctx, sessionID, j, build)
		r.mu.Lock()
		defer r.mu.Unlock()
		switch {
		case err == nil:
			j.status = Status{State: StateReady, Progress: 1}
		case errors.Is(err, context.Canceled):
			if r.jobs[sessionID] == j {
				delete(r.jobs, sessionID)
			}
		default:
			r.log.Error("collage recording failed", "session", sessionID, "err", err)
			j.status = Status{State: StateFailed, Error: "the video could not be prepared: " + err.Error()}
		}
	}()
	return nil
}

func (r *Renders) run(ctx context.Context, sessionID string, j *job, build func(ctx context.Context) (*Show, error)) error {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-r.sem }()
	r.set(j, Status{State: StateRendering})
	began := time.Now()
	s, err := build(ctx)
	if err != nil {
		return err
	}
	r.removeOld(sessionID, "")
	path := r.Path(sessionID, s)
	err = Record(ctx, s, path, func(done, total int64) {
		r.set(j, Status{State: StateRendering, Progress: float64(done) / float64(total)})
	})
	if err != nil {
		return err
	}
	r.removeOld(sessionID, path)
	r.log.Info("collage recorded", "session", sessionID, "frames", s.Frames(), "took", time.Since(began).Round(time.Millisecond))
	return nil
}

func (r *Renders) set(j *job, st Status) {
	r.mu.Lock()
	j.status = st
	r.mu.Unlock()
}

// removeOld deletes a session's recordings but keep.
func (r *Renders) removeOld(sessionID, keep string) {
	old, _ := filepath.Glob(filepath.Join(r.dir, sessionID+"-*.ivf"))
	for _, o := range old {
		if o != keep {
			os.Remove(o)
		}
	}
}

// Status reports a session's recording: the job in progress or finished in this run, or else
// whether a recording from an earlier run is on disk.
func (r *Renders) Status(sessionID string) Status {
	r.mu.Lock()
	j := r.jobs[sessionID]
	var st Status
	if j != nil {
		st = j.status
	}
	r.mu.Unlock()
	if j != nil {
		return st
	}
	if safeID.MatchString(sessionID) {
		if m, _ := filepath.Glob(filepath.Join(r.dir, sessionID+"-*.ivf")); len(m) > 0 {
			return Status{State: StateReady, Progress: 1}
		}
	}
	return Status{State: StateNone}
}

// Forget cancels a session's recording and deletes what there is of it, e.g. when the host
// reopens the collage for changes.
func (r *Renders) Forget(sessionID string) {
	r.mu.Lock()
	if j := r.jobs[sessionID]; j != nil {
		j.cancel()
		delete(r.jobs, sessionID)
	}
	r.mu.Unlock()
	if safeID.MatchString(sessionID) {
		r.removeOld(sessionID, "")
	}
}

// Wait waits for every recording to finish or be cancelled.
func (r *Renders) Wait() { r.wg.Wait() }
