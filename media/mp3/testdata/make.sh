#!/bin/sh
# Regenerates the MP3 fixtures in this directory. Needs sox, lame and ffmpeg (Debian: apt-get install
# -y sox lame ffmpeg). Noise uses sox -R so that every run writes the same samples; lame output is
# stable for a given lame version (3.100 made the committed files).
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

khz() { # 22050 -> 22.05, the form lame --resample wants
	case $1 in 22050) echo 22.05 ;; 44100) echo 44.1 ;; *) echo $(($1 / 1000)) ;; esac
}

for rate in 16000 22050 24000 32000 44100 48000; do
	k=$(khz "$rate")
	if [ "$rate" -ge 32000 ]; then mono=64 stereo=128; else mono=32 stereo=64; fi
	# Tones: 440 Hz (mono, and the left channel), 660 Hz on the right, 1 s, -6 dBFS.
	sox -R -r "$rate" -c 1 -n -b 16 "$tmp/mono.wav" synth 1 sine 440 vol 0.5
	sox -R -r "$rate" -c 2 -n -b 16 "$tmp/stereo.wav" synth 1 sine 440 sine 660 vol 0.5
	lame --quiet --resample "$k" -b "$mono" -m m "$tmp/mono.wav" "tone_${rate}_mono_cbr.mp3"
	lame --quiet --resample "$k" -V 5 -m m "$tmp/mono.wav" "tone_${rate}_mono_vbr.mp3"
	lame --quiet --resample "$k" -b "$stereo" -m j "$tmp/stereo.wav" "tone_${rate}_stereo_cbr.mp3"
	lame --quiet --resample "$k" -V 5 -m j "$tmp/stereo.wav" "tone_${rate}_stereo_vbr.mp3"

	# Gapless reference: 20011 samples (not a multiple of any frame size): 1500 samples of
	# silence, then white noise with a sharp onset up to the last sample.
	sox -R -r "$rate" -c 1 -n -b 16 "ref_${rate}.wav" synth 18511s whitenoise vol 0.3 pad 1500s 0
	# 64 kbps: at 32 kbps an MPEG-2 frame is too small for the LAME tag, and lame leaves it out.
	lame --quiet --resample "$k" -b 64 -m m "ref_${rate}.wav" "gapless_${rate}_cbr.mp3"
	lame --quiet --resample "$k" -V 2 -m m "ref_${rate}.wav" "gapless_${rate}_vbr.mp3"
done

# FFmpeg writes its own Info frame and LAME tag ("Lavc"), with a differently computed CRC.
for rate in 22050 44100; do
	ffmpeg -v error -y -i "ref_${rate}.wav" -fflags +bitexact -id3v2_version 0 -c:a libmp3lame -q:a 4 \
		"gapless_${rate}_ffmpeg.mp3"
done

# The same 44.1 kHz reference without a Xing/Info frame, hence without a LAME tag.
lame --quiet -t -b 64 -m m ref_44100.wav gapless_44100_notag.mp3

# ID3v2 tag with title, artist and an embedded picture (a sox spectrogram), plus an ID3v1 tag.
sox -R -r 8000 -c 1 -n "$tmp/pic.wav" synth 0.5 sine 300-3000
sox "$tmp/pic.wav" -n spectrogram -x 120 -y 65 -r -o "$tmp/pic.png"
sox -R -r 44100 -c 2 -n -b 16 "$tmp/stereo44.wav" synth 1 sine 440 sine 660 vol 0.5
lame --quiet -b 128 --tt "Evening check-in" --ta "Hearth" --tl "Tests" --ti "$tmp/pic.png" \
	"$tmp/stereo44.wav" id3_picture.mp3

# Formats go-mp3 cannot play.
sox -R -r 44100 -c 1 -n -b 16 "$tmp/tone44.wav" synth 1 sine 440 vol 0.5
lame --quiet --resample 8 -b 16 "$tmp/tone44.wav" mpeg25_8000.mp3
lame --quiet --resample 11.025 -b 24 "$tmp/tone44.wav" mpeg25_11025.mp3
lame --quiet --freeformat -b 64 "$tmp/tone44.wav" freeformat.mp3
ffmpeg -v error -y -i "$tmp/tone44.wav" -c:a mp2 -b:a 64k -f mp2 layer2.mp3

# Files that are not what their name says, or are damaged.
sox -R "$tmp/tone44.wav" -r 8000 "$tmp/small.wav" trim 0 0.5
cp "$tmp/small.wav" wav_named.mp3
: >empty.mp3
src=tone_44100_stereo_cbr.mp3
size=$(wc -c <"$src")
head -c $((size - 150)) "$src" >truncated_midframe.mp3
head -c 300 "$src" >truncated_300.mp3
sox -R -r 8000 -c 1 -n -b 16 -t raw random.mp3 synth 10000s whitenoise
m=tone_44100_mono_cbr.mp3
msize=$(wc -c <"$m")
sox -R -r 8000 -c 1 -n -b 16 -t raw "$tmp/garbage" synth 25000s whitenoise vol 0.9
{ head -c 4000 "$m"; cat "$tmp/garbage"; tail -c $((msize - 4000)) "$m"; } >garbage_mid.mp3

# gomp3_panic.mp3 is not regenerated: it is tone_22050_stereo_vbr.mp3 from lame 3.100 with five
# bytes changed at random, on which go-mp3 v0.3.4 panics (index out of range). The test expects
# ErrCorrupt from Read, not a panic.
