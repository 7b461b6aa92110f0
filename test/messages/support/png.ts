/** PNG images written with zlib, for the document tests and the PDF benchmark (logos). */
import { crc32, deflateSync } from 'node:zlib';

export interface PngOptions {
  /** RGBA instead of RGB */
  alpha: boolean;
  /** pixel data that is not zlib at all (an unreadable logo) */
  corrupt?: boolean;
  /** the byte of channel `c` of pixel (x, y); default: a repeating pattern */
  pixel?: (x: number, y: number, c: number) => number;
}

export function pngImage(width: number, height: number, options: PngOptions): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(data.length);
    const tail = Buffer.alloc(4);
    tail.writeUInt32BE(crc32(typed));
    return Buffer.concat([head, typed, tail]);
  };
  const channels = options.alpha ? 4 : 3;
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = options.alpha ? 6 : 2;
  const row = width * channels + 1; // each row starts with its filter byte (0: none)
  const raw = Buffer.alloc(row * height);
  for (let i = 0; i < raw.length; i++) {
    const inRow = i % row;
    if (inRow === 0) continue;
    raw[i] = options.pixel
      ? options.pixel(Math.floor((inRow - 1) / channels), Math.floor(i / row), (inRow - 1) % channels)
      : (i * 7) % 251;
  }
  const pixels = options.corrupt ? Buffer.from('this is not zlib data at all') : deflateSync(raw);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
