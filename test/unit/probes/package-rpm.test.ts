/**
 * The rpm backend without an rpm binary: header blobs (built here byte by byte after rpm's
 * lib/header.c layout), SQLite records and varints, and the refusals. Real databases made
 * by rpm itself (overflow pages, interior pages, a write-ahead log) are read and compared
 * with `rpm -qa` in test/integration/rpm-parity.test.ts.
 */
import { afterAll, describe, expect, it } from "vitest";
import { parseRpmHeaderBlob } from "../../../src/probes/parse/rpm-header.js";
import { bufferSource, decodeRecord, readVarint, SqliteDatabase, SqliteError } from "../../../src/probes/parse/sqlite.js";
import packageProbe from "../../../src/probes/package.js";
import { cleanupFixtures, fixtureRoot, probeContext } from "../../helpers/fixture-root.js";

afterAll(cleanupFixtures);

/** An rpm header blob: il, dl, index entries (tag, type, offset, count), data store. */
function headerBlob(entries: { tag: number; type: number; value: string | number }[]): Buffer {
  const data: Buffer[] = [];
  let dl = 0;
  const index: Buffer[] = [];
  for (const e of entries) {
    if (e.type === 4) {
      const pad = (4 - (dl % 4)) % 4;
      data.push(Buffer.alloc(pad));
      dl += pad;
    }
    const entry = Buffer.alloc(16);
    entry.writeUInt32BE(e.tag, 0);
    entry.writeUInt32BE(e.type, 4);
    entry.writeUInt32BE(dl, 8);
    entry.writeUInt32BE(1, 12);
    index.push(entry);
    const bytes = typeof e.value === "number" ? Buffer.alloc(4) : Buffer.from(`${e.value}\0`, "utf8");
    if (typeof e.value === "number") bytes.writeUInt32BE(e.value);
    data.push(bytes);
    dl += bytes.length;
  }
  const head = Buffer.alloc(8);
  head.writeUInt32BE(entries.length, 0);
  head.writeUInt32BE(dl, 4);
  return Buffer.concat([head, ...index, ...data]);
}

describe("rpm header blobs", () => {
  it("reads NAME, VERSION, RELEASE, EPOCH and ARCH; skips other tags", () => {
    const blob = headerBlob([
      { tag: 1004, type: 9, value: "a summary" }, // SUMMARY (i18n string): ignored
      { tag: 1000, type: 6, value: "openssh-server" },
      { tag: 1001, type: 6, value: "8.7p1" },
      { tag: 1002, type: 6, value: "38.el9_4.4" },
      { tag: 1003, type: 4, value: 0 },
      { tag: 1022, type: 6, value: "x86_64" },
    ]);
    expect(parseRpmHeaderBlob(blob)).toEqual({ name: "openssh-server", version: "8.7p1", release: "38.el9_4.4", epoch: 0, arch: "x86_64" });
  });

  it("refuses truncated or incomplete blobs with a reason", () => {
    expect(() => parseRpmHeaderBlob(Buffer.from([0, 0, 0, 1]))).toThrow(/too short/);
    const blob = headerBlob([{ tag: 1000, type: 6, value: "bash" }]);
    expect(() => parseRpmHeaderBlob(blob)).toThrow(/without NAME, VERSION and RELEASE/);
    expect(() => parseRpmHeaderBlob(blob.subarray(0, blob.length - 3))).toThrow(/do not fit|runs past/);
  });
});

describe("SQLite records", () => {
  it("varints of 1, 2 and 9 bytes", () => {
    expect(readVarint(Buffer.from([0x05]), 0)).toEqual([5n, 1]);
    expect(readVarint(Buffer.from([0x81, 0x00]), 0)).toEqual([128n, 2]);
    expect(readVarint(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), 0)).toEqual([(1n << 64n) - 1n, 9]);
    expect(() => readVarint(Buffer.from([0x81]), 0)).toThrow(SqliteError);
  });

  it("a record with NULL, integers, constants, text and a blob", () => {
    // header: size 7, types NULL(0), int8(1), int16(2), one(9), text len 3 (19), blob len 2 (16)
    const rec = Buffer.from([7, 0, 1, 2, 9, 19, 16, 0xfe, 0x01, 0x00, ...Buffer.from("abc"), 0xca, 0xfe]);
    expect(decodeRecord(rec)).toEqual([null, -2, 256, 1, "abc", new Uint8Array([0xca, 0xfe])]);
    expect(() => decodeRecord(rec.subarray(0, rec.length - 1))).toThrow(/runs past/);
  });

  it("refuses what is not an SQLite 3 database", async () => {
    await expect(SqliteDatabase.open(bufferSource(Buffer.from("Berkeley DB? no: not SQLite at all, and too short".padEnd(200, "x"))))).rejects.toThrow(/not an SQLite 3 database/);
  });
});

describe("package probe on an rpm root without an rpm binary", () => {
  it("an rpmdb.sqlite that cannot be read: unknown with the reason (never absent)", async () => {
    const root = await fixtureRoot({ "var/lib/rpm/rpmdb.sqlite": "this is not a database\n".repeat(10) });
    const ctx = probeContext(root);
    const fact = await packageProbe.collect(ctx, packageProbe.params.parse({ name: "telnet" }));
    const reason = "cannot read the rpm database /var/lib/rpm/rpmdb.sqlite: not an SQLite 3 database (bad header)";
    expect(fact).toEqual({
      value: { name: "telnet", manager: "rpm" },
      evidence: [{ file: "/var/lib/rpm", package: "telnet" }],
      unknown: { state: reason, installed: reason, version: reason },
    });
  });
});
