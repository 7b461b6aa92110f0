/**
 * A real IMAP server for the mail-in suites: Debian's Dovecot with the throwaway config in
 * .ci/dovecot, on a free loopback port, with its mail in a temp directory. One start per
 * suite. Without /usr/sbin/dovecot the suites skip with a message; with
 * DUNWELL_REQUIRE_IMAP=1 (CI) they fail instead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';

const ROOT = join(import.meta.dirname, '../../..');
export const DOVECOT_BIN = process.env.DUNWELL_DOVECOT_BIN ?? '/usr/sbin/dovecot';
export const IMAP_USER = 'dunwell';
export const IMAP_PASS = 'dunwell-test-only';

/** Skip reason, or false when Dovecot is there; throws when CI requires it and it is missing. */
export function dovecotSkip(): string | false {
  if (existsSync(DOVECOT_BIN)) return false;
  const why = `${DOVECOT_BIN} is not installed (apt-get install dovecot-imapd)`;
  if (process.env.DUNWELL_REQUIRE_IMAP === '1') throw new Error(`DUNWELL_REQUIRE_IMAP=1 but ${why}`);
  return `${why}; the IMAP suite is skipped`;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

function systemUser(name: string): { name: string; uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  const parts = line?.split(':');
  if (!parts) throw new Error(`user ${name} is missing (it comes with the dovecot-core package)`);
  return { name, uid: Number(parts[2]), gid: Number(parts[3]) };
}

function groupName(gid: number): string {
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.split(':')[2] === String(gid));
  return line?.split(':')[0] ?? String(gid);
}

function chownTree(dir: string, uid: number, gid: number): void {
  chownSync(dir, uid, gid);
  for (const sub of ['run', 'state', 'mail']) chownSync(join(dir, sub), uid, gid);
}

export interface Dovecot {
  port: number;
  url: URL;
  dir: string;
  /** An IMAP client for the test's own APPENDs and checks (connected). */
  client(): Promise<ImapFlow>;
  stop(): Promise<void>;
}

export async function startDovecot(): Promise<Dovecot> {
  const dir = mkdtempSync(join(tmpdir(), 'dunwell-dovecot-'));
  for (const sub of ['run', 'state', 'mail']) mkdirSync(join(dir, sub), { recursive: true });
  const port = await freePort();
  // Dovecot refuses to run its login process or mail access as root: under root (CI
  // containers) it uses the package's own dovenull/dovecot users; otherwise the caller's.
  const me = userInfo();
  const asRoot = me.uid === 0;
  const mailOwner = asRoot ? systemUser('dovecot') : { name: me.username, uid: me.uid, gid: me.gid };
  const loginUser = asRoot ? 'dovenull' : me.username;
  if (asRoot) chownTree(dir, mailOwner.uid, mailOwner.gid);
  const fill = (text: string) =>
    text
      .replaceAll('@BASE_DIR@', dir)
      .replaceAll('@PORT@', String(port))
      .replaceAll('@LOGIN_USER@', loginUser)
      .replaceAll('@INTERNAL_USER@', mailOwner.name)
      .replaceAll('@INTERNAL_GROUP@', groupName(mailOwner.gid))
      .replaceAll('@UID@', String(mailOwner.uid))
      .replaceAll('@GID@', String(mailOwner.gid));
  writeFileSync(
    join(dir, 'dovecot.conf'),
    fill(readFileSync(join(ROOT, '.ci/dovecot/dovecot.conf'), 'utf8')),
  );
  writeFileSync(
    join(dir, 'users'),
    fill(readFileSync(join(ROOT, '.ci/dovecot/users'), 'utf8'))
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .join('\n') + '\n',
  );
  const child: ChildProcess = spawn(DOVECOT_BIN, ['-F', '-c', join(dir, 'dovecot.conf')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += String(d)));
  child.stderr?.on('data', (d) => (output += String(d)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = new URL(`imap://${IMAP_USER}:${IMAP_PASS}@127.0.0.1:${port}/INBOX`);
  const connect = async () => {
    const c = new ImapFlow({
      host: '127.0.0.1',
      port,
      secure: false,
      auth: { user: IMAP_USER, pass: IMAP_PASS },
      logger: false,
    });
    await c.connect();
    return c;
  };
  // Wait until it answers (a few hundred ms).
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) {
      const log = existsSync(join(dir, 'dovecot.log')) ? readFileSync(join(dir, 'dovecot.log'), 'utf8') : '';
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`dovecot exited (${child.exitCode}): ${output}${log}`);
    }
    try {
      const c = await connect();
      await c.logout();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`dovecot did not answer on 127.0.0.1:${port}: ${(err as Error).message}\n${output}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    port,
    url,
    dir,
    client: connect,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
