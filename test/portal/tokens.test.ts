// Portal link tokens, CSRF tokens, upload sniffing, brand colours and the message tables
// (pure: no database, no clock).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { messageTables, PORTAL_LANGUAGES, portalLanguage, translator } from '../../src/portal/i18n.ts';
import { contrastRatio, parsePortalSettings } from '../../src/portal/settings.ts';
import {
  checkCsrf,
  checkToken,
  csrfToken,
  deriveKey,
  type PortalClaims,
  signToken,
} from '../../src/portal/tokens.ts';
import { detectUploadType } from '../../src/portal/uploads.ts';

const k1 = deriveKey('a long configured secret', 'k1');
const k2 = deriveKey('a long configured secret', 'k2');
const keys = new Map([
  ['k1', k1],
  ['k2', k2],
]);
const claims: PortalClaims = { customerId: 42, contactId: 7, issuedAt: 1_000, expiresAt: 2_000, keyId: 'k2' };
const noRevocation = () => null;

describe('portal tokens', () => {
  it('verifies a token until it expires, with any key still in the ring', () => {
    const token = signToken(claims, k2);
    assert.deepEqual(checkToken(token, keys, 1_999, noRevocation), { ok: true, claims });
    assert.deepEqual(checkToken(token, keys, 2_000, noRevocation), { ok: false, reason: 'expired', claims });
    const old = signToken({ ...claims, keyId: 'k1' }, k1);
    assert.equal(checkToken(old, keys, 1_500, noRevocation).ok, true, 'a rotated-out key still verifies');
    assert.deepEqual(checkToken(old, new Map([['k2', k2]]), 1_500, noRevocation), {
      ok: false,
      reason: 'invalid',
    });
  });

  it('refuses revoked links issued before the revocation only', () => {
    const token = signToken(claims, k2);
    assert.deepEqual(
      checkToken(token, keys, 1_500, () => 1_001),
      { ok: false, reason: 'revoked', claims },
    );
    assert.equal(
      checkToken(token, keys, 1_500, () => 1_000).ok,
      true,
      'issued at the revocation instant or later',
    );
  });

  it('refuses every change to any field or the signature', () => {
    const token = signToken(claims, k2);
    const last = token.slice(0, -1);
    for (const ch of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_') {
      // includes spellings that differ only in the signature's 2 spare bits
      if (last + ch !== token) assert.equal(checkToken(last + ch, keys, 1_500, noRevocation).ok, false, ch);
    }
    fc.assert(
      fc.property(
        fc.nat({ max: token.length - 1 }),
        fc.constantFrom(...'0123456789abcdefABCDEF-_.'),
        (at, ch) => {
          fc.pre(token[at] !== ch);
          const changed = token.slice(0, at) + ch + token.slice(at + 1);
          const result = checkToken(changed, keys, 1_500, noRevocation);
          assert.equal(result.ok, false, changed);
        },
      ),
    );
    const forged = signToken({ ...claims, customerId: 43 }, deriveKey('another secret', 'k2'));
    assert.deepEqual(checkToken(forged, keys, 1_500, noRevocation), { ok: false, reason: 'invalid' });
    assert.deepEqual(checkToken('../../etc/passwd', keys, 1_500, noRevocation), {
      ok: false,
      reason: 'invalid',
    });
  });

  it('binds CSRF tokens to one link', () => {
    const a = signToken(claims, k2);
    const b = signToken({ ...claims, customerId: 43 }, k2);
    assert.equal(checkCsrf(a, k2, csrfToken(a, k2)), true);
    assert.equal(checkCsrf(a, k2, csrfToken(b, k2)), false);
    assert.equal(checkCsrf(a, k2, undefined), false);
    assert.equal(checkCsrf(a, k2, 'short'), false);
  });
});

describe('portal uploads, colours and strings', () => {
  it('recognises PDF, PNG and JPEG by their first bytes only', () => {
    assert.equal(detectUploadType(Buffer.from('%PDF-1.7\n')), 'application/pdf');
    assert.equal(
      detectUploadType(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0])),
      'image/png',
    );
    assert.equal(detectUploadType(Buffer.from([0xff, 0xd8, 0xff, 0xdb])), 'image/jpeg');
    for (const other of ['GIF89a', 'MZ\x90', '<svg/>', ' %PDF-', ''])
      assert.equal(detectUploadType(Buffer.from(other)), null);
  });

  it('keeps brand colours readable and falls back on bad settings', () => {
    const org = {
      name: 'X',
      address: '',
      logo_url: 'javascript:alert(1)',
      language: 'en',
      time_zone: 'Mars/Base',
    };
    const light = parsePortalSettings({
      ...org,
      portal_branding: { primary_color: '#ffff00' },
      settings: {},
    });
    assert.ok(contrastRatio(light.primaryColor, '#ffffff') >= 4.5, 'a pale brand colour is replaced');
    assert.equal(light.logoUrl, null, 'only http(s) and image data URLs are used as logos');
    assert.equal(light.timeZone, 'UTC');
    const dark = parsePortalSettings({
      ...org,
      portal_branding: { primary_color: '#0b5394' },
      settings: { portal: { partial_payments: false, link_days: 9999, dispute_reasons: ['Late', 7] } },
    });
    assert.equal(dark.primaryColor, '#0b5394');
    assert.equal(dark.partialPayments, false);
    assert.equal(dark.linkDays, 45);
    assert.deepEqual(dark.disputeReasons, ['Late']);
  });

  it('has every string in every language and picks the language by its first part', () => {
    const tables = messageTables();
    const keys = Object.keys(tables.en).sort();
    for (const language of PORTAL_LANGUAGES) {
      assert.deepEqual(Object.keys(tables[language]).sort(), keys, language);
      for (const [key, text] of Object.entries(tables[language])) {
        const placeholders = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
        assert.deepEqual(placeholders(text), placeholders(tables.en[key]!), `${language}.${key}`);
      }
    }
    assert.equal(portalLanguage('de-AT'), 'de');
    assert.equal(portalLanguage('pt'), 'en');
    assert.equal(translator('fr')('promiseDone', { number: 'F-1', date: '3 avril' }).includes('F-1'), true);
  });
});
