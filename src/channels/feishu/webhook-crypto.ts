// Feishu's webhook cryptography: X-Lark-Signature checks and AES-256-CBC decryption of `encrypt` bodies.
import { createDecipheriv, createHash, timingSafeEqual } from 'node:crypto';

/** sha256hex(timestamp + nonce + encryptKey + rawBody), compared in constant time. */
export function signatureValid(timestamp: string, nonce: string, encryptKey: string, rawBody: string, signature: string): boolean {
  const expected = createHash('sha256').update(timestamp + nonce + encryptKey + rawBody).digest();
  // Non-hex characters end the decoded buffer early, so a malformed signature fails the length check.
  const given = Buffer.from(signature, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** Key = sha256(encryptKey); the first 16 bytes of the base64 blob are the IV. Throws on a blob that does not decrypt. */
export function decryptBody(encryptKey: string, encrypted: string): string {
  const key = createHash('sha256').update(encryptKey).digest();
  const blob = Buffer.from(encrypted, 'base64');
  if (blob.length < 32 || blob.length % 16 !== 0) throw new Error('encrypted body has an invalid length');
  const decipher = createDecipheriv('aes-256-cbc', key, blob.subarray(0, 16));
  return Buffer.concat([decipher.update(blob.subarray(16)), decipher.final()]).toString('utf8');
}

/** Constant-time string comparison for verification tokens. */
export function sameSecret(a: string, b: string): boolean {
  const x = createHash('sha256').update(a).digest();
  const y = createHash('sha256').update(b).digest();
  return timingSafeEqual(x, y);
}
