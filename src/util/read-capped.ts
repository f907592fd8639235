/**
 * Read an operator-named file (a --waivers file, the agent's config, its token file, TLS key and certificate) whole, but
 * never more than `maxBytes`: `--waivers /dev/zero` (or a link to it, or a FIFO whose writer never
 * stops) used to be read until memory ran out. Any file type is opened — a FIFO with a writer
 * (`--waivers <(make-waivers)`) is legitimate input — and read in chunks up to the cap plus one
 * byte; a file longer than the cap is refused (GREW_OVER_READ_LIMIT), never parsed cut.
 */
import { closeSync, constants as fsc, fstatSync, openSync, readSync, statSync, type Stats } from "node:fs";
import { open, stat } from "node:fs/promises";
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

/**
 * A regular file (after links) of at most `maxBytes`, refused before it is opened otherwise: for
 * files found by listing a directory (pack files), where a FIFO named *.yaml would hang the read
 * and a link to /dev/zero fill memory. Opened O_NONBLOCK and checked again once open (a file
 * swapped since the stat). `sync`: with synchronous calls (every filesystem local).
 */
export async function readRegularFileCapped(file: string, maxBytes: number, sync: boolean): Promise<Buffer> {
  const check = (st: Stats): void => {
    if (!st.isFile()) throw new NodewardError("NOT_REGULAR", { path: file });
    if (st.size > maxBytes) throw new NodewardError("OVER_READ_LIMIT", { path: file, size: st.size, limit: maxBytes });
  };
  const flags = fsc.O_RDONLY | fsc.O_NONBLOCK;
  if (sync) {
    check(statSync(file));
    const fd = openSync(file, flags);
    try {
      const st = fstatSync(fd);
      check(st);
      const buf = Buffer.allocUnsafe(st.size + 1);
      let n = 0;
      for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0; ) n += r;
      if (n > st.size) throw new NodewardError("CHANGED_WHILE_OPENED", { path: file }); // it grew since its stat
      return buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  }
  check(await stat(file));
  const fh = await open(file, flags);
  try {
    const st = await fh.stat();
    check(st);
    const buf = Buffer.allocUnsafe(st.size + 1);
    let n = 0;
    for (let r; n < buf.length && (r = (await fh.read(buf, n, buf.length - n, null)).bytesRead) > 0; ) n += r;
    if (n > st.size) throw new NodewardError("CHANGED_WHILE_OPENED", { path: file }); // it grew since its stat
    return buf.subarray(0, n);
  } finally {
    await fh.close();
  }
}
