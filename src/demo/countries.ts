/**
 * What a demo customer looks like in each country it may come from: how companies are named,
 * their legal forms, people's names, phone formats, usual payment terms, the currency they
 * are billed in and their time zones. Pure data; the generator combines it with a seeded PRNG.
 *
 * Phone numbers use ranges set aside for fiction where a country has them (UK 020 7946 0xxx,
 * US/CA 555-01xx, AU 02 5550 xxxx); every email domain ends in `.example` (RFC 2606), so no
 * demo message can ever reach a real mailbox.
 */
import type { Random } from './random.ts';

export type DemoLanguage = 'en' | 'de' | 'fr' | 'es';
export type DemoCurrency = 'EUR' | 'USD' | 'GBP';

export interface CountryProfile {
  code: string;
  /** How many of the ~200 demo customers come from here. */
  customers: number;
  currency: DemoCurrency;
  language: DemoLanguage;
  zones: readonly string[];
  /** Payment terms in days, repeated to weight them. */
  terms: readonly number[];
  /** A company name (without domain); must read like a real B2B customer of that country. */
  companyName(rng: Random): string;
  firstNames: readonly string[];
  lastNames: readonly string[];
  /** Shared mailboxes an AP department uses: [local part, display name]. */
  apMailboxes: readonly (readonly [string, string])[];
  phone(rng: Random): string;
  /** A purchase-order number in the style of the country's usual ERP. */
  poNumber(rng: Random): string;
  /** Bank-statement style payment references that name no invoice. */
  plainReferences: readonly string[];
  /** A reference that names one invoice, e.g. 'Rechnung INV-2025-000123'. */
  invoiceReference(number: string, rng: Random): string;
}

function digits(rng: Random, n: number): string {
  let s = '';
  for (let i = 0; i < n; i++) s += String(rng.int(0, 9));
  return s;
}

const DE_SURNAMES = [
  'Müller',
  'Schmidt',
  'Becker',
  'Hoffmann',
  'Wagner',
  'Schäfer',
  'Koch',
  'Richter',
  'Klein',
  'Wolf',
  'Neumann',
  'Schwarz',
  'Zimmermann',
  'Braun',
  'Krüger',
  'Hartmann',
  'Lange',
  'Werner',
  'Krause',
  'Lehmann',
  'Vogel',
  'Brandt',
  'Seidel',
  'Ostermann',
];
const DE_SECTORS = [
  'Maschinenbau',
  'Logistik',
  'Elektrotechnik',
  'Holzbau',
  'Metallverarbeitung',
  'Feinkost',
  'Haustechnik',
  'Verpackung',
  'Medizintechnik',
  'Druckerei',
  'Baustoffe',
  'Kunststofftechnik',
  'Antriebstechnik',
  'Gebäudeservice',
];
const DE_REGIONS = ['Rheinland', 'Bayerische', 'Hanseatische', 'Schwäbische', 'Märkische', 'Westfälische'];

const FR_SURNAMES = [
  'Martin',
  'Bernard',
  'Dubois',
  'Thomas',
  'Robert',
  'Richard',
  'Petit',
  'Durand',
  'Leroy',
  'Moreau',
  'Simon',
  'Laurent',
  'Lefèvre',
  'Michel',
  'Garnier',
  'Rousseau',
  'Fontaine',
  'Chevalier',
  'Girard',
  'Lambert',
];
const FR_SECTORS = [
  'Transports',
  'Emballages',
  'Bâtiment',
  'Équipements Industriels',
  'Imprimerie',
  'Distribution',
  'Froid Industriel',
  'Menuiserie',
  'Fournitures de Bureau',
  'Électricité',
];
const FR_REGIONS = ['Atlantique', 'Rhône-Alpes', 'Provence', 'Normandie', 'Val de Loire', 'Occitanie'];

const ES_SURNAMES = [
  'García',
  'Fernández',
  'González',
  'Rodríguez',
  'López',
  'Martínez',
  'Sánchez',
  'Pérez',
  'Gómez',
  'Jiménez',
  'Ruiz',
  'Hernández',
  'Díaz',
  'Moreno',
  'Álvarez',
  'Romero',
  'Navarro',
  'Torres',
];
const ES_SECTORS = [
  'Construcciones',
  'Transportes',
  'Distribuciones',
  'Suministros Industriales',
  'Alimentación',
  'Envases',
  'Instalaciones Eléctricas',
  'Logística',
  'Climatización',
];
const ES_REGIONS = ['Levante', 'Ibérica', 'del Norte', 'Mediterránea', 'Castellana', 'Andaluza'];

const US_WORDS = [
  'Summit',
  'Keystone',
  'Pioneer',
  'Lakeside',
  'Redwood',
  'Harbor',
  'Ironwood',
  'Blue Ridge',
  'Granite',
  'Prairie',
  'Cascade',
  'Liberty',
  'Evergreen',
  'Midwest',
  'Atlantic',
  'Sierra',
  'Copperline',
  'Bayview',
];
const US_SECTORS = [
  'Logistics',
  'Manufacturing',
  'Supply Co.',
  'Industrial',
  'Foods',
  'Health Systems',
  'Builders',
  'Packaging',
  'Electric',
  'Software',
  'Hospitality Group',
  'Distribution',
];
const UK_WORDS = [
  'Thames',
  'Pennine',
  'Albion',
  'Cotswold',
  'Harrogate',
  'Kingsbridge',
  'Severn',
  'Mercia',
  'Wessex',
  'Northgate',
  'Ashford',
  'Brindley',
  'Whitmore',
  'Caldwell',
  'Calder',
  'Marston',
];
const UK_SECTORS = [
  'Engineering',
  'Logistics',
  'Foods',
  'Packaging',
  'Building Supplies',
  'Facilities',
  'Print',
  'Components',
  'Catering',
  'Fabrications',
];
const EN_FIRST = [
  'James',
  'Emily',
  'Michael',
  'Sarah',
  'David',
  'Olivia',
  'Daniel',
  'Jessica',
  'Thomas',
  'Laura',
  'Matthew',
  'Rachel',
  'Andrew',
  'Sophie',
  'Robert',
  'Hannah',
  'Chris',
  'Megan',
];
const EN_LAST = [
  'Smith',
  'Johnson',
  'Williams',
  'Brown',
  'Taylor',
  'Davies',
  'Wilson',
  'Evans',
  'Thompson',
  'Walker',
  'Clarke',
  'Hughes',
  'Miller',
  'Anderson',
  'Carter',
  'Bennett',
  'Foster',
  'Reid',
];
const EN_AP: readonly (readonly [string, string])[] = [
  ['accounts.payable', 'Accounts Payable'],
  ['ap', 'Accounts Payable'],
  ['invoices', 'Invoice Processing'],
  ['finance', 'Finance Team'],
];
const EN_REFS = ['Payment', 'Wire transfer', 'ACH credit', 'Supplier payment run', 'Remittance'];
const UK_REFS = ['BACS payment', 'Faster Payment', 'Supplier run', 'BACS remittance'];

const enInvoiceRef = (n: string, rng: Random) => rng.pick([`Invoice ${n}`, `${n}`, `Inv ${n} payment`]);

function usPhone(rng: Random, areas: readonly string[]): string {
  return `+1 ${rng.pick(areas)} 555 01${digits(rng, 2)}`;
}

export const COUNTRIES: readonly CountryProfile[] = [
  {
    code: 'DE',
    customers: 38,
    currency: 'EUR',
    language: 'de',
    zones: ['Europe/Berlin'],
    terms: [14, 30, 30, 30, 45],
    companyName: (rng) =>
      rng.weighted<() => string>([
        [() => `${rng.pick(DE_SURNAMES)} ${rng.pick(DE_SECTORS)} ${rng.pick(['GmbH', 'GmbH', 'AG'])}`, 5],
        [() => `${rng.pick(DE_REGIONS)} ${rng.pick(DE_SECTORS)} GmbH`, 2],
        [() => `${rng.pick(DE_SURNAMES)} & ${rng.pick(DE_SURNAMES)} GmbH & Co. KG`, 2],
      ])(),
    firstNames: [
      'Anna',
      'Thomas',
      'Julia',
      'Stefan',
      'Katrin',
      'Michael',
      'Sabine',
      'Jonas',
      'Lena',
      'Markus',
    ],
    lastNames: DE_SURNAMES,
    apMailboxes: [
      ['buchhaltung', 'Buchhaltung'],
      ['kreditoren', 'Kreditorenbuchhaltung'],
      ['rechnungseingang', 'Rechnungseingang'],
    ],
    phone: (rng) => `+49 ${rng.pick(['30', '40', '89', '221', '711', '69'])} ${digits(rng, 7)}`,
    poNumber: (rng) => `4500${digits(rng, 6)}`,
    plainReferences: ['SEPA-Überweisung', 'Zahlungslauf', 'Überweisung', 'Sammelzahlung'],
    invoiceReference: (n, rng) => rng.pick([`Rechnung ${n}`, `RE ${n}`, `Re.-Nr. ${n}`]),
  },
  {
    code: 'AT',
    customers: 6,
    currency: 'EUR',
    language: 'de',
    zones: ['Europe/Vienna'],
    terms: [14, 30, 30],
    companyName: (rng) =>
      `${rng.pick(DE_SURNAMES)} ${rng.pick(DE_SECTORS)} ${rng.pick(['GmbH', 'GesmbH', 'AG'])}`,
    firstNames: ['Florian', 'Elisabeth', 'Lukas', 'Theresa', 'Georg', 'Martina'],
    lastNames: ['Gruber', 'Huber', 'Bauer', 'Wagner', 'Pichler', 'Steiner', 'Moser', 'Mayer'],
    apMailboxes: [['buchhaltung', 'Buchhaltung']],
    phone: (rng) => `+43 1 ${digits(rng, 7)}`,
    poNumber: (rng) => `BE-${digits(rng, 6)}`,
    plainReferences: ['SEPA-Überweisung', 'Zahlung'],
    invoiceReference: (n) => `Rechnung ${n}`,
  },
  {
    code: 'FR',
    customers: 30,
    currency: 'EUR',
    language: 'fr',
    zones: ['Europe/Paris'],
    terms: [30, 45, 45, 60],
    companyName: (rng) =>
      rng.weighted<() => string>([
        [() => `${rng.pick(FR_SECTORS)} ${rng.pick(FR_SURNAMES)} ${rng.pick(['SAS', 'SARL', 'SA'])}`, 5],
        [() => `${rng.pick(FR_SURNAMES)} & Fils ${rng.pick(['SARL', 'SAS'])}`, 1],
        [() => `Établissements ${rng.pick(FR_SURNAMES)} SA`, 1],
        [() => `${rng.pick(FR_SECTORS)} ${rng.pick(FR_REGIONS)} ${rng.pick(['SAS', 'EURL'])}`, 2],
      ])(),
    firstNames: ['Camille', 'Nicolas', 'Julie', 'Pierre', 'Claire', 'Antoine', 'Sophie', 'Mathieu', 'Élodie'],
    lastNames: FR_SURNAMES,
    apMailboxes: [
      ['comptabilite', 'Service Comptabilité'],
      ['fournisseurs', 'Comptabilité Fournisseurs'],
      ['factures', 'Réception des Factures'],
    ],
    phone: (rng) =>
      `+33 ${rng.pick(['1', '4', '2', '3', '5'])} ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)} ${digits(rng, 2)}`,
    poNumber: (rng) => `BC-${digits(rng, 5)}`,
    plainReferences: ['VIREMENT SEPA', 'Règlement fournisseur', 'Virement', 'Paiement'],
    invoiceReference: (n, rng) => rng.pick([`Facture ${n}`, `Règlement facture ${n}`, `FACT ${n}`]),
  },
  {
    code: 'BE',
    customers: 5,
    currency: 'EUR',
    language: 'fr',
    zones: ['Europe/Brussels'],
    terms: [30, 30, 60],
    companyName: (rng) =>
      `${rng.pick(FR_SECTORS)} ${rng.pick(['Dupont', 'Peeters', 'Janssens', 'Lambert', 'Dumont'])} ${rng.pick(['SRL', 'SA'])}`,
    firstNames: ['Louis', 'Charlotte', 'Arthur', 'Manon', 'Hugo'],
    lastNames: ['Dupont', 'Peeters', 'Janssens', 'Lambert', 'Dumont', 'Claes'],
    apMailboxes: [['comptabilite', 'Comptabilité']],
    phone: (rng) => `+32 2 ${digits(rng, 3)} ${digits(rng, 2)} ${digits(rng, 2)}`,
    poNumber: (rng) => `BC-${digits(rng, 5)}`,
    plainReferences: ['Virement européen', 'Paiement'],
    invoiceReference: (n) => `Facture ${n}`,
  },
  {
    code: 'ES',
    customers: 24,
    currency: 'EUR',
    language: 'es',
    zones: ['Europe/Madrid', 'Europe/Madrid', 'Atlantic/Canary'],
    terms: [30, 45, 60, 60],
    companyName: (rng) =>
      rng.weighted<() => string>([
        [
          () =>
            `${rng.pick(ES_SECTORS)} ${rng.pick(ES_SURNAMES)} ${rng.pick(['S.L.', 'S.L.', 'S.A.', 'S.L.U.'])}`,
          5,
        ],
        [() => `${rng.pick(ES_SECTORS)} ${rng.pick(ES_REGIONS)} ${rng.pick(['S.L.', 'S.A.'])}`, 3],
        [() => `${rng.pick(ES_SURNAMES)} e Hijos S.L.`, 1],
      ])(),
    firstNames: ['Lucía', 'Javier', 'María', 'Carlos', 'Elena', 'Alejandro', 'Marta', 'Pablo', 'Carmen'],
    lastNames: ES_SURNAMES,
    apMailboxes: [
      ['contabilidad', 'Contabilidad'],
      ['proveedores', 'Cuentas a Pagar'],
      ['facturas', 'Recepción de Facturas'],
    ],
    phone: (rng) =>
      `+34 ${rng.pick(['91', '93', '96', '95', '94'])} ${digits(rng, 3)} ${digits(rng, 2)} ${digits(rng, 2)}`,
    poNumber: (rng) => `PED-${digits(rng, 6)}`,
    plainReferences: ['Transferencia SEPA', 'Pago proveedores', 'Transferencia'],
    invoiceReference: (n, rng) => rng.pick([`Factura ${n}`, `Pago fra. ${n}`]),
  },
  {
    code: 'MX',
    customers: 8,
    currency: 'USD',
    language: 'es',
    zones: ['America/Mexico_City', 'America/Monterrey'],
    terms: [30, 45, 60],
    companyName: (rng) =>
      `${rng.pick(['Grupo', 'Comercializadora', 'Distribuidora', 'Industrias'])} ${rng.pick(ES_SURNAMES)} ${rng.pick(['S.A. de C.V.', 'S. de R.L. de C.V.'])}`,
    firstNames: ['Alejandra', 'Luis', 'Fernanda', 'Jorge', 'Gabriela', 'Ricardo'],
    lastNames: ['Hernández', 'García', 'Ramírez', 'Flores', 'Vázquez', 'Castillo', 'Morales'],
    apMailboxes: [['cuentasporpagar', 'Cuentas por Pagar']],
    phone: (rng) => `+52 55 ${digits(rng, 4)} ${digits(rng, 4)}`,
    poNumber: (rng) => `OC-${digits(rng, 6)}`,
    plainReferences: ['SPEI', 'Transferencia internacional', 'Pago'],
    invoiceReference: (n) => `Pago factura ${n}`,
  },
  {
    code: 'US',
    customers: 40,
    currency: 'USD',
    language: 'en',
    zones: [
      'America/New_York',
      'America/New_York',
      'America/Chicago',
      'America/Denver',
      'America/Los_Angeles',
    ],
    terms: [30, 30, 30, 45, 60],
    companyName: (rng) =>
      rng.weighted<() => string>([
        [() => `${rng.pick(US_WORDS)} ${rng.pick(US_SECTORS)} ${rng.pick(['Inc.', 'LLC', 'Corp.'])}`, 6],
        [() => `${rng.pick(EN_LAST)} & ${rng.pick(EN_LAST)} ${rng.pick(['LLC', 'Inc.'])}`, 2],
      ])(),
    firstNames: EN_FIRST,
    lastNames: EN_LAST,
    apMailboxes: EN_AP,
    phone: (rng) => usPhone(rng, ['212', '312', '415', '617', '713', '303', '206']),
    poNumber: (rng) => `PO-${digits(rng, 6)}`,
    plainReferences: EN_REFS,
    invoiceReference: enInvoiceRef,
  },
  {
    code: 'GB',
    customers: 32,
    currency: 'GBP',
    language: 'en',
    zones: ['Europe/London'],
    terms: [14, 30, 30, 30, 60],
    companyName: (rng) =>
      rng.weighted<() => string>([
        [
          () => `${rng.pick(UK_WORDS)} ${rng.pick(UK_SECTORS)} ${rng.pick(['Ltd', 'Ltd', 'Limited', 'PLC'])}`,
          6,
        ],
        [() => `${rng.pick(EN_LAST)} & ${rng.pick(EN_LAST)} ${rng.pick(['Ltd', 'LLP'])}`, 2],
      ])(),
    firstNames: EN_FIRST,
    lastNames: EN_LAST,
    apMailboxes: EN_AP,
    phone: (rng) => `+44 20 7946 0${digits(rng, 3)}`,
    poNumber: (rng) => `PO${digits(rng, 7)}`,
    plainReferences: UK_REFS,
    invoiceReference: enInvoiceRef,
  },
  {
    code: 'IE',
    customers: 5,
    currency: 'EUR',
    language: 'en',
    zones: ['Europe/Dublin'],
    terms: [30, 30, 45],
    companyName: (rng) =>
      `${rng.pick(['Liffey', 'Shannon', 'Galway Bay', 'Wicklow', 'Kilkenny'])} ${rng.pick(UK_SECTORS)} ${rng.pick(['Ltd', 'DAC'])}`,
    firstNames: ['Ciara', 'Sean', 'Aoife', 'Conor', 'Niamh'],
    lastNames: ['Murphy', 'Kelly', 'Byrne', 'Walsh', "O'Brien", 'Ryan'],
    apMailboxes: EN_AP,
    phone: (rng) => `+353 1 ${digits(rng, 3)} ${digits(rng, 4)}`,
    poNumber: (rng) => `PO-${digits(rng, 5)}`,
    plainReferences: ['SEPA credit transfer', 'Payment'],
    invoiceReference: enInvoiceRef,
  },
  {
    code: 'AU',
    customers: 6,
    currency: 'USD',
    language: 'en',
    zones: ['Australia/Sydney', 'Australia/Melbourne'],
    terms: [30, 30, 45],
    companyName: (rng) =>
      `${rng.pick(['Southern Cross', 'Coastal', 'Harbourside', 'Eucalypt', 'Goldfields', 'Bondi'])} ${rng.pick(UK_SECTORS)} Pty Ltd`,
    firstNames: ['Jack', 'Chloe', 'Liam', 'Mia', 'Noah', 'Isla'],
    lastNames: ['Nguyen', 'Smith', 'Jones', 'Mitchell', 'Campbell', 'Kelly'],
    apMailboxes: EN_AP,
    phone: (rng) => `+61 2 5550 ${digits(rng, 4)}`,
    poNumber: (rng) => `PO${digits(rng, 6)}`,
    plainReferences: ['International transfer', 'Payment'],
    invoiceReference: enInvoiceRef,
  },
  {
    code: 'NZ',
    customers: 3,
    currency: 'USD',
    language: 'en',
    zones: ['Pacific/Auckland'],
    terms: [30, 45],
    companyName: (rng) =>
      `${rng.pick(['Waitemata', 'Canterbury', 'Tasman', 'Kauri'])} ${rng.pick(UK_SECTORS)} Ltd`,
    firstNames: ['Ella', 'Oliver', 'Ruby', 'Finn'],
    lastNames: ['Wilson', 'Thompson', 'Ngata', 'Parata'],
    apMailboxes: EN_AP,
    phone: (rng) => `+64 9 ${digits(rng, 3)} ${digits(rng, 4)}`,
    poNumber: (rng) => `PO-${digits(rng, 5)}`,
    plainReferences: ['International transfer'],
    invoiceReference: enInvoiceRef,
  },
  {
    code: 'SG',
    customers: 3,
    currency: 'USD',
    language: 'en',
    zones: ['Asia/Singapore'],
    terms: [30, 60],
    companyName: (rng) =>
      `${rng.pick(['Lion City', 'Straits', 'Marina', 'Raffles'])} ${rng.pick(US_SECTORS)} Pte. Ltd.`,
    firstNames: ['Wei Ling', 'Jun Hao', 'Priya', 'Daniel', 'Mei'],
    lastNames: ['Tan', 'Lim', 'Lee', 'Ng', 'Wong', 'Raj'],
    apMailboxes: EN_AP,
    phone: (rng) => `+65 6${digits(rng, 3)} ${digits(rng, 4)}`,
    poNumber: (rng) => `PO${digits(rng, 7)}`,
    plainReferences: ['Telegraphic transfer', 'TT payment'],
    invoiceReference: enInvoiceRef,
  },
];

/** 'Müller & Söhne GmbH' → 'mueller-soehne'; for email domains and local parts. */
export function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}
