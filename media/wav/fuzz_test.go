package wav

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func FuzzDecode(f *testing.F) {
	files, err := filepath.Glob("testdata/*.wav")
	if err != nil || len(files) == 0 {
		f.Fatalf("no fixtures: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		// Small seeds only: the fuzzer minimises every new input, which takes
		// quadratic time in its length, and the headers are what matter.
		f.Add(b[:min(len(b), 1024)])
	}
	f.Add(build(chunk("LIST", []byte("INFOabc")), fmtExt(2, 44100, 24, 20, tagPCM, extensibleGUID), chunk("data", make([]byte, 60))))
	f.Fuzz(func(t *testing.T, data []byte) {
		d, err := NewDecoder(bytes.NewReader(data))
		if err != nil {
			for _, s := range []error{ErrNotWAV, ErrUnsupported, ErrTruncated, ErrCorrupt, ErrEmpty} {
				if errors.Is(err, s) {
					return
				}
			}
			t.Fatalf("error without a sentinel: %v", err)
		}
		n := d.Length()
		if n <= 0 || n > int64(len(data)) {
			t.Fatalf("Length() = %d for %d bytes", n, len(data))
		}
		buf := make([]float32, 1000)
		var got int64
		for i := int64(0); i <= n/500+2; i++ {
			k, err := d.Read(buf)
			for _, v := range buf[:k] {
				if !(v >= -1 && v <= 1) {
					t.Fatalf("sample %v out of range", v)
				}
			}
			got += int64(k / 2)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if got != n {
			t.Fatalf("read %d frames, Length() %d", got, n)
		}
		if err := d.Seek(n / 2); err != nil {
			t.Fatal(err)
		}
	})
}
