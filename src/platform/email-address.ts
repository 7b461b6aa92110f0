/**
 * A plain addr-spec as SMTP and headers need it: local@domain with no spaces, quotes, angle
 * brackets or line breaks; null when it is not one. The sender refuses to put anything else in
 * an envelope or header; workspace accounts use the same rule for their sign-in address.
 */
export function safeAddress(address: string): string | null {
  const a = address.trim();
  return a.length <= 254 &&
    /^[^\s@<>"(),;:\\[\]]{1,64}@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i.test(
      a,
    )
    ? a
    : null;
}
