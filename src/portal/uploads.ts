/**
 * What an uploaded file is, by its first bytes (never by its name or the browser's claimed
 * type, both of which the sender controls). Pure.
 */

const PNG = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export type UploadType = 'application/pdf' | 'image/png' | 'image/jpeg';

export function detectUploadType(bytes: Buffer): UploadType | null {
  if (bytes.length >= 5 && bytes.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (bytes.length >= 8 && bytes.subarray(0, 8).equals(PNG)) return 'image/png';
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'image/jpeg';
  return null;
}
