/**
 * How systemd turns a service's settings into the argv it executes: `Environment=`
 * assignments, `EnvironmentFile=` contents, and ExecStart word splitting with `$VAR` /
 * `${VAR}` expansion (systemd.exec(5), systemd.service(5) "Command lines"). The unit-file
 * grammar itself is parse/unit-file.ts. Pure and total: odd input gives problems, never throws.
 */

export interface Problem {
  line: number;
  message: string;
}

export interface Word {
  text: string;
  /** True when any part of the word was quoted. */
  quoted: boolean;
}

const C_ESCAPES: Record<string, string> = {
  n: "\n",
  t: "\t",
  r: "\r",
  a: "\x07",
  b: "\b",
  f: "\f",
  v: "\v",
  s: " ",
  "\\": "\\",
  '"': '"',
  "'": "'",
};

/**
 * Split a systemd value into words: whitespace separates, `"…"` and `'…'` group (quotes
 * may start mid-word), backslash escapes C-style. An unterminated quote takes the rest of
 * the line (a problem is recorded). Never throws; linear time.
 */
export function splitWords(value: string): { words: Word[]; problems: string[] } {
  const words: Word[] = [];
  const problems: string[] = [];
  let cur = "";
  let inWord = false;
  let quoted = false;
  let quote: '"' | "'" | null = null;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (quote === null && /\s/.test(ch)) {
      if (inWord) words.push({ text: cur, quoted });
      cur = "";
      inWord = false;
      quoted = false;
      continue;
    }
    inWord = true;
    if (ch === "\\") {
      const next = value[i + 1];
      if (next === undefined) {
        problems.push("trailing backslash");
        cur += "\\";
        continue;
      }
      i++;
      if (quote === "'") {
        // systemd unescapes in single quotes too, but keep unknown escapes literal.
        cur += C_ESCAPES[next] ?? "\\" + next;
      } else {
        cur += C_ESCAPES[next] ?? next;
      }
      continue;
    }
    if (quote !== null) {
      if (ch === quote) quote = null;
      else cur += ch;
      continue;
    }
    if (ch === '"' || ch === "'") {
      quote = ch;
      quoted = true;
      continue;
    }
    cur += ch;
  }
  if (quote !== null) problems.push(`unterminated ${quote} quote`);
  if (inWord) words.push({ text: cur, quoted });
  return { words, problems };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Environment variable names systemd accepts. */
export function isEnvName(name: string): boolean {
  return ENV_NAME.test(name);
}

/**
 * Parse one `Environment=` value: whitespace-separated `NAME=value` words, quotes allowed
 * (`"A=b c" D=e`). `%%` becomes `%`; other specifiers are left as written.
 */
export function parseEnvironmentValue(value: string): { vars: { name: string; value: string }[]; problems: string[] } {
  const { words, problems } = splitWords(value);
  const vars: { name: string; value: string }[] = [];
  for (const w of words) {
    const text = w.text.replace(/%%/g, "%");
    const eq = text.indexOf("=");
    const name = eq === -1 ? "" : text.slice(0, eq);
    if (!isEnvName(name)) {
      problems.push(`invalid environment assignment ${JSON.stringify(w.text)}, ignored`);
      continue;
    }
    vars.push({ name, value: text.slice(eq + 1) });
  }
  return { vars, problems };
}

export interface EnvFileVar {
  name: string;
  value: string;
  /** 1-based line where the assignment starts. */
  line: number;
}

/**
 * Parse an `EnvironmentFile=` (systemd's load_env_file): `KEY=value` lines, `#`/`;`
 * comments, whitespace around `=` ignored. Values: unquoted (backslash escapes the next
 * character, trailing whitespace dropped, `\` + newline continues), `'single'` (literal),
 * `"double"` (backslash escapes `"\`$` and newline). Quoted values may span lines.
 * Later assignments of the same name win (callers apply them in order).
 */
export function parseEnvironmentFile(text: string, file: string): { vars: EnvFileVar[]; problems: Problem[] } {
  const vars: EnvFileVar[] = [];
  const problems: Problem[] = [];
  const n = text.length;
  let i = 0;
  let line = 1;
  while (i < n) {
    // Start of a line: skip leading whitespace (not newlines).
    while (i < n && (text[i] === " " || text[i] === "\t" || text[i] === "\r")) i++;
    if (i >= n) break;
    const startLine = line;
    const c = text[i] as string;
    if (c === "\n") {
      i++;
      line++;
      continue;
    }
    if (c === "#" || c === ";") {
      while (i < n && text[i] !== "\n") i++;
      continue;
    }
    // Key up to '=' or end of line.
    let key = "";
    while (i < n && text[i] !== "=" && text[i] !== "\n") key += text[i++];
    if (i >= n || text[i] === "\n") {
      problems.push({ line: startLine, message: `${file}:${startLine}: line has no '=', ignored` });
      continue;
    }
    i++; // '='
    key = key.trim();
    // Skip whitespace before the value.
    while (i < n && (text[i] === " " || text[i] === "\t")) i++;
    let value = "";
    let trailingWs = 0; // unquoted whitespace at the end of value, dropped at the end
    let quote: '"' | "'" | null = null;
    while (i < n) {
      const ch = text[i] as string;
      if (quote === "'") {
        if (ch === "'") quote = null;
        else {
          if (ch === "\n") line++;
          value += ch;
        }
        i++;
        trailingWs = 0;
        continue;
      }
      if (quote === '"') {
        if (ch === '"') {
          quote = null;
          i++;
        } else if (ch === "\\" && i + 1 < n) {
          const next = text[i + 1] as string;
          if (next === "\n") line++;
          else if ('"\\`$'.includes(next)) value += next;
          else value += "\\" + next;
          i += 2;
        } else {
          if (ch === "\n") line++;
          value += ch;
          i++;
        }
        trailingWs = 0;
        continue;
      }
      if (ch === "\n") break;
      if (ch === "\\") {
        const next = text[i + 1];
        if (next === undefined) {
          i++;
          break;
        }
        if (next === "\n") line++;
        else if (next !== "\r") value += next;
        i += 2;
        trailingWs = 0;
        continue;
      }
      if (ch === '"' || ch === "'") {
        // A quote (at the start or after unquoted text) opens a quoted part, as systemd does.
        quote = ch;
        i++;
        continue;
      }
      if (ch === " " || ch === "\t" || ch === "\r") trailingWs++;
      else trailingWs = 0;
      value += ch;
      i++;
    }
    if (quote !== null) {
      problems.push({ line: startLine, message: `${file}:${startLine}: unterminated ${quote} quote` });
    }
    if (trailingWs > 0) value = value.slice(0, value.length - trailingWs);
    if (!isEnvName(key)) {
      problems.push({ line: startLine, message: `${file}:${startLine}: invalid variable name ${JSON.stringify(key)}, ignored` });
      continue;
    }
    vars.push({ name: key, value, line: startLine });
  }
  return { vars, problems };
}

/** Strip ExecStart= prefixes (`-`, `@`, `:`, `+`, `!`, `!!`); `@` also drops argv[0] override handling. */
export function stripExecPrefixes(value: string): { command: string; argv0Override: boolean } {
  let i = 0;
  let argv0Override = false;
  while (i < value.length && "-@:+!|".includes(value[i] as string)) {
    if (value[i] === "@") argv0Override = true;
    i++;
  }
  return { command: value.slice(i).trim(), argv0Override };
}

/** Where a value came from, for evidence. */
export interface Origin {
  file: string;
  line: number;
}

export interface EnvValue {
  value: string;
  origin?: Origin;
}

export interface ExpandedCommand {
  argv: string[];
  /** For each argv word: the environment assignment it came from, else the ExecStart line. */
  origins: (Origin | undefined)[];
  problems: string[];
}

/**
 * Turn an ExecStart= command into argv as systemd does at exec time: split words with
 * quoting; a word that is exactly `$NAME` is replaced by the variable's value split at
 * whitespace (zero or more words); `${NAME}` (and `$NAME` inside a word) is replaced by
 * the value as is, inside that one word; unset variables expand to "". `$$` is a
 * literal `$`. Only the first command of a `;`-separated list is returned.
 */
export function expandExecStart(
  command: string,
  env: ReadonlyMap<string, EnvValue>,
  execOrigin?: Origin,
): ExpandedCommand {
  const { command: cmd, argv0Override } = stripExecPrefixes(command);
  const { words, problems } = splitWords(cmd);
  const argv: string[] = [];
  const origins: (Origin | undefined)[] = [];
  for (const w of words) {
    if (w.text === ";" && !w.quoted) break;
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(w.text);
    if (whole) {
      const v = env.get(whole[1] as string);
      if (!v) continue;
      const split = splitWords(v.value);
      for (const p of split.problems) problems.push(`$${whole[1] as string}: ${p}`);
      for (const sw of split.words) {
        argv.push(sw.text);
        origins.push(v.origin ?? execOrigin);
      }
      continue;
    }
    let origin: Origin | undefined = execOrigin;
    const text = w.text.replace(
      /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
      (m: string, braced: string | undefined, bare: string | undefined) => {
        if (m === "$$") return "$";
        const v = env.get((braced ?? bare) as string);
        if (v?.origin) origin = v.origin;
        return v ? v.value : "";
      },
    );
    argv.push(text);
    origins.push(origin);
  }
  // With `@`, the second word is argv[0] and the first the executable: keep the executable.
  if (argv0Override && argv.length >= 2) {
    argv.splice(1, 1);
    origins.splice(1, 1);
  }
  return { argv, origins, problems };
}
