/**
 * base/sha256.ts names the refresh helper's cache files (refresh/cacheFile.ts): the step writes them
 * and the helper finds them by the same hash, so it must be SHA-256 exactly, as node:crypto computes it.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { sha256Hex } from '../src/base/sha256.js';

const nodeSha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

test('FIPS 180-4 examples and the padding edges (55, 56, 63, 64 and 65 bytes)', () => {
  expect(sha256Hex('')).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  expect(sha256Hex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  expect(sha256Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq')).toBe('248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1');
  for (const n of [55, 56, 63, 64, 65, 119, 120, 1000]) expect(sha256Hex('a'.repeat(n))).toBe(nodeSha256('a'.repeat(n)));
});

test('equals node:crypto on any string, lone surrogates included (both encode them as U+FFFD)', () => {
  fc.assert(
    fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (text) => sha256Hex(text) === nodeSha256(text)),
    { numRuns: 2000 },
  );
  expect(sha256Hex('\ud800')).toBe(nodeSha256('\ufffd'));
});
