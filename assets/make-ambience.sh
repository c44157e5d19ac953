#!/usr/bin/env bash
# Makes ambience.mp3: 40 s of a soft, warm drone that loops without a seam, played quietly while
# the doors are open before a session starts. Every partial completes a whole number of cycles in
# the loop, and so does the slow swell, so the end joins the beginning exactly. CC0, made here.
# Needs sox and lame (apt-get install sox lame).
set -euo pipefail
cd "$(dirname "$0")"
for t in sox lame; do
	command -v "$t" >/dev/null || { echo "needs $t: apt-get install -y sox lame" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
len=40
# An open fifth and octave on A2 (110 Hz), slightly detuned between the channels for warmth; all
# frequencies are multiples of 1/40 Hz so each partial is whole over the loop.
sox -n -r 44100 -c 1 "$tmp/l.wav" synth $len sine 110 sine 165 sine 220.05 sine 330 remix - gain -n -3
sox -n -r 44100 -c 1 "$tmp/r.wav" synth $len sine 110.05 sine 164.95 sine 220 sine 329.95 remix - gain -n -3
sox -M "$tmp/l.wav" "$tmp/r.wav" "$tmp/st.wav"
# A slow swell (tremolo at 0.075 Hz: three breaths per loop), a gentle low-pass, and a quiet level.
sox "$tmp/st.wav" "$tmp/amb.wav" tremolo 0.075 35 lowpass 700 gain -n -24
lame --quiet -V 6 --tt "Hearth waiting ambience" --ta "Hearth" --tc "CC0" "$tmp/amb.wav" ambience.mp3
