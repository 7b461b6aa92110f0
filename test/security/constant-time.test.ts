/**
 * Secrets are compared in constant time (issue 8, security suite). No timing is measured
 * (timed assertions are flaky); instead:
 * 1. a scan of src/ finds every `===` / `!==` whose operand names a secret (token, secret,
 *    signature, csrf, password, API key, digest, MAC) — each hit must be on the list below
 *    with the reason it is not a secret comparison; a new one fails this test until someone
 *    uses crypto.timingSafeEqual or a hash lookup, or lists it with a reason;
 * 2. every `timingSafeEqual` in src/ is on the list of known comparisons, each of which
 *    compares equal-length digests (or checks a fixed, public length first);
 * 3. each comparison answers wrong values of every length (shorter, longer, same length,
 *    non-ASCII) with a refusal, never an exception.
 * Stored secrets (API keys, session tokens, inbound webhook secrets) are SHA-256 hashed and
 * looked up by hash in the database, so no comparison of the secret happens in code at all.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildServer } from '../../src/http/server.ts';
import { fixedClock } from '../../src/platform/clock.ts';
import { checkCsrf, checkToken, csrfToken, signToken } from '../../src/portal/tokens.ts';
import { hashPassword, verifyPassword } from '../../src/users/passwords.ts';
import { csrfTokenFor, csrfTokenMatches } from '../../src/users/sessions.ts';
import { describeEachEngine } from '../support/db.ts';

const SRC = join(import.meta.dirname, '..', '..', 'src');

/** `file:text` of comparisons that look like secret comparisons but are not, with why. */
const NOT_SECRET_COMPARISONS: Record<string, string> = {
  'inbound/intake/process.ts: const row = rows.find((r) => r.reply_token === token);':
    'picks the row the database already matched by reply token (a thread clue in a reply address, not a credential)',
  "inbound/bounce.ts: token.includes('@') ? token !== recipient : token !== ownDomain && !ownDomain.endsWith(`.${token}`);":
    'words of a bounce message compared with the recipient and our domain',
  "inbound/bounce.ts: if (marks[k]!.token.includes('@') && marks[k]!.token !== recipient) start = mention;":
    'words of a bounce message compared with the recipient',
  "portal/tokens.ts: if (signature.toString('base64url') !== m[6]) return null;":
    "the presented signature against its own canonical spelling (both sides are the caller's input)",
};

/** Where timingSafeEqual is used, and what makes the lengths equal or public. */
const CONSTANT_TIME_COMPARISONS: Record<string, string> = {
  'users/sessions.ts': 'CSRF token: base64url SHA-256, always 43 characters',
  'users/passwords.ts': 'scrypt output: the stored hash fixes the length',
  'users/password-reset.ts': 'reset link secret: hex SHA-256 of both sides, 64 characters',
  'portal/tokens.ts': 'HMAC-SHA256 signatures and CSRF tokens: 32 bytes',
  'http/routes/health.ts': 'metrics bearer token: SHA-256 digests of both sides',
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'web' ? [] : sources(p); // the browser SPA holds no secrets to compare
    return e.name.endsWith('.ts') ? [p] : [];
  });
}

const SECRET_NAME = /(token|secret|signature|csrf|password|passwd|api_?key|key_hash|digest|hmac|\bmac\b)/i;

describe('constant-time comparison of secrets', () => {
  it('no === or !== compares a secret (static scan of src/)', () => {
    const found: string[] = [];
    for (const file of sources(SRC)) {
      const rel = relative(SRC, file);
      readFileSync(file, 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/^\s*(\/\/|\*)/.test(line)) return;
          for (const m of line.matchAll(/(typeof\s+)?([\w.$[\]'"!]+)\s*([!=]==)\s*([\w.$[\]'"]+)/g)) {
            const [, typeOf, left, , right] = m as unknown as [
              string,
              string | undefined,
              string,
              string,
              string,
            ];
            if (typeOf || (!SECRET_NAME.test(left) && !SECRET_NAME.test(right))) continue;
            // presence, type and shape checks compare no secret
            if (/^(undefined|null|''|""|true|false|\d+)$/.test(right) || /^(undefined|null)$/.test(left))
              continue;
            if (/\.length$/.test(left) || /\.length$/.test(right) || /^typeof/.test(left)) continue;
            if (/^['"][\w-]*['"]$/.test(right)) continue; // compared with a literal name (a kind, not a secret)
            const key = `${rel}: ${line.trim()}`;
            if (!(key in NOT_SECRET_COMPARISONS)) found.push(`${rel}:${i + 1}: ${line.trim()}`);
          }
        });
    }
    assert.deepEqual(
      found,
      [],
      'compare secrets with crypto.timingSafeEqual on equal-length digests (or look them up by hash), ' +
        'or list the line in NOT_SECRET_COMPARISONS with the reason it is not a secret',
    );
  });

  it('timingSafeEqual is used exactly where the list says', () => {
    const users = sources(SRC)
      .filter((f) => /timingSafeEqual\(/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f))
      .sort();
    assert.deepEqual(users, Object.keys(CONSTANT_TIME_COMPARISONS).sort());
  });

  it('the session CSRF check refuses every wrong value without throwing', () => {
    const session = 'a'.repeat(43);
    const right = csrfTokenFor(session);
    assert.equal(csrfTokenMatches(session, right), true);
    for (const wrong of [
      undefined,
      '',
      right.slice(0, -1),
      `${right}x`,
      `${right.slice(0, -1)}A`,
      'é'.repeat(43),
      '\u0000'.repeat(43),
      'x'.repeat(10_000),
    ]) {
      if (wrong === `${right.slice(0, -1)}A` && right.endsWith('A')) continue;
      assert.equal(csrfTokenMatches(session, wrong), false, JSON.stringify(wrong?.slice(0, 50)));
    }
  });

  it('portal link signatures and portal CSRF tokens refuse every wrong value without throwing', () => {
    const key = Buffer.alloc(32, 7);
    const keys = new Map([['k1', key]]);
    const token = signToken(
      { customerId: 1, contactId: 2, issuedAt: 100, expiresAt: 10_000, keyId: 'k1' },
      key,
    );
    assert.equal(checkToken(token, keys, 200, () => null).ok, true);
    const sig = token.split('.').pop()!;
    const flipped = `${sig.slice(0, 10)}${sig[10] === 'A' ? 'B' : 'A'}${sig.slice(11)}`;
    for (const wrong of [
      token.replace(sig, flipped),
      token.replace(sig, sig.slice(0, -1)),
      token.replace(sig, `${sig}A`),
      token.replace(sig, ''),
      token.replace('.k1.', '.k2.'),
      token.replace(/^1\./, '2.'),
      `${token}\u0000`,
    ]) {
      assert.equal(checkToken(wrong, keys, 200, () => null).ok, false, wrong);
    }
    const csrf = csrfToken(token, key);
    assert.equal(checkCsrf(token, key, csrf), true);
    for (const wrong of [
      undefined,
      null,
      42,
      '',
      csrf.slice(0, -1),
      `${csrf}A`,
      'é'.repeat(43),
      csrfToken(`${token}x`, key),
    ]) {
      assert.equal(checkCsrf(token, key, wrong), false, String(wrong));
    }
  });

  it('passwords are verified against the scrypt hash, refusing malformed hashes without throwing', async () => {
    const stored = await hashPassword('correct horse battery staple');
    assert.equal(await verifyPassword('correct horse battery staple', stored), true);
    assert.equal(await verifyPassword('correct horse battery stapl', stored), false);
    const parts = stored.split('$');
    for (const broken of [
      [...parts.slice(0, 5), parts[5]!.slice(0, -4)].join('$'), // a shorter stored key
      [...parts.slice(0, 5), `${parts[5]}AAAA`].join('$'),
      'plain-text-password',
      '',
    ]) {
      assert.equal(await verifyPassword('correct horse battery staple', broken), false, broken);
    }
  });
});

describeEachEngine('the metrics token is compared in constant time', (db) => {
  let app: FastifyInstance;
  const TOKEN = 'metrics-secret-0123456789';
  before(async () => {
    process.env.DUNWELL_METRICS_TOKEN = TOKEN;
    app = await buildServer({ db: db(), clock: fixedClock('2026-03-15T10:00:00Z') });
  });
  after(async () => {
    delete process.env.DUNWELL_METRICS_TOKEN;
    await app.close();
  });

  it('answers 200 to the token and 401 to every other value, whatever its length', async () => {
    const get = (authorization?: string) =>
      app.inject({ url: '/metrics', headers: authorization === undefined ? {} : { authorization } });
    assert.equal((await get(`Bearer ${TOKEN}`)).statusCode, 200);
    for (const wrong of [
      undefined,
      'Bearer ',
      `Bearer ${TOKEN.slice(0, -1)}`,
      `Bearer ${TOKEN}x`,
      `Bearer ${TOKEN.slice(0, -1)}X`,
      `Bearer ${'x'.repeat(5000)}`,
      `Bearer ${'é'.repeat(TOKEN.length)}`,
      `Basic ${TOKEN}`,
    ]) {
      const r = await get(wrong);
      assert.equal(r.statusCode, 401, String(wrong).slice(0, 40));
      assert.ok(!r.body.includes(TOKEN));
    }
  });
});
