package main

import (
	"context"
	"fmt"
	"image"
	"log/slog"
	"os"
	"time"

	"hearth/media/photo"
	"hearth/show"
	"hearth/store"
)

// shows builds collage shows from the store's contributions and the cleaned photos on disk, for
// the live rooms and for recording ahead of time.
type shows struct {
	st    *store.Store
	files interface {
		Path(id string) (string, error)
	}
	decoder *photo.Decoder
	cfg     show.Config
	renders *show.Renders
	log     *slog.Logger
}

// Load decodes the collage's photos one at a time, shrinking each to the show's size before the
// next, and lays them over total.
func (s *shows) Load(ctx context.Context, sessionID string, total time.Duration) (*show.Show, error) {
	items, _, err := s.st.CollageItems(ctx, sessionID)
	if err != nil {
		return nil, err
	}
	var photos []show.Photo
	for _, it := range items {
		if it.Kind != "photo" {
			continue
		}
		img, err := s.photo(ctx, it.Ref)
		if err != nil {
			// One unreadable file does not cost the family the whole collage.
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			s.log.Warn("collage photo left out: it cannot be read", "session", sessionID, "photo", it.Ref, "err", err)
			continue
		}
		photos = append(photos, show.Photo{Ref: it.Ref, Image: img, Caption: it.Caption, Name: it.Contributor})
	}
	if len(photos) == 0 {
		return nil, fmt.Errorf("%w: none of the collage's photos could be read", show.ErrEmpty)
	}
	return show.New(s.cfg, photos, total)
}

func (s *shows) photo(ctx context.Context, ref string) (*image.RGBA, error) {
	path, err := s.files.Path(ref)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := s.decoder.Decode(ctx, f)
	if err != nil {
		return nil, err
	}
	return show.Shrink(p.Image, s.cfg)
}

// Open opens the show's recording, if one was made.
func (s *shows) Open(sessionID string, sh *show.Show) (*show.Recording, error) {
	return s.renders.Open(sessionID, sh)
}
