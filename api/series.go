package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"hearth/schedule"
	"hearth/session"
)

// SeriesManager is what the API needs for recurring series.
type SeriesManager interface {
	CreateSeries(ctx context.Context, req session.SeriesRequest) (session.Series, error)
	GetSeries(ctx context.Context, id string) (session.Series, error)
	CancelOccurrence(ctx context.Context, id string, original time.Time) (session.Series, error)
	MoveOccurrence(ctx context.Context, id string, original, to time.Time) (session.Series, error)
	DeleteSeries(ctx context.Context, id string) error
}

// GroupSeriesLister lists a group's series. The store implements it.
type GroupSeriesLister interface {
	GroupSeries(ctx context.Context, groupID string) ([]session.Series, error)
}

type occurrenceJSON struct {
	Start    time.Time `json:"start"`
	End      time.Time `json:"end"`
	Original time.Time `json:"original"`
	Moved    bool      `json:"moved,omitempty"`
}

type seriesJSON struct {
	ID          string           `json:"id"`
	Title       string           `json:"title"`
	Start       string           `json:"start"`
	Zone        string           `json:"zone"`
	DurationMin int64            `json:"duration_minutes"`
	RRule       string           `json:"rrule"`
	Playlist    []string         `json:"playlist"`
	Loop        bool             `json:"loop"`
	Ducking     bool             `json:"ducking"`
	Next        []occurrenceJSON `json:"next"`
	Memorial    bool             `json:"memorial"`
	Program     []segmentJSON    `json:"program,omitempty"`
}

func toSeriesJSON(x session.Series, now time.Time) seriesJSON {
	sc := x.Schedule
	j := seriesJSON{ID: x.ID, Title: x.Title, Start: sc.Start.Format("2006-01-02T15:04"), Zone: sc.Location.String(),
		DurationMin: int64(sc.Duration / time.Minute), RRule: sc.RRule, Playlist: x.MediaIDs, Loop: x.Loop, Ducking: x.Ducking,
		Next: []occurrenceJSON{}, Memorial: x.Memorial}
	if j.Playlist == nil {
		j.Playlist = []string{}
	}
	for _, sg := range x.Segments {
		o := segmentJSON{Name: sg.Name, Loop: sg.Loop, LengthMS: sg.Length.Milliseconds(), Mics: string(sg.Mics), Ducking: sg.Ducking}
		for _, id := range sg.MediaIDs {
			o.Playlist = append(o.Playlist, struct {
				MediaID string `json:"media_id"`
			}{id})
		}
		j.Program = append(j.Program, o)
	}
	for _, o := range sc.Between(now, now.AddDate(0, 3, 0), 6) {
		j.Next = append(j.Next, occurrenceJSON{Start: o.Start, End: o.End, Original: o.Original, Moved: o.Moved})
	}
	return j
}

type newSeriesJSON struct {
	Title       string `json:"title"`
	Start       string `json:"start"`
	Zone        string `json:"zone"`
	DurationMin int    `json:"duration_minutes"`
	RRule       string `json:"rrule"`
	Playlist    []struct {
		MediaID string `json:"media_id"`
	} `json:"playlist"`
	Loop     bool          `json:"loop"`
	Ducking  *bool         `json:"ducking"`
	Program  []segmentJSON `json:"program"`
	Memorial bool          `json:"memorial"`
}

func (s *Server) createSeries(c *gin.Context) {
	var req newSeriesJSON
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	sc, err := schedule.Parse(req.Start, req.Zone, time.Duration(req.DurationMin)*time.Minute, req.RRule)
	if err != nil {
		fail(c, http.StatusBadRequest, err.Error())
		return
	}
	g := groupOf(c)
	ids := make([]string, 0, len(req.Playlist))
	for _, it := range req.Playlist {
		if ok, err := s.groups.GroupHasMedia(c.Request.Context(), g.ID, it.MediaID); err != nil || !ok {
			fail(c, http.StatusBadRequest, "the playlist names media that is not in this group's library: "+it.MediaID)
			return
		}
		ids = append(ids, it.MediaID)
	}
	if len(req.Program) > 0 && len(req.Playlist) > 0 {
		fail(c, http.StatusBadRequest, "give either a playlist or a program, not both")
		return
	}
	var segs []session.SegmentRequest
	for _, sg := range req.Program {
		sr := session.SegmentRequest{Name: sg.Name, Loop: sg.Loop, Length: time.Duration(sg.LengthMS) * time.Millisecond,
			Mics: session.MicRule(sg.Mics), Ducking: sg.Ducking}
		for _, it := range sg.Playlist {
			if ok, err := s.groups.GroupHasMedia(c.Request.Context(), g.ID, it.MediaID); err != nil || !ok {
				fail(c, http.StatusBadRequest, "the program names media that is not in this group's library: "+it.MediaID)
				return
			}
			sr.MediaIDs = append(sr.MediaIDs, it.MediaID)
		}
		segs = append(segs, sr)
	}
	x, err := s.series.CreateSeries(c.Request.Context(), session.SeriesRequest{GroupID: g.ID, Title: req.Title, Schedule: sc,
		MediaIDs: ids, Loop: req.Loop, Ducking: req.Ducking == nil || *req.Ducking, Segments: segs, Memorial: req.Memorial})
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, g.ID, "series.create", x.Title+" "+x.ID)
	c.JSON(http.StatusCreated, toSeriesJSON(x, time.Now()))
}

func (s *Server) listSeries(c *gin.Context) {
	list, err := s.seriesLister.GroupSeries(c.Request.Context(), groupOf(c).ID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]seriesJSON, 0, len(list))
	for _, x := range list {
		out = append(out, toSeriesJSON(x, time.Now()))
	}
	c.JSON(http.StatusOK, gin.H{"series": out})
}

// seriesOfGroup loads :sid if it belongs to the group.
func (s *Server) seriesOfGroup(c *gin.Context) (session.Series, bool) {
	x, err := s.series.GetSeries(c.Request.Context(), c.Param("sid"))
	if err != nil || x.GroupID != groupOf(c).ID {
		fail(c, http.StatusNotFound, "series not found")
		return x, false
	}
	return x, true
}

type occurrenceReq struct {
	Original string `json:"original"`
	To       string `json:"to"`
}

func (s *Server) changeOccurrence(c *gin.Context) {
	x, ok := s.seriesOfGroup(c)
	if !ok {
		return
	}
	var req occurrenceReq
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	original, err := time.Parse(time.RFC3339, req.Original)
	if err != nil {
		fail(c, http.StatusBadRequest, "original must be the occurrence's start as an RFC 3339 time")
		return
	}
	var updated session.Series
	action := c.Param("action")
	switch action {
	case "cancel":
		updated, err = s.series.CancelOccurrence(c.Request.Context(), x.ID, original)
	case "move":
		to, perr := time.Parse(time.RFC3339, req.To)
		if perr != nil {
			fail(c, http.StatusBadRequest, "to must be an RFC 3339 time")
			return
		}
		updated, err = s.series.MoveOccurrence(c.Request.Context(), x.ID, original, to)
	default:
		fail(c, http.StatusNotFound, "not found")
		return
	}
	if errors.Is(err, session.ErrNoSuchOccurrence) {
		fail(c, http.StatusBadRequest, err.Error())
		return
	}
	if err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, groupOf(c).ID, "series."+action, x.Title+" "+req.Original)
	c.JSON(http.StatusOK, toSeriesJSON(updated, time.Now()))
}

func (s *Server) deleteSeries(c *gin.Context) {
	x, ok := s.seriesOfGroup(c)
	if !ok {
		return
	}
	if err := s.series.DeleteSeries(c.Request.Context(), x.ID); err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, groupOf(c).ID, "series.delete", x.Title)
	c.Status(http.StatusNoContent)
}
