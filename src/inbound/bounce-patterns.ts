/**
 * Text patterns (data) that name a bounce reason from an MTA's diagnostic text, in sisimai's
 * vocabulary. Checked in table order, first match wins, so the more specific phrases come
 * first (a "mailbox full" diagnostic often also says "rejected"). Phrases are written to
 * generalise across MTA families (Postfix, Exim, Sendmail, qmail, Exchange/Office 365, Gmail,
 * Yahoo, Amazon SES…), not to match one sample. All patterns are tested against lower-cased text.
 */
import type { BounceReason } from './bounce-rules.ts';

export interface ReasonPattern {
  readonly reason: BounceReason;
  readonly patterns: readonly RegExp[];
}

export const REASON_PATTERNS: readonly ReasonPattern[] = [
  {
    // A connection/IP frequency limit ("Ip frequency limited … Blocked IP") is about the rate, not a block list.
    reason: 'toomanyconn',
    patterns: [/\b(ip|connection|connect) (frequency|rate) limit(ed)?\b|connection rate limit/],
  },
  {
    // "has sent to too many recipients this hour": a sending-rate limit, not a per-message one.
    reason: 'speeding',
    patterns: [/(sent|sending|send) to too many recipients (this|per|an?|in the last) (hour|day|minute)/],
  },
  {
    reason: 'authfailure',
    patterns: [
      /\bspf\b.{0,40}(fail|check|record|policy|reject|not (pass|permit|authori[sz]ed))|(fail|failed|check).{0,20}\bspf\b/,
      /\bdmarc\b/,
      /\bdkim\b.{0,40}(fail|invalid|required|not valid|signature)/,
      /sender policy framework/,
      /not (pass|passing) (spf|dkim|dmarc)|(spf|dkim) (authentication|validation) (failed|required)/,
      /\bunauthenticated email\b|authentication information|fails? to pass (spf|dkim|dmarc|authentication)|email authentication (requirements|failed)|authentication (check|checks) failed/,
      /is not (allowed|authori[sz]ed|designated) to send (mail|email)? ?(on behalf|for|from)/,
      /sender.{0,20}(domain|address).{0,30}(not authori[sz]ed|spoof)/,
    ],
  },
  {
    reason: 'securityerror',
    patterns: [
      /unauthenticated (senders?|users?|clients?|relay(ing)?) (are |is )?not (allowed|accepted|permitted)/,
    ],
  },
  {
    reason: 'failedstarttls',
    patterns: [
      /starttls.{0,40}(fail|required|error)|(must|should) (issue|use) (a )?starttls|tls (is )?required/,
    ],
  },
  {
    reason: 'requireptr',
    patterns: [
      /\bptr\b|reverse (dns|lookup|address|name)|\brdns\b|reverse[- ]resolv/,
      /(no|missing|lacks?) (a )?(valid )?(ptr|dns ptr|reverse)/,
      /cannot (find|resolve) your (host ?name|hostname|ip)|hostname.{0,30}(does not|doesn't) (match|resolve)/,
      /mismatches (the )?client ip|(does not|doesn't) match (the )?(client|connecting) ip|client host .{0,80}(unknown|not found|cannot resolve)|ip (address )?name lookup failed|no (host ?name|dns name) for (your )?ip/,
    ],
  },
  {
    reason: 'notcompliantrfc',
    patterns: [
      /\brfc ?(5322|2822|822|1123|5321)\b.{0,60}(complian|violat|format|standard|invalid)|(not|non)[- ]?(rfc|standard)[- ]?complian/,
      /(multiple|duplicate|more than one) (from|to|subject|date|message-id|sender)? ?(header|field)s?|multiple .{0,20}(addresses|mailboxes|senders) in (the )?from\b|header.{0,30}(appears|occur)s? more than once/,
      /message (headers|header fields?) (is|are) (not|malformed|invalid)|malformed (message|header)|bare (lf|line ?feed)/,
    ],
  },
  {
    reason: 'virusdetected',
    patterns: [/\bvirus(es)?\b|\bmalware\b|\binfected\b|\bworm\b|\btrojan\b/],
  },
  {
    reason: 'mesgtoobig',
    patterns: [
      /(message|mail|email|data|size) (is |was )?(too (big|large)|exceeds? .{0,30}(size|limit))/,
      /(message|mail) size (exceeds|is over|limit)|exceeds? (the )?(maximum|max|fixed) (message )?size|size limit exceeded|message length exceeds/,
      /\bmessage too large\b|\bmail too large\b|too big for (the )?system/,
    ],
  },
  {
    reason: 'exceedlimit',
    patterns: [
      /exceeds? (the )?(recipient'?s? )?(size|message) limit for (the |this )?(recipient|mailbox|user)/,
    ],
  },
  {
    reason: 'mailboxfull',
    patterns: [
      /mail ?box.{0,30}\b(is |was )?(full|over ?(quota|limit)|exceed)|\bover ?quota\b|quota (exceeded|full|limit)|exceed(s|ed)? (the |their |its |his |her )?(storage|quota|mailbox)/,
      /(insufficient|not enough) (storage|space) (in|for|on) (the )?(user|mailbox|account|recipient)/,
      /(user|recipient|account|inbox|mailfolder|folder)('s)? .{0,20}(is |has )?(full|over (the )?quota|exceeded (its|their|the) (storage|quota))/,
      /(disk|storage|mailbox) quota|\bquota\b.{0,40}(exceed|full|reached)|mailbox size limit|full mailbox|too much mail data/,
    ],
  },
  {
    reason: 'systemfull',
    patterns: [
      /(system|disk|spool|file ?system) (is )?full|insufficient system storage|out of (disk )?space|no space left/,
    ],
  },
  {
    reason: 'hasmoved',
    patterns: [
      /(address|user|mailbox|recipient) has (moved|changed)|no longer (with|at|uses?|valid at)|has moved to|moved permanently|address changed/,
    ],
  },
  {
    reason: 'norelaying',
    patterns: [
      /relay(ing)? (access )?(denied|prohibited|not (permitted|allowed|authori[sz]ed))|(unable|not permitted|not allowed|cannot|can't) (to )?relay|we do not relay|not configured to relay|not (a )?(gateway|open relay)|relay not permitted/,
      /(not|isn't) (in my|one of my|listed in|in the list of) (allowed )?(rcpthosts|valid domains|local domains)/,
    ],
  },
  {
    reason: 'suspend',
    patterns: [
      /(account|mailbox|user|address|recipient)(\s+\S+){0,5}\s+(is |has been |was )?(disabled|suspended|deactivated|inactive|discontinued|locked|frozen|expired|closed|blocked by (the )?administrator)/,
      /(disabled|suspended|inactive|deactivated|closed) (account|mailbox|user)|mailbox (is )?(currently )?not active|not active/,
    ],
  },
  {
    reason: 'policyviolation',
    patterns: [
      /(rejected|refused|denied|blocked|not accepted) (for|by|due to|because of) (the |our |local |site )?polic(y|ies)/,
    ],
  },
  {
    // Dynamic/residential senders told to use their provider's relay; a provider's complaint-volume block.
    reason: 'blocked',
    patterns: [
      /deferred: connection refused by|use (the )?smtp (server|relay) of your (isp|provider|internet service provider)|too many unwanted messages have been sent from/,
    ],
  },
  {
    reason: 'rejected',
    patterns: [
      /(sending to\/from|sending (to|from)|to\/from) an address that (has been|is) (blacklisted|blocklisted|blocked)/,
      /\bfrom:? domain is invalid|provide a valid from:?/,
      /(sender|mail from|from address|envelope[- ]from|return[- ]path|envelope sender|originator)(\s+(?!ip\b)\S+){0,2}\s+(address )?(is |was |has been )?(rejected|refused|denied|invalid|unknown|not (allowed|accepted|verified|permitted|valid)|forbidden|verify failed|verification failed)/,
      /(rejected|refused|unknown|invalid|bad|unverified) (sender|envelope sender|mail from|from address|return address)|sender verif(y|ication) failed|domain of sender address|sender domain (must|does not|doesn't)/,
      /(not|no) (have )?permission to (post|send)|(unroutable|unrouteable|unknown|invalid) sender|sender (address )?(domain )?(does not|doesn't) exist/,
      /(mail|message)s? from .{0,60}(not accepted|rejected|refused)|(not|don't|do not) accept mail from|your (address|domain|email) (is|has been) (rejected|refused)/,
    ],
  },
  {
    // Our own host name refused at HELO/EHLO: the sending host is blocked, whatever else is said.
    reason: 'blocked',
    patterns: [/my name was rejected|client host rejected|(helo|ehlo)( command)? (was )?(rejected|refused)/],
  },
  {
    // "Domain does not exist" must not be read as a missing user by the broader phrases below.
    reason: 'hostunknown',
    patterns: [/\b(domain|host)( name)? (does not|doesn't) exist\b/],
  },
  {
    // Some carriers' content filters answer "550 : User unknown" (no address) after DATA.
    reason: 'filtered',
    patterns: [/\b[45]\d\d:?\s+:\s+user unknown/],
  },
  {
    reason: 'userunknown',
    patterns: [
      /(user|recipient|addressee|mailbox|account|address|local part|local-part)(\s+name)? (is )?(unknown|not found|does not exist|doesn't exist|not exist|not known|invalid|unavailable|not listed)/,
      /(unknown|invalid|no such|non-?existent|bad|illegal) (local )?(user|recipient|mailbox|account|address|local part|addressee|person)/,
      /(does not|doesn't|do not|did not) (have|exist|resolve to).{0,40}(account|mailbox|user)?|no (mailbox|account|user) (here )?(by that name|with that name|found)/,
      /(not a valid|no valid) (mailbox|user|recipient|address)|address (is )?not (present|listed|valid)|not (our|a) (customer|valid user)/,
      /(recipient|address|user)(s)? (was |were )?(rejected|refused)(: |, | because| - )?.{0,30}(unknown|not (found|exist|valid))|unrouteable address|(email|e-mail) account (that )?you tried to reach does not exist/,
      /recipient address rejected: access denied|invalid .{0,20}userid|mailbox (not found|unavailable|not available)|requested action not taken: mailbox|no such (person|mailbox|user|recipient)|user (lookup|check) (failed|unsuccessful)/,
      /(unknown|invalid) (e-?mail )?address|address (lookup|verification) failed|recipient (address )?verification failed|\brcpt\b.{0,20}(unknown|invalid)/,
      /this user doesn't have a .{0,40} account|not (listed in|in) (the )?(domino )?directory|couldn't be found|doesn't have an account|is not a valid (user|recipient)/,
    ],
  },
  {
    // A temporary DNS failure ("Name service error … try again") is not a missing domain.
    reason: 'networkerror',
    patterns: [
      /(wasn't|was not|unable|not) able to establish an? smtp connection|unable to establish an? smtp connection/,
      /name service error(?!.{0,80}not found(?!, try again))|dns (lookup )?(timeout|temporary failure|servfail)|temporary (dns|lookup) failure/,
    ],
  },
  {
    reason: 'hostunknown',
    patterns: [
      /(host|domain|mx)( name)? (is )?(unknown|not found|does not exist|doesn't exist|lookup fail(ed|ure))|unknown (host|domain)|no such (host|domain)|host \S+ not found|domain (is )?(not reachable|unreachable)/,
      /(domain|host) (name )?(not|could not be) (found|resolved)|unrouteable (mail )?domain|name or service not known|nxdomain|illegal host\/domain|no (mx|dns) (record|entry|entries)|invalid domain|bad destination (host|system)|domain (is )?invalid/,
      /(couldn't|could not|cannot|can't|unable to) (find|resolve|look ?up) .{0,30}(domain|host)|mail for .{0,40} loops back to myself/,
    ],
  },
  {
    reason: 'notaccept',
    patterns: [
      /(does not|doesn't|do not|will not|won't) accept (any )?(e-?mail|mail|messages)|accepts no mail|null mx|indicated no smtp service|no mail (is )?accepted|not accepting (e-?mail|mail|messages)/,
      /(couldn't|could not|cannot|can't|unable to) find (a|any) mail exchanger|no mail exchanger|no (valid )?mx (host|record)s? (found|available)/,
    ],
  },
  {
    reason: 'spamdetected',
    patterns: [
      /\bspam\b|\bube\b|message content rejected|content rejected|\bjunk ?mail\b|\bucefilter\b|unsolicited (bulk |commercial )?(mail|e-?mail|message)|bulk mail|classified as (bulk|junk)|(message|content) (looks|seems|is) like spam|high probability of being/,
      /(message|content|mail) (was |has been |is )?(identified|detected|flagged|determined) as (spam|junk|bulk)|spam (score|content|filter|detected|message)|blocked (by|using) .{0,20}(spam|content) ?filter/,
      /message (content )?rejected due to (its )?content|suspicious (content|url|link)|rejected (as|for) (junk|spam)/,
    ],
  },
  {
    reason: 'badreputation',
    patterns: [/reputation|sender score|(ip|domain) (is )?(poorly|badly) rated/],
  },
  {
    reason: 'blocked',
    patterns: [
      /\b(rbl|dnsbl|blacklist(ed)?|black list(ed)?|blocklist(ed)?|block list(ed)?|denylist(ed)?|spamhaus|spamcop|sorbs|barracudacentral|cbl\.abuseat)\b/,
      /(your|the|sending|client|connecting)( sending)? (ip|host|server|network|address)(\s+\S+){0,4}\s+(is |has been |was |are )?(blocked|banned|listed|rejected|refused|denied|blacklisted|not (allowed|permitted))/,
      /(ip|host|network|connection) (blocked|banned|refused|rejected|denied)|invalid ip for sending|refused to talk to me|(blocked|banned|refused|rejected) (ip|host|connection|network)/,
      /connection refused by|client host rejected|not allowed to (connect|send)|(temporarily|permanently) (deferred|blocked|rejected) due to|(listed|found) (in|on) .{0,40}(list|rbl|bl\b)/,
      /\bblocked\b|\bbanned\b/,
    ],
  },
  {
    reason: 'policyviolation',
    patterns: [
      /(denied|rejected|blocked|refused|prohibited) (by|due to|because of) (the |our |local |site )?polic(y|ies)|protocol violation|polic(y|ies)\b.{0,40}(violat|reason|restrict|prohibit|reject|block)|(violat|against|breach)\w* .{0,30}polic(y|ies)|(local|security|content|administrative|mail) polic(y|ies)/,
      /(attachment|file type|extension).{0,40}(not allowed|prohibited|forbidden|blocked|rejected)|(prohibited|forbidden|blocked|banned) (attachment|file|extension|content)/,
    ],
  },
  {
    reason: 'filtered',
    patterns: [
      /(filter|filtered|rule)\b.{0,30}(reject|refus|block|deny|denied)|(rejected|refused|blocked|denied) by (the )?(recipient|user|mailbox|mail)?'?s? ?(filter|rule|setting|owner)/,
      /(recipient|user|addressee) (has )?(rejected|refused|blocked|declined) (your|the|this|all) (message|mail|e-?mail|sender)|(does not|doesn't) (wish|want) to receive|(not|isn't) (accepting|receiving) (mail|messages) from (you|your|this)/,
      /recipient preferences|message (was )?(rejected|refused|filtered) by (the )?(recipient|mailbox|user)|content filter|mail ?filter|\bfiltered\b/,
      /(the )?(user|recipient|mailbox|addressee)('s)?( mailbox)? (is )?(restricted|protected)|permission denied|not authori[sz]ed to (send|deliver)/,
    ],
  },
  {
    reason: 'toomanyconn',
    patterns: [
      /too many (recipients|connections|concurrent|simultaneous|sessions|smtp sessions|open connections)|connection limit|(connections|concurrent connections) (limit|exceeded)|maximum (number of )?connections/,
    ],
  },
  {
    reason: 'speeding',
    patterns: [
      /rate limit|rate[- ]limited|too many (messages|mails|emails|requests)|sending rate|(message|mail|email)s? rate|throttl|try again later.{0,20}(too many|volume)|exceeded (the )?(hourly|daily|sending)|receiving mail at a rate/,
    ],
  },
  {
    reason: 'expired',
    patterns: [
      /retry time(out)? (not reached|exceeded)|(delivery|message|queue) (time|lifetime|time ?out)? ?(expired|exceeded)|message expired|been in (the )?queue too long|queue (too long|lifetime)|giving up on|gave up|could not be delivered (within|for|in) \d+|(undelivered|not delivered|undeliverable) (for|after|within) \d+|has been delayed|delivery (has been )?(delayed|postponed)|still (not|trying|undelivered)|will (continue|keep) (to )?try(ing)?|timed? ?out (waiting|while waiting)|tempfail.{0,30}(too long|expired)/,
      /i'm not going to try again|envelope expired|giving up|all hosts have been failing|did not accept our requests to connect|connection timed out|\btimed out\b|message (could not be|couldn't be|was not) delivered.{0,40}(days|hours)|(days|hours) (of|without) (trying|success)/,
    ],
  },
  {
    reason: 'mailererror',
    patterns: [
      /\bx-unix\b|pipe to \||mailer error|\bprocmail\b|local (delivery|mailer) (program|agent)? ?(failed|error)|\bcommand (died|failed)|exit (code|status) \d+|program exited|unknown mailer error|\|\s*exec /,
    ],
  },
  {
    reason: 'syntaxerror',
    patterns: [
      /syntax error|improper sequence|command (unrecognized|not recognized|not implemented)|unrecognized command|bad sequence of commands|invalid command|line too long/,
    ],
  },
  {
    reason: 'networkerror',
    patterns: [
      /connection (timed out|timeout|refused|reset|lost|closed|dropped)|(network|dns|name server|nameserver|resolver) (error|failure|problem|timeout|unreachable)|no route to host|host (is )?(unreachable|down)|could not connect|unable to connect|lost connection|connect(ion)? to .{0,80} failed|temporary failure in name resolution|servfail|try again|timed? ?out|too many hops|hop count exceeded|(mail|routing) loop|loops back|loop detected|smtp (timeout|error while)|remote (server|host) (did not respond|not responding)/,
    ],
  },
  {
    reason: 'contenterror',
    patterns: [
      /(message|header|mime|encoding|character|content).{0,20}(invalid|illegal|malformed|not (allowed|permitted|supported))|(invalid|illegal|malformed|unsupported) (message|header|mime|character|content|encoding)/,
    ],
  },
  {
    reason: 'securityerror',
    patterns: [
      /smtp authentication|turn on (smtp )?authentication|authentication (required|failed|credentials invalid)|must (authenticate|use authentication|log ?in)|not (authenticated|authorized)|security (policy|error|violation)|certificate|encrypt/,
    ],
  },
  {
    reason: 'systemerror',
    patterns: [
      /system (error|failure|problem|config)|internal (server )?error|server (error|failure|misconfig)|local (error|problem|configuration)|configuration error|temporary (local )?(problem|failure|error)|service (is )?(currently )?unavailable|unexpected error|i\/o error|mail system (error|problem)/,
    ],
  },
];

/**
 * Wordings that mail systems use only for a mailbox that does not exist, so that "user unknown"
 * is a hard `userunknown` even where the report does not say it answered RCPT TO: Exchange 2003's
 * error 000C05A6, Lotus Domino's directory lookup, Ipswitch IMail's final-delivery check, and the
 * RFC 5321 text of reply 550 "Requested action not taken: mailbox unavailable".
 */
export const MAILBOX_UNKNOWN_PHRASES: readonly RegExp[] = [
  /\(000c05a6\)|recipient name is not recognized/,
  /not listed in (the )?(domino|public|public domino) directory/,
  /invalid final delivery userid/,
  /requested action not taken: mailbox unavailable/,
];

/**
 * Receiving providers whose own wording or error codes name the reason better than the
 * generic phrases (as sisimai's "rhost" modules do). A provider applies when the recipient's
 * domain, the Remote-MTA or a host named in the diagnostic matches `hosts`; its rules are
 * tried before REASON_PATTERNS. Codes are the providers' published ones.
 */
export const REMOTE_HOST_RULES: readonly {
  readonly provider: string;
  readonly hosts: RegExp;
  readonly rules: readonly ReasonPattern[];
}[] = [
  {
    // KDDI au (ezweb.ne.jp): its "User unknown" answers the recipient lookup.
    provider: 'KDDI au',
    hosts: /\b(ezweb\.ne\.jp|au\.com)\b/,
    rules: [
      // "550 : User unknown" without an address is au's content filter, not the recipient lookup.
      { reason: 'filtered', patterns: [/\b[45]\d\d:?\s+:\s+user unknown/] },
      { reason: 'userunknown', patterns: [/\buser unknown\b/] },
    ],
  },
  {
    provider: 'Yahoo',
    hosts: /\byahoo(inc|dns)?\.(com|net|co\.[a-z]{2})\b/,
    rules: [{ reason: 'userunknown', patterns: [/this user doesn't have a yahoo\.[a-z.]+ account/] }],
  },
  {
    // Orange / Wanadoo / La Poste: "OFR_506" / "[506]" spam, "[505]" service refused, "LPN007_416" unknown recipient.
    provider: 'Orange',
    hosts: /\b(orange|wanadoo)\.fr\b|\blaposte\.net\b|\b(ofr|lpn)\d*_\d{3}\b/,
    rules: [
      { reason: 'spamdetected', patterns: [/\bofr\d*_506\b|\[506\]/] },
      { reason: 'systemerror', patterns: [/\bofr\d*_505\b|\[505\]/] },
      { reason: 'blocked', patterns: [/\blpn006_107\b|\bofr\d*_(104|107|109)\b/] },
      { reason: 'userunknown', patterns: [/\blpn007_416\b|adresse destinataire invalide/] },
    ],
  },
  {
    // Cox: AUP#CDRBL = the sending IP is on Cox's DNS block list.
    provider: 'Cox',
    hosts: /\bcox\.(net|com)\b|aup#cdrbl/,
    rules: [{ reason: 'blocked', patterns: [/aup#cdrbl|aup#cx?rbl/] }],
  },
  {
    provider: 'Mimecast',
    hosts: /\bmimecast\b/,
    rules: [{ reason: 'policyviolation', patterns: [/host network not allowed/] }],
  },
];

/** Lines where the copy of the original message starts (bounce notices append it). */
export const ORIGINAL_MESSAGE_MARKERS: readonly RegExp[] = [
  /^[ \t]*-+ ?(below this line is a copy of the message|this is a copy of the message|original message|the original message|a copy of the original message|message copy|original message follows|undelivered message|returned message|unsent message below|the header of the original message|headers? of the original message)/im,
  /^[ \t]*-+\s*(original|returned|undelivered) (message|mail|headers)( follows)?\s*-*\s*$/im,
  /^[ \t]*(original message headers|original message follows|the original message was)\s*:?\s*$/im,
  /^[ \t]*--- ?enclosed (are|is) the (original|message)/im,
  /^(Return-Path|Received|Message-ID|X-Originating-IP|Date|DKIM-Signature|From):.*\r?\n(?:[ \t].*\r?\n)*(Received|Date|Subject|From|To|Message-ID|MIME-Version|X-[A-Za-z-]+|DKIM-Signature|Return-Path):/im,
];

/** Signs that a message is a delivery failure notice even without a standard report. */
export const BOUNCE_NOTICE_SIGNS = {
  senders: [
    /^(mailer-daemon|post_?master|mail-daemon|maildaemon|mailerdaemon|double-bounce|bounce|bounces|mdaemon|mmdf|smtp)\b/i,
    /mail delivery (subsystem|system|service)|mail administrator|mailer-daemon|postmaster/i,
  ],
  subjects: [
    /undeliver(able|ed)|undelivered mail|delivery (status notification|failure|failed|has failed|notification|problem|report)|returned mail|return(ed)? to sender|mail delivery (failed|failure|system|problem)|failure notice|could not be delivered|non[- ]?delivery|delivery (to the following recipient|incomplete)|mail (system )?error|failed delivery|nondeliverable|rejected|message (not delivered|delivery failure|bounced)|bounced?\b|warning: could not send|error sending your (mail|message)|cannot send message|delivery delayed|unable to deliver|permanent error|mail could not be delivered|notification d'[eé]tat de (la )?distribution|unzustellbar|nicht zustellbar|no se puede entregar|no entregado|non remis|remise impossible|échec de (la )?(remise|distribution)|メールエラー|配信エラー|送信エラー|配送エラー|不達|エラーメール/i,
  ],
  bodies: [
    /could not be delivered|couldn't be delivered|wasn't able to deliver|was not delivered|delivery (has )?failed|failed (permanently|recipient)|permanent (error|failure)|undeliverable|unable to deliver|the following (address|recipient)|returned to sender|message (was|has been) (rejected|bounced|blocked)|delivery to the following|fatal error|no such|user unknown|smtp error|error (occurred|returned)|has not been delivered|did not reach|was rejected|delivery is delayed|has been delayed|is undeliverable|delivery attempts? (failed|will continue)|could not deliver|cannot be delivered/i,
  ],
} as const;

/**
 * Failures of a mail system family recognised by the recipient's domain, used when the notice
 * carries no SMTP diagnostic at all. Google Groups answers a post from a non-member (in the
 * sender's language, without a status code) with a notice whose recipient is the group.
 */
export const RECIPIENT_DOMAIN_RULES: readonly { readonly domain: RegExp; readonly reason: BounceReason }[] = [
  { domain: /@googlegroups\.com$/, reason: 'rejected' },
];
