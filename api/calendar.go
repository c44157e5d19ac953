package api

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hearth/auth"
	"hearth/calendar"
	"hearth/schedule"
	"hearth/session"
)

// CalendarKeys manages the secret of a group's calendar feed. The store implements it.
type CalendarKeys interface {
	SetCalendarKey(ctx context.Context, groupID, key string) error
}

// defaultLength is the length a calendar shows for a session that would not end by itself.
const defaultLength = time.Hour

// sessionEvent describes a one-off session for a calendar.
func sessionEvent(sess *session.Session, host, url string) (calendar.Event, bool) {
	end, ok := sess.EndsAt()
	length := defaultLength
	if ok && end.After(sess.StartsAt) {
		length = end.Sub(sess.StartsAt)
	}
	if length > schedule.MaxDuration {
		length = schedule.MaxDuration
	}
	start := sess.StartsAt.UTC()
	sc, err := schedule.Parse(start.Format("2006-01-02T15:04:05"), "UTC", length, "")
	if err != nil {
		return calendar.Event{}, false
	}
	return calendar.Event{UID: sess.ID + "@" + host, Title: sess.Title, URL: url, Schedule: sc, Updated: sess.CreatedAt}, true
}

func hostName(c *gin.Context) string {
	h := c.Request.Host
	if i := strings.LastIndexByte(h, ':'); i > 0 && !strings.Contains(h[i:], "]") {
		h = h[:i]
	}
	if h == "" {
		h = "hearth"
	}
	return h
}

func writeICS(c *gin.Context, name string, events []calendar.Event) {
	var buf bytes.Buffer
	if err := calendar.Write(&buf, name, events); err != nil {
		fail(c, http.StatusInternalServerError, "could not write the calendar")
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Header("Content-Disposition", `inline; filename="hearth.ics"`)
	c.Data(http.StatusOK, "text/calendar; charset=utf-8", buf.Bytes())
}

// sessionICS is one session as an .ics file, for anyone holding its listen or join link.
func (s *Server) sessionICS(c *gin.Context) {
	sess := sessionOf(c)
	d := s.describe(c, sess)
	tok, _ := bearer(c)
	url := d.ListenURL
	if tokenIs(tok, sess.MemberToken) {
		url = d.JoinURL
	}
	ev, ok := sessionEvent(sess, hostName(c), url)
	if !ok {
		fail(c, http.StatusUnprocessableEntity, "this session cannot be put in a calendar")
		return
	}
	writeICS(c, sess.Title, []calendar.Event{ev})
}

// groupFeed is a group's calendar: its series (recurring, with exceptions) and its one-off
// sessions. The URL's secret is the only key; it carries no other link, so a shared feed gives
// away times, not entry.
func (s *Server) groupFeed(c *gin.Context) {
	g, err := s.groups.Group(c.Request.Context(), c.Param("gid"))
	key := strings.TrimSuffix(c.Param("key"), ".ics")
	if err != nil || !tokenIs(key, g.CalendarKey) {
		fail(c, http.StatusNotFound, "no such calendar")
		return
	}
	host := hostName(c)
	var events []calendar.Event
	if s.seriesLister != nil {
		list, err := s.seriesLister.GroupSeries(c.Request.Context(), g.ID)
		if err != nil {
			s.writeError(c, err)
			return
		}
		for _, x := range list {
			events = append(events, calendar.Event{UID: "series-" + x.ID + "@" + host, Title: x.Title,
				Description: g.Name, Schedule: x.Schedule, Updated: x.Created})
		}
	}
	ids, err := s.groups.GroupSessionIDs(c.Request.Context(), g.ID)
	if err != nil {
		s.writeError(c, err)
		return
	}
	cutoff := time.Now().AddDate(0, 0, -30)
	for _, id := range ids {
		sess, err := s.sessions.Get(c.Request.Context(), id)
		if err != nil || sess.SeriesID != "" || sess.StartsAt.Before(cutoff) {
			continue // series occurrences are already in their series' event
		}
		if ev, ok := sessionEvent(sess, host, ""); ok {
			ev.Description = g.Name
			events = append(events, ev)
		}
	}
	writeICS(c, g.Name, events)
}

// rotateCalendarKey gives the group a new feed URL; the old one stops working.
func (s *Server) rotateCalendarKey(c *gin.Context) {
	g := groupOf(c)
	key := strings.ToLower(auth.NewToken(""))
	if err := s.calKeys.SetCalendarKey(c.Request.Context(), g.ID, key); err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, g.ID, "calendar.rotate", "")
	c.JSON(http.StatusOK, gin.H{"calendar_url": s.baseURL(c) + "/calendar/" + g.ID + "/" + key + ".ics"})
}
