// A small QR code encoder for the dashboard's links, so that a host can hold a
// phone up to a screen instead of typing a long address. Written here because
// nothing is fetched from anywhere else: byte mode, error correction level M,
// versions 1 to 40, and the mask with the lowest penalty (ISO/IEC 18004:2015).
//
// qrEncode is pure (it works in any JavaScript engine, which is how it is
// checked against a real decoder); drawQR paints its result on a canvas.

// Error correction codewords per block, and the number of blocks, for level M,
// indexed by version (index 0 is unused). ISO/IEC 18004:2015 table 9.
const ECC_PER_BLOCK = [
  0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28, 28, 28, 28, 28,
  28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
];
const BLOCKS = [
  0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31,
  33, 35, 37, 38, 40, 43, 45, 47, 49,
];
// Level M is written as 00 in the format information.
const LEVEL_BITS = 0;

// qrEncode returns the QR code for text as {version, mask, size, dark}, where
// dark[y * size + x] is 1 for a dark module. minVersion raises the version
// (tests use it); mask forces one of the eight masks instead of choosing.
// It throws a RangeError when the text does not fit in version 40.
export function qrEncode(text, { minVersion = 1, mask = -1 } = {}) {
  const data = new TextEncoder().encode(String(text));
  let version = Math.max(1, Math.min(40, minVersion));
  while (version <= 40 && bitsNeeded(data.length, version) > dataCodewords(version) * 8) version++;
  if (version > 40) throw new RangeError("this text is too long for a QR code");

  const codewords = interleave(dataBits(data, version), version);
  const qr = new Grid(version);
  qr.drawFunctionPatterns();
  qr.placeCodewords(codewords);

  let chosen = mask;
  if (chosen < 0 || chosen > 7) {
    let best = Infinity;
    for (let m = 0; m < 8; m++) {
      qr.applyMask(m);
      qr.drawFormat(m);
      const score = qr.penalty();
      if (score < best) {
        best = score;
        chosen = m;
      }
      qr.applyMask(m); // masking twice undoes it
    }
  }
  qr.applyMask(chosen);
  qr.drawFormat(chosen);
  return { version, mask: chosen, size: qr.size, dark: qr.dark };
}

// bitsNeeded counts the bits of a byte-mode segment: mode, count and data.
function bitsNeeded(n, version) {
  return 4 + (version <= 9 ? 8 : 16) + 8 * n;
}

// rawModules is the number of modules left for data and error correction
// once every function pattern of the version is drawn.
function rawModules(version) {
  let n = (16 * version + 128) * version + 64;
  if (version >= 2) {
    const align = Math.floor(version / 7) + 2;
    n -= (25 * align - 10) * align - 55;
    if (version >= 7) n -= 36;
  }
  return n;
}

function dataCodewords(version) {
  return Math.floor(rawModules(version) / 8) - ECC_PER_BLOCK[version] * BLOCKS[version];
}

// dataBits lays out the one byte-mode segment with its terminator and pad
// bytes, filling the version's data capacity exactly.
function dataBits(data, version) {
  const capacity = dataCodewords(version);
  const out = new Uint8Array(capacity);
  let bitLen = 0;
  const put = (value, count) => {
    for (let i = count - 1; i >= 0; i--) {
      if ((value >>> i) & 1) out[bitLen >>> 3] |= 0x80 >>> (bitLen & 7);
      bitLen++;
    }
  };
  put(0b0100, 4);
  put(data.length, version <= 9 ? 8 : 16);
  for (const b of data) put(b, 8);
  put(0, Math.min(4, capacity * 8 - bitLen)); // terminator
  bitLen = (bitLen + 7) & ~7;
  for (let i = bitLen >>> 3, pad = 0xec; i < capacity; i++, pad ^= 0xec ^ 0x11) out[i] = pad;
  return out;
}

// interleave splits the data into the version's blocks, appends each block's
// Reed-Solomon codewords, and interleaves them as the symbol stores them.
function interleave(data, version) {
  const blocks = BLOCKS[version];
  const eccLen = ECC_PER_BLOCK[version];
  const total = Math.floor(rawModules(version) / 8);
  const shortBlocks = blocks - (total % blocks);
  const shortLen = Math.floor(total / blocks) - eccLen; // data codewords of a short block
  const divisor = rsGenerator(eccLen);
  const dataBlocks = [];
  const eccBlocks = [];
  for (let b = 0, at = 0; b < blocks; b++) {
    const len = shortLen + (b < shortBlocks ? 0 : 1);
    const block = data.subarray(at, at + len);
    at += len;
    dataBlocks.push(block);
    eccBlocks.push(rsRemainder(block, divisor));
  }
  const out = [];
  for (let i = 0; i <= shortLen; i++) {
    for (const block of dataBlocks) if (i < block.length) out.push(block[i]);
  }
  for (let i = 0; i < eccLen; i++) {
    for (const ecc of eccBlocks) out.push(ecc[i]);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Reed-Solomon over GF(256) with the QR polynomial x^8 + x^4 + x^3 + x^2 + 1.

const EXP = new Uint8Array(512);
const LOG = new Uint8Array(256);
for (let i = 0, x = 1; i < 255; i++) {
  EXP[i] = x;
  LOG[x] = i;
  x <<= 1;
  if (x & 0x100) x ^= 0x11d;
}
for (let i = 255; i < 512; i++) EXP[i] = EXP[i - 255];

function mul(a, b) {
  return a === 0 || b === 0 ? 0 : EXP[LOG[a] + LOG[b]];
}

// rsGenerator returns the coefficients of (x - a^0)(x - a^1)...(x - a^(n-1)),
// highest power first, leaving out the leading 1.
function rsGenerator(n) {
  let poly = [1];
  for (let i = 0; i < n; i++) {
    const next = new Array(poly.length + 1).fill(0);
    for (let j = 0; j < poly.length; j++) {
      next[j] ^= poly[j];
      next[j + 1] ^= mul(poly[j], EXP[i]);
    }
    poly = next;
  }
  return poly.slice(1);
}

// rsRemainder divides the message (times x^n) by the generator polynomial.
function rsRemainder(message, divisor) {
  const rem = new Array(divisor.length).fill(0);
  for (const b of message) {
    const factor = b ^ rem.shift();
    rem.push(0);
    for (let i = 0; i < divisor.length; i++) rem[i] ^= mul(divisor[i], factor);
  }
  return rem;
}

// ---------------------------------------------------------------------------
// The symbol itself.

class Grid {
  constructor(version) {
    this.version = version;
    this.size = version * 4 + 17;
    this.dark = new Uint8Array(this.size * this.size);
    this.fixed = new Uint8Array(this.size * this.size); // function modules, never masked
  }

  set(x, y, dark) {
    const i = y * this.size + x;
    this.dark[i] = dark ? 1 : 0;
    this.fixed[i] = 1;
  }

  drawFunctionPatterns() {
    const n = this.size;
    // Timing patterns first: finders and alignment patterns draw over their ends.
    for (let i = 0; i < n; i++) {
      this.set(6, i, i % 2 === 0);
      this.set(i, 6, i % 2 === 0);
    }
    this.finder(3, 3);
    this.finder(n - 4, 3);
    this.finder(3, n - 4);
    const pos = alignmentPositions(this.version);
    for (let i = 0; i < pos.length; i++) {
      for (let j = 0; j < pos.length; j++) {
        const corner = (i === 0 && j === 0) || (i === 0 && j === pos.length - 1) || (i === pos.length - 1 && j === 0);
        if (!corner) this.alignment(pos[i], pos[j]);
      }
    }
    // Reserve the format areas (drawFormat fills them) and the dark module.
    this.drawFormat(0);
    this.drawVersion();
  }

  // finder draws a finder pattern centred on (cx, cy) with its light separator.
  finder(cx, cy) {
    for (let dy = -4; dy <= 4; dy++) {
      for (let dx = -4; dx <= 4; dx++) {
        const x = cx + dx;
        const y = cy + dy;
        if (x < 0 || y < 0 || x >= this.size || y >= this.size) continue;
        const d = Math.max(Math.abs(dx), Math.abs(dy));
        this.set(x, y, d !== 2 && d !== 4);
      }
    }
  }

  alignment(cx, cy) {
    for (let dy = -2; dy <= 2; dy++) {
      for (let dx = -2; dx <= 2; dx++) {
        this.set(cx + dx, cy + dy, Math.max(Math.abs(dx), Math.abs(dy)) !== 1);
      }
    }
  }

  // drawFormat writes the level and mask, protected by a BCH(15,5) code, in
  // both of its places, and the dark module beside the lower one.
  drawFormat(mask) {
    const data = (LEVEL_BITS << 3) | mask;
    let rem = data;
    for (let i = 0; i < 10; i++) rem = (rem << 1) ^ ((rem >>> 9) * 0x537);
    const bits = ((data << 10) | rem) ^ 0x5412;
    const bit = (i) => (bits >>> i) & 1;
    const n = this.size;
    for (let i = 0; i <= 5; i++) this.set(8, i, bit(i));
    this.set(8, 7, bit(6));
    this.set(8, 8, bit(7));
    this.set(7, 8, bit(8));
    for (let i = 9; i < 15; i++) this.set(14 - i, 8, bit(i));
    for (let i = 0; i < 8; i++) this.set(n - 1 - i, 8, bit(i));
    for (let i = 8; i < 15; i++) this.set(8, n - 15 + i, bit(i));
    this.set(8, n - 8, 1);
  }

  // drawVersion writes the version, protected by a BCH(18,6) code, in its
  // two 6x3 blocks (version 7 and up).
  drawVersion() {
    if (this.version < 7) return;
    let rem = this.version;
    for (let i = 0; i < 12; i++) rem = (rem << 1) ^ ((rem >>> 11) * 0x1f25);
    const bits = (this.version << 12) | rem;
    for (let i = 0; i < 18; i++) {
      const dark = (bits >>> i) & 1;
      const a = this.size - 11 + (i % 3);
      const b = Math.floor(i / 3);
      this.set(a, b, dark);
      this.set(b, a, dark);
    }
  }

  // placeCodewords fills the free modules in the zigzag order: two columns
  // at a time from the right, up then down, stepping over the timing column.
  placeCodewords(codewords) {
    const n = this.size;
    const total = codewords.length * 8;
    let i = 0;
    for (let right = n - 1; right >= 1; right -= 2) {
      if (right === 6) right = 5;
      const upward = ((right + 1) & 2) === 0;
      for (let k = 0; k < n; k++) {
        const y = upward ? n - 1 - k : k;
        for (let j = 0; j < 2; j++) {
          const x = right - j;
          const at = y * n + x;
          if (this.fixed[at]) continue;
          // Remainder bits, after the last codeword, stay light.
          if (i < total) this.dark[at] = (codewords[i >>> 3] >>> (7 - (i & 7))) & 1;
          i++;
        }
      }
    }
  }

  applyMask(mask) {
    const n = this.size;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const at = y * n + x;
        if (!this.fixed[at] && maskBit(mask, x, y)) this.dark[at] ^= 1;
      }
    }
  }

  // penalty scores the symbol by the four rules of the standard: long runs,
  // 2x2 blocks, finder-like patterns and an uneven balance of dark and light.
  penalty() {
    const n = this.size;
    const d = this.dark;
    let score = 0;
    for (let pass = 0; pass < 2; pass++) {
      const at = pass === 0 ? (a, b) => d[a * n + b] : (a, b) => d[b * n + a];
      for (let a = 0; a < n; a++) {
        let run = 1;
        for (let b = 1; b <= n; b++) {
          if (b < n && at(a, b) === at(a, b - 1)) {
            run++;
            continue;
          }
          if (run >= 5) score += 3 + (run - 5);
          run = 1;
        }
        for (let b = 0; b + 11 <= n; b++) {
          if (finderLike(at, a, b)) score += 40;
        }
      }
    }
    let darkCount = 0;
    for (let y = 0; y < n; y++) {
      for (let x = 0; x < n; x++) {
        const c = d[y * n + x];
        darkCount += c;
        if (x + 1 < n && y + 1 < n && c === d[y * n + x + 1] && c === d[(y + 1) * n + x] && c === d[(y + 1) * n + x + 1]) {
          score += 3;
        }
      }
    }
    const total = n * n;
    const k = Math.ceil(Math.abs(darkCount * 20 - total * 10) / total) - 1;
    return score + Math.max(0, k) * 10;
  }
}

// A finder-like run is dark-light-dark x3-light-dark (1:1:3:1:1) with four
// light modules on one side.
const FINDER_A = [1, 0, 1, 1, 1, 0, 1, 0, 0, 0, 0];
const FINDER_B = [0, 0, 0, 0, 1, 0, 1, 1, 1, 0, 1];

function finderLike(at, a, b) {
  let matchA = true;
  let matchB = true;
  for (let i = 0; i < 11 && (matchA || matchB); i++) {
    const v = at(a, b + i);
    if (v !== FINDER_A[i]) matchA = false;
    if (v !== FINDER_B[i]) matchB = false;
  }
  return matchA || matchB;
}

function maskBit(mask, x, y) {
  switch (mask) {
    case 0:
      return (x + y) % 2 === 0;
    case 1:
      return y % 2 === 0;
    case 2:
      return x % 3 === 0;
    case 3:
      return (x + y) % 3 === 0;
    case 4:
      return (Math.floor(x / 3) + Math.floor(y / 2)) % 2 === 0;
    case 5:
      return ((x * y) % 2) + ((x * y) % 3) === 0;
    case 6:
      return (((x * y) % 2) + ((x * y) % 3)) % 2 === 0;
    default:
      return (((x + y) % 2) + ((x * y) % 3)) % 2 === 0;
  }
}

// alignmentPositions lists the centre coordinates of the alignment patterns
// along one axis: 6, then evenly spaced (by an even step) up to size - 7.
function alignmentPositions(version) {
  if (version === 1) return [];
  const count = Math.floor(version / 7) + 2;
  const step = version === 32 ? 26 : Math.ceil((version * 4 + 4) / (count * 2 - 2)) * 2;
  const out = [6];
  for (let pos = version * 4 + 10; out.length < count; pos -= step) out.splice(1, 0, pos);
  return out;
}

// QUIET is the light margin a scanner needs around the symbol, in modules.
export const QUIET = 4;

// drawQR paints a QR code on canvas, dark on white whatever the page's
// colours (scanners expect it), with whole pixels per module so that the
// edges stay sharp. It returns the code.
export function drawQR(canvas, text, pixelsPerModule = 8) {
  const qr = qrEncode(text);
  const scale = Math.max(1, Math.floor(pixelsPerModule));
  const side = (qr.size + QUIET * 2) * scale;
  canvas.width = side;
  canvas.height = side;
  const ctx = canvas.getContext("2d");
  ctx.fillStyle = "#ffffff";
  ctx.fillRect(0, 0, side, side);
  ctx.fillStyle = "#000000";
  for (let y = 0; y < qr.size; y++) {
    for (let x = 0; x < qr.size; x++) {
      if (qr.dark[y * qr.size + x]) ctx.fillRect((x + QUIET) * scale, (y + QUIET) * scale, scale, scale);
    }
  }
  return qr;
}
