/**
 * The drift plan: every probe says what can change its answer, and what it says covers
 * what it really read. Every shipped check runs on rich fixture nodes (the compliant
 * Debian kubeadm worker, a k3s agent, an EKS node) with a PlanRecorder that keeps each
 * fact's reads: every file it stat'ed or read is watched (by name, or through a watched
 * listing of its directory), every directory it listed is watched, every procfs read is
 * covered by a declared poll, every command is accounted for.
 */
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { PlanRecorder } from "../../../src/engine/drift-plan.js";
import { runScan } from "../../../src/engine/run-scan.js";
import { HostRoot } from "../../../src/host/host-root.js";
import { probes } from "../../../src/probes/index.js";
import { isPseudoPath, pollCovers, SAFETY_NET_ONLY, KUBERNETES_PROGRAMS } from "../../../src/probes/kit/watch.js";
import { COMPONENTS } from "../../../src/probes/k8s/components.js";
import type { LoadedPack } from "../../../src/packs/load.js";
import { loadShippedPacks } from "../../helpers/check-fixture.js";
import { compliantDebianNode } from "../../helpers/compliant-debian-node.js";
import { cleanupFixtures, fixtureRoot, type FixtureSpec } from "../../helpers/fixture-root.js";
import { DISTRO_NODES } from "../../helpers/k8s-distributions.js";
import { eksNode } from "../../helpers/managed-nodes.js";

afterAll(cleanupFixtures);

/** Commands whose output follows files the probe declares (the probe's own doc says which). */
const COMMANDS_FOLLOWING_FILES: Record<string, string> = {
  rpm: "rpm -qa reads the rpm database: package declares its directory",
};

describe("every probe says what it reads", () => {
  it("has a watch declaration, or is listed as safety-net only with the reason", () => {
    const undeclared = Object.values(probes)
      .filter((p) => (p as { watch?: unknown }).watch === undefined && !Object.hasOwn(SAFETY_NET_ONLY, p.id))
      .map((p) => p.id);
    expect(undeclared).toEqual([]);
    for (const [id, why] of Object.entries(SAFETY_NET_ONLY)) {
      expect(Object.hasOwn(probes, id), `${id} is registered`).toBe(true);
      expect(why.trim()).not.toBe("");
    }
  });

  it("polls the processes of every Kubernetes component the resolvers look for", () => {
    for (const c of COMPONENTS) expect(KUBERNETES_PROGRAMS).toContain(c);
  });
});

const NODES: Record<string, () => FixtureSpec> = {
  "kubeadm worker on compliant Debian": () => compliantDebianNode(),
  "k3s agent": () => (DISTRO_NODES["k3s-agent"] as { node(): FixtureSpec }).node(),
  "EKS AL2023": () => eksNode(),
};

let shipped: LoadedPack[] | undefined;
async function packs(): Promise<LoadedPack[]> {
  shipped ??= (await loadShippedPacks()).packs;
  return shipped;
}

describe("what a probe declares covers what it read", () => {
  for (const [name, node] of Object.entries(NODES)) {
    it(`on a ${name}: every file, listing, procfs read and command of every fact`, async () => {
      const root = await fixtureRoot(node());
      const host = new HostRoot({ root });
      const rec = new PlanRecorder(host, { keepReads: true });
      await runScan({ host, packs: await packs(), inventory: false, recorder: rec, deep: true });
      const plan = await rec.plan();
      expect(rec.declared.size).toBeGreaterThan(100);
      const gaps: string[] = [];
      for (const [factKey, { probe, reads, spec }] of rec.declared) {
        const paths = new Set(spec.paths ?? []);
        const dirs = new Set(spec.dirs ?? []);
        const globs = new Set((spec.globs ?? []).map((g) => `${g.dir}\0${g.match}`));
        const polls = spec.poll ?? [];
        const unwatched = spec.unwatched ?? [];
        if (unwatched.length > 0 && paths.size === 0 && dirs.size === 0) continue; // said: the safety net's
        const statPolled = new Set(polls.flatMap((p) => (p.kind === "stat" || p.kind === "content" ? p.paths : [])));
        for (const f of reads.files) {
          const covered = dirs.has(path.posix.dirname(f)) || (isPseudoPath(f) ? statPolled.has(f) : paths.has(f));
          if (!covered) gaps.push(`${factKey}: file ${f}`);
        }
        for (const d of reads.dirs) {
          if (!(isPseudoPath(d) ? statPolled.has(d) : dirs.has(d))) gaps.push(`${factKey}: listing ${d}`);
        }
        for (const g of reads.globs) {
          const covered = dirs.has(g.dir) || globs.has(`${g.dir}\0${g.match}`) || (isPseudoPath(g.dir) && statPolled.has(g.dir));
          if (!covered) gaps.push(`${factKey}: glob listing ${g.dir}/${g.match}`);
        }
        for (const rel of reads.proc) if (!pollCovers(polls, rel)) gaps.push(`${factKey}: /proc/${rel}`);
        for (const argv of reads.commands) {
          const a0 = argv[0] ?? "";
          if (!(paths.has(a0) || unwatched.length > 0 || Object.hasOwn(COMMANDS_FOLLOWING_FILES, a0))) gaps.push(`${factKey}: command ${argv.join(" ")} (${probe})`);
        }
        expect(plan.facts[factKey]?.unwatched.filter((u) => u.startsWith("procfs read but not polled")) ?? []).toEqual([]);
      }
      expect(gaps).toEqual([]);
      // Every decided check maps to the facts it was decided from.
      expect(Object.keys(plan.checks).length).toBeGreaterThan(300);
      for (const keys of Object.values(plan.checks)) for (const k of keys) expect(plan.facts[k]).toBeDefined();
    });
  }
});

describe("the plan of one check", () => {
  it("names the file an sshd keyword depends on and the names its Include globs, and a baseline as the fact saw it", async () => {
    const root = await fixtureRoot(compliantDebianNode());
    const host = new HostRoot({ root });
    const rec = new PlanRecorder(host);
    const p = (await packs()).find((x) => x.meta.id === "cis-debian-12") as LoadedPack;
    await runScan({ host, packs: [p], filter: { checks: ["cis-debian-12/5.1.20"] }, inventory: false, recorder: rec });
    const plan = await rec.plan();
    const facts = plan.checks["cis-debian-12/5.1.20"] ?? [];
    const sshd = facts.map((k) => plan.facts[k]).find((f) => f?.probe === "sshd-config");
    expect(sshd?.paths).toContain("/etc/ssh/sshd_config");
    // Include /etc/ssh/sshd_config.d/*.conf: that directory's *.conf names, not every entry.
    expect(sshd?.globs).toContainEqual({ dir: "/etc/ssh/sshd_config.d", match: "*.conf" });
    expect(sshd?.dirs).not.toContain("/etc/ssh/sshd_config.d");
    expect(plan.baseline["f:/etc/ssh/sshd_config"]).toMatch(/^f:/);
    expect(sshd?.unwatched).toEqual([]);
  });

  it("watches /var/log's entries for their metadata only for 6.1.4.1's walk (an appended log changes nothing it judges), never sshd_config's content", async () => {
    const root = await fixtureRoot({ ...compliantDebianNode(), "var/log/app.log": { content: "x\n", mode: 0o640 } });
    const host = new HostRoot({ root });
    const rec = new PlanRecorder(host);
    const p = (await packs()).find((x) => x.meta.id === "cis-debian-12") as LoadedPack;
    await runScan({ host, packs: [p], filter: { checks: ["cis-debian-12/6.1.4.1", "cis-debian-12/5.1.20"] }, inventory: false, recorder: rec });
    const plan = await rec.plan();
    const walk = (plan.checks["cis-debian-12/6.1.4.1"] ?? []).map((k) => plan.facts[k]).find((f) => f?.probe === "file-tree");
    expect(walk?.dirs).toContain("/var/log");
    expect(walk?.metaOnly).toContain("/var/log");
    // What the walk saw of the entry: its type, mode, owner and group, and that it is not empty.
    expect(plan.baseline["m:/var/log/app.log"]).toBe(`f:640:${process.getuid?.()}:${process.getgid?.()}`);
    const sshd = (plan.checks["cis-debian-12/5.1.20"] ?? []).map((k) => plan.facts[k]).find((f) => f?.probe === "sshd-config");
    expect(sshd?.paths).toContain("/etc/ssh/sshd_config");
    expect(sshd?.metaOnly).toBeUndefined();
  });

  it("no check judges a file's size beyond its emptiness (what a metadata-only watch keeps of it: metadataKey)", async () => {
    const { readdir, readFile } = await import("node:fs/promises");
    const bench = path.resolve("benchmarks");
    const sizes: string[] = [];
    for (const dir of await readdir(bench)) {
      for (const f of (await readdir(path.join(bench, dir)).catch(() => [])).filter((n) => n.endsWith(".yaml"))) {
        for (const line of (await readFile(path.join(bench, dir, f), "utf8")).split("\n")) {
          if (/^\s+size:/.test(line)) sizes.push(`${dir}/${f}: ${line.trim()}`);
        }
      }
    }
    expect(sizes.length).toBeGreaterThan(0);
    expect(sizes.filter((l) => !l.endsWith("size: { gt: 0 }"))).toEqual([]);
  });

  it("polls a sysctl's running value with the value the fact read as baseline (a Kubernetes node forwards)", async () => {
    const root = await fixtureRoot(compliantDebianNode());
    const host = new HostRoot({ root });
    const rec = new PlanRecorder(host);
    const p = (await packs()).find((x) => x.meta.id === "cis-debian-12") as LoadedPack;
    await runScan({ host, packs: [p], filter: { checks: ["cis-debian-12/3.3.1"] }, inventory: false, recorder: rec });
    const plan = await rec.plan();
    const poll = plan.polls["proc:sys/net/ipv4/ip_forward"];
    expect(poll).toEqual({ spec: { kind: "proc", paths: ["sys/net/ipv4/ip_forward"] }, fingerprint: "sys/net/ipv4/ip_forward=1" });
  });
});
