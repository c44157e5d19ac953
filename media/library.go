package media

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"hearth/media/loudness"
	"hearth/media/mp3"
	"hearth/media/resample"
	"hearth/media/wav"
)

// AssetStore records validated media. The store package implements it.
type AssetStore interface {
	PutAsset(ctx context.Context, a Asset) error
	Asset(ctx context.Context, id string) (Asset, error)
}

// Limits bound what an upload may cost.
type Limits struct {
	// MaxBytes is the largest file accepted.
	MaxBytes int64
	// MaxDuration is the longest audio accepted.
	MaxDuration time.Duration
	// Timeout bounds the validation decode of one upload.
	Timeout time.Duration
	// TargetLUFS is the loudness every item is brought to; CeilingDBFS caps the gain by the peak.
	TargetLUFS  float64
	CeilingDBFS float64
}

// DefaultLimits are the limits used when a field is zero.
var DefaultLimits = Limits{
	MaxBytes:    200 << 20,
	MaxDuration: 4 * time.Hour,
	Timeout:     2 * time.Minute,
	TargetLUFS:  -18,
	CeilingDBFS: -1,
}

// Library stores validated media files content-addressed under a directory.
type Library struct {
	dir    string
	store  AssetStore
	limits Limits
	now    func() time.Time
}

// NewLibrary returns a library rooted at dir (created if missing).
func NewLibrary(dir string, store AssetStore, limits Limits) (*Library, error) {
	if limits.MaxBytes <= 0 {
		limits.MaxBytes = DefaultLimits.MaxBytes
	}
	if limits.MaxDuration <= 0 {
		limits.MaxDuration = DefaultLimits.MaxDuration
	}
	if limits.Timeout <= 0 {
		limits.Timeout = DefaultLimits.Timeout
	}
	if limits.TargetLUFS == 0 {
		limits.TargetLUFS = DefaultLimits.TargetLUFS
	}
	if limits.CeilingDBFS == 0 {
		limits.CeilingDBFS = DefaultLimits.CeilingDBFS
	}
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o750); err != nil {
		return nil, err
	}
	return &Library{dir: dir, store: store, limits: limits, now: time.Now}, nil
}

// MaxBytes returns the upload size limit.
func (l *Library) MaxBytes() int64 { return l.limits.MaxBytes }

var idPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Path returns where the file of an asset is stored.
func (l *Library) Path(id string) (string, error) {
	if !idPattern.MatchString(id) {
		return "", ErrNotFound
	}
	return filepath.Join(l.dir, id[:2], id), nil
}

// Import streams an upload to a temporary file, validates and measures it, and only then moves it
// into place and records it, so that a failed or cut-off upload never leaves a half file or a row
// behind. Importing the same bytes again returns the existing asset.
func (l *Library) Import(ctx context.Context, r io.Reader, filename, title string) (Asset, error) {
	tmp, err := os.CreateTemp(filepath.Join(l.dir, "tmp"), "upload-*")
	if err != nil {
		return Asset{}, err
	}
	defer func() {
		tmp.Close()
		os.Remove(tmp.Name())
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(r, l.limits.MaxBytes+1))
	if err != nil {
		return Asset{}, fmt.Errorf("%w: the upload was interrupted: %w", ErrInvalid, err)
	}
	if n > l.limits.MaxBytes {
		return Asset{}, fmt.Errorf("%w: the file is larger than %d MB", ErrTooLarge, l.limits.MaxBytes>>20)
	}
	id := hex.EncodeToString(h.Sum(nil))
	if a, err := l.store.Asset(ctx, id); err == nil {
		return a, nil
	}
	a, err := l.analyze(ctx, tmp, filename)
	if err != nil {
		return Asset{}, err
	}
	a.ID = id
	a.Size = n
	a.Filename = filepath.Base(filename)
	a.Title = cleanTitle(title, filename)
	a.CreatedAt = l.now().UTC()

	if err := tmp.Sync(); err != nil {
		return Asset{}, err
	}
	final, _ := l.Path(id)
	if err := os.MkdirAll(filepath.Dir(final), 0o750); err != nil {
		return Asset{}, err
	}
	if err := os.Rename(tmp.Name(), final); err != nil {
		return Asset{}, err
	}
	if err := l.store.PutAsset(ctx, a); err != nil {
		// The file is in place but unrecorded; the next import of the same bytes records it.
		return Asset{}, err
	}
	return a, nil
}

// Remove deletes an asset's file (the caller has removed its record).
func (l *Library) Remove(id string) error {
	p, err := l.Path(id)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !os.IsNotExist(err) {
		return err
	}
	return nil
}

// Open opens an asset for playback at 48 kHz.
func (l *Library) Open(ctx context.Context, id string) (*Source, error) {
	a, err := l.store.Asset(ctx, id)
	if err != nil {
		return nil, err
	}
	p, err := l.Path(id)
	if err != nil {
		return nil, err
	}
	return OpenFile(p, a.Filename)
}

// cleanTitle picks a display title: the host's, else the file name without its extension.
func cleanTitle(title, filename string) string {
	t := strings.TrimSpace(title)
	if t == "" {
		base := filepath.Base(filename)
		t = strings.TrimSpace(strings.TrimSuffix(base, filepath.Ext(base)))
	}
	t = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return -1
		}
		return r
	}, t)
	if t == "" || t == "." {
		t = "Untitled"
	}
	if r := []rune(t); len(r) > 200 {
		t = string(r[:200])
	}
	return t
}

// analyze decodes the whole file once to prove it plays to the end, and measures its length and
// loudness. It runs in its own goroutine under recover() so that a decoder bug or a pathological
// file costs one failed upload, bounded by the timeout, never the server.
func (l *Library) analyze(ctx context.Context, f *os.File, filename string) (Asset, error) {
	ctx, cancel := context.WithTimeout(ctx, l.limits.Timeout)
	defer cancel()
	type result struct {
		a   Asset
		err error
	}
	ch := make(chan result, 1)
	go func() {
		var res result
		defer func() {
			if r := recover(); r != nil {
				res = result{err: fmt.Errorf("%w: the file could not be decoded", ErrInvalid)}
			}
			ch <- res
		}()
		res.a, res.err = Analyze(ctx, f, filename, l.limits)
	}()
	select {
	case res := <-ch:
		return res.a, res.err
	case <-ctx.Done():
		return Asset{}, fmt.Errorf("%w (%s)", ErrTimeout, l.limits.Timeout)
	}
}

// Analyze decodes r to the end, checking it against limits and measuring it. The returned asset has
// the format, rate, length, loudness and gain filled in.
func Analyze(ctx context.Context, r io.ReadSeeker, filename string, limits Limits) (Asset, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return Asset{}, err
	}
	dec, format, err := openDecoder(r, filename)
	if err != nil {
		return Asset{}, err
	}
	rate := dec.SampleRate()
	if rate < 8000 || rate > 192000 {
		return Asset{}, fmt.Errorf("%w: sample rate %d Hz", ErrUnsupported, rate)
	}
	length := dec.Length()
	if length <= 0 {
		return Asset{}, fmt.Errorf("%w: the file has no audio", ErrInvalid)
	}
	if maxFrames := int64(limits.MaxDuration.Seconds()) * int64(rate); length > maxFrames {
		return Asset{}, fmt.Errorf("%w: longer than %s", ErrTooLong, limits.MaxDuration)
	}
	meter, err := loudness.NewMeter(rate, 2)
	if err != nil {
		return Asset{}, fmt.Errorf("%w: %w", ErrUnsupported, err)
	}
	buf := make([]float32, 2*4096)
	var frames int64
	for i := 0; ; i++ {
		if i%64 == 0 && ctx.Err() != nil {
			return Asset{}, fmt.Errorf("%w", ErrTimeout)
		}
		n, err := dec.Read(buf)
		if n > 0 {
			meter.Write(buf[:n])
			frames += int64(n / 2)
			if frames > length+int64(rate) {
				return Asset{}, fmt.Errorf("%w: the file decodes to more audio than it declares", ErrInvalid)
			}
		}
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Asset{}, classify(err)
		}
		if n == 0 {
			return Asset{}, fmt.Errorf("%w: the decoder stopped making progress", ErrInvalid)
		}
	}
	if frames < length-int64(rate)/10 {
		return Asset{}, fmt.Errorf("%w: the file ends early (truncated?)", ErrInvalid)
	}
	lufs := meter.Integrated()
	peak := meter.SamplePeak()
	peakDB := math.Inf(-1)
	if peak > 0 {
		peakDB = 20 * math.Log10(peak)
	}
	a := Asset{
		Format:       format,
		SampleRate:   rate,
		Channels:     2,
		Frames:       resample.OutputFrames(frames, rate, Rate),
		LoudnessLUFS: lufs,
		PeakDBFS:     peakDB,
		GainDB:       loudness.Gain(limits.TargetLUFS, lufs, peak, limits.CeilingDBFS),
	}
	switch d := dec.(type) {
	case *mp3.Decoder:
		info := d.Info()
		a.Channels = info.Channels
		if info.HasGaplessInfo {
			a.EncoderDelay, a.Padding = info.EncoderDelay, info.Padding
		}
	case *wav.Decoder:
		a.Channels = d.Info().Channels
	}
	return a, nil
}
