/**
 * Evidence: where a fact was observed. One table names every key, its type and what it
 * means; the `Evidence` type, the engine's list-element → evidence mapping and the
 * docs derive from it, so a new key is one line here (plus how reporters show it).
 * This module imports nothing.
 */

export const EVIDENCE_FIELDS = {
  file: { type: "string", about: "host path of the file the fact was read from" },
  line: { type: "number", about: "1-based line in that file" },
  protocol: { type: "string", about: "tcp, udp, tcp6, udp6" },
  address: { type: "string", about: "listening address" },
  port: { type: "number", about: "listening port" },
  pid: { type: "number", about: "process id" },
  process: { type: "string", about: "process name (comm)" },
  exe: { type: "string", about: "the process's executable" },
  unit: { type: "string", about: "systemd unit" },
  package: { type: "string", about: "package name" },
  module: { type: "string", about: "kernel module" },
  key: { type: "string", about: "the setting's key (sysctl key, config option, flag)" },
  command: { type: "string", about: "the command line run, or the modprobe install command" },
  detail: { type: "string", about: "free text: a note on how the fact was observed" },
} as const satisfies Record<string, { type: "string" | "number"; about: string }>;

export type EvidenceKey = keyof typeof EVIDENCE_FIELDS;

type ValueOf<T extends "string" | "number"> = T extends "number" ? number : string;

/** Where a fact was observed. Every field is optional; a probe fills what it knows. */
export type Evidence = { [K in EvidenceKey]?: ValueOf<(typeof EVIDENCE_FIELDS)[K]["type"]> };

export const EVIDENCE_KEYS = Object.keys(EVIDENCE_FIELDS) as EvidenceKey[];

/**
 * The evidence an arbitrary object carries (a listener, a file of a glob): its keys that
 * are evidence keys with a string or number value; `path` stands for `file`.
 */
export function evidenceOf(o: Readonly<Record<string, unknown>>): Evidence {
  const ev: Record<string, string | number> = {};
  for (const k of EVIDENCE_KEYS) {
    const v = o[k];
    if (typeof v === "string" || typeof v === "number") ev[k] = v;
  }
  if (ev.file === undefined && typeof o.path === "string") ev.file = o.path;
  return ev as Evidence;
}
