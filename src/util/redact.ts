/**
 * One redaction step for everything nodeward writes out: a scan report is redacted where
 * it is made (src/engine/run-scan.ts), before any reporter, the API, the agent's state
 * file or a log sees it; the agent's request log goes through redactUrl.
 *
 * A hardening agent reads secrets (EncryptionConfiguration keys, kubeconfig tokens and
 * client keys, /etc/shadow hashes, private keys) and its reports travel to dashboards and
 * CI. What is masked:
 *   - PEM private-key blocks and certificate/key data fields (client-key-data, …);
 *   - values of keys named like secrets: secret, token, password, passwd, key (as a
 *     whole word: `secret:`, `"token":`, `password=`), bearer tokens;
 *   - crypt(3) hashes (`$6$salt$hash`, `$y$…`) as in /etc/shadow;
 *   - `token=`/`access_token=` query parameters of URLs.
 * Documents from files that hold secrets (EncryptionConfiguration, kubeconfigs) are
 * masked through these patterns wherever their text lands (observed, evidence, messages).
 */

export const REDACTED = "[redacted]";

const RULES: [RegExp, string | ((...m: string[]) => string)][] = [
  // PEM private keys (and any "PRIVATE KEY" block), whole or cut off.
  [/-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?(-----END \1-----|$)/g, `-----BEGIN $1----- ${REDACTED}`],
  // kubeconfig data fields and generic secret-named keys, in YAML, JSON and key=value forms.
  [
    /((?:^|[\s{,"'(=;&[])["']?(?:[A-Za-z0-9_.-]*(?:secret|token|password|passwd|passphrase|private[-_]?key|client-key-data|client-certificate-data|certificate-authority-data|apikey|api[-_]key)|secretkey)["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,}\]]+)/gi,
    (m, head: string, value: string) =>
      value === "" || value === "null" || value === '""' || value === "''" || value.startsWith("[redacted") ? m : `${head}${REDACTED}`,
  ],
  // Authorization: Bearer xyz
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`],
  // crypt(3) hashes: $id$[params$]salt$hash
  [/\$(1|2[abxy]?|5|6|7|y|gy|sha1|md5)\$[./A-Za-z0-9$=,]{8,}/g, `$$$1$$${REDACTED}`],
];

/** Mask every secret-looking part of a text. Idempotent. */
export function redactText(s: string): string {
  let out = s;
  for (const [re, rep] of RULES) out = out.replace(re, rep as string);
  return out;
}

/** A URL (or path with a query) with token-like query parameters masked, for request logs. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:[A-Za-z0-9_-]*token|password|secret|key)=)[^&#]*/gi, `$1${REDACTED}`);
}

/**
 * A deep copy of `value` with every string redacted. Iterative (no recursion that grows
 * with the input's depth); objects keep their keys.
 */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redactText(value) as T;
  if (value === null || typeof value !== "object") return value;
  const root: { v: unknown } = { v: undefined };
  const stack: { src: unknown; set: (v: unknown) => void }[] = [{ src: value, set: (v) => (root.v = v) }];
  for (let item = stack.pop(); item; item = stack.pop()) {
    const { src, set } = item;
    if (typeof src === "string") set(redactText(src));
    else if (Array.isArray(src)) {
      const arr: unknown[] = new Array<unknown>(src.length);
      set(arr);
      src.forEach((x, i) => stack.push({ src: x, set: (v) => (arr[i] = v) }));
    } else if (src !== null && typeof src === "object") {
      const obj: Record<string, unknown> = {};
      set(obj);
      for (const [k, x] of Object.entries(src)) stack.push({ src: x, set: (v) => Object.defineProperty(obj, k, { value: v, enumerable: true, writable: true, configurable: true }) });
    } else set(src);
  }
  return root.v as T;
}
