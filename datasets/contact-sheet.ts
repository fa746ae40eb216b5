import { deflateSync } from "node:zlib";
import type { ImageBatch } from "./image-task.ts";

/**
 * A PNG contact sheet of the first images of a batch, for eyeballing what a task
 * draws (`bun run datasets/contact-sheet.ts TASK [count] [out.png]`). Images are
 * de-normalised from [−1, 1] and upscaled by `scale` with nearest-neighbour pixels.
 */
export function contactSheetPng(batch: ImageBatch, columns = 8, scale = 3, limit = 32): Uint8Array {
  const shown = Math.min(limit, batch.count);
  const rows = Math.ceil(shown / columns);
  const cell = batch.size * scale + 2; // 2-pixel white gutter
  const width = columns * cell;
  const height = rows * cell;
  const raw = new Uint8Array(height * (1 + 3 * width)).fill(255);
  for (let y = 0; y < height; y++) raw[y * (1 + 3 * width)] = 0; // filter byte: none
  const plane = batch.size * batch.size;
  for (let n = 0; n < shown; n++) {
    const originX = (n % columns) * cell;
    const originY = Math.floor(n / columns) * cell;
    for (let y = 0; y < batch.size * scale; y++) {
      for (let x = 0; x < batch.size * scale; x++) {
        const source = Math.floor(y / scale) * batch.size + Math.floor(x / scale);
        const target = (originY + y) * (1 + 3 * width) + 1 + 3 * (originX + x);
        for (let c = 0; c < 3; c++) {
          const value = batch.images[(n * 3 + c) * plane + source] as number;
          raw[target + c] = Math.round(((value + 1) / 2) * 255);
        }
      }
    }
  }
  return encodePng(width, height, raw);
}

function encodePng(width: number, height: number, filteredRows: Uint8Array): Uint8Array {
  const header = new Uint8Array(13);
  const view = new DataView(header.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, deflate, no interlace
  const chunks = [chunk("IHDR", header), chunk("IDAT", deflateSync(filteredRows)), chunk("IEND", new Uint8Array(0))];
  const signature = [137, 80, 78, 71, 13, 10, 26, 10];
  const total = signature.length + chunks.reduce((sum, part) => sum + part.length, 0);
  const png = new Uint8Array(total);
  png.set(signature, 0);
  let offset = signature.length;
  for (const part of chunks) {
    png.set(part, offset);
    offset += part.length;
  }
  return png;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

if (import.meta.main) {
  const { taskByName } = await import("./task-registry.ts");
  const [name = "count-objects", countText = "32", out = `.cache/preview-${name}.png`] = process.argv.slice(2);
  const task = taskByName(name);
  const batch = task.generate(1, Number(countText));
  await Bun.write(out, contactSheetPng(batch));
  console.log(`${out}: ${task.name}, labels ${Array.from(batch.labels).join(" ")}`);
}
