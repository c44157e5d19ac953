package vpxdec

import (
	"errors"
	"testing"
)

func TestDecodeRejectsJunk(t *testing.T) {
	d, err := New()
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	for _, frame := range [][]byte{nil, {0x10, 0x02, 0x00}, make([]byte, 64)} {
		if _, err := d.Decode(frame); !errors.Is(err, ErrDecode) && !errors.Is(err, ErrNoPicture) {
			t.Errorf("Decode(% x) = %v, want an error", frame, err)
		}
	}
}
