/**
 * SHA-256 (FIPS 180-4) in plain JavaScript, streaming, synchronous: the same
 * digest in Node, a browser page and a worker, with no Web Crypto promise in
 * the engine. A trace's hash is the SHA-256 of its JSONL file up to the end
 * line's `,"hash":"` (the manifest, every record and the end line's count,
 * stop and tick), so anyone can check it with
 * `head -c -76 trace.jsonl | sha256sum`.
 */

const K = new Uint32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

const encoder = new TextEncoder();

export class Sha256 {
  private readonly h = new Uint32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  private readonly w = new Uint32Array(64);
  private readonly block = new Uint8Array(64);
  private blockLength = 0;
  private bytesTotal = 0;
  private scratch = new Uint8Array(1024);

  /** A hasher in the same state, fed independently from here on. */
  clone(): Sha256 {
    const c = new Sha256();
    c.h.set(this.h);
    c.block.set(this.block);
    c.blockLength = this.blockLength;
    c.bytesTotal = this.bytesTotal;
    return c;
  }

  /** Feeds bytes. */
  update(bytes: Uint8Array): this {
    let offset = 0;
    const n = bytes.length;
    this.bytesTotal += n;
    if (this.blockLength > 0) {
      const take = Math.min(64 - this.blockLength, n);
      this.block.set(bytes.subarray(0, take), this.blockLength);
      this.blockLength += take;
      offset = take;
      if (this.blockLength < 64) return this;
      this.compress(this.block, 0);
      this.blockLength = 0;
    }
    while (offset + 64 <= n) {
      this.compress(bytes, offset);
      offset += 64;
    }
    if (offset < n) {
      this.block.set(bytes.subarray(offset), 0);
      this.blockLength = n - offset;
    }
    return this;
  }

  /** Feeds the UTF-8 encoding of `text`. */
  updateString(text: string): this {
    // Worst case 3 bytes per UTF-16 code unit.
    if (this.scratch.length < text.length * 3) this.scratch = new Uint8Array(text.length * 3 + 64);
    const { written } = encoder.encodeInto(text, this.scratch);
    return this.update(this.scratch.subarray(0, written));
  }

  /** Finishes and returns the digest as 64 lowercase hex digits. The hasher is spent. */
  digestHex(): string {
    const bitsTotal = this.bytesTotal * 8;
    const pad = new Uint8Array(
      this.blockLength < 56 ? 64 - this.blockLength : 128 - this.blockLength,
    );
    pad[0] = 0x80;
    const view = new DataView(pad.buffer);
    view.setUint32(pad.length - 8, Math.floor(bitsTotal / 4294967296));
    view.setUint32(pad.length - 4, bitsTotal >>> 0);
    this.update(pad);
    let hex = '';
    for (const word of this.h) hex += word.toString(16).padStart(8, '0');
    return hex;
  }

  private compress(bytes: Uint8Array, offset: number): void {
    const w = this.w;
    for (let i = 0; i < 16; i++) {
      const j = offset + i * 4;
      w[i] =
        ((bytes[j] as number) << 24) |
        ((bytes[j + 1] as number) << 16) |
        ((bytes[j + 2] as number) << 8) |
        (bytes[j + 3] as number);
    }
    for (let i = 16; i < 64; i++) {
      const a = w[i - 15] as number;
      const b = w[i - 2] as number;
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0;
    }
    const h = this.h;
    let a = h[0] as number;
    let b = h[1] as number;
    let c = h[2] as number;
    let d = h[3] as number;
    let e = h[4] as number;
    let f = h[5] as number;
    let g = h[6] as number;
    let hh = h[7] as number;
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const ch = (e & f) ^ (~e & g);
      const t1 = (hh + S1 + ch + (K[i] as number) + (w[i] as number)) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const maj = (a & b) ^ (a & c) ^ (b & c);
      const t2 = (S0 + maj) | 0;
      hh = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = ((h[0] as number) + a) | 0;
    h[1] = ((h[1] as number) + b) | 0;
    h[2] = ((h[2] as number) + c) | 0;
    h[3] = ((h[3] as number) + d) | 0;
    h[4] = ((h[4] as number) + e) | 0;
    h[5] = ((h[5] as number) + f) | 0;
    h[6] = ((h[6] as number) + g) | 0;
    h[7] = ((h[7] as number) + hh) | 0;
  }
}

/** SHA-256 of the UTF-8 encoding of `text`, as hex. Pure. */
export function sha256Hex(text: string): string {
  return new Sha256().updateString(text).digestHex();
}

/**
 * A fast 64-bit non-cryptographic hash of `text`'s UTF-16 code units, as 16
 * hex digits: two independent 32-bit lanes (FNV-1a, and a multiply-xorshift
 * lane with another prime and seed), each finished with MurmurHash3's fmix32.
 * For state fingerprints (sim/explore.ts), where a collision costs a missed
 * state, not a forged trace: among a million states the chance of one is
 * about 3 in 100 million. Not for anything an adversary chooses.
 */
export function hash64Hex(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x9747b28c;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return hex8(fmix32(a ^ n)) + hex8(fmix32(b ^ n));
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Two hex digits of each byte value. */
const HEX_BYTES: readonly string[] = Array.from({ length: 256 }, (_, i) =>
  i.toString(16).padStart(2, '0'),
);

/** `x` (an unsigned 32-bit number) as 8 hex digits. */
function hex8(x: number): string {
  return (
    (HEX_BYTES[x >>> 24] as string) +
    (HEX_BYTES[(x >>> 16) & 255] as string) +
    (HEX_BYTES[(x >>> 8) & 255] as string) +
    (HEX_BYTES[x & 255] as string)
  );
}

/**
 * hash64Hex's two lanes fed piece by piece, without building the text: code
 * units of strings (each after its length, so pieces cannot run into each
 * other), whole numbers (as one unit each) and other pieces' lanes (a cached
 * `Hash64Lanes`). Equal feeds give equal digests; for state fingerprints,
 * where unequal feeds collide as rarely as hash64Hex's texts do. Pure.
 */
export class Hash64 {
  private a = 0x811c9dc5;
  private b = 0x9747b28c;
  private n = 0;

  /** One unit: a whole number, taken modulo 2^32. */
  unit(x: number): this {
    this.a = Math.imul(this.a ^ x, 0x01000193);
    let b = Math.imul(this.b ^ x, 0x5bd1e995);
    b ^= b >>> 15;
    this.b = b;
    this.n++;
    return this;
  }

  /** The length of `s`, then its UTF-16 code units. */
  text(s: string): this {
    const n = s.length;
    this.unit(n);
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < n; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193);
      b = Math.imul(b ^ c, 0x5bd1e995);
      b ^= b >>> 15;
    }
    this.a = a;
    this.b = b;
    this.n += n;
    return this;
  }

  /** Another hash's lanes, as two units. */
  lanes(h: Hash64Lanes): this {
    return this.unit(h.a).unit(h.b);
  }

  /** The finished lanes. */
  digest(): Hash64Lanes {
    return { a: fmix32(this.a ^ this.n), b: fmix32(this.b ^ this.n) };
  }

  /** The finished lanes as 16 hex digits. */
  hex(): string {
    const d = this.digest();
    return hex8(d.a) + hex8(d.b);
  }
}

/** A finished Hash64: two 32-bit lanes. */
export interface Hash64Lanes {
  readonly a: number;
  readonly b: number;
}
