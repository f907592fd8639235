import { describe, expect, it } from "vitest";
import { compileFields, compileValue, matchers, MatcherSyntaxError } from "../../../src/matchers/index.js";

const AT = ["checks", 0, "audit", "expect"] as const;

/** Compile `raw` as a value matcher and test `actual`. */
function run(raw: unknown, actual: unknown) {
  return compileValue(raw, AT).test(actual);
}

/** The MatcherSyntaxError compiling `fn` throws (fails the test when nothing is thrown). */
function syntaxError(fn: () => unknown): MatcherSyntaxError {
  try {
    fn();
  } catch (e) {
    if (e instanceof MatcherSyntaxError) return e;
    throw e;
  }
  throw new Error("expected a MatcherSyntaxError");
}

describe("value matchers", () => {
  // [matcher YAML as data, observed value, pass, rendered actual]
  it.each<[string, unknown, unknown, boolean, string]>([
    // equals is loose: hosts spell booleans and numbers as strings.
    ["equals false vs 'false'", { equals: false }, "false", true, "false"],
    ["bare false vs 'false'", false, "false", true, "false"],
    ["bare false vs ' FALSE '", false, " FALSE ", true, " FALSE "],
    ["bare false vs false", false, false, true, "false"],
    ["bare false vs true", false, true, false, "true"],
    ["bare false vs 'no'", false, "no", false, "no"],
    ["bare false vs 0", false, 0, false, "0"],
    ["'false' vs false", "false", false, true, "false"],
    ["0 vs '0'", 0, "0", true, "0"],
    ["'0' vs 0", "0", 0, true, "0"],
    ["0 vs ' 0 '", 0, " 0 ", true, " 0 "],
    ["1 vs '1.0'", 1, "1.0", true, "1.0"],
    ["0 vs '0x0'", 0, "0x0", false, "0x0"],
    ["0 vs false", 0, false, false, "false"],
    ["root vs root", "root", "root", true, "root"],
    ["root vs Root (strings are exact)", "root", "Root", false, "Root"],
    ["5 vs missing", 5, undefined, false, "(not set)"],
    ["null vs missing", null, undefined, true, "(not set)"],
    ["null vs ''", null, "", false, '""'],
    ["list vs same list", { equals: ["a", 1] }, ["a", "1"], true, '["a","1"]'],
    ["list vs reordered list", { equals: ["a", "b"] }, ["b", "a"], false, '["b","a"]'],
    ["list vs longer list", { equals: ["a"] }, ["a", "b"], false, '["a","b"]'],
  ])("equals: %s", (_name, raw, actual, pass, shown) => {
    expect(run(raw, actual)).toEqual({ pass, actual: shown });
  });

  it.each<[unknown, unknown, boolean]>([
    [["root", "shadow"], "shadow", true],
    [["root", "shadow"], "root", true],
    [["root", "shadow"], "adm", false],
    [["root", "shadow"], undefined, false],
    [[22], "22", true],
    [[22, 2222], 2222, true],
    [[22], 23, false],
    [[false], "false", true],
  ])("one-of %j on %j → %s", (list, actual, pass) => {
    expect(run({ "one-of": list }, actual).pass).toBe(pass);
  });

  it.each<[string, unknown, boolean]>([
    ["^127\\.", "127.0.0.1", true],
    ["^127\\.", "10.0.0.127", false],
    ["^yes$", "YES", false],
    ["(?i)^yes$", "YES", true],
    ["(?i)^yes$", "Yes", true],
    ["(?i)^yes$", "yes!", false],
    ["^80", 8080, true],
    ["^true$", true, true],
    [".*", undefined, false],
    [".*", null, false],
    ["TLS_AES_(128|256)", "TLS_AES_256_GCM_SHA384", true],
  ])("matches %s on %j → %s", (re, actual, pass) => {
    expect(run({ matches: re }, actual).pass).toBe(pass);
  });

  it("patterns are RE2: (?i) works anywhere; lookahead and backreferences are refused at load", () => {
    expect(run({ matches: "^a(?i)b$" }, "aB").pass).toBe(true);
    expect(run({ matches: "^a(?i)b$" }, "Ab").pass).toBe(false);
    expect(() => compileValue({ matches: "a(?!b)" }, AT)).toThrow(MatcherSyntaxError);
    expect(() => compileValue({ matches: "(a)\\1" }, AT)).toThrow(MatcherSyntaxError);
  });

  it("^(a+)+$ on a long non-matching string answers (linear time)", () => {
    expect(run({ matches: "^(a+)+$" }, "a".repeat(100_000) + "b").pass).toBe(false);
  });

  it.each<[string, number, unknown, boolean]>([
    ["lt", 5, 4, true],
    ["lt", 5, 5, false],
    ["lt", 5, "4", true],
    ["lt", 5, " 4.5 ", true],
    ["lt", 5, -10, true],
    ["lt", 5, "abc", false],
    ["lt", 5, "", false],
    ["lt", 5, undefined, false],
    ["lt", 5, null, false],
    ["lt", 5, true, false],
    ["lt", 5, [1], false],
    ["lte", 5, 5, true],
    ["lte", 5, "5", true],
    ["lte", 5, 6, false],
    ["lte", 5, "five", false],
    ["gt", 0, 1, true],
    ["gt", 0, 0, false],
    ["gt", 0, "1e3", false],
    ["gte", 0, 0, true],
    ["gte", 0, -1, false],
    ["gte", 0, "-1", false],
    ["gte", 0, "0", true],
    ["gte", 0, Number.NaN, false],
  ])("%s %d on %j → %s", (op, n, actual, pass) => {
    expect(run({ [op]: n }, actual).pass).toBe(pass);
  });

  it.each([
    ["lt", 5, "< 5"],
    ["lte", "5", "<= 5"],
    ["gt", 0, "> 0"],
    ["gte", -1, ">= -1"],
  ])("%s %j renders as %s", (op, n, text) => {
    expect(compileValue({ [op]: n }, AT).expected).toBe(text);
  });

  // [max, observed, pass, rendered actual]
  it.each<[string, unknown, boolean, string]>([
    ["0600", 0o640, false, "0640"], // group read is outside 0600
    ["0600", 0o600, true, "0600"],
    ["0600", 0o400, true, "0400"],
    ["0600", 0o000, true, "0000"],
    ["0600", 0o4600, false, "4600"], // setuid counts as a bit
    ["0600", 0o1600, false, "1600"], // sticky too
    ["0600", 0o604, false, "0604"],
    ["0600", "0600", true, "0600"],
    ["0600", "640", false, "0640"],
    ["0600", 0o100640, false, "0640"], // a full st_mode: only permission bits count
    ["0640", 0o640, true, "0640"],
    ["0640", 0o600, true, "0600"],
    ["0640", 0o660, false, "0660"],
    ["0755", 0o700, true, "0700"],
    ["0755", 0o2755, false, "2755"],
    ["0600", undefined, false, "(not set)"],
    ["0600", "rw-------", false, "rw-------"],
  ])("mode-at-most %s on %o → %s", (max, actual, pass, shown) => {
    expect(run({ "mode-at-most": max }, actual)).toEqual({ pass, actual: shown });
  });

  it("mode-at-most renders after the field name", () => {
    expect(compileValue({ "mode-at-most": "600" }, AT).expected).toBe("0600 or more restrictive");
  });

  it.each<[unknown, unknown, boolean]>([
    ["foo", "xfoox", true],
    ["foo", "bar", false],
    ["--x", "--x=1 --y", true],
    [22, [22, 80], true],
    ["22", [22, 80], true], // list elements compare loosely
    [false, ["false"], true],
    ["x", ["xy"], false], // a list element must equal, not contain
    ["x", [], false],
    ["x", undefined, false],
    ["1", 123, false], // neither string nor list
  ])("contains %j in %j → %s", (needle, actual, pass) => {
    expect(run({ contains: needle }, actual).pass).toBe(pass);
  });

  it.each<[string, unknown, boolean]>([
    ["present", "x", true],
    ["present", "", true],
    ["present", 0, true],
    ["present", false, true],
    ["present", undefined, false],
    ["present", null, false],
    ["absent", undefined, true],
    ["absent", null, true],
    ["absent", "", false],
    ["absent", 0, false],
  ])("%s: true on %j → %s", (kind, actual, pass) => {
    expect(run({ [kind]: true }, actual).pass).toBe(pass);
  });

  it.each<[string, unknown, unknown, boolean]>([
    ["all in range", { all: [{ gte: 1 }, { lte: 10 }] }, 5, true],
    ["all above range", { all: [{ gte: 1 }, { lte: 10 }] }, 11, false],
    ["any first", { any: [0, { gt: 100 }] }, "0", true],
    ["any second", { any: [0, { gt: 100 }] }, 101, true],
    ["any none", { any: [0, { gt: 100 }] }, 50, false],
    ["not equal", { not: { equals: "root" } }, "adm", true],
    ["not equal fails", { not: { equals: "root" } }, "root", false],
    ["not bare scalar", { not: 0 }, "1", true],
    ["not of a missing value", { not: { present: true } }, undefined, true],
    ["nested", { all: [{ not: { matches: "^0\\." } }, { any: [{ matches: "^127\\." }, "::1"] }] }, "127.0.0.53", true],
  ])("logic: %s", (_name, raw, actual, pass) => {
    expect(run(raw, actual).pass).toBe(pass);
  });

  it("renders all/any/not expectations", () => {
    expect(compileValue({ all: [{ gte: 1 }, { lte: 10 }] }, AT).expected).toBe(">= 1 and <= 10");
    expect(compileValue({ any: ["a", "b"] }, AT).expected).toBe("= a or = b");
    expect(compileValue({ not: "root" }, AT).expected).toBe("not (= root)");
  });
});

describe("each / some / none over lists of records", () => {
  const listeners = [
    { protocol: "tcp", address: "127.0.0.1", port: 10248, pid: 900, process: "kubelet" },
    { protocol: "tcp", address: "0.0.0.0", port: 22, pid: 812, process: "sshd" },
    { protocol: "tcp", address: "0.0.0.0", port: 8080, pid: 1200, process: "python3" },
    { protocol: "udp", address: "0.0.0.0", port: 5353, process: "avahi-daemon" },
  ];
  const allowed = { any: [{ address: { matches: "^127\\." } }, { port: { "one-of": [22] } }] };

  it("each lists the elements that do not match, as text and as offending records", () => {
    const out = run({ each: allowed }, listeners);
    expect(out.pass).toBe(false);
    expect(out.actual).toBe("2 of 4 not matching: tcp 0.0.0.0:8080 pid 1200 (python3), udp 0.0.0.0:5353 (avahi-daemon)");
    expect(out.offending).toEqual([listeners[2], listeners[3]]);
  });

  it("each passes when every element matches, and on an empty list", () => {
    expect(run({ each: allowed }, listeners.slice(0, 2))).toEqual({ pass: true, actual: "0 of 2 not matching", offending: [] });
    expect(run({ each: allowed }, []).pass).toBe(true);
  });

  it("each names files by path and cuts the list after five", () => {
    const files = Array.from({ length: 7 }, (_, i) => ({ path: `/etc/cron.d/f${i}`, mode: 0o644 }));
    const out = run({ each: { mode: { "mode-at-most": "0600" } } }, files);
    expect(out.actual).toBe(
      "7 of 7 not matching: /etc/cron.d/f0, /etc/cron.d/f1, /etc/cron.d/f2, /etc/cron.d/f3, /etc/cron.d/f4, … 2 more",
    );
    expect(out.offending).toHaveLength(7);
  });

  it("none lists the elements that match", () => {
    const out = run({ none: { port: { "one-of": [8080, 5353] } } }, listeners);
    expect(out.pass).toBe(false);
    expect(out.actual).toBe("2 of 4 matching: tcp 0.0.0.0:8080 pid 1200 (python3), udp 0.0.0.0:5353 (avahi-daemon)");
    expect(out.offending).toEqual([listeners[2], listeners[3]]);
    expect(run({ none: { port: 23 } }, listeners)).toEqual({ pass: true, actual: "0 of 4 matching", offending: [] });
  });

  it("some needs at least one match", () => {
    expect(run({ some: { process: "sshd" } }, listeners)).toMatchObject({ pass: true, actual: "1 of 4 matching" });
    expect(run({ some: { process: "telnetd" } }, listeners)).toMatchObject({ pass: false, actual: "0 of 4 matching" });
    expect(run({ some: { process: "sshd" } }, []).pass).toBe(false);
  });

  it.each(["each", "some", "none"])("%s on a value that is not a list fails", (q) => {
    expect(run({ [q]: { port: 22 } }, { port: 22 })).toEqual({ pass: false, actual: 'not a list: {"port":22}' });
    expect(run({ [q]: { port: 22 } }, undefined)).toEqual({ pass: false, actual: "not a list: (not set)" });
  });

  it("a failing each inside a field map carries its offending elements to the outcome", () => {
    const m = compileFields({ listeners: { each: allowed } }, AT, ["listeners"]);
    const out = m.evaluate({ listeners });
    expect(out.pass).toBe(false);
    expect(out.offending).toEqual([listeners[2], listeners[3]]);
    expect(out.failures).toEqual([
      "listeners is 2 of 4 not matching: tcp 0.0.0.0:8080 pid 1200 (python3), udp 0.0.0.0:5353 (avahi-daemon), " +
        "expected every element: any(address matches /^127\\./; port one of [22])",
    ]);
  });
});

describe("matcher syntax errors", () => {
  it.each<[string, unknown, string, (string | number)[]]>([
    ["equals of a map", { equals: { a: 1 } }, "equals takes a scalar or a list, not a map", ["equals"]],
    ["one-of not a list", { "one-of": "root" }, "one-of takes a non-empty list", ["one-of"]],
    ["one-of empty", { "one-of": [] }, "one-of takes a non-empty list", ["one-of"]],
    ["matches a number", { matches: 5 }, "matches takes a regular expression string", ["matches"]],
    ["matches a bad regex", { matches: "([" }, 'bad regular expression "(["', ["matches"]],
    ["lt of text", { lt: "five" }, "lt takes a number", ["lt"]],
    ["gte of a list", { gte: [1] }, "gte takes a number", ["gte"]],
    ["mode-at-most of a number", { "mode-at-most": 600 }, 'mode-at-most takes an octal mode as a quoted string, e.g. "0600" (got 600)', ["mode-at-most"]],
    ["mode-at-most of 0o600 as a number", { "mode-at-most": 0o600 }, "(got 384)", ["mode-at-most"]],
    ["mode-at-most of non-octal text", { "mode-at-most": "0999" }, "mode-at-most takes an octal mode", ["mode-at-most"]],
    ["contains a map", { contains: { a: 1 } }, "contains takes a scalar", ["contains"]],
    ["present: false", { present: false }, "present takes the value true", ["present"]],
    ["absent: yes", { absent: "yes" }, "absent takes the value true", ["absent"]],
    ["all of a scalar", { all: 1 }, "all takes a non-empty list", ["all"]],
    ["any empty", { any: [] }, "any takes a non-empty list", ["any"]],
    ["inside all", { all: [{ gte: 1 }, { lte: "x" }] }, "lte takes a number", ["all", 1, "lte"]],
    ["inside not", { not: { bogus: 1 } }, 'unknown matcher "bogus"', ["not", "bogus"]],
    ["each of a scalar", { each: 5 }, "an expectation takes a map of field: matcher", ["each"]],
    ["each with a bad inner matcher", { each: { port: { "one-of": 22 } } }, "one-of takes a non-empty list", ["each", "port", "one-of"]],
    ["two matchers at one level", { "mode-at-most": "0600", equals: 1 }, "only one matcher per level; found mode-at-most, equals", []],
    ["empty matcher map", {}, "empty matcher map", []],
    ["unknown matcher", { "at-most": "0600" }, 'unknown matcher "at-most" (known: equals, one-of, matches,', ["at-most"]],
  ])("%s", (_name, raw, message, rel) => {
    const e = syntaxError(() => compileValue(raw, AT));
    expect(e.message).toContain(message);
    expect(e.path).toEqual([...AT, ...rel]);
  });

  it("the unknown-matcher message lists the whole vocabulary", () => {
    const e = syntaxError(() => compileValue({ nope: 1 }, AT));
    expect(e.message).toBe(`unknown matcher "nope" (known: ${Object.keys(matchers).join(", ")})`);
  });
});

describe("compileFields", () => {
  const FILE_FIELDS = ["exists", "mode", "owner", "group", "authentication"];

  it("accepts fields the probe gives, including dotted paths under one", () => {
    const m = compileFields({ exists: true, mode: { "mode-at-most": "0600" }, "authentication.anonymous.enabled": false }, AT, FILE_FIELDS);
    expect(m.fields).toEqual(["exists", "mode", "authentication"]);
    expect(m.expected).toBe("exists = true, mode 0600 or more restrictive, authentication.anonymous.enabled = false");
    const out = m.evaluate({ exists: true, mode: 0o640, authentication: { anonymous: { enabled: "true" } } });
    expect(out).toEqual({
      pass: false,
      observed: "exists=true, mode=0640, authentication.anonymous.enabled=true",
      expected: m.expected,
      failures: ["mode is 0640, expected 0600 or more restrictive", "authentication.anonymous.enabled is true, expected false"],
      offending: [],
    });
    expect(m.evaluate({ exists: true, mode: 0o600, authentication: { anonymous: { enabled: false } } }).pass).toBe(true);
  });

  it("reads own fields only: a record's prototype members are not set", () => {
    const m = compileFields({ "settings.constructor": { absent: true }, "settings.__proto__": { absent: true }, "settings.toString": { absent: true } }, AT, ["settings"]);
    const settings = Object.create(null) as Record<string, string>;
    settings.port = "22";
    expect(m.evaluate({ settings }).pass).toBe(true);
    expect(m.evaluate({ settings: { port: "22" } }).pass).toBe(true);
    expect(m.evaluate({ settings: Object.assign(Object.create(null) as object, { constructor: "x" }) }).pass).toBe(false);
  });

  it.each<[string, unknown, string, (string | number)[]]>([
    ["an unknown field", { modez: 1 }, `unknown fact field "modez" (this probe gives: ${FILE_FIELDS.join(", ")})`, ["modez"]],
    ["an unknown dotted field", { "auth.anonymous": 1 }, 'unknown fact field "auth"', ["auth.anonymous"]],
    ["an unknown optional field", { "modez?": 1 }, 'unknown fact field "modez"', ["modez?"]],
    ["an unknown field inside any", { any: [{ exists: false }, { bogus: 1 }] }, 'unknown fact field "bogus"', ["any", 1, "bogus"]],
    ["an unknown field inside not", { not: { bogus: 1 } }, 'unknown fact field "bogus"', ["not", "bogus"]],
    ["two matchers at one level", { mode: { "mode-at-most": "0600", equals: 1 } }, "only one matcher per level; found mode-at-most, equals", ["mode"]],
    ["an unknown matcher", { mode: { "at-most": "0600" } }, 'unknown matcher "at-most"', ["mode", "at-most"]],
    ["an empty expectation", {}, "empty expectation", []],
    ["a scalar expectation", true, "an expectation takes a map of field: matcher", []],
    ["a list expectation", [{ exists: true }], "an expectation takes a map of field: matcher", []],
    ["any of a map", { any: { exists: true } }, "any takes a non-empty list of field maps", ["any"]],
  ])("rejects %s with the path inside expect", (_name, raw, message, rel) => {
    const e = syntaxError(() => compileFields(raw, AT, FILE_FIELDS));
    expect(e).toBeInstanceOf(MatcherSyntaxError);
    expect(e.message).toContain(message);
    expect(e.path).toEqual([...AT, ...rel]);
  });

  it('"*" allows any field, and no list means no field check (list elements)', () => {
    expect(compileFields({ anything: 1 }, AT, ["*"]).fields).toEqual(["anything"]);
    expect(compileFields({ anything: 1 }, AT).fields).toEqual(["anything"]);
  });

  it("field-level any/all/not combine field maps", () => {
    const m = compileFields({ any: [{ moduleSupport: false }, { loaded: false, blacklisted: true }] }, AT, ["moduleSupport", "loaded", "blacklisted"]);
    expect(m.fields).toEqual(["moduleSupport", "loaded", "blacklisted"]);
    expect(m.evaluate({ moduleSupport: true, loaded: false, blacklisted: true }).pass).toBe(true);
    expect(m.evaluate({ moduleSupport: false, loaded: true, blacklisted: false }).pass).toBe(true);
    const out = m.evaluate({ moduleSupport: true, loaded: true, blacklisted: false });
    expect(out.pass).toBe(false);
    expect(out.failures).toEqual(["(moduleSupport is true, expected false) or (loaded is true, expected false; blacklisted is false, expected true)"]);

    const all = compileFields({ all: [{ loaded: false }, { blacklisted: true }] }, AT, ["loaded", "blacklisted"]);
    expect(all.evaluate({ loaded: true, blacklisted: false }).failures).toEqual([
      "loaded is true, expected false; blacklisted is false, expected true",
    ]);
    expect(all.evaluate({ loaded: false, blacklisted: true }).pass).toBe(true);

    const not = compileFields({ not: { owner: "nobody" } }, AT, ["owner"]);
    expect(not.evaluate({ owner: "root" }).pass).toBe(true);
    expect(not.evaluate({ owner: "nobody" }).failures).toEqual(["expected not (owner = nobody)"]);
  });

  describe("optional fields (field?)", () => {
    const m = compileFields({ "runtime?": 0, persisted: 0 }, AT, ["runtime", "persisted"]);

    it("are not required fields", () => {
      expect(m.fields).toEqual(["persisted"]);
    });

    it("are left out where the field does not exist on this target (notApplicable)", () => {
      const out = m.evaluate({ runtime: 1, persisted: "0" }, { notApplicable: { runtime: "offline root: no /proc/sys" } });
      expect(out.pass).toBe(true);
      expect(out.observed).toBe("runtime=n/a (offline root: no /proc/sys), persisted=0");
      expect(out.failures).toEqual([]);
      expect(out.indeterminate).toBeUndefined();
      expect(out.notApplicable).toBeUndefined();
    });

    it("are never left out where the field could not be observed (unknown): the outcome is indeterminate", () => {
      const out = m.evaluate({ runtime: 1, persisted: "0" }, { unknown: { runtime: "cannot read /proc/sys/x: EACCES" } });
      expect(out.pass).toBe(false);
      expect(out.indeterminate).toBe("cannot determine runtime: cannot read /proc/sys/x: EACCES");
      expect(out.observed).toBe("runtime=unknown (cannot read /proc/sys/x: EACCES), persisted=0");
      expect(out.failures).toEqual([]);
    });

    it("a required field that does not exist on this target leaves the outcome not applicable, never passed", () => {
      const req = compileFields({ runtime: 0 }, AT, ["runtime"]);
      const out = req.evaluate({}, { notApplicable: { runtime: "offline root" } });
      expect(out).toMatchObject({ pass: false, failures: [], notApplicable: "runtime does not apply here: offline root" });
      expect(out.indeterminate).toBeUndefined();
      // Unknown wins over not applicable: what could not be seen is an error, not a skip.
      const both = compileFields({ runtime: 0, persisted: 0 }, AT, ["runtime", "persisted"]).evaluate(
        {},
        { notApplicable: { runtime: "offline root" }, unknown: { persisted: "EACCES" } },
      );
      expect(both).toMatchObject({ pass: false, indeterminate: "cannot determine persisted: EACCES" });
      expect(both.notApplicable).toBeUndefined();
    });

    it("a field named like an Object.prototype member is not a gap", () => {
      const proto = compileFields({ "constructor?": "x" }, AT, ["*"]);
      expect(proto.evaluate({ constructor: "y" }, { unknown: {}, notApplicable: {} }).pass).toBe(false);
    });

    it("are judged when known", () => {
      const out = m.evaluate({ runtime: 1, persisted: 0 }, {});
      expect(m.evaluate({ runtime: 1, persisted: 0 }, { unknown: {}, notApplicable: {} }).failures).toEqual(["runtime is 1, expected 0"]);
      expect(out.pass).toBe(false);
      expect(out.failures).toEqual(["runtime is 1, expected 0"]);
      expect(m.evaluate({ runtime: "0", persisted: 0 }).pass).toBe(true);
    });

    it("an unknown required field leaves the outcome indeterminate, shown as unknown, never as the placeholder value", () => {
      const out = m.evaluate({ runtime: 0, persisted: -1 }, { unknown: { persisted: "cannot read /etc/sysctl.d" } });
      expect(out.pass).toBe(false);
      expect(out.indeterminate).toBe("cannot determine persisted: cannot read /etc/sysctl.d");
      expect(out.observed).toBe("runtime=0, persisted=unknown (cannot read /etc/sysctl.d)");
      expect(out.failures).toEqual([]);
    });

    it("three-valued logic: a definite failure decides, any passes on another branch", () => {
      const unknown = { unknown: { persisted: "cannot read /etc/sysctl.d" } };
      // A map with one definite failure fails even though another field is unknown.
      const failing = m.evaluate({ runtime: 1, persisted: -1 }, unknown);
      expect(failing).toMatchObject({ pass: false, failures: ["runtime is 1, expected 0"] });
      expect(failing.indeterminate).toBeUndefined();
      const anyOf = compileFields({ any: [{ persisted: 0 }, { runtime: 0 }] }, ["expect"]);
      expect(anyOf.evaluate({ runtime: 0 }, unknown)).toMatchObject({ pass: true });
      const open = anyOf.evaluate({ runtime: 1 }, unknown);
      expect(open).toMatchObject({ pass: false, indeterminate: "cannot determine persisted: cannot read /etc/sysctl.d" });
      const notOpen = compileFields({ not: { persisted: 0 } }, ["expect"]).evaluate({}, unknown);
      expect(notOpen.indeterminate).toBe("cannot determine persisted: cannot read /etc/sysctl.d");
    });
  });
});
