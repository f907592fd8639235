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

// PEM private keys (and any "PRIVATE KEY" block), whole or cut off.
const PEM_RE = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?(-----END \1-----|$)/g;
const PEM_REP = `-----BEGIN $1----- ${REDACTED}`;
// kubeconfig data fields and generic secret-named keys, in YAML, JSON and key=value forms.
const KEY_RE =
  /((?:^|[\s{,"'(=;&[])["']?(?:[A-Za-z0-9_.-]*(?:secret|token|password|passwd|passphrase|private[-_]?key|client-key-data|client-certificate-data|certificate-authority-data|apikey|api[-_]key)|secretkey)["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|[^\s,}\]]+)/gi;
const keyRep = (m: string, head: string, value: string): string =>
  value === "" || value === "null" || value === '""' || value === "''" || value.startsWith("[redacted") ? m : `${head}${REDACTED}`;
// Authorization: Bearer xyz
const BEARER_RE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
const BEARER_REP = `$1 ${REDACTED}`;
// crypt(3) hashes: $id$[params$]salt$hash
const CRYPT_RE = /\$(1|2[abxy]?|5|6|7|y|gy|sha1|md5)\$[./A-Za-z0-9$=,]{8,}/g;
const CRYPT_REP = `$$$1$$${REDACTED}`;

/**
 * Mask every secret-looking part of a text. Idempotent.
 *
 * Each rule runs only when the text holds a substring every match of that rule contains
 * (a scan report is ~800 KB of strings, nearly all pack prose with nothing to mask, and
 * the rules' regexes cost ~100 ms over it). The guards are necessary conditions, never
 * sufficient ones, so the output is the same as running every rule on every text:
 *   - PEM: a match starts with "-----BEGIN ";
 *   - secret-named keys: each alternative of the name contains one of SECRET_WORDS
 *     (ASCII letters, matched case-insensitively; the lower-cased text holds them too);
 *   - Bearer/Basic: case-sensitive words;
 *   - crypt(3): a match starts with "$".
 */
export function redactText(s: string): string {
  let out = s;
  if (out.includes("-----BEGIN ")) out = out.replace(PEM_RE, PEM_REP);
  if (hasSecretWord(out)) out = out.replace(KEY_RE, keyRep);
  if (out.includes("Bearer") || out.includes("Basic")) out = out.replace(BEARER_RE, BEARER_REP);
  if (out.includes("$")) out = out.replace(CRYPT_RE, CRYPT_REP);
  return out;
}

/** Every alternative of KEY_RE's name part contains one of these (lower case). */
const SECRET_WORDS = ["secret", "token", "passw", "passphrase", "private", "-data", "apikey", "api-key", "api_key"];

function hasSecretWord(s: string): boolean {
  // Neither ':' nor '=': no key-value pair to mask.
  if (!s.includes(":") && !s.includes("=")) return false;
  const lower = s.toLowerCase();
  return SECRET_WORDS.some((w) => lower.includes(w));
}

/** A URL (or path with a query) with token-like query parameters masked, for request logs. */
export function redactUrl(url: string): string {
  return url.replace(/([?&](?:[A-Za-z0-9_-]*token|password|secret|key)=)[^&#]*/gi, `$1${REDACTED}`);
}

/**
 * A deep copy of `value` with every string redacted. Iterative (no recursion that grows
 * with the input's depth); objects keep their keys. Each node is copied when it is popped
 * (so an object's keys are defined last-first, as they always were); a plain assignment
 * defines a fresh object's own key, except `__proto__`, which needs defineProperty.
 */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redactText(value) as T;
  if (value === null || typeof value !== "object") return value;
  const holder: Record<string, unknown> = {};
  const srcs: unknown[] = [value];
  const dsts: (Record<string, unknown> | unknown[])[] = [holder];
  const keys: (string | number)[] = ["v"];
  while (srcs.length > 0) {
    const src = srcs.pop();
    const dst = dsts.pop() as Record<string, unknown> | unknown[];
    const key = keys.pop() as string | number;
    let out: unknown = src;
    if (typeof src === "string") out = redactText(src);
    else if (Array.isArray(src)) {
      const arr: unknown[] = new Array<unknown>(src.length);
      out = arr;
      for (let i = 0; i < src.length; i++) {
        srcs.push(src[i]);
        dsts.push(arr);
        keys.push(i);
      }
    } else if (src !== null && typeof src === "object") {
      const obj: Record<string, unknown> = {};
      out = obj;
      for (const k of Object.keys(src)) {
        srcs.push((src as Record<string, unknown>)[k]);
        dsts.push(obj);
        keys.push(k);
      }
    }
    if (Array.isArray(dst)) dst[key as number] = out;
    else if (key === "__proto__") Object.defineProperty(dst, key, { value: out, enumerable: true, writable: true, configurable: true });
    else dst[key] = out;
  }
  return holder.v as T;
}
