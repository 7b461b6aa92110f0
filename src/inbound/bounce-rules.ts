/**
 * From a failed recipient's status code and diagnostic text to a bounce reason (sisimai's
 * vocabulary, PRODUCT.md §6) and hard or soft. Pure; the tables are data.
 *
 * Order of the decision, most reliable first:
 *  1. a few status codes that mean exactly one thing whatever the text says (x.2.2 mailbox full,
 *     x.7.26 authentication failed…);
 *  2. an `X-Unix` diagnostic type: a local mailer (pipe, procmail) failed;
 *  3. a known receiving provider's own wording and codes (REMOTE_HOST_RULES);
 *  4. the diagnostic text against REASON_PATTERNS (bounce-patterns.ts), first match wins, with
 *     the refused SMTP command deciding between userunknown, filtered and rejected;
 *  5. a delay warning with a generic status is expired; then the status code table (RFC 3463
 *     subject/detail) and its class (x.6 content, x.7 security);
 *  6. the whole notice's words; any other diagnostic text means `onhold` (needs a person),
 *     and nothing at all means `undefined`.
 */
import {
  MAILBOX_UNKNOWN_PHRASES,
  REASON_PATTERNS,
  RECIPIENT_DOMAIN_RULES,
  REMOTE_HOST_RULES,
} from './bounce-patterns.ts';

export const BOUNCE_REASONS = [
  'userunknown',
  'hostunknown',
  'hasmoved',
  'mailboxfull',
  'systemfull',
  'filtered',
  'rejected',
  'blocked',
  'requireptr',
  'badreputation',
  'spamdetected',
  'policyviolation',
  'authfailure',
  'securityerror',
  'failedstarttls',
  'notaccept',
  'expired',
  'suspend',
  'onhold',
  'norelaying',
  'systemerror',
  'mailererror',
  'networkerror',
  'toomanyconn',
  'speeding',
  'mesgtoobig',
  'exceedlimit',
  'syntaxerror',
  'notcompliantrfc',
  'virusdetected',
  'contenterror',
  'undefined',
] as const;

export type BounceReason = (typeof BOUNCE_REASONS)[number];

/** Status codes (class ignored: 4.x.y and 5.x.y alike) whose meaning overrides the text. */
export const DECISIVE_STATUS: Readonly<Record<string, BounceReason>> = {
  '1.6': 'hasmoved',
  '2.2': 'mailboxfull',
  '2.3': 'exceedlimit',
  '3.4': 'mesgtoobig',
  '7.13': 'suspend',
  '7.25': 'requireptr',
  '7.26': 'authfailure',
  '7.509': 'authfailure',
  '7.650': 'badreputation',
};

/** RFC 3463 / IANA enhanced status codes (subject.detail) → reason, used when the text is silent. */
export const STATUS_REASONS: Readonly<Record<string, BounceReason>> = {
  '1.0': 'userunknown',
  '1.1': 'userunknown',
  '1.2': 'hostunknown',
  '1.3': 'userunknown',
  '1.4': 'userunknown',
  '1.6': 'hasmoved',
  '1.7': 'rejected',
  '1.8': 'rejected',
  '1.10': 'notaccept',
  '2.0': 'filtered',
  '2.1': 'filtered',
  '2.2': 'mailboxfull',
  '2.3': 'exceedlimit',
  '2.4': 'systemerror',
  '3.0': 'systemerror',
  '3.1': 'systemfull',
  '3.2': 'notaccept',
  '3.3': 'systemerror',
  '3.4': 'mesgtoobig',
  '3.5': 'systemerror',
  '4.0': 'networkerror',
  '4.1': 'networkerror',
  '4.2': 'networkerror',
  '4.3': 'systemerror',
  '4.4': 'hostunknown',
  '4.5': 'networkerror',
  '4.6': 'networkerror',
  '4.7': 'expired',
  '5.1': 'syntaxerror',
  '5.2': 'syntaxerror',
  '5.3': 'speeding',
  '5.4': 'syntaxerror',
  '5.5': 'syntaxerror',
  '6.0': 'contenterror',
  '6.1': 'contenterror',
  '7.0': 'securityerror',
  '7.1': 'securityerror',
  '7.7': 'securityerror',
  '7.8': 'securityerror',
  '7.9': 'securityerror',
  '7.13': 'suspend',
  '7.20': 'authfailure',
  '7.21': 'authfailure',
  '7.22': 'authfailure',
  '7.23': 'authfailure',
  '7.24': 'authfailure',
  '7.25': 'requireptr',
  '7.26': 'authfailure',
  '7.27': 'notaccept',
  '7.509': 'authfailure',
  '7.650': 'badreputation',
};

/** Reasons where the address itself will not work (sisimai's hard_bounce). */
const HARD_REASONS: ReadonlySet<BounceReason> = new Set(['userunknown', 'hostunknown', 'hasmoved']);

/**
 * Hard = the address itself will not work. `notaccept` (the host accepts no mail at all) is
 * hard only when the failure is permanent; a 4.x "not accepting now" is worth retrying.
 */
export function isHardBounce(reason: BounceReason, permanent: boolean): boolean {
  if (HARD_REASONS.has(reason)) return true;
  return reason === 'notaccept' && permanent;
}

export interface ReasonInput {
  readonly status: string | null;
  readonly diagnostic: string;
  readonly diagnosticType: string | null;
  readonly action: string | null;
  /** The whole notice, consulted when the recipient's own diagnostic names nothing. */
  readonly context: string;
  /** The SMTP command the remote server refused (from "in reply to RCPT TO command", ">>> DATA"…). */
  readonly command?: SmtpCommand | null;
  readonly recipient?: string;
  /** The receiving server (`Remote-MTA`), when the report names it. */
  readonly remoteMta?: string | null;
}

export type SmtpCommand = 'CONN' | 'HELO' | 'MAIL' | 'RCPT' | 'DATA';

/** Phrases that say at which SMTP command the remote server refused (data; last mention wins). */
export const COMMAND_PATTERNS: readonly { command: SmtpCommand; pattern: RegExp }[] = [
  { command: 'HELO', pattern: /(\b(in reply to|after)|>>>)\s*(helo|ehlo)\b|\b(helo|ehlo) command\b/gi },
  {
    command: 'MAIL',
    pattern: /(\b(in reply to|after)|>>>)\s*mail( from)?\b|\bmail from command\b|\[mail_from\]/gi,
  },
  {
    command: 'RCPT',
    pattern:
      /(\b(in reply to|after)|>>>)\s*rcpt( to)?\b|\brcpt to command\b|\bdid not like our rcpt\b|\brcpt to response\b|\bdoes not like recipient\b|\[rcpt_to\]/gi,
  },
  {
    command: 'DATA',
    pattern:
      /(\b(in reply to|after)|>>>)\s*(end of )?data\b|\b(end of )?data command\b|\bsmtp command:? data\b|\[data\]/gi,
  },
  { command: 'CONN', pattern: /\b(in reply to|after) (the )?(initial )?(greeting|connect(ion)?|banner)\b/gi },
];

/** The last SMTP command the text names as refused, or null. */
export function refusedCommand(text: string): SmtpCommand | null {
  let best: { command: SmtpCommand; index: number } | null = null;
  for (const { command, pattern } of COMMAND_PATTERNS) {
    pattern.lastIndex = 0;
    for (const m of text.matchAll(pattern)) {
      if (!best || (m.index ?? 0) > best.index) best = { command, index: m.index ?? 0 };
    }
  }
  return best?.command ?? null;
}

function statusKey(status: string | null): string | null {
  const m = status ? /^[245]\.(\d{1,3}\.\d{1,3})$/.exec(status) : null;
  return m ? m[1]! : null;
}

function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .slice(0, 16 * 1024);
}

export function reasonFromText(text: string): BounceReason | null {
  const lower = normalise(text);
  for (const { reason, patterns } of REASON_PATTERNS) {
    if (patterns.some((re) => re.test(lower))) return reason;
  }
  return null;
}

/**
 * The reason a known receiving provider's own wording or error code gives (REMOTE_HOST_RULES),
 * when the recipient's domain, the Remote-MTA or a host named in the diagnostic is that provider's.
 */
export function reasonFromRemoteHost(input: ReasonInput): BounceReason | null {
  const lower = normalise(input.diagnostic);
  if (!lower) return null;
  const hosts = `${input.recipient?.split('@')[1] ?? ''} ${input.remoteMta ?? ''} ${lower}`;
  for (const provider of REMOTE_HOST_RULES) {
    if (!provider.hosts.test(hosts)) continue;
    for (const { reason, patterns } of provider.rules)
      if (patterns.some((re) => re.test(lower))) return reason;
  }
  return null;
}

export function reasonFor(input: ReasonInput): BounceReason {
  const key = statusKey(input.status);
  if (key && DECISIVE_STATUS[key]) return DECISIVE_STATUS[key];
  if (input.diagnosticType?.startsWith('x-unix')) return 'mailererror';
  const fromHost = reasonFromRemoteHost(input);
  if (fromHost) return fromHost;
  const fromText = reasonFromText(input.diagnostic);
  const command = input.command ?? null;
  // Refused at MAIL FROM: it is the sender's address that was not accepted.
  if (command === 'MAIL' && (fromText === 'userunknown' || fromText === 'hostunknown' || fromText === null))
    return 'rejected';
  if (fromText === 'userunknown') {
    // "User unknown" is about the address itself when the server said so in answer to RCPT TO,
    // with an x.1.x status, or in words a mail system uses only for a missing mailbox. Said
    // after DATA, with another status, or with nothing telling when, it is the answer of a
    // filter in front of the mailbox (sisimai: filtered, a soft bounce).
    const subject = key?.split('.')[0];
    if (subject === '1' || command === 'RCPT') return 'userunknown';
    if (command !== 'DATA' && MAILBOX_UNKNOWN_PHRASES.some((re) => re.test(normalise(input.diagnostic))))
      return 'userunknown';
    return 'filtered';
  }
  // A missing domain reported as temporary (4.x) is a DNS failure that may clear.
  if (fromText === 'hostunknown' && input.status?.startsWith('4.')) return 'networkerror';
  if (fromText) return fromText;
  if (!input.status && input.recipient) {
    const family = RECIPIENT_DOMAIN_RULES.find((r) => r.domain.test(input.recipient!));
    if (family) return family.reason;
  }
  if (command === 'HELO' || command === 'CONN') return 'blocked';
  // A delay warning with only a generic status: the message is still queued (expired).
  if ((input.action === 'delayed' || input.action === 'expired') && key?.endsWith('.0')) return 'expired';
  if (key && STATUS_REASONS[key]) return STATUS_REASONS[key];
  const subject = key?.split('.')[0];
  if (subject === '6') return 'contenterror';
  if (subject === '7') return 'securityerror';
  if (input.action === 'delayed' || input.action === 'expired') return 'expired';
  if (input.context && input.context !== input.diagnostic) {
    const fromContext = reasonFromText(input.context);
    if (fromContext) return fromContext;
  }
  return input.diagnostic.trim() ? 'onhold' : 'undefined';
}
