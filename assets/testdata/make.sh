#!/usr/bin/env bash
# make.sh regenerates the audio fixtures in assets/testdata for other
# packages' integration tests. The files are committed; this script documents
# exactly how each was made and lets anyone rebuild or extend them.
#
# Everything is deterministic: sine tones are generated without dither (-D),
# and the "random" file is an AES-CTR keystream under a fixed key, so running
# the script twice gives byte-identical files. See README.md for what each
# file is for.
set -euo pipefail

missing=()
for tool in sox soxi lame openssl; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
	echo "make.sh: missing ${missing[*]}" >&2
	echo "install with: apt-get install -y sox libsox-fmt-mp3 lame openssl" >&2
	exit 1
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# sx runs sox without dither, so a generated tone is the same on every run.
sx() { sox -D -V2 "$@"; }

# tone writes a full-scale sine lowered to the given peak level in dBFS.
# Arguments: output rate channels seconds frequency peak-dBFS.
tone() {
	sx -n -r "$2" -c "$3" -b 16 "$1" synth "$4" sine "$5" gain "$6"
}

# encode writes a CBR 128 kbit/s MP3 with lame's Info/LAME tag (which carries
# the encoder delay and padding) and no ID3 tags.
encode() { lame --quiet -b 128 "$1" "$2"; }

# --- good files -------------------------------------------------------------

tone "$work/tone523.wav" 44100 2 8 523.25 -12
encode "$work/tone523.wav" "$here/tone523_44k.mp3"

# One continuous 440 Hz tone, 6 s, cut into two files at sample 136710
# (3.1 s), which is not a multiple of the 1152-sample MPEG frame, so a decoder
# that only drops whole frames cannot get the join right. 3.1 s is a whole
# number of cycles, so each file starts or ends at a zero crossing: encoded
# separately, neither has a hard edge for the codec to smear, and a correctly
# trimmed join is as clean as the rest of the tone (see README.md).
readonly CUT=136710
tone "$work/tone440.wav" 44100 2 6 440 -12
sx "$work/tone440.wav" "$work/tone440_a.wav" trim 0 "${CUT}s"
sx "$work/tone440.wav" "$work/tone440_b.wav" trim "${CUT}s"
encode "$work/tone440_a.wav" "$here/tone440_a.mp3"
encode "$work/tone440_b.wav" "$here/tone440_b.mp3"

tone "$here/tone1k_48k.wav" 48000 2 3 1000 -12

# A 14 s "song" of silence with one 880 Hz beep of 150 ms starting at exactly
# 7.000 s: laid under two photos at the default collage settings, the second
# photo takes the screen at 7.0 s of the show, so a test can hear when the
# picture should change. Encoded like the others, so the LAME tag lets the
# decoder put the beep at its exact sample.
sx -n -r 44100 -c 2 -b 16 "$work/silence7.wav" trim 0 7
tone "$work/beep.wav" 44100 2 0.15 880 -6
sx -n -r 44100 -c 2 -b 16 "$work/silence_rest.wav" trim 0 6.85
sx "$work/silence7.wav" "$work/beep.wav" "$work/silence_rest.wav" "$work/beep7s.wav"
encode "$work/beep7s.wav" "$here/beep7s_14s.mp3"

# 660 Hz fits exactly 13200 cycles into 20 s, so Chromium can loop the file
# without a click.
tone "$here/mic_tone660.wav" 48000 1 20 660 -10

# --- bad files --------------------------------------------------------------

# 4096 bytes that look random but are always the same: the AES-256-CTR
# keystream for an all-zero key and IV.
head -c 4096 /dev/zero |
	openssl enc -aes-256-ctr -nosalt \
		-K 0000000000000000000000000000000000000000000000000000000000000000 \
		-iv 00000000000000000000000000000000 >"$here/bad_random.mp3"

: >"$here/bad_empty.mp3"

head -c 300 "$here/tone523_44k.mp3" >"$here/bad_truncated.mp3"

# A real WAV under an .mp3 name; -t wav stops sox choosing MP3 from the name.
sx -n -r 44100 -c 1 -b 16 -t wav "$here/bad_wav_renamed.mp3" synth 0.5 sine 440 gain -12

# Valid MP3s in forms a Layer III decoder may not support: MPEG 2.5 at
# 8 kHz, and free-format (bitrate index 0), each from 2 s of the 523 Hz tone.
tone "$work/short.wav" 44100 2 2 523.25 -12
lame --quiet --resample 8 "$work/short.wav" "$here/bad_mpeg25.mp3"
lame --quiet --freeformat -b 128 "$work/short.wav" "$here/bad_freeformat.mp3"

# --- check ------------------------------------------------------------------

# expect fails the script if soxi reports something other than what a
# file's name and README promise. Arguments: file rate channels samples.
expect() {
	local got want="$2 $3 $4"
	got="$(soxi -r "$1") $(soxi -c "$1") $(soxi -s "$1")"
	if [[ "$got" != "$want" ]]; then
		echo "make.sh: $(basename "$1"): rate channels samples = $got, want $want" >&2
		exit 1
	fi
}
expect "$here/tone1k_48k.wav" 48000 2 144000
expect "$here/mic_tone660.wav" 48000 1 960000
expect "$work/tone440_a.wav" 44100 2 "$CUT"
expect "$work/tone440_b.wav" 44100 2 $((264600 - CUT))
expect "$work/tone523.wav" 44100 2 352800
expect "$work/beep7s.wav" 44100 2 617400

echo "wrote fixtures in $here"
