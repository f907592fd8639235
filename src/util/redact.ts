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
 *   - `token=`/`access_token=` query parameters of URLs;
 *   - the password of a URL's user part (`https://user:pass@host`, journal-upload's URL=).
 * Documents from files that hold secrets (EncryptionConfiguration, kubeconfigs) are
 * masked through these patterns wherever their text lands (observed, evidence, messages).
 */

export const REDACTED = "[redacted]";

// PEM private keys (and any "PRIVATE KEY" block), whole or cut off.
const PEM_RE = /-----BEGIN ([A-Z0-9 ]*PRIVATE KEY)-----[\s\S]*?(-----END \1-----|$)/g;
const PEM_REP = `-----BEGIN $1----- ${REDACTED}`;
// kubeconfig data fields and generic secret-named keys, in YAML, JSON and key=value forms. Both regexes are
// literals (bench/regex-growth.mjs reads literals only); their name parts are the same.
// A pair at the start of a quoted string (`"password=a b"`, `'--token=x'`): the value is all up to the closing
// quote, which stays. Runs before KEY_RE, whose unquoted value ends at a blank.
const QUOTED_PAIR_RE =
  /(["'])((?:[A-Za-z0-9_.-]*(?:secret|token|password|passwd|passphrase|private[-_]?key|client-key-data|client-certificate-data|certificate-authority-data|apikey|api[-_]key)|secretkey)\s*[:=]\s*)((?:(?!\1)[^\\\r\n]|\\.)+)(?=\1)/gi;
const quotedPairRep = (m: string, quote: string, head: string, value: string): string =>
  value.startsWith("[redacted") || value === "null" ? m : `${quote}${head}${REDACTED}`;
// An unquoted value ends at a blank, `,`, `}` or `]`; a quote ends it when what follows could end it too (a blank,
// `,`, `}`, `]`, `)`, `;`, `>`, a quote or the end): `"-o password=X"` keeps its closing quote, `pa"ss` is one value.
const KEY_RE =
  /((?:^|[\s{,"'(=;&[])["']?(?:[A-Za-z0-9_.-]*(?:secret|token|password|passwd|passphrase|private[-_]?key|client-key-data|client-certificate-data|certificate-authority-data|apikey|api[-_]key)|secretkey)["']?\s*[:=]\s*)("(?:[^"\\]|\\.)*"|'[^']*'|(?:[^\s,}\]"']|["'](?![\s,}\])"';>]|$))+)/gi;
// A quoted value keeps its quotes (`"token": "[redacted]"` is still JSON or YAML).
const keyRep = (m: string, head: string, value: string): string => {
  if (value === "" || value === "null" || value === '""' || value === "''" || value.startsWith("[redacted")) return m;
  const q = value[0];
  if ((q === '"' || q === "'") && value.length > 1 && value.endsWith(q)) {
    return value.startsWith(`${q}[redacted`) ? m : `${head}${q}${REDACTED}${q}`;
  }
  return `${head}${REDACTED}`;
};
// Authorization: Bearer xyz
const BEARER_RE = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g;
const BEARER_REP = `$1 ${REDACTED}`;
// A URL's user:password@, up to the last "@" before the host (a password with a raw "@" is masked whole). The
// scheme is bounded, so a long run of scheme characters is not rescanned from each start.
const URL_PASS_RE = /\b([A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s:@/?#"'<>]*:)[^\s/?#"'<>]+@/g;
const URL_PASS_REP = `$1${REDACTED}@`;
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
 *   - URL passwords: a match holds "://";
 *   - crypt(3): a match starts with "$".
 */
export function redactText(s: string): string {
  let out = s;
  if (out.includes("-----BEGIN ")) out = out.replace(PEM_RE, PEM_REP);
  if (hasSecretWord(out)) out = out.replace(QUOTED_PAIR_RE, quotedPairRep).replace(KEY_RE, keyRep);
  if (out.includes("Bearer") || out.includes("Basic")) out = out.replace(BEARER_RE, BEARER_REP);
  if (out.includes("://")) out = out.replace(URL_PASS_RE, URL_PASS_REP);
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

/** How many distinct texts one redactDeep call remembers (a map entry each; the texts themselves are the input's and output's). */
const MEMO_TEXTS = 10_000;
/** How many walked objects and arrays one redactDeep call remembers with their result. */
const MEMO_OBJECTS = 20_000;

/** One object or array being walked by redactDeep: its keys, the next one, its copy once a value changed. */
interface Frame {
  src: Record<string, unknown> | unknown[];
  keys: string[] | undefined;
  next: number;
  copy: Record<string, unknown> | unknown[] | undefined;
}

function frameOf(src: object): Frame {
  return Array.isArray(src)
    ? { src: src as unknown[], keys: undefined, next: 0, copy: undefined }
    : { src: src as Record<string, unknown>, keys: Object.keys(src), next: 0, copy: undefined };
}

/** Put `value` at `key` of the frame's copy, made (shallow, keys in their order) on the first change. */
function setInCopy(f: Frame, key: string | number, value: unknown): void {
  if (Array.isArray(f.src)) {
    const copy = (f.copy ??= f.src.slice()) as unknown[];
    copy[key as number] = value;
    return;
  }
  // Spread defines own data properties, an own `__proto__` key included.
  const copy = (f.copy ??= { ...f.src }) as Record<string, unknown>;
  if (key === "__proto__") Object.defineProperty(copy, key, { value, enumerable: true, writable: true, configurable: true });
  else copy[key as string] = value;
}

/**
 * `value` with every string redacted; the input is not changed. Copy-on-write: an object or
 * array is copied (shallowly, its keys in their own order) only when a string somewhere under
 * it changed, and shares everything else with the input — a scan report is ~800 KB of pack
 * prose with a handful of secrets, and a full copy of it cost more than the redaction.
 * Iterative (no recursion that grows with the input's depth).
 * Each distinct text is redacted once (the first MEMO_TEXTS of them remembered): a scan report
 * holds ~25,000 strings but ~3,400 distinct ones (each result repeats its pack's benchmark
 * title, statuses, shared skip reasons and evidence).
 */
export function redactDeep<T>(value: T): T {
  if (typeof value === "string") return redactText(value) as T;
  if (value === null || typeof value !== "object") return value;
  const memo = new Map<string, string>();
  const objects = new Map<object, unknown>();
  const stack: Frame[] = [frameOf(value)];
  for (;;) {
    const f = stack[stack.length - 1] as Frame;
    const length = f.keys ? f.keys.length : (f.src as unknown[]).length;
    if (f.next < length) {
      const key = f.keys ? (f.keys[f.next] as string) : f.next;
      const v = (f.src as Record<string | number, unknown>)[key];
      if (v !== null && typeof v === "object") {
        // An object met before (a fact's evidence list is shared by every result judged on
        // that fact) has its redacted copy, or itself, already: not walked again.
        const known = objects.get(v);
        if (known !== undefined) {
          if (known !== v) setInCopy(f, key, known);
          f.next++;
          continue;
        }
        stack.push(frameOf(v)); // its result is taken when it is done, below
        continue;
      }
      if (typeof v === "string") {
        let r = memo.get(v);
        if (r === undefined) {
          r = redactText(v);
          if (memo.size < MEMO_TEXTS) memo.set(v, r);
        }
        if (r !== v) setInCopy(f, key, r);
      }
      f.next++;
      continue;
    }
    stack.pop();
    const out = f.copy ?? f.src;
    if (objects.size < MEMO_OBJECTS) objects.set(f.src, out);
    const parent = stack[stack.length - 1];
    if (parent === undefined) return out as T;
    if (out !== f.src) setInCopy(parent, parent.keys ? (parent.keys[parent.next] as string) : parent.next, out);
    parent.next++;
  }
}
