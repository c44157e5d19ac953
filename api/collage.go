package api

import (
	"bytes"
	"context"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"hearth/media/photo"
	"hearth/playlist"
	"hearth/session"
	"hearth/show"
	"hearth/store"
)

// Collages stores sessions' memorial collages. The store implements it.
type Collages interface {
	AddCollageItem(ctx context.Context, it store.CollageItem, max int) (locked, full bool, err error)
	CollageItems(ctx context.Context, sessionID string) ([]store.CollageItem, bool, error)
	UpdateCollageItem(ctx context.Context, sessionID, id, caption string, position int) error
	DeleteCollageItem(ctx context.Context, sessionID, id string) (store.CollageItem, error)
	PhotoInUse(ctx context.Context, ref string) (bool, error)
	SetCollageLocked(ctx context.Context, sessionID string, locked bool) error
	CollageLocked(ctx context.Context, sessionID string) (bool, error)
	CollageState(ctx context.Context, sessionID string) (locked, final bool, err error)
}

// PhotoIntake decodes untrusted photo uploads (media/photo).
type PhotoIntake interface {
	Decode(ctx context.Context, r io.Reader) (photo.Photo, error)
}

// PhotoFiles stores cleaned photos (media.Photos).
type PhotoFiles interface {
	Save(jpeg []byte) (string, error)
	Path(id string) (string, error)
	Remove(id string) error
}

// Recordings prepares collages' video ahead of time (show.Renders).
type Recordings interface {
	Start(sessionID string, build func(ctx context.Context) (*show.Show, error)) error
	Status(sessionID string) show.Status
	Forget(sessionID string)
}

// ShowLoader builds a session's show, for recording it (the same loader the live rooms use).
type ShowLoader interface {
	Load(ctx context.Context, sessionID string, total time.Duration) (*show.Show, error)
}

// CollageDeps are what the collage endpoints need.
type CollageDeps struct {
	Store  Collages
	Intake PhotoIntake
	Files  PhotoFiles
	// Show is the picture collage rooms send; Shows and Recordings prepare it ahead of time and
	// may be nil (then rooms draw it as they go).
	Show       show.Config
	Shows      ShowLoader
	Recordings Recordings
}

const (
	maxCollagePhotos = 300
	maxCollageSongs  = 30
)

type collageItemJSON struct {
	ID          string `json:"id"`
	Kind        string `json:"kind"`
	Caption     string `json:"caption"`
	Contributor string `json:"contributor,omitempty"`
	Width       int    `json:"width,omitempty"`
	Height      int    `json:"height,omitempty"`
	Position    int    `json:"position"`
	URL         string `json:"url,omitempty"`
	MediaID     string `json:"media_id,omitempty"`
}

func toCollageJSON(sid string, it store.CollageItem) collageItemJSON {
	j := collageItemJSON{ID: it.ID, Kind: it.Kind, Caption: it.Caption, Contributor: it.Contributor, Width: it.Width,
		Height: it.Height, Position: it.Position}
	if it.Kind == "photo" {
		j.URL = "/api/v1/sessions/" + sid + "/collage/photos/" + it.Ref
	} else {
		j.MediaID = it.Ref
	}
	return j
}

// collageContributor lets through whoever may add photos and songs: a host of the session, a
// member with the member token, or anyone with the session's contribution token.
func (s *Server) collageContributor(c *gin.Context) {
	if tok, ok := bearer(c); ok {
		if sess, err := s.sessions.Get(c.Request.Context(), c.Param("id")); err == nil && tokenIs(tok, sess.ContributeToken) {
			c.Set("session", sess)
			c.Set("contributor", true)
			c.Next()
			return
		}
	}
	s.hostOrMember(c)
}

// collageReader lets through whoever may look at the collage: the contribution token as well as
// everyone requireListener lets in.
func (s *Server) collageReader(c *gin.Context) {
	if tok, ok := bearer(c); ok {
		if sess, err := s.sessions.Get(c.Request.Context(), c.Param("id")); err == nil && tokenIs(tok, sess.ContributeToken) {
			c.Set("session", sess)
			c.Set("contributor", true)
			c.Next()
			return
		}
	}
	s.requireListener(c)
}

// memorialOnly refuses the collage of a session its host has not made a memorial.
func memorialOnly(c *gin.Context) {
	if sess := sessionOf(c); sess == nil || !sess.Memorial {
		fail(c, http.StatusConflict, "this session is not a memorial, so it has no collage; its host can make it one in the session's settings")
		return
	}
	c.Next()
}

// contribution reads the caption and name fields and the file part of a multipart contribution;
// the text fields must come before the file (browsers' FormData keeps the order it is built in).
func (s *Server) contribution(c *gin.Context, maxBytes int64, use func(part io.Reader, filename, caption, name string) error) {
	ct, params, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || ct != "multipart/form-data" || params["boundary"] == "" {
		fail(c, http.StatusUnsupportedMediaType, "send the file as multipart/form-data in a field named \"file\"")
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBytes+64<<10)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		fail(c, http.StatusBadRequest, "malformed multipart body")
		return
	}
	var caption, name string
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			fail(c, http.StatusBadRequest, "no field named \"file\" in the upload")
			return
		}
		if err != nil {
			s.writeError(c, uploadErr(err))
			return
		}
		switch part.FormName() {
		case "caption", "name":
			b, _ := io.ReadAll(io.LimitReader(part, 2048))
			v := strings.TrimSpace(string(b))
			if part.FormName() == "caption" {
				if utf8.RuneCountInString(v) > 300 {
					fail(c, http.StatusBadRequest, "a caption can be at most 300 characters")
					return
				}
				caption = v
			} else {
				if utf8.RuneCountInString(v) > 40 {
					fail(c, http.StatusBadRequest, "a name can be at most 40 characters")
					return
				}
				name = v
			}
		case "file":
			if err := use(part, part.FileName(), caption, name); err != nil {
				s.writeCollageError(c, err)
			}
			return
		default:
			io.Copy(io.Discard, part)
		}
	}
}

var errCollageLocked = errors.New("the collage is closed to new contributions")
var errCollageFull = errors.New("the collage is full")

func (s *Server) writeCollageError(c *gin.Context, err error) {
	var mbe *http.MaxBytesError
	switch {
	case errors.Is(err, errCollageLocked):
		fail(c, http.StatusConflict, "the host has closed this collage to new contributions")
	case errors.Is(err, errCollageFull):
		fail(c, http.StatusConflict, err.Error())
	case errors.Is(err, photo.ErrHEIC), errors.Is(err, photo.ErrUnsupported):
		fail(c, http.StatusUnsupportedMediaType, err.Error())
	case errors.Is(err, photo.ErrTooLarge), errors.Is(err, photo.ErrTooManyPixels), errors.As(err, &mbe):
		fail(c, http.StatusRequestEntityTooLarge, err.Error())
	case errors.Is(err, photo.ErrCorrupt), errors.Is(err, photo.ErrEmpty), errors.Is(err, photo.ErrTimeout):
		fail(c, http.StatusUnprocessableEntity, err.Error())
	default:
		s.writeError(c, uploadErr(err))
	}
}

func (s *Server) addCollagePhoto(c *gin.Context) {
	sid := sessionOf(c).ID
	s.contribution(c, 25<<20, func(part io.Reader, _, caption, name string) error {
		p, err := s.collage.Intake.Decode(c.Request.Context(), part)
		if err != nil {
			return err
		}
		var buf bytes.Buffer
		if err := photo.EncodeJPEG(&buf, p.Image); err != nil {
			return err
		}
		ref, err := s.collage.Files.Save(buf.Bytes())
		if err != nil {
			return err
		}
		it := store.CollageItem{ID: newID(), SessionID: sid, Kind: "photo", Ref: ref, Caption: caption, Contributor: name,
			Width: p.Width, Height: p.Height, CreatedAt: time.Now().UTC()}
		locked, full, err := s.collage.Store.AddCollageItem(c.Request.Context(), it, maxCollagePhotos)
		switch {
		case err != nil:
			return err
		case locked:
			s.dropPhotoIfUnused(c.Request.Context(), ref)
			return errCollageLocked
		case full:
			s.dropPhotoIfUnused(c.Request.Context(), ref)
			return errors.Join(errCollageFull, errors.New("the collage already has the most photos it can hold"))
		}
		c.JSON(http.StatusCreated, toCollageJSON(sid, it))
		return nil
	})
}

func (s *Server) addCollageSong(c *gin.Context) {
	sid := sessionOf(c).ID
	s.contribution(c, s.lib.MaxBytes(), func(part io.Reader, filename, caption, name string) error {
		a, err := s.lib.Import(c.Request.Context(), part, filename, caption)
		if err != nil {
			return err
		}
		it := store.CollageItem{ID: newID(), SessionID: sid, Kind: "song", Ref: a.ID, Caption: a.Title, Contributor: name,
			CreatedAt: time.Now().UTC()}
		locked, full, err := s.collage.Store.AddCollageItem(c.Request.Context(), it, maxCollageSongs)
		switch {
		case err != nil:
			return err
		case locked:
			return errCollageLocked
		case full:
			return errors.Join(errCollageFull, errors.New("the collage already has the most songs it can hold"))
		}
		c.JSON(http.StatusCreated, toCollageJSON(sid, it))
		return nil
	})
}

func (s *Server) dropPhotoIfUnused(ctx context.Context, ref string) {
	if used, err := s.collage.Store.PhotoInUse(ctx, ref); err == nil && !used {
		s.collage.Files.Remove(ref)
	}
}

func (s *Server) listCollage(c *gin.Context) {
	sid := sessionOf(c).ID
	items, _, err := s.collage.Store.CollageItems(c.Request.Context(), sid)
	if err != nil {
		s.writeError(c, err)
		return
	}
	// Locked and final come from one read: the session loaded for this request may be older than a
	// finalize that has happened since.
	locked, final, err := s.collage.Store.CollageState(c.Request.Context(), sid)
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]collageItemJSON, 0, len(items))
	for _, it := range items {
		out = append(out, toCollageJSON(sid, it))
	}
	// The title lets the contribution page greet people: its token cannot read listen info.
	c.JSON(http.StatusOK, gin.H{"items": out, "locked": locked, "final": final, "render": s.renderStatus(sid),
		"title": sessionOf(c).Title})
}

func (s *Server) renderStatus(sid string) show.Status {
	if s.collage.Recordings == nil {
		return show.Status{State: show.StateNone}
	}
	return s.collage.Recordings.Status(sid)
}

// errCollageFinal refuses changes to the photos or their order once the collage is final.
const errCollageFinal = "the collage is finalized: reopen it for contributions to change its photos, songs or order"

// collagePhoto serves a cleaned photo of this session's collage (never another session's).
func (s *Server) collagePhoto(c *gin.Context) {
	sid := sessionOf(c).ID
	items, _, err := s.collage.Store.CollageItems(c.Request.Context(), sid)
	if err != nil {
		s.writeError(c, err)
		return
	}
	for _, it := range items {
		if it.Kind == "photo" && it.Ref == c.Param("pid") {
			p, err := s.collage.Files.Path(it.Ref)
			if err != nil {
				break
			}
			c.Header("Cache-Control", "private, max-age=3600")
			c.File(p)
			return
		}
	}
	fail(c, http.StatusNotFound, "no such photo in this collage")
}

func (s *Server) updateCollageItem(c *gin.Context) {
	var req struct {
		Caption  *string `json:"caption"`
		Position *int    `json:"position"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	sid := sessionOf(c).ID
	items, _, err := s.collage.Store.CollageItems(c.Request.Context(), sid)
	if err != nil {
		s.writeError(c, err)
		return
	}
	for _, it := range items {
		if it.ID != c.Param("iid") {
			continue
		}
		if req.Caption != nil {
			if utf8.RuneCountInString(*req.Caption) > 300 {
				fail(c, http.StatusBadRequest, "a caption can be at most 300 characters")
				return
			}
			it.Caption = strings.TrimSpace(*req.Caption)
		}
		if req.Position != nil && *req.Position != it.Position {
			if sessionOf(c).Collage {
				fail(c, http.StatusConflict, errCollageFinal)
				return
			}
			it.Position = *req.Position
		}
		if err := s.collage.Store.UpdateCollageItem(c.Request.Context(), sid, it.ID, it.Caption, it.Position); err != nil {
			s.writeError(c, err)
			return
		}
		s.audit(c, sessionOf(c).GroupID, "collage.update", it.ID)
		c.JSON(http.StatusOK, toCollageJSON(sid, it))
		return
	}
	fail(c, http.StatusNotFound, "no such collage item")
}

func (s *Server) deleteCollageItem(c *gin.Context) {
	sid := sessionOf(c).ID
	if sessionOf(c).Collage {
		fail(c, http.StatusConflict, errCollageFinal)
		return
	}
	it, err := s.collage.Store.DeleteCollageItem(c.Request.Context(), sid, c.Param("iid"))
	if err != nil {
		fail(c, http.StatusNotFound, "no such collage item")
		return
	}
	if it.Kind == "photo" {
		s.dropPhotoIfUnused(c.Request.Context(), it.Ref)
	}
	s.audit(c, sessionOf(c).GroupID, "collage.remove", c.Param("iid"))
	c.Status(http.StatusNoContent)
}

// finalizeCollage checks the collage can be played (photos, songs, and enough music for the
// photos), makes its songs the session's playlist, closes it to new contributions and, unless
// asked not to, starts preparing the video.
func (s *Server) finalizeCollage(c *gin.Context) {
	var req struct {
		Prerender *bool `json:"prerender"`
	}
	if c.Request.ContentLength != 0 {
		if err := decodeJSON(c, &req); err != nil {
			s.writeError(c, err)
			return
		}
	}
	sid := sessionOf(c).ID
	items, _, err := s.collage.Store.CollageItems(c.Request.Context(), sid)
	if err != nil {
		s.writeError(c, err)
		return
	}
	photos := 0
	var songs []string
	var songItems []playlist.Item
	for _, it := range items {
		if it.Kind == "photo" {
			photos++
			continue
		}
		a, err := s.assets.Asset(c.Request.Context(), it.Ref)
		if err != nil {
			fail(c, http.StatusConflict, "the song \""+it.Caption+"\" is no longer in the library: remove it from the collage")
			return
		}
		songs = append(songs, it.Ref)
		songItems = append(songItems, playlist.Item{MediaID: a.ID, Title: a.Title, Frames: a.Frames})
	}
	switch {
	case photos == 0 && len(songs) == 0:
		fail(c, http.StatusBadRequest, "the collage is empty: it needs at least one photo and one song")
		return
	case photos == 0:
		fail(c, http.StatusBadRequest, "the collage has songs but no photos: add at least one photo")
		return
	case len(songs) == 0:
		fail(c, http.StatusBadRequest, "the collage has photos but no songs: add at least one song")
		return
	}
	pl, err := session.CollagePlaylist(songItems)
	if err != nil {
		fail(c, http.StatusBadRequest, err.Error())
		return
	}
	if err := show.Fits(s.collage.Show, photos, playlist.FramesToDuration(pl.Total())); err != nil {
		fail(c, http.StatusBadRequest, err.Error())
		return
	}
	if _, err := s.sessions.FinalizeCollage(c.Request.Context(), sid, songs); err != nil {
		if errors.Is(err, session.ErrLive) || errors.Is(err, session.ErrEnded) {
			fail(c, http.StatusConflict, err.Error())
			return
		}
		s.writeError(c, err)
		return
	}
	s.audit(c, sessionOf(c).GroupID, "collage.finalize", sid)
	if (req.Prerender == nil || *req.Prerender) && s.collage.Recordings != nil && s.collage.Shows != nil {
		total := playlist.FramesToDuration(pl.Total())
		shows := s.collage.Shows
		if err := s.collage.Recordings.Start(sid, func(ctx context.Context) (*show.Show, error) {
			return shows.Load(ctx, sid, total)
		}); err != nil {
			s.log.Error("collage recording", "session", sid, "err", err)
		}
	}
	c.JSON(http.StatusOK, gin.H{"photos": photos, "songs": len(songs), "locked": true, "final": true, "render": s.renderStatus(sid)})
}

func (s *Server) lockCollage(c *gin.Context) {
	var req struct {
		Locked *bool `json:"locked"`
	}
	if err := decodeJSON(c, &req); err != nil {
		s.writeError(c, err)
		return
	}
	if req.Locked == nil {
		fail(c, http.StatusBadRequest, "send {\"locked\": true} or {\"locked\": false}")
		return
	}
	if !*req.Locked && sessionOf(c).Collage {
		// Reopening a final collage for changes: it stops being the broadcast until finalized again.
		if err := s.sessions.ReopenCollage(c.Request.Context(), sessionOf(c).ID); err != nil {
			if errors.Is(err, session.ErrLive) || errors.Is(err, session.ErrEnded) {
				fail(c, http.StatusConflict, err.Error())
				return
			}
			s.writeError(c, err)
			return
		}
		if s.collage.Recordings != nil {
			s.collage.Recordings.Forget(sessionOf(c).ID)
		}
	}
	if err := s.collage.Store.SetCollageLocked(c.Request.Context(), sessionOf(c).ID, *req.Locked); err != nil {
		s.writeError(c, err)
		return
	}
	s.audit(c, sessionOf(c).GroupID, "collage.lock", sessionOf(c).ID)
	c.JSON(http.StatusOK, gin.H{"locked": *req.Locked})
}
