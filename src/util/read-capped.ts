/**
 * Read an operator-named file (a --waivers file, the agent's config, its token file, TLS key and certificate) whole, but
 * never more than `maxBytes`: `--waivers /dev/zero` (or a link to it, or a FIFO whose writer never
 * stops) used to be read until memory ran out. Any file type is opened — a FIFO with a writer
 * (`--waivers <(make-waivers)`) is legitimate input — and read in chunks up to the cap plus one
 * byte; a file longer than the cap is refused (GREW_OVER_READ_LIMIT), never parsed cut.
 */
import { open } from "node:fs/promises";
import { NodewardError } from "../errors.js";

const CHUNK = 64 * 1024;

export async function readTextCapped(file: string, maxBytes: number): Promise<string> {
  return (await readBytesCapped(file, maxBytes)).toString("utf8");
}

export async function readBytesCapped(file: string, maxBytes: number): Promise<Buffer> {
  const fh = await open(file, "r");
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(Math.min(CHUNK, maxBytes + 1 - total));
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
      if (total > maxBytes) throw new NodewardError("GREW_OVER_READ_LIMIT", { path: file, limit: maxBytes });
    }
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}
