#!/usr/bin/env bash
# make-meditation.sh renders assets/meditation.mp3 from assets/meditation.txt.
#
# The MP3 is committed, so nobody needs to run this to build hearth; it exists
# so the audio can be changed by editing text rather than by hand-editing sound,
# and so anyone can check that the file holds exactly what the script says.
#
# Script syntax: every non-blank line of meditation.txt is spoken as one
# phrase; a line "[pause N]" adds N seconds (decimals allowed) of quiet.
#
# Signal chain: espeak-ng speaks each line -> lines and pauses are joined into
# one voice track with a little room reverb -> a soft drone bed sits about
# DRONE_BELOW dB under the speech -> a singing-bowl strike opens and closes the
# session -> everything is mixed, peak-normalised and encoded with lame.
#
# Running it twice gives byte-identical output: sox runs in repeatable mode (-R)
# so its dither noise is seeded, and nothing else is random.
set -euo pipefail

# Voice. gmw/en is espeak-ng's British English; the "Gene" variant softens
# unvoiced consonants and voices a little more, which measured as the least
# buzzy of the stock variants (least energy above 4 kHz) without going dull.
# Pitch 42 lowers it to a calm ~89 Hz median. Speed 126 measures about 137
# words a minute over the spoken lines, commas and full stops included.
readonly VOICE="en+Gene"
readonly SPEED=126
readonly PITCH=42
readonly AMPLITUDE=50 # espeak's default of 100 touches 0 dBFS; leave headroom.

readonly RATE=44100
readonly LINE_GAP=0.7   # seconds of quiet after every spoken line
readonly LEAD_IN=4.5    # seconds from the start to the first word
readonly BELL_AT=0.5    # where the opening bell is struck
readonly END_GAP=2.5    # quiet between the last word and the closing bell
readonly TAIL=11        # seconds after the closing bell before the end
readonly DRONE_BELOW=26 # dB the drone sits under the speech (RMS)
readonly BELL_PEAK=-16  # dBFS peak of a strike before the final gain
readonly FINAL_PEAK=-2  # dBFS; leaves room for MP3 overshoot under -1 dBFS

readonly TITLE="Evening breathing meditation"
readonly ARTIST="Hearth"
readonly COMMENT="CC0 1.0: dedicated to the public domain"

missing=()
for tool in espeak-ng sox soxi lame awk; do
	command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
if ((${#missing[@]} > 0)); then
	echo "make-meditation.sh: missing ${missing[*]}" >&2
	echo "install with: apt-get install -y espeak-ng sox libsox-fmt-mp3 lame" >&2
	exit 1
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script="$here/meditation.txt"
out="$here/meditation.mp3"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# sx runs sox in repeatable mode so dithering is the same on every run.
sx() { sox -R -V2 "$@"; }

# level prints one number from "sox stats" (e.g. "RMS lev dB") for a file.
level() {
	sx "$1" -n stats 2>&1 | awk -v key="$2" 'index($0, key) == 1 { print $4; exit }'
}

# silence writes N seconds of mono silence.
silence() { sx -n -r "$RATE" -c 1 -b 32 -e floating-point "$2" trim 0 "$1"; }

# --- voice ------------------------------------------------------------------

pieces=()   # voice track, in order
spoken=()   # speech only, to know how long the speech itself lasts
n=0
while IFS= read -r line || [[ -n "$line" ]]; do
	line="${line%$'\r'}"
	[[ -z "${line//[[:space:]]/}" ]] && continue
	n=$((n + 1))
	id=$(printf '%03d' "$n")
	if [[ "$line" =~ ^[[:space:]]*\[pause[[:space:]]+([0-9]+(\.[0-9]+)?)\][[:space:]]*$ ]]; then
		silence "${BASH_REMATCH[1]}" "$work/pause$id.wav"
		pieces+=("$work/pause$id.wav")
		continue
	fi
	# A mistyped marker would otherwise be read aloud.
	if [[ "$line" =~ ^[[:space:]]*\[ ]]; then
		echo "make-meditation.sh: $script: not a pause marker: $line" >&2
		exit 1
	fi
	printf '%s\n' "$line" |
		espeak-ng -v "$VOICE" -s "$SPEED" -p "$PITCH" -a "$AMPLITUDE" --stdin -w "$work/raw$id.wav"
	# Up to the working rate; trim rumble and the synthetic top end.
	sx "$work/raw$id.wav" -r "$RATE" -b 32 -e floating-point "$work/line$id.wav" \
		highpass 70 lowpass 7000 rate -v "$RATE"
	silence "$LINE_GAP" "$work/gap$id.wav"
	pieces+=("$work/line$id.wav" "$work/gap$id.wav")
	spoken+=("$work/line$id.wav")
done <"$script"

if ((${#spoken[@]} == 0)); then
	echo "make-meditation.sh: $script has no spoken lines" >&2
	exit 1
fi

sx "${pieces[@]}" "$work/voice-dry.wav"
speech_len=$(soxi -D "${spoken[@]}" | awk '{ s += $1 } END { printf "%.4f", s }')

# espeak's glottal pulses make speech peaky (about 21 dB peak to RMS), which
# would leave the voice quiet once the peaks are normalised. A fast, gentle
# compressor above -18 dBFS shaves about 3 dB off the peaks. The track then
# peaks at -6 dBFS, leaving room for the reverb and the mix.
peak=$(level "$work/voice-dry.wav" "Pk lev dB")
sx "$work/voice-dry.wav" "$work/voice-comp.wav" \
	gain "$(awk -v p="$peak" 'BEGIN { printf "%.2f", -3 - p }')" \
	compand 0.0005,0.05 3:-18,-18,0,-10 0 -90 0.001 gain -n -6

# The pauses are digital silence, so all of the track's energy is speech: the
# RMS of speech alone is the track's RMS scaled up by total length over speech
# length. The drone is set from this, so it stays under the voice whatever the
# text says.
speech_rms=$(awk -v r="$(level "$work/voice-comp.wav" "RMS lev dB")" \
	-v t="$(soxi -D "$work/voice-comp.wav")" -v s="$speech_len" \
	'BEGIN { printf "%.2f", r + 10 * log(t / s) / log(10) }')

# A small, dark room: enough to take the edge off a dry synthetic voice.
sx "$work/voice-comp.wav" -c 2 "$work/voice.wav" \
	remix 1 1 reverb 25 70 40 60 10 -9 pad "$LEAD_IN" 1

voice_len=$(soxi -D "$work/voice.wav")
end_bell_at=$(awk -v v="$voice_len" -v g="$END_GAP" 'BEGIN { printf "%.3f", v + g }')
total=$(awk -v e="$end_bell_at" -v t="$TAIL" 'BEGIN { printf "%.3f", e + t }')

# --- bell -------------------------------------------------------------------

# A singing bowl is a few inharmonic modes, each a close pair of frequencies
# (the slow beating is the bowl's "wah"), each dying away exponentially, the
# higher ones faster. A "fade l" fade-out falls linearly in dB, which is an
# exponential decay in amplitude. Columns: ratio to the fundamental, level in
# dB, seconds to reach -100 dB.
readonly BOWL_HZ=220
partials=(
	"1.000 0 30"
	"2.710 -6 18"
	"5.180 -13 10"
	"8.350 -20 5"
	"12.60 -28 0.8"
)
bell_parts=()
i=0
for p in "${partials[@]}"; do
	read -r ratio level decay <<<"$p"
	# The second of each pair is quieter, so the beating swells rather than
	# cancelling outright.
	for pair in "1.0000 0" "1.0035 -4"; do
		read -r detune offset <<<"$pair"
		i=$((i + 1))
		f=$(awk -v b="$BOWL_HZ" -v r="$ratio" -v d="$detune" 'BEGIN { printf "%.3f", b * r * d }')
		sx -n -r "$RATE" -c 1 -b 32 -e floating-point "$work/bell$i.wav" \
			synth "$decay" sine "$f" gain -20 gain "$level" gain "$offset" fade h 0.008 fade l 0 "$decay" "$decay"
		bell_parts+=(-v 1 "$work/bell$i.wav")
	done
done
sx -m "${bell_parts[@]}" "$work/bell-dry.wav"
sx "$work/bell-dry.wav" -c 2 "$work/bell.wav" remix 1 1 reverb 40 50 70 100 0 -6 gain -n "$BELL_PEAK"

sx "$work/bell.wav" "$work/bell-open.wav" pad "$BELL_AT" 0
sx "$work/bell.wav" "$work/bell-close.wav" pad "$end_bell_at" 0

# --- drone ------------------------------------------------------------------

# An open fifth on A (110, 165, 220 Hz), tuned a fraction apart in each ear so
# it drifts slowly, with a very slow swell, low-passed so it stays out of the
# way of speech. Fades in under the first bell and out under the last.
drone_channel() {
	local out=$1 a=$2 e=$3 a2=$4 swell=$5
	sx -n -r "$RATE" -c 1 -b 32 -e floating-point "$work/d1.wav" synth "$total" triangle "$a" gain -12
	sx -n -r "$RATE" -c 1 -b 32 -e floating-point "$work/d2.wav" synth "$total" sine "$e" gain -16
	sx -n -r "$RATE" -c 1 -b 32 -e floating-point "$work/d3.wav" synth "$total" sine "$a2" gain -20
	sx -m -v 1 "$work/d1.wav" -v 1 "$work/d2.wav" -v 1 "$work/d3.wav" "$out" \
		lowpass 420 lowpass 420 tremolo "$swell" 30
}
drone_channel "$work/drone-l.wav" 110.00 164.81 220.00 0.071
drone_channel "$work/drone-r.wav" 110.30 165.05 219.70 0.053
sx -M "$work/drone-l.wav" "$work/drone-r.wav" "$work/drone-raw.wav" \
	fade q 6 -0 10

drone_rms=$(level "$work/drone-raw.wav" "RMS lev dB")
drone_gain=$(awk -v s="$speech_rms" -v d="$drone_rms" -v b="$DRONE_BELOW" \
	'BEGIN { printf "%.2f", s - b - d }')
sx "$work/drone-raw.wav" "$work/drone.wav" gain "$drone_gain"

# --- mix and encode ---------------------------------------------------------

sx -m -v 1 "$work/voice.wav" -v 1 "$work/drone.wav" \
	-v 1 "$work/bell-open.wav" -v 1 "$work/bell-close.wav" \
	"$work/mix.wav" trim 0 "$total" fade t 0 -0 4
final_gain=$(awk -v p="$(level "$work/mix.wav" "Pk lev dB")" -v f="$FINAL_PEAK" \
	'BEGIN { printf "%.2f", f - p }')
sx "$work/mix.wav" -r "$RATE" -c 2 -b 16 "$work/final.wav" gain "$final_gain"

lame --quiet -V 4 --id3v2-only --id3v2-latin1 \
	--tt "$TITLE" --ta "$ARTIST" --tc "$COMMENT" \
	"$work/final.wav" "$work/meditation.mp3"
mv "$work/meditation.mp3" "$out"

awk -v o="$out" -v t="$total" -v s="$speech_rms" -v g="$final_gain" -v b="$DRONE_BELOW" \
	-v p="$FINAL_PEAK" 'BEGIN {
		printf "wrote %s: %.1f s, peak %.1f dBFS, speech RMS %.1f dBFS, drone RMS %.1f dBFS\n",
			o, t, p, s + g, s + g - b
	}'
