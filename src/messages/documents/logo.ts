/**
 * The organisation's logo, prepared once per process and placed into every document.
 *
 * pdfkit decodes a PNG again for every document, and for a PNG with transparency it inflates
 * the pixels, splits colour from alpha and deflates both again: 1 ms (RGB) to 4 ms (RGBA) of
 * CPU per document for a 320×96 logo, as much as the rest of a statement. So the logo is
 * embedded once into a scratch document while the PDF objects pdfkit writes for it are
 * recorded (dictionaries and stream bytes, before compression), and each document gets those
 * objects replayed — the same objects pdfkit would have written, without the pixel work.
 *
 * A logo pdfkit cannot read (not PNG or JPEG, or PNG data that does not inflate) is refused
 * here, before pdfkit's asynchronous PNG decoding could throw outside any caller.
 */
import { createHash } from 'node:crypto';
import { inflateSync } from 'node:zlib';
import PDFDocument from 'pdfkit';

interface RecordedObject {
  /** the dictionary, with references to other recorded objects as { recorded: index } */
  readonly data: Record<string, unknown>;
  readonly bytes: Uint8Array | null;
}

export interface PreparedLogo {
  readonly width: number;
  readonly height: number;
  readonly orientation: number | undefined;
  readonly objects: readonly RecordedObject[];
  /** which recorded object is the image XObject */
  readonly image: number;
}

/** Distinct logos kept; an organisation has one, a multi-tenant process a few. */
const MAX_LOGOS = 16;
const prepared = new Map<string, Promise<PreparedLogo | null>>();

type Ref = { id: number; data: Record<string, unknown>; end(chunk?: Uint8Array): void };

/**
 * The logo's PDF objects, from the cache or made now; null when pdfkit cannot use the bytes
 * (the documents then print the organisation's name instead).
 */
export function prepareLogo(bytes: Buffer): Promise<PreparedLogo | null> {
  const key = createHash('sha256').update(bytes).digest('hex');
  let entry = prepared.get(key);
  if (!entry) {
    if (prepared.size >= MAX_LOGOS) prepared.delete(prepared.keys().next().value!);
    entry = record(bytes).catch(() => null);
    prepared.set(key, entry);
  }
  return entry;
}

async function record(bytes: Buffer): Promise<PreparedLogo | null> {
  const scratch = new PDFDocument({ autoFirstPage: false, font: null as unknown as string });
  const image = (scratch as unknown as { openImage(src: Buffer): unknown }).openImage(bytes) as {
    width: number;
    height: number;
    orientation?: number;
    obj: Ref | null;
    image?: { imgData?: Uint8Array };
    embed(doc: PDFKit.PDFDocument): void;
  };
  // PNG pixel data that does not inflate would make pdfkit throw from a zlib callback
  if (image.image?.imgData && image.image.imgData.length > 0) inflateSync(image.image.imgData);
  const refs: Ref[] = [];
  const chunks = new Map<Ref, Uint8Array | null>();
  let imageEnded: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    imageEnded = resolve;
  });
  const s = scratch as unknown as { ref(data?: Record<string, unknown>): Ref };
  const originalRef = s.ref.bind(scratch);
  s.ref = (data) => {
    const ref = originalRef(data);
    refs.push(ref);
    chunks.set(ref, null);
    const end = ref.end.bind(ref);
    ref.end = (chunk) => {
      chunks.set(ref, chunk ? new Uint8Array(chunk) : null);
      end(chunk);
      if (ref === image.obj) imageEnded();
    };
    return ref;
  };
  image.embed(scratch);
  await done;
  const index = new Map(refs.map((r, i) => [r, i]));
  const swap = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(swap);
    if (value && typeof value === 'object' && index.has(value as Ref))
      return { recorded: index.get(value as Ref) };
    return value;
  };
  const objects = refs.map((r) => ({
    data: Object.fromEntries(Object.entries(r.data).map(([k, v]) => [k, swap(v)])),
    bytes: chunks.get(r) ?? null,
  }));
  return {
    width: image.width,
    height: image.height,
    orientation: image.orientation,
    objects,
    image: index.get(image.obj!)!,
  };
}

/**
 * An image object for `doc.image()` that writes the prepared logo's objects into `doc` when
 * pdfkit embeds it. One per document (pdfkit keeps the written object on it).
 */
export function logoImage(logo: PreparedLogo): unknown {
  const placed: { obj: Ref | null; [key: string]: unknown } = {
    width: logo.width,
    height: logo.height,
    orientation: logo.orientation,
    label: 'Logo',
    obj: null,
    embed(doc: PDFKit.PDFDocument) {
      const d = doc as unknown as { ref(data?: Record<string, unknown>): Ref };
      // in pdfkit's order, so the objects get the same numbers; created with the plain entries
      // (pdfkit decides at creation whether to compress a stream: not when it has a Filter),
      // then given the full dictionary once every object it refers to exists
      const isRecorded = (v: unknown) =>
        (v !== null && typeof v === 'object' && 'recorded' in v) || (Array.isArray(v) && v.some(isRecorded));
      const refs = logo.objects.map((o) =>
        d.ref(Object.fromEntries(Object.entries(o.data).filter(([, v]) => !isRecorded(v)))),
      );
      const swap = (value: unknown): unknown => {
        if (Array.isArray(value)) return value.map(swap);
        if (value !== null && typeof value === 'object' && 'recorded' in value)
          return refs[(value as { recorded: number }).recorded];
        return value;
      };
      logo.objects.forEach((o, i) => {
        refs[i]!.data = Object.fromEntries(Object.entries(o.data).map(([k, v]) => [k, swap(v)]));
      });
      const image = refs[logo.image]!;
      placed.obj = image;
      // the image last, as pdfkit does: the objects it refers to are complete by then
      logo.objects.forEach((o, i) => {
        if (i !== logo.image) refs[i]!.end(o.bytes ? Buffer.from(o.bytes) : undefined);
      });
      const bytes = logo.objects[logo.image]!.bytes;
      image.end(bytes ? Buffer.from(bytes) : undefined);
    },
  };
  return placed;
}
