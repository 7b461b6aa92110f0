/** Hand-made camt.053.001.02 statements for the reconcile tests. */
export interface FixtureEntry {
  amount: string;
  credit: boolean;
  reversal?: boolean;
  date: string;
  ref: string;
  remittance?: string;
  name?: string;
  iban?: string;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function camt053(
  entries: readonly FixtureEntry[],
  account = 'DE02120300000000202051',
  id = 'STMT-1',
): string {
  const ntry = entries
    .map((e) => {
      const role = e.credit ? 'Dbtr' : 'Cdtr';
      const parties =
        e.name || e.iban
          ? `<RltdPties>${e.name ? `<${role}><Nm>${esc(e.name)}</Nm></${role}>` : ''}${
              e.iban ? `<${role}Acct><Id><IBAN>${e.iban}</IBAN></Id></${role}Acct>` : ''
            }</RltdPties>`
          : '';
      const rmt = e.remittance ? `<RmtInf><Ustrd>${esc(e.remittance)}</Ustrd></RmtInf>` : '';
      return `<Ntry><Amt Ccy="EUR">${e.amount}</Amt><CdtDbtInd>${e.credit ? 'CRDT' : 'DBIT'}</CdtDbtInd>
        <RvslInd>${e.reversal ? 'true' : 'false'}</RvslInd><Sts>BOOK</Sts>
        <BookgDt><Dt>${e.date}</Dt></BookgDt><ValDt><Dt>${e.date}</Dt></ValDt><AcctSvcrRef>${e.ref}</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
        <NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs>${parties}${rmt}</TxDtls></NtryDtls></Ntry>`;
    })
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
  <BkToCstmrStmt>
    <GrpHdr><MsgId>${id}</MsgId><CreDtTm>2026-11-24T18:00:00</CreDtTm></GrpHdr>
    <Stmt>
      <Id>${id}</Id><CreDtTm>2026-11-24T18:00:00</CreDtTm>
      <Acct><Id><IBAN>${account}</IBAN></Id><Ccy>EUR</Ccy></Acct>
      <Bal><Tp><CdOrPrtry><Cd>OPBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">1000.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-23</Dt></Dt></Bal>
      <Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">2597.83</Amt><CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-11-24</Dt></Dt></Bal>
      ${ntry}
    </Stmt>
  </BkToCstmrStmt>
</Document>
`;
}
