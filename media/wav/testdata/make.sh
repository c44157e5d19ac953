#!/bin/sh
# Regenerates the WAV fixtures in this directory with sox (Debian: apt-get install -y sox lame).
# sox -R makes every run write the same samples. Each file is a 0.15 s 440 Hz tone at -6 dBFS
# (660 Hz on the right channel of stereo files); sox writes WAVE_FORMAT_EXTENSIBLE on its own for
# 24- and 32-bit integer samples and for more than two channels.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

tone() { # rate channels file [sox output options...]
	rate=$1 ch=$2 out=$3
	shift 3
	if [ "$ch" = 1 ]; then
		sox -R -r "$rate" -c 1 -n "$@" "$out" synth 0.15 sine 440 vol 0.5
	else
		sox -R -r "$rate" -c 2 -n "$@" "$out" synth 0.15 sine 440 sine 660 vol 0.5
	fi
}

tone 44100 1 pcm8_mono.wav -b 8 -e unsigned
tone 44100 1 pcm16_mono.wav -b 16
tone 44100 2 pcm16_stereo.wav -b 16
tone 48000 2 pcm24_stereo.wav -b 24
tone 22050 1 pcm24_mono.wav -b 24
tone 32000 2 pcm32_stereo.wav -b 32 -e signed
tone 48000 2 float32_stereo.wav -b 32 -e float
tone 16000 1 float64_mono.wav -b 64 -e float
tone 8000 1 pcm16_8k.wav -b 16
tone 96000 1 pcm24_96k.wav -b 24

# Damaged and unsupported files.
sox -R -r 44100 -c 6 -n -b 16 six_channels.wav synth 0.1 sine 440 vol 0.5
tone 44100 1 adpcm.wav -e ima-adpcm
size=$(wc -c <pcm16_stereo.wav)
head -c $((size / 2)) pcm16_stereo.wav >truncated.wav
head -c $((size - 2)) pcm16_stereo.wav >partial_frame.wav
head -c 30 pcm16_stereo.wav >truncated_header.wav
: >empty.wav
sox -R -r 44100 -c 1 -n "$tmp/tone.wav" synth 0.15 sine 440 vol 0.5
lame --quiet -b 64 "$tmp/tone.wav" mp3_named.wav
