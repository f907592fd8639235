/**
 * The few tags nodeward needs from an rpm header blob, as the rpm database stores it (one
 * row per installed package in rpmdb.sqlite's Packages table): index count and data length
 * (big-endian int32 each), the 16-byte index entries (tag, type, offset, count), then the
 * data store. See rpm's lib/header.c (headerImport) and rpmtag.h.
 */
import { NodewardError } from "../../errors.js";

export const RPMTAG_NAME = 1000;
export const RPMTAG_VERSION = 1001;
export const RPMTAG_RELEASE = 1002;
export const RPMTAG_EPOCH = 1003;
export const RPMTAG_ARCH = 1022;

const RPM_INT32_TYPE = 4;
const RPM_STRING_TYPE = 6;
const RPM_STRING_ARRAY_TYPE = 8;
const RPM_I18NSTRING_TYPE = 9;

export interface RpmHeaderInfo {
  name: string;
  version: string;
  release: string;
  epoch?: number;
  arch?: string;
}

/** Name, version, release (and epoch, arch when present) of one header blob; throws on a malformed blob. */
export function parseRpmHeaderBlob(blob: Uint8Array): RpmHeaderInfo {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  if (b.length < 8) throw new NodewardError("RPM_HEADER_SHORT", { size: b.length });
  const il = b.readUInt32BE(0);
  const dl = b.readUInt32BE(4);
  const dataStart = 8 + il * 16;
  if (il === 0 || il > 0xffff || dataStart + dl > b.length) throw new NodewardError("RPM_HEADER_SIZES", { entries: il, dataBytes: dl, size: b.length });
  const str = (offset: number): string => {
    const start = dataStart + offset;
    const end = b.indexOf(0, start);
    if (start >= dataStart + dl || end === -1 || end > dataStart + dl) throw new NodewardError("RPM_HEADER_STRING");
    return b.toString("utf8", start, end);
  };
  const found: Partial<Record<number, string | number>> = {};
  for (let i = 0; i < il; i++) {
    const e = 8 + i * 16;
    const tag = b.readUInt32BE(e);
    if (tag !== RPMTAG_NAME && tag !== RPMTAG_VERSION && tag !== RPMTAG_RELEASE && tag !== RPMTAG_EPOCH && tag !== RPMTAG_ARCH) continue;
    const type = b.readUInt32BE(e + 4);
    const offset = b.readInt32BE(e + 8);
    if (offset < 0 || offset >= dl) throw new NodewardError("RPM_HEADER_TAG_OUTSIDE", { tag });
    if (type === RPM_STRING_TYPE || type === RPM_STRING_ARRAY_TYPE || type === RPM_I18NSTRING_TYPE) found[tag] = str(offset);
    else if (type === RPM_INT32_TYPE) {
      if (dataStart + offset + 4 > b.length) throw new NodewardError("RPM_HEADER_TAG_PAST", { tag });
      found[tag] = b.readUInt32BE(dataStart + offset);
    }
  }
  const name = found[RPMTAG_NAME];
  const version = found[RPMTAG_VERSION];
  const release = found[RPMTAG_RELEASE];
  if (typeof name !== "string" || typeof version !== "string" || typeof release !== "string") {
    throw new NodewardError("RPM_HEADER_NO_NEVR");
  }
  const epoch = found[RPMTAG_EPOCH];
  const arch = found[RPMTAG_ARCH];
  return { name, version, release, ...(typeof epoch === "number" ? { epoch } : {}), ...(typeof arch === "string" ? { arch } : {}) };
}
