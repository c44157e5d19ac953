#!/bin/sh
# Regenerates the photo fixtures in this directory. Needs the real ImageMagick (not a stand-in)
# and exiftool: apt-get install -y imagemagick libimage-exiftool-perl
#
# Every picture is the same asymmetric 96×64 test card as the Go tests draw, seen upright:
# red top-left, green top-right, blue bottom-left, yellow bottom-right.
set -eu
cd "$(dirname "$0")"
convert -version | grep -q ImageMagick || { echo "make.sh: needs the real ImageMagick convert" >&2; exit 1; }
command -v exiftool >/dev/null || { echo "make.sh: needs exiftool" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
convert -size 48x32 xc:red xc:lime +append "$tmp/top.png"
convert -size 48x32 xc:blue xc:yellow +append "$tmp/bottom.png"
convert "$tmp/top.png" "$tmp/bottom.png" -append "$tmp/card.png"
strip="-strip -define png:exclude-chunks=date,time"

# A phone photo: GPS position in EXIF and XMP, camera make and model, a comment.
convert "$tmp/card.png" -strip -quality 92 phone_gps.jpg
exiftool -q -overwrite_original \
	-Make=Apple -Model='iPhone 12' -DateTimeOriginal='1972:07:14 15:30:00' \
	-GPSLatitude=46.204391 -GPSLatitudeRef=N -GPSLongitude=6.143158 -GPSLongitudeRef=E \
	-GPSAltitude=372 -XMP:GPSLatitude='46.204391 N' -XMP:GPSLongitude='6.143158 E' \
	-XMP:Description='Grandma at the lake' -Comment='Grandma at the lake, 1972' phone_gps.jpg

# Phone photos held sideways: the pixels are stored turned and the tag says how to show them.
convert "$tmp/card.png" -rotate -90 -strip -quality 92 orient6.jpg
exiftool -q -overwrite_original -Orientation#=6 -GPSLatitude=46.2 -GPSLatitudeRef=N orient6.jpg
convert "$tmp/card.png" -rotate 90 -strip -quality 92 orient8.jpg
exiftool -q -overwrite_original -Orientation#=8 orient8.jpg
# A PNG whose eXIf chunk says "turned 90° clockwise".
convert "$tmp/card.png" -rotate -90 $strip orient6.png
exiftool -q -overwrite_original -Orientation#=6 orient6.png

# Colour models the decoders return besides YCbCr.
convert "$tmp/card.png" -colorspace CMYK -strip -quality 95 cmyk.jpg
convert "$tmp/card.png" -depth 16 $strip PNG48:rgb16.png
convert "$tmp/card.png" -colors 8 $strip PNG8:paletted.png
convert "$tmp/card.png" -colorspace Gray -strip -quality 92 gray.jpg
convert "$tmp/card.png" -strip -interlace JPEG -quality 92 progressive.jpg

# Other containers: WebP (lossy), an animated GIF (card, then all black), an iPhone HEIC.
convert "$tmp/card.png" -strip -quality 90 photo.webp
convert -delay 50 "$tmp/card.png" -size 96x64 xc:black -loop 0 animated.gif
convert "$tmp/card.png" -strip -quality 60 iphone.heic

# Pictures Hearth does not take, to check what the member is told.
convert "$tmp/card.png" -strip BMP3:card.bmp
convert "$tmp/card.png" -strip -compress none card.tif
printf 'Grandma at the lake, 1972.\nShe swam every morning until she was eighty.\n' > notes.jpg
