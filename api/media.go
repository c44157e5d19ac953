package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"hearth/media"
)

type mediaJSON struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	Filename     string    `json:"filename"`
	Format       string    `json:"format"`
	SampleRate   int       `json:"sample_rate"`
	Channels     int       `json:"channels"`
	DurationMS   int64     `json:"duration_ms"`
	LoudnessLUFS float64   `json:"loudness_lufs"`
	PeakDBFS     float64   `json:"peak_dbfs"`
	GainDB       float64   `json:"gain_db"`
	EncoderDelay int       `json:"encoder_delay"`
	Padding      int       `json:"padding"`
	Size         int64     `json:"size"`
	CreatedAt    time.Time `json:"created_at"`
}

func toMediaJSON(a media.Asset) mediaJSON {
	return mediaJSON{
		ID: a.ID, Title: a.Title, Filename: a.Filename, Format: a.Format, SampleRate: a.SampleRate,
		Channels: a.Channels, DurationMS: a.Duration().Milliseconds(), LoudnessLUFS: round2(a.LoudnessLUFS),
		PeakDBFS: round2(a.PeakDBFS), GainDB: round2(a.GainDB), EncoderDelay: a.EncoderDelay,
		Padding: a.Padding, Size: a.Size, CreatedAt: a.CreatedAt,
	}
}

// round2 keeps JSON numbers readable and free of -Inf, which JSON cannot carry.
func round2(v float64) float64 {
	if v < -200 || v != v {
		return -200
	}
	if v > 200 {
		return 200
	}
	return float64(int64(v*100+sign(v)*0.5)) / 100
}

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}

// uploadMedia streams a multipart upload (field "file", optional "title" before it or ?title=)
// straight into the library, without buffering it in memory or in gin's temp files.
func (s *Server) uploadMedia(c *gin.Context) {
	ct, params, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || ct != "multipart/form-data" || params["boundary"] == "" {
		fail(c, http.StatusUnsupportedMediaType, "send the file as multipart/form-data in a field named \"file\"")
		return
	}
	// The multipart framing adds a little to the file itself.
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.lib.MaxBytes()+64<<10)
	mr, err := c.Request.MultipartReader()
	if err != nil {
		fail(c, http.StatusBadRequest, "malformed multipart body")
		return
	}
	title := c.Query("title")
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
		case "title":
			b, err := io.ReadAll(io.LimitReader(part, 1024))
			if err != nil {
				s.writeError(c, uploadErr(err))
				return
			}
			title = strings.TrimSpace(string(b))
		case "file":
			a, err := s.lib.Import(c.Request.Context(), part, part.FileName(), title)
			if err != nil {
				s.writeError(c, uploadErr(err))
				return
			}
			if g := c.GetString("upload_group"); g != "" {
				if err := s.groups.AddGroupMedia(c.Request.Context(), g, a.ID, time.Now().UTC()); err != nil {
					s.writeError(c, err)
					return
				}
				s.audit(c, g, "media.upload", a.Title)
			}
			s.log.Info("media imported", "media", a.ID, "format", a.Format, "duration", a.Duration().Round(time.Millisecond),
				"lufs", round2(a.LoudnessLUFS), "gain_db", round2(a.GainDB))
			c.JSON(http.StatusCreated, toMediaJSON(a))
			return
		default:
			// Unknown fields are skipped, bounded by the body limit.
			if _, err := io.Copy(io.Discard, part); err != nil {
				s.writeError(c, uploadErr(err))
				return
			}
		}
	}
}

// uploadErr turns a broken body into a client error rather than a server one.
func uploadErr(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) || errors.Is(err, media.ErrTooLarge) {
		return media.ErrTooLarge
	}
	if errors.Is(err, media.ErrInvalid) || errors.Is(err, media.ErrUnsupported) || errors.Is(err, media.ErrTimeout) || errors.Is(err, media.ErrTooLong) {
		return err
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || strings.Contains(err.Error(), "multipart") {
		return errors.Join(media.ErrInvalid, errors.New("the upload was cut off before it finished"))
	}
	return err
}

func (s *Server) listMedia(c *gin.Context) {
	list, err := s.assets.Assets(c.Request.Context())
	if err != nil {
		s.writeError(c, err)
		return
	}
	out := make([]mediaJSON, 0, len(list))
	for _, a := range list {
		out = append(out, toMediaJSON(a))
	}
	c.JSON(http.StatusOK, gin.H{"media": out})
}

func (s *Server) getMedia(c *gin.Context) {
	a, err := s.assets.Asset(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.writeError(c, err)
		return
	}
	c.JSON(http.StatusOK, toMediaJSON(a))
}
