package photo

import (
	"bytes"
	"context"
	"errors"
	"image"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"
)

// TestTimeoutKeepsTheSlot runs a decode that never finishes on its own: the caller gets
// ErrTimeout after Limits.Timeout, but the stuck worker keeps its slot until it really ends, so a
// stream of slow files cannot run more decodes than the semaphore allows.
func TestTimeoutKeepsTheSlot(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		upload := fixture(t, "phone_gps.jpg")
		d := NewDecoder(Limits{Timeout: 5 * time.Second}, 1)
		release := make(chan struct{})
		d.decodeImage = func(format string, r io.Reader) (image.Image, error) {
			<-release
			return decodeImage(format, r)
		}
		start := time.Now()
		_, err := d.Decode(context.Background(), bytes.NewReader(upload))
		if !errors.Is(err, ErrTimeout) || !strings.Contains(err.Error(), "5s") {
			t.Fatalf("got %v, want ErrTimeout", err)
		}
		if waited := time.Since(start); waited != 5*time.Second {
			t.Errorf("timed out after %s", waited)
		}

		// The slot is still held: a second decode waits until its own context gives up.
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		_, err = d.Decode(ctx, bytes.NewReader(upload))
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout) {
			t.Fatalf("second decode: got %v, want the caller's deadline", err)
		}

		close(release)
		d.Wait()
		if _, err := d.Decode(context.Background(), bytes.NewReader(upload)); err != nil {
			t.Fatalf("after the stuck decode ended: %v", err)
		}
	})
}

// TestConcurrencyBound starts more decodes than slots and checks that no more than the bound run
// at once, and that all of them complete.
func TestConcurrencyBound(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		upload := fixture(t, "phone_gps.jpg")
		const slots, callers = 2, 7
		d := NewDecoder(Limits{}, slots)
		var running, peak atomic.Int32
		d.decodeImage = func(format string, r io.Reader) (image.Image, error) {
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(time.Second) // fake time: lets every caller reach the semaphore
			running.Add(-1)
			return decodeImage(format, r)
		}
		var wg sync.WaitGroup
		errs := make(chan error, callers)
		for range callers {
			wg.Go(func() {
				_, err := d.Decode(context.Background(), bytes.NewReader(upload))
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Error(err)
			}
		}
		if p := peak.Load(); p != slots {
			t.Errorf("peak concurrency %d, want %d", p, slots)
		}
		d.Wait()
	})
}

// TestDecoderPanicIsRecovered checks that a panic inside a decoder costs one upload, not the
// server, and frees the slot.
func TestDecoderPanicIsRecovered(t *testing.T) {
	d := NewDecoder(Limits{}, 1)
	d.decodeImage = func(string, io.Reader) (image.Image, error) { panic("decoder bug") }
	for range 2 {
		_, err := decode(t, d, fixture(t, "phone_gps.jpg"))
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("got %v, want ErrCorrupt", err)
		}
	}
	d.Wait()
}

// TestDecodedSizeMustMatchHeader guards against a decoder returning more pixels than the header
// declared (the limits were checked against the header).
func TestDecodedSizeMustMatchHeader(t *testing.T) {
	d := NewDecoder(Limits{}, 1)
	d.decodeImage = func(string, io.Reader) (image.Image, error) {
		return image.NewRGBA(image.Rect(0, 0, cardW+1, cardH)), nil
	}
	if _, err := decode(t, d, fixture(t, "phone_gps.jpg")); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("got %v, want ErrCorrupt", err)
	}
}

// TestCallerGivesUpWhileDecoding checks that the caller's own cancellation is reported as such,
// not as a timeout or a bad file.
func TestCallerGivesUpWhileDecoding(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := NewDecoder(Limits{Timeout: time.Hour}, 1)
		d.decodeImage = func(format string, r io.Reader) (image.Image, error) {
			time.Sleep(time.Minute)
			return decodeImage(format, r)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_, err := d.Decode(ctx, bytes.NewReader(fixture(t, "phone_gps.jpg")))
		if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout) || errors.Is(err, ErrCorrupt) {
			t.Fatalf("got %v", err)
		}
		d.Wait()
	})
}

// scanBomb repeats the last scan of a progressive JPEG: each copy is a few bytes that make the
// decoder walk every block of the image again.
func scanBomb(t testing.TB, jpg []byte, copies int) []byte {
	t.Helper()
	last := bytes.LastIndex(jpg, []byte{0xff, 0xda})
	if last < 0 || !bytes.HasSuffix(jpg, []byte{0xff, 0xd9}) {
		t.Fatal("not a JPEG with a scan and EOI")
	}
	scan := jpg[last : len(jpg)-2]
	out := bytes.Clone(jpg[:len(jpg)-2])
	for range copies {
		out = append(out, scan...)
	}
	return append(out, 0xff, 0xd9)
}

func TestScanBomb(t *testing.T) {
	prog := fixture(t, "progressive.jpg")
	if n := jpegScans(prog, maxJPEGScans); n < 2 || n > 20 {
		t.Fatalf("the progressive fixture has %d scans", n)
	}
	if n := jpegScans(fixture(t, "phone_gps.jpg"), maxJPEGScans); n != 1 {
		t.Fatalf("the baseline fixture has %d scans", n)
	}
	d := NewDecoder(Limits{}, 1)
	if _, err := decode(t, d, scanBomb(t, prog, maxJPEGScans-20)); err != nil {
		t.Fatalf("%d scans: %v", maxJPEGScans-20, err)
	}
	_, err := decode(t, d, scanBomb(t, prog, maxJPEGScans))
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "scans") {
		t.Fatalf("got %v", err)
	}
}

func TestJPEGScansWalk(t *testing.T) {
	tests := []struct {
		name string
		data string
		want int
	}{
		{"two scans", "\xff\xd8\xff\xda\x00\x02ab\xff\x00c\xff\xd0d\xff\xda\x00\x02e\xff\xd9", 2},
		{"extraneous bytes and fill", "\xff\xd8xyz\xff\xff\xff\xda\x00\x02\xff\xda\x00\x02\xff\xd9", 2},
		{"stuffed ff00 hides nothing", "\xff\xd8\xff\xda\x00\x02\xff\x00\xda\x00\x02\xff\xd9", 1},
		{"segment payload skipped", "\xff\xd8\xff\xe1\x00\x06\xff\xda\x00\x02\xff\xda\x00\x02\xff\xd9", 1},
		{"nothing after EOI", "\xff\xd8\xff\xda\x00\x02\xff\xd9\xff\xda\x00\x02\xff\xda\x00\x02", 1},
		{"short length", "\xff\xd8\xff\xda\x00\x01\xff\xda\x00\x02", 0},
		{"cut", "\xff\xd8\xff\xda\x00", 0},
	}
	for _, tt := range tests {
		if got := jpegScans([]byte(tt.data), 10); got != tt.want {
			t.Errorf("%s: %d scans, want %d", tt.name, got, tt.want)
		}
	}
	many := []byte("\xff\xd8")
	for range 1000 {
		many = append(many, "\xff\xda\x00\x02"...)
	}
	if got := jpegScans(many, 10); got != 11 {
		t.Errorf("stops counting at %d, want 11", got)
	}
}

// TestTimeoutStopsTheDecoder checks that a decoder whose context has ended stops at its next read
// instead of running to the end: this is what frees the slot of a timed-out decode.
func TestTimeoutStopsTheDecoder(t *testing.T) {
	d := NewDecoder(Limits{}, 1)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	files := map[string]string{"progressive.jpg": "jpeg", "rgb16.png": "png", "photo.webp": "webp", "animated.gif": "gif"}
	for name, format := range files {
		res := d.work(ctx, format, fixture(t, name), image.Pt(cardW, cardH))
		if res.err == nil || res.photo.Image != nil {
			t.Errorf("%s: decoded after its context ended", name)
		}
		if format == "jpeg" && !errors.Is(res.err, context.Canceled) {
			t.Errorf("%s: %v", name, res.err)
		}
	}
}
