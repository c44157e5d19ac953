package media

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
)

// Photos stores cleaned collage photos (JPEGs with no metadata) content-addressed under a
// directory. Originals, with their location data, are never written.
type Photos struct {
	dir string
}

// NewPhotos returns a photo store rooted at dir (created if missing).
func NewPhotos(dir string) (*Photos, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, err
	}
	return &Photos{dir: dir}, nil
}

// Save writes a cleaned JPEG atomically (temp file, then rename) and returns its id.
func (p *Photos) Save(jpeg []byte) (string, error) {
	sum := sha256.Sum256(jpeg)
	id := hex.EncodeToString(sum[:])
	final := filepath.Join(p.dir, id+".jpg")
	if _, err := os.Stat(final); err == nil {
		return id, nil
	}
	tmp, err := os.CreateTemp(p.dir, "photo-*")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.ReadFrom(bytes.NewReader(jpeg)); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return "", err
	}
	if err := tmp.Close(); err != nil {
		return "", err
	}
	return id, os.Rename(tmp.Name(), final)
}

// Path returns the file of a stored photo, or ErrNotFound for a malformed id.
func (p *Photos) Path(id string) (string, error) {
	if !idPattern.MatchString(id) {
		return "", ErrNotFound
	}
	return filepath.Join(p.dir, id+".jpg"), nil
}

// Remove deletes a stored photo nothing uses any more.
func (p *Photos) Remove(id string) error {
	path, err := p.Path(id)
	if err != nil {
		return err
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}
