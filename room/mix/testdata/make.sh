#!/bin/sh
# Regenerates the speech fixtures the room/mix tests use. Needs Debian's espeak-ng and sox.
# Output: 16 kHz mono 16-bit WAV (small to commit; the tests upsample to 48 kHz).
# Made with eSpeak NG 1.51 and SoX 14.4.2; other versions give similar, not identical, files.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# A man's voice: two sentences with a pause between them, as a member sharing in a group.
espeak-ng -v en-us -s 150 -a 140 -w "$tmp/a.wav" \
  "Thank you all for being here tonight. I wanted to share how my week went."
# A woman's voice, quieter and faster.
espeak-ng -v en-gb+f3 -s 170 -a 90 -w "$tmp/b.wav" \
  "It has been a hard few days, but talking helps. I am grateful for this group."

sox "$tmp/a.wav" -r 16000 -c 1 -b 16 speech_male.wav
sox "$tmp/b.wav" -r 16000 -c 1 -b 16 speech_female.wav
