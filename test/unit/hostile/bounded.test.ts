/**
 * Issue 19, bounded cost: every cap is an `error` that names it, and nothing grows the
 * stack with the input. The full-size roots (500k accounts, a 6 MB kubelet config, 100k
 * sysctl.d files) run in test/integration/hostile-roots.test.ts and `npm run bench`.
 */
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { compileFields } from "../../../src/matchers/index.js";
import { MAX_OFFENDING } from "../../../src/matchers/types.js";
import { documentProblem, MAX_DOC_BYTES, MAX_DOC_DEPTH } from "../../../src/util/doc-guard.js";
import { pushAll } from "../../../src/util/array.js";
import { MAX_ACCOUNT_FILE_BYTES, MAX_ACCOUNT_LINES } from "../../../src/probes/accounts.js";
import { MAX_SYSCTL_FILES } from "../../../src/probes/sysctl.js";
import { parseWhole } from "../../../src/probes/parse/structured.js";
import { runCheckOn } from "../../helpers/check-fixture.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { kubeadmNode } from "../../helpers/kubeadm-node.js";
import { loadYaml } from "../../../src/util/yaml.js";

afterAll(cleanupFixtures);

describe("no argument spreads that grow with the input", () => {
  it("each over 200,000 records: no stack overflow; evidence keeps the first ones and counts the rest", () => {
    const users = Array.from({ length: 200_000 }, (_, i) => ({ name: `u${i}`, shadowed: false }));
    const m = compileFields({ users: { each: { shadowed: true } } }, ["expect"], ["users"]);
    const out = m.evaluate({ users });
    expect(out.pass).toBe(false);
    expect(out.offending).toHaveLength(MAX_OFFENDING);
    expect(out.offendingTotal).toBe(200_000);
    expect(out.failures[0]).toBe("users is 200000 of 200000 not matching: u0, u1, u2, u3, u4, … 199995 more, expected every element: shadowed = true");
  });

  it("pushAll appends a million items", () => {
    expect(pushAll([0], new Array<number>(1_000_000).fill(1))).toHaveLength(1_000_001);
  });
});

describe("YAML/JSON documents: size and nesting caps before any parser runs", () => {
  // The parsers are synchronous: their callers await loadYaml() first (src/util/yaml.ts).
  beforeEach(async () => {
    await loadYaml();
  });
  it.each([
    ["20,000-deep flow sequence (aborted the process)", "a: " + "[".repeat(20_000) + "]".repeat(20_000), `nesting deeper than ${MAX_DOC_DEPTH} levels`],
    ["deep JSON", "[".repeat(100) + "]".repeat(100), `nesting deeper than ${MAX_DOC_DEPTH} levels`],
    ["a document over the size cap", "a: b\n".repeat(MAX_DOC_BYTES / 5 + 1), `over the ${MAX_DOC_BYTES}-byte cap`],
    ["block nesting past 1024 columns", "a:\n" + " ".repeat(1025) + "b: 1\n", "indented more than 1024 columns"],
  ])("%s is refused, naming the cap", (_n, text, why) => {
    expect(documentProblem(text)).toContain(why);
    expect(parseWhole(text, "yaml")).toEqual({ error: expect.stringContaining(why) });
  });

  it("brackets inside quoted strings and comments do not count", () => {
    expect(documentProblem(`a: "${"[".repeat(200)}"\n# ${"{".repeat(200)}\nb: [1, [2]]\n`)).toBeUndefined();
  });

  it("a kubelet config over the cap: the settings it could hold are error, naming the cap", async () => {
    const spec = kubeadmNode();
    spec["var/lib/kubelet/config.yaml"] = { content: "readOnlyPort: 0\n" + "# padding\n".repeat(MAX_DOC_BYTES / 10 + 1), mode: 0o600, uid: 0, gid: 0 };
    const r = await runCheckOn("cis-kubernetes-node/4.2.1", spec);
    expect(r.status).toBe("error");
    expect(r.message).toContain(`/var/lib/kubelet/config.yaml: the document is`);
    expect(r.message).toContain(`over the ${MAX_DOC_BYTES}-byte cap for YAML/JSON documents`);
  });
});

describe("account files", () => {
  it(`more than ${MAX_ACCOUNT_LINES} lines: account checks are error, naming the cap`, async () => {
    const lines = ["root:x:0:0:root:/root:/bin/bash"];
    for (let i = 1; i <= MAX_ACCOUNT_LINES; i++) lines.push(`u${i}:x:${10000 + i}:${10000 + i}::/nonexistent:/usr/sbin/nologin`);
    const r = await runCheckOn("kisa-unix/U-44", { "etc/passwd": lines.join("\n") + "\n", "etc/group": "root:x:0:\n" });
    expect(r.status).toBe("error");
    expect(r.message).toContain(`/etc/passwd has more than ${MAX_ACCOUNT_LINES} lines (the account-file cap)`);
  }, 60_000);

  it(`a file over ${MAX_ACCOUNT_FILE_BYTES} bytes is not even read`, async () => {
    const root = await fixtureRoot({ "etc/group": "root:x:0:\n" });
    await writeFile(path.join(root, "etc/passwd"), "root:x:0:0:root:/root:/bin/bash\n" + "#".repeat(MAX_ACCOUNT_FILE_BYTES));
    const { runChecksOn } = await import("../../helpers/check-fixture.js");
    const [r] = await runChecksOn(["kisa-unix/U-44"], root);
    expect(r?.status).toBe("error");
    expect(r?.message).toContain(`over the ${MAX_ACCOUNT_FILE_BYTES}-byte read limit`);
  });
});

describe("sysctl.d", () => {
  it(`more than ${MAX_SYSCTL_FILES} files: persisted values are error, naming the cap`, async () => {
    const root = await fixtureRoot({ "etc/sysctl.d/.keep": "", "etc/os-release": "ID=debian\nVERSION_ID=12\n" });
    const dir = path.join(root, "etc/sysctl.d");
    for (let i = 0; i <= MAX_SYSCTL_FILES; i += 500) {
      await Promise.all(Array.from({ length: 500 }, (_, j) => writeFile(path.join(dir, `${String(i + j).padStart(6, "0")}.conf`), "net.ipv4.ip_forward = 0\n")));
    }
    const { runChecksOn } = await import("../../helpers/check-fixture.js");
    const [res] = await runChecksOn(["cis-debian-12/3.3.1"], root);
    expect(res?.status).toBe("error");
    expect(res?.message).toContain(`over the ${MAX_SYSCTL_FILES}-file cap, none read`);
  }, 60_000);
});
