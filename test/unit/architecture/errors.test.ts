/**
 * The error catalogue (src/errors.ts) and the code are in step: every code is thrown
 * somewhere, every message template is used, and nothing in src/ throws an error without
 * a code (no `new Error(`, no error class outside NodewardError's family). docs/errors.md
 * is generated from the catalogue (test/unit/docs/generated.test.ts keeps it in step).
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { CODES, ErrorCodes, errorMessage, MESSAGES, NodewardError, type ErrorName } from "../../../src/errors.js";
import { REPO } from "../../helpers/import-graph.js";

const SRC = path.join(REPO, "src");

function sources(dir: string): { file: string; text: string }[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile() && d.name.endsWith(".ts"))
    .map((d) => {
      const full = path.join(d.parentPath, d.name);
      return { file: path.relative(SRC, full), text: readFileSync(full, "utf8") };
    });
}

const files = sources(SRC).filter((f) => f.file !== "errors.ts");
const all = files.map((f) => f.text).join("\n");
/** Where a template id is named: as the first argument of an error's constructor or of errorMessage (not hasCode's code name). */
const templateUses = all.replace(/hasCode\([^)]*\)/g, "");
const usesTemplate = (id: string) => templateUses.includes(`"${id}"`);

/**
 * `new Error(` that stays: a stand-in for a Node.js fs error (its errno `code` is what
 * the caller tests), not an error of nodeward's own.
 */
const PLAIN_ERRORS_ALLOWED: Record<string, string> = {
  "engine/drift-plan.ts": "a recorded read that found nothing is replayed as the ENOENT fs error it was",
};

describe("the error catalogue", () => {
  it("has codes named after their keys", () => {
    for (const name of Object.keys(CODES) as ErrorName[]) expect(ErrorCodes[name]).toBe(`NODEWARD_ERR_${name}`);
  });

  it("has no code that nothing in src/ throws", () => {
    const usedByTemplate = new Set<string>(
      Object.entries(MESSAGES)
        .filter(([id]) => usesTemplate(id))
        .map(([, m]) => m.code),
    );
    const unused = (Object.keys(CODES) as ErrorName[]).filter((name) => !usedByTemplate.has(name) && !new RegExp(`ErrorCodes\\.${name}\\b`).test(all));
    expect(unused).toEqual([]);
  });

  it("has no message template that nothing in src/ uses", () => {
    const unused = Object.keys(MESSAGES).filter((id) => !usesTemplate(id));
    expect(unused).toEqual([]);
  });

  it("fills every placeholder of a template", () => {
    expect(errorMessage("OVER_READ_LIMIT", { path: "/etc/shadow", size: 5, limit: 4 })).toBe("/etc/shadow is 5 bytes, over the 4-byte read limit");
    const e = new NodewardError("PATH_CLIMBS", { path: "/../x", where: "root /srv" });
    expect(e).toBeInstanceOf(NodewardError);
    expect(e.code).toBe("NODEWARD_ERR_PATH_ESCAPE");
    expect(e.message).toBe("path /../x climbs above root /srv");
    expect(e.messageId).toBe("PATH_CLIMBS");
    const plain = new NodewardError("EXPECTATION_EMPTY");
    expect([plain.code, plain.message]).toEqual(["NODEWARD_ERR_PACK_INVALID", "empty expectation"]);
    const cause = new Error("EIO");
    const wrapped = new NodewardError("READ_FAILED", { path: "/etc/passwd", reason: "EIO" }, { cause });
    expect([wrapped.code, wrapped.message, wrapped.cause]).toEqual(["NODEWARD_ERR_PROBE_FAILED", "/etc/passwd: EIO", cause]);
    for (const m of Object.values(MESSAGES)) expect(m.template).toMatch(/^(?:[^{}]|\{\w+\})+$/);
  });
});

describe("errors thrown in src/", () => {
  it("are built from a catalogue template (its id, never a composed message)", () => {
    // TypeScript already refuses `new NodewardError(code, "text")`; this keeps the way out
    // (a template that is only a placeholder) to messages composed by their own formatter.
    const bare = Object.entries(MESSAGES).filter(([, m]) => /^\{\w+\}$/.test(m.template)).map(([id]) => id).sort();
    expect(bare).toEqual(["CHILD_REPORTED", "COMMAND_ENDED", "CONFIG_INVALID", "FIX_PORT_OWNERS", "PROFILE_NOT_LOADED", "REGEX_SYNTAX", "SSHD_INCLUDE_FAILED"]);
    const constructed = files.flatMap((f) => [...f.text.matchAll(/new (\w*Error|FixRefused|ChangeFailed)\(([^;]{0,60})/g)].map((m) => ({ file: f.file, cls: m[1], args: m[2] ?? "" })));
    expect(constructed.length).toBeGreaterThan(100);
    // ConfigError takes the config's problems (file:line:col records, like pack load errors) and fills CONFIG_INVALID with them.
    const notATemplate = constructed.filter((c) => c.cls !== "Error" && c.cls !== "ConfigError" && !/^\.\.\.|"[A-Z0-9_]+"/.test(c.args)).map((c) => `${c.file}: new ${c.cls}(${c.args}`);
    expect(notATemplate).toEqual([]);
  });

  it("are never a bare Error (every one has a code)", () => {
    const bare = files
      .filter((f) => /\bnew Error\(/.test(f.text) && !(f.file in PLAIN_ERRORS_ALLOWED))
      .map((f) => f.file);
    expect(bare).toEqual([]);
    for (const file of Object.keys(PLAIN_ERRORS_ALLOWED)) expect(files.find((f) => f.file === file)?.text).toMatch(/\bnew Error\(/);
  });

  it("come from classes in NodewardError's family", () => {
    const classes = files.flatMap((f) => [...f.text.matchAll(/class (\w+) extends (\w+)/g)].filter((m) => m[2] !== undefined && /Error$/.test(m[2])).map((m) => `${f.file}: ${m[1]} extends ${m[2]}`));
    expect(classes.length).toBeGreaterThan(5);
    expect(classes.filter((c) => !/extends NodewardError$/.test(c))).toEqual([]);
  });

  it("read in a message of its own are described once (describeError), not by local copies", () => {
    const copies = files.filter((f) => /e instanceof Error \? e\.message : String\(e\)/.test(f.text) && /function \w+\(e: unknown\): string/.test(f.text)).map((f) => f.file);
    expect(copies).toEqual([]);
  });
});
