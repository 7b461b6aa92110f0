/** DKIM key pairs for `dunwell dkim generate`: an RSA 2048 key and the DNS TXT record to publish. */
import { generateKeyPairSync } from 'node:crypto';

export interface DkimKeyPair {
  /** PKCS#8 PEM, what DUNWELL_DKIM_KEY_FILE points at */
  readonly privateKeyPem: string;
  /** the public key, base64 SubjectPublicKeyInfo (the TXT record's p=) */
  readonly publicKeyBase64: string;
}

export function generateDkimKey(): DkimKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKeyBase64: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
  };
}

/**
 * The record as a zone file line. A 2048-bit key's p= is longer than one TXT string may be
 * (255 bytes), so the value is split into quoted strings that resolvers join.
 */
export function dkimDnsRecord(
  selector: string,
  domain: string,
  publicKeyBase64: string,
): {
  name: string;
  value: string;
  zoneLine: string;
} {
  const value = `v=DKIM1; k=rsa; p=${publicKeyBase64}`;
  const chunks = value.match(/.{1,250}/g) ?? [value];
  const name = `${selector}._domainkey.${domain}`;
  return { name, value, zoneLine: `${name} IN TXT ${chunks.map((c) => `"${c}"`).join(' ')}` };
}
