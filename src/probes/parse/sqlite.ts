/**
 * Read the rows of one table of an SQLite 3 database file, read-only and in memory: enough
 * to list RHEL 9's rpm database (/var/lib/rpm/rpmdb.sqlite, table Packages) without the
 * rpm binary or a native SQLite module. Follows the documented file format
 * (sqlite.org/fileformat2.html): the 100-byte header, table b-tree pages (interior 0x05,
 * leaf 0x0d), overflow chains, the record format, and the write-ahead log: committed frames
 * of a -wal file override the pages of the main file, as a reader sees them.
 *
 * Anything outside that (index pages where a table is expected, a loop in the page graph, a
 * bad header) is an SqliteError with the reason, never a partial answer.
 */
import { NodewardError, type MessageArgs } from "../../errors.js";

export class SqliteError extends NodewardError {
  constructor(...args: MessageArgs<"PARSE">) {
    super(...args);
    this.name = "SqliteError";
  }
}

export type SqliteValue = null | number | bigint | string | Uint8Array;

export interface SqliteRow {
  rowid: bigint;
  values: SqliteValue[];
}

const MAGIC = "SQLite format 3\0";
const WAL_MAGIC_LE = 0x377f0682;
const WAL_MAGIC_BE = 0x377f0683;

/** Bytes of the main database file, read where needed (a 100 MB rpmdb is never held whole). */
export interface PageSource {
  size: number;
  read(offset: number, length: number): Promise<Buffer>;
}

/** A PageSource over a Buffer (tests, small files). */
export function bufferSource(b: Buffer): PageSource {
  return { size: b.length, read: (offset, length) => Promise.resolve(b.subarray(offset, offset + length)) };
}

/** The pages of a database as a reader sees them: the main file with committed WAL frames over it. */
class Pages {
  private readonly wal = new Map<number, Buffer>();
  count: number;

  private constructor(
    private readonly db: PageSource,
    readonly pageSize: number,
    readonly usable: number,
  ) {
    this.count = Math.floor(db.size / pageSize);
  }

  static async open(db: PageSource, walFile: Buffer | null): Promise<Pages> {
    const h = await db.read(0, 100);
    if (h.length < 100 || h.toString("latin1", 0, 16) !== MAGIC) throw new SqliteError("SQLITE_HEADER");
    const ps = h.readUInt16BE(16);
    const pageSize = ps === 1 ? 65536 : ps;
    if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw new SqliteError("SQLITE_PAGE_SIZE", { size: pageSize });
    const enc = h.readUInt32BE(56);
    if (enc !== 0 && enc !== 1) throw new SqliteError("SQLITE_ENCODING", { encoding: enc });
    const pages = new Pages(db, pageSize, pageSize - h.readUInt8(20));
    if (walFile && walFile.length >= 32) pages.applyWal(walFile);
    return pages;
  }

  /** Committed frames whose salts match the WAL header and whose checksums chain. */
  private applyWal(w: Buffer): void {
    const magic = w.readUInt32BE(0);
    if (magic !== WAL_MAGIC_LE && magic !== WAL_MAGIC_BE) return;
    const big = magic === WAL_MAGIC_BE;
    const pageSize = w.readUInt32BE(8);
    if (pageSize !== this.pageSize) return;
    const salt1 = w.readUInt32BE(16);
    const salt2 = w.readUInt32BE(20);
    let [s0, s1] = walChecksum(w, 0, 24, big, 0, 0);
    if (s0 !== w.readUInt32BE(24) || s1 !== w.readUInt32BE(28)) return;
    const frameSize = 24 + pageSize;
    const uncommitted = new Map<number, Buffer>();
    for (let off = 32; off + frameSize <= w.length; off += frameSize) {
      if (w.readUInt32BE(off + 8) !== salt1 || w.readUInt32BE(off + 12) !== salt2) break;
      [s0, s1] = walChecksum(w, off, 8, big, s0, s1);
      [s0, s1] = walChecksum(w, off + 24, pageSize, big, s0, s1);
      if (s0 !== w.readUInt32BE(off + 16) || s1 !== w.readUInt32BE(off + 20)) break;
      uncommitted.set(w.readUInt32BE(off), w.subarray(off + 24, off + 24 + pageSize));
      const dbSize = w.readUInt32BE(off + 4);
      if (dbSize !== 0) {
        // A commit frame: everything up to here is what readers see.
        for (const [p, data] of uncommitted) this.wal.set(p, data);
        uncommitted.clear();
        this.count = dbSize;
      }
    }
  }

  async page(n: number): Promise<Buffer> {
    if (n < 1 || n > this.count) throw new SqliteError("SQLITE_PAGE_RANGE", { page: n, count: this.count });
    const fromWal = this.wal.get(n);
    if (fromWal) return fromWal;
    const start = (n - 1) * this.pageSize;
    if (start + this.pageSize > this.db.size) throw new SqliteError("SQLITE_PAGE_PAST_END", { page: n });
    const b = await this.db.read(start, this.pageSize);
    if (b.length !== this.pageSize) throw new SqliteError("SQLITE_SHORT_READ", { page: n, size: b.length });
    return b;
  }
}

function walChecksum(b: Buffer, off: number, len: number, big: boolean, s0: number, s1: number): [number, number] {
  for (let i = off; i < off + len; i += 8) {
    const x0 = big ? b.readUInt32BE(i) : b.readUInt32LE(i);
    const x1 = big ? b.readUInt32BE(i + 4) : b.readUInt32LE(i + 4);
    s0 = (s0 + x0 + s1) >>> 0;
    s1 = (s1 + x1 + s0) >>> 0;
  }
  return [s0, s1];
}

/** SQLite varint (1-9 bytes, big-endian, high bit = more); returns the value and the bytes used. */
export function readVarint(b: Buffer, off: number): [bigint, number] {
  let v = 0n;
  for (let i = 0; i < 8; i++) {
    const byte = b[off + i];
    if (byte === undefined) throw new SqliteError("SQLITE_VARINT");
    v = (v << 7n) | BigInt(byte & 0x7f);
    if ((byte & 0x80) === 0) return [v, i + 1];
  }
  const last = b[off + 8];
  if (last === undefined) throw new SqliteError("SQLITE_VARINT");
  return [(v << 8n) | BigInt(last), 9];
}

/** Decode one record (header of serial types, then the values). */
export function decodeRecord(p: Buffer): SqliteValue[] {
  const [hdrLen, n0] = readVarint(p, 0);
  const types: bigint[] = [];
  let pos = n0;
  while (pos < Number(hdrLen)) {
    const [t, n] = readVarint(p, pos);
    types.push(t);
    pos += n;
  }
  let off = Number(hdrLen);
  const values: SqliteValue[] = [];
  const need = (n: number) => {
    if (off + n > p.length) throw new SqliteError("SQLITE_RECORD");
  };
  for (const tt of types) {
    const t = Number(tt);
    if (t === 0) values.push(null);
    else if (t >= 1 && t <= 6) {
      const size = [0, 1, 2, 3, 4, 6, 8][t] as number;
      need(size);
      let v = 0n;
      for (let i = 0; i < size; i++) v = (v << 8n) | BigInt(p[off + i] as number);
      if (p[off]! & 0x80) v -= 1n << BigInt(size * 8); // two's complement
      values.push(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
      off += size;
    } else if (t === 7) {
      need(8);
      values.push(p.readDoubleBE(off));
      off += 8;
    } else if (t === 8 || t === 9) values.push(t - 8);
    else if (t >= 12) {
      const len = Math.floor((t - (t % 2 === 0 ? 12 : 13)) / 2);
      need(len);
      values.push(t % 2 === 0 ? new Uint8Array(p.subarray(off, off + len)) : p.toString("utf8", off, off + len));
      off += len;
    } else throw new SqliteError("SQLITE_SERIAL_TYPE", { type: t });
  }
  return values;
}

export class SqliteDatabase {
  private constructor(private readonly pages: Pages) {}

  /** `db`: the main file; `wal`: its -wal file's bytes, when there is one. */
  static async open(db: PageSource, wal: Buffer | null = null): Promise<SqliteDatabase> {
    return new SqliteDatabase(await Pages.open(db, wal));
  }

  /** Root page of a table, from sqlite_schema; null when there is no such table. */
  async tableRoot(name: string): Promise<number | null> {
    for await (const row of this.scan(1)) {
      const [type, tblName, , rootpage] = row.values;
      if (type === "table" && typeof tblName === "string" && tblName.toLowerCase() === name.toLowerCase() && typeof rootpage === "number") return rootpage;
    }
    return null;
  }

  /** Every row of a table, in rowid order, one at a time. */
  async *rows(table: string): AsyncGenerator<SqliteRow> {
    const root = await this.tableRoot(table);
    if (root === null) throw new SqliteError("SQLITE_NO_TABLE", { table });
    yield* this.scan(root);
  }

  /** Walk a table b-tree in rowid order. */
  private async *scan(root: number): AsyncGenerator<SqliteRow> {
    const seen = new Set<number>();
    const stack = [root];
    const { usable } = this.pages;
    while (stack.length > 0) {
      const n = stack.pop() as number;
      if (seen.has(n)) throw new SqliteError("SQLITE_PAGE_TWICE", { page: n });
      seen.add(n);
      const page = await this.pages.page(n);
      const h = n === 1 ? 100 : 0;
      const kind = page[h];
      const cells = page.readUInt16BE(h + 3);
      if (kind === 0x05) {
        const children: number[] = [];
        for (let i = 0; i < cells; i++) children.push(page.readUInt32BE(page.readUInt16BE(h + 12 + 2 * i)));
        children.push(page.readUInt32BE(h + 8));
        // Depth first, left to right: push in reverse.
        for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as number);
      } else if (kind === 0x0d) {
        for (let i = 0; i < cells; i++) {
          let off = page.readUInt16BE(h + 8 + 2 * i);
          const [size, n1] = readVarint(page, off);
          off += n1;
          const [rowid, n2] = readVarint(page, off);
          off += n2;
          const payloadSize = Number(size);
          const x = usable - 35;
          let payload: Buffer;
          if (payloadSize <= x) payload = page.subarray(off, off + payloadSize);
          else {
            const m = Math.floor(((usable - 12) * 32) / 255) - 23;
            const k = m + ((payloadSize - m) % (usable - 4));
            const local = k <= x ? k : m;
            const parts = [page.subarray(off, off + local)];
            let have = local;
            let next = page.readUInt32BE(off + local);
            const chain = new Set<number>();
            while (have < payloadSize) {
              if (next === 0 || chain.has(next)) throw new SqliteError("SQLITE_OVERFLOW", { rowid: String(rowid) });
              chain.add(next);
              const ov = await this.pages.page(next);
              const take = Math.min(usable - 4, payloadSize - have);
              parts.push(ov.subarray(4, 4 + take));
              have += take;
              next = ov.readUInt32BE(0);
            }
            payload = Buffer.concat(parts);
          }
          yield { rowid, values: decodeRecord(payload) };
        }
      } else {
        throw new SqliteError("SQLITE_PAGE_KIND", { page: n, type: (kind ?? 0).toString(16) });
      }
    }
  }
}
