import { describe, expect, it } from 'vitest';
import { Sha256, sha256Hex } from '../../sim/index.ts';

describe('SHA-256', () => {
  it('matches the FIPS 180-4 test vectors', () => {
    expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(sha256Hex('abc')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe(
      '248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1',
    );
    expect(sha256Hex('a'.repeat(1_000_000))).toBe(
      'cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0',
    );
  });

  it('gives the same digest however the input is split, and hashes UTF-8', () => {
    const text = 'ünïcødé → agents ✓ '.repeat(40);
    const h = new Sha256();
    for (let i = 0; i < text.length; i += 7) h.updateString(text.slice(i, i + 7));
    expect(h.digestHex()).toBe(sha256Hex(text));
    // "é" is two bytes in UTF-8: known digest of the UTF-8 encoding.
    expect(sha256Hex('é')).toBe('4a99557e4033c3539de2eb65472017cad5f9557f7a0625a09f1c3f6e2ba69c4c');
  });
});
