#!/usr/bin/env bash
# Makes steps_44k.mp3: 60 s at 44.1 kHz whose frequency is 200 + 10*k Hz during second k, so a test
# that hears the stream can tell where in the file playback stands (restart test). Needs python3 and
# lame (apt-get install lame).
set -euo pipefail
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
python3 - "$tmp/steps.wav" <<'PY'
import math, struct, sys, wave
rate, secs = 44100, 60
w = wave.open(sys.argv[1], "wb")
w.setnchannels(2); w.setsampwidth(2); w.setframerate(rate)
phase, frames = 0.0, bytearray()
for n in range(rate * secs):
    f = 200 + 10 * (n // rate)
    phase += 2 * math.pi * f / rate
    v = int(0.25 * 32767 * math.sin(phase))
    frames += struct.pack("<hh", v, v)
w.writeframes(bytes(frames)); w.close()
PY
lame --quiet -b 96 "$tmp/steps.wav" steps_44k.mp3
