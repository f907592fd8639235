/**
 * Pure parser for the kernel's socket tables: /proc/net/{tcp,tcp6,udp,udp6}
 * (net/ipv4/tcp_ipv4.c `get_tcp4_sock`, net/ipv6/tcp_ipv6.c `get_tcp6_sock`,
 * net/ipv4/udp.c `udp4_format_sock`). It never throws: odd lines become problems.
 *
 * Addresses are printed by the kernel as the raw in-memory 32-bit words in host byte
 * order (`%08X` of a __be32), so on little-endian machines (x86-64, arm64 — every
 * Kubernetes node we target) each word's bytes are reversed. Ports are printed with
 * ntohs(), i.e. plain big-endian hex.
 */
import type { ParseProblem } from "./problem.js";

export type ProcNetProtocol = "tcp" | "tcp6" | "udp" | "udp6";

export interface ProcNetSocket {
  localAddress: string;
  localPort: number;
  remAddress: string;
  remPort: number;
  /** Two hex digits as printed (`0A` = TCP_LISTEN, `07` = TCP_CLOSE). */
  state: string;
  inode: number;
  uid: number;
  /** 1-based line number in the table. */
  line: number;
}

export interface ProcNetParse {
  sockets: ProcNetSocket[];
  problems: ParseProblem[];
  /** The table's header line (`sl local_address …`) was there: the kernel always writes it. */
  header: boolean;
}

/**
 * Why a read table does not show every socket, or undefined when it does: a table without
 * its header is not the kernel's (an empty read, a file put in its place), and a socket on
 * a line that could not be parsed is unseen — a listener there must not be passed.
 */
export function socketTableGap(parse: ProcNetParse, file: string): string | undefined {
  if (!parse.header) return `${file} has no header line: not the kernel's socket table${parse.sockets.length + parse.problems.length === 0 ? " (empty)" : ""}`;
  const first = parse.problems[0];
  if (first === undefined) return undefined;
  const more = parse.problems.length > 1 ? ` (and ${parse.problems.length - 1} more)` : "";
  return `${file} line ${first.line}${more} is not a socket line (${first.message}): a socket there is unseen`;
}

export const TCP_LISTEN = "0A";
export const TCP_CLOSE = "07";

const HEX = /^[0-9A-Fa-f]+$/;

/** `0100007F` → `127.0.0.1` (little-endian word). null when malformed. */
export function decodeIPv4Hex(hex: string): string | null {
  if (hex.length !== 8 || !HEX.test(hex)) return null;
  const bytes: number[] = [];
  for (let i = 6; i >= 0; i -= 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
  return bytes.join(".");
}

/**
 * 32 hex digits as four little-endian 32-bit words → RFC 5952 text (`::1`,
 * `fe80::1`, `::ffff:127.0.0.1` for v4-mapped). null when malformed.
 */
export function decodeIPv6Hex(hex: string): string | null {
  if (hex.length !== 32 || !HEX.test(hex)) return null;
  const bytes: number[] = [];
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let i = 6; i >= 0; i -= 2) bytes.push(parseInt(word.slice(i, i + 2), 16));
  }
  return formatIPv6(bytes);
}

/** 16 bytes → RFC 5952 compressed text. */
export function formatIPv6(bytes: readonly number[]): string {
  const at = (i: number): number => bytes[i] ?? 0;
  // v4-mapped (::ffff:a.b.c.d) is how dual-stack sockets show IPv4 peers; print it the
  // way `ss` and Node do.
  let mapped = at(10) === 0xff && at(11) === 0xff;
  for (let i = 0; i < 10 && mapped; i++) if (at(i) !== 0) mapped = false;
  if (mapped) return `::ffff:${at(12)}.${at(13)}.${at(14)}.${at(15)}`;

  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((at(i) << 8) | at(i + 1));
  // Longest run of two or more zero groups (first one on a tie) becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (g: number[]): string => g.map((n) => n.toString(16)).join(":");
  if (bestStart === -1) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLen))}`;
}

function decodeEndpoint(
  field: string,
  v6: boolean,
): { address: string; port: number } | { error: string } {
  const colon = field.indexOf(":");
  if (colon === -1) return { error: `no ':' in address ${JSON.stringify(field.slice(0, 60))}` };
  const addrHex = field.slice(0, colon);
  const portHex = field.slice(colon + 1);
  const address = v6 ? decodeIPv6Hex(addrHex) : decodeIPv4Hex(addrHex);
  if (address === null) {
    return { error: `bad ${v6 ? "IPv6" : "IPv4"} address ${JSON.stringify(addrHex.slice(0, 60))}` };
  }
  if (portHex.length !== 4 || !HEX.test(portHex)) return { error: `bad port ${JSON.stringify(portHex.slice(0, 20))}` };
  return { address, port: parseInt(portHex, 16) };
}

/** Parse one table. The header line (`sl local_address …`) is skipped. */
export function parseProcNet(text: string, protocol: ProcNetProtocol): ProcNetParse {
  const sockets: ProcNetSocket[] = [];
  const problems: ParseProblem[] = [];
  const v6 = protocol.endsWith("6");
  const lines = text.split("\n");
  let header = false;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const fields = (lines[i] as string).trim().split(/\s+/);
    if (fields.length === 1 && fields[0] === "") continue;
    if (fields[0] === "sl") {
      header = true;
      continue;
    }
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode …
    if (fields.length < 10) {
      problems.push({ line: lineNo, message: `expected at least 10 fields, got ${fields.length}` });
      continue;
    }
    const [sl, local, rem, st, , , , uidText, , inodeText] = fields as [
      string, string, string, string, string, string, string, string, string, string,
    ];
    if (!/^\d+:$/.test(sl)) {
      problems.push({ line: lineNo, message: `bad slot ${JSON.stringify(sl.slice(0, 20))}` });
      continue;
    }
    const l = decodeEndpoint(local, v6);
    if ("error" in l) {
      problems.push({ line: lineNo, message: `local ${l.error}` });
      continue;
    }
    const r = decodeEndpoint(rem, v6);
    if ("error" in r) {
      problems.push({ line: lineNo, message: `remote ${r.error}` });
      continue;
    }
    if (st.length !== 2 || !HEX.test(st)) {
      problems.push({ line: lineNo, message: `bad state ${JSON.stringify(st.slice(0, 20))}` });
      continue;
    }
    if (!/^\d{1,15}$/.test(uidText) || !/^\d{1,15}$/.test(inodeText)) {
      problems.push({ line: lineNo, message: `bad uid or inode (${JSON.stringify(uidText.slice(0, 20))}, ${JSON.stringify(inodeText.slice(0, 20))})` });
      continue;
    }
    sockets.push({
      localAddress: l.address,
      localPort: l.port,
      remAddress: r.address,
      remPort: r.port,
      state: st.toUpperCase(),
      inode: Number(inodeText),
      uid: Number(uidText),
      line: lineNo,
    });
  }
  return { sockets, problems, header };
}

/**
 * A listening socket: TCP in LISTEN; UDP unconnected (state CLOSE with remote port 0),
 * which is what `netstat -plnu` / `ss -lu` show as listening.
 */
export function isListening(socket: ProcNetSocket, protocol: ProcNetProtocol): boolean {
  if (protocol === "tcp" || protocol === "tcp6") return socket.state === TCP_LISTEN;
  return socket.state === TCP_CLOSE && socket.remPort === 0;
}
