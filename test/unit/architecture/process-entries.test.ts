/**
 * Modules that install process-wide handlers when they load (`process.on("message")`,
 * `process.once("disconnect")`) are entries of their own processes. A test that imports
 * one installs those handlers in the vitest worker, which talks to its runner over the same
 * IPC channel: the runner's next message made scan-child.ts call process.exit(0) in the
 * worker ("process.exit unexpectedly called", a red run with every test green). Nothing in
 * src/ or test/ imports them; the agent forks them by path.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { REPO, importGraph } from "../../helpers/import-graph.js";

const SRC = path.join(REPO, "src");
const HANDLERS = /\bprocess\.(?:on|once)\(\s*["'](?:message|disconnect)["']/;

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && /\.ts$/.test(e.name))
    .map((e) => path.join(e.parentPath, e.name));
}

/** The text without comments (the handlers are named in comments too). */
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");

const entries = filesUnder(SRC)
  .filter((f) => HANDLERS.test(code(readFileSync(f, "utf8"))))
  .map((f) => path.relative(SRC, f));

describe("process entry modules", () => {
  it("are the scan and re-check processes' entries", () => {
    expect(entries.sort()).toEqual(["agent/recheck-main.ts", "agent/scan-child.ts"]);
  });

  it("are imported by no module under src/", () => {
    const importers = [...importGraph()].filter(([, to]) => to.some((t) => entries.includes(t))).map(([from]) => from);
    expect(importers).toEqual([]);
  });

  it("are imported by no test", () => {
    const names = entries.map((e) => e.replace(/\.ts$/, ""));
    const importers = filesUnder(path.join(REPO, "test")).filter((f) => {
      const text = readFileSync(f, "utf8");
      return names.some((n) => new RegExp(`from\\s+["'][./]*src/${n}\\.js["']|import\\(\\s*["'][./]*src/${n}\\.js["']`).test(text));
    });
    expect(importers.map((f) => path.relative(REPO, f))).toEqual([]);
  });
});
