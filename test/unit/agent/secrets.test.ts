/**
 * Issue 19 (redaction by construction), seen from the running agent: secrets planted in
 * the files a kubernetes-node scan reads — a kubeconfig token and key data, a bearer
 * header in the kubelet's config, a token and a password in the kubelet's environment
 * files, a password in sshd_config, a crypt hash in /etc/shadow, a URL's password in
 * journal-upload.conf — never appear in any live API response (every route, every format,
 * every check, every dashboard page), in the agent's state.json, or in
 * its log at debug level. The agent is wired as `nodeward serve` wires it (prepareAgent),
 * with the scan in-process (the scan process runs the same runScan).
 */
import { afterAll, describe, expect, it } from "vitest";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { prepareAgent } from "../../../src/agent/serve.js";
import { buildServer } from "../../../src/agent/server.js";
import { reporters } from "../../../src/report/index.js";
import { cleanupFixtures, fixtureRoot } from "../../helpers/fixture-root.js";
import { compliantDebianNode, layer } from "../../helpers/compliant-debian-node.js";
import { cleanupTempDirs, tempDir, TOKEN } from "./helpers.js";

afterAll(async () => {
  await cleanupFixtures();
  await cleanupTempDirs();
});

const KUBECONFIG_TOKEN = "PLANTEDkubeconfigTOKEN19aaaa";
const KEY_DATA = "UExBTlRFRC1DTElFTlQtS0VZLURBVEEtMTk=";
const BEARER = "PLANTEDbearerHEADER19bbbb";
const ENV_TOKEN = "PLANTEDenvTOKEN19cccc";
const ENV_PASSWORD = "PLANTEDenvPASSWORD19dddd";
const SSHD_PASSWORD = "PLANTEDsshdPASSWORD19eeee";
const HASH = "PLANTEDshadowHASH19ffff";
const URL_PASSWORD = "PLANTEDurlPASSWORD19gggg";
const SECRETS = [KUBECONFIG_TOKEN, KEY_DATA, BEARER, ENV_TOKEN, ENV_PASSWORD, SSHD_PASSWORD, HASH, URL_PASSWORD];

function leaks(where: string, text: string): string[] {
  return SECRETS.filter((s) => text.includes(s)).map((s) => `${where}: ${s}`);
}

describe("secrets planted in scanned files never leave the agent", () => {
  it("not in any API response, not in state.json, not in the log", async () => {
    const base = compliantDebianNode({ kubeletConfig: { staticPodURLHeader: { Authorization: [`Bearer ${BEARER}`] } } });
    const spec = layer(base, {
      "etc/kubernetes/kubelet.conf": {
        content: `apiVersion: v1\nkind: Config\nusers:\n- name: system:node:cp1\n  user:\n    token: ${KUBECONFIG_TOKEN}\n    client-key-data: ${KEY_DATA}\n`,
        mode: 0o600,
        uid: 0,
        gid: 0,
      },
      "etc/default/kubelet": { content: `KUBELET_EXTRA_ARGS="--token=${ENV_TOKEN}"\nREGISTRY_PASSWORD=${ENV_PASSWORD}\n`, mode: 0o600, uid: 0, gid: 0 },
      "etc/ssh/sshd_config": `# root password: ${SSHD_PASSWORD}\nPermitRootLogin no\nPasswordAuthentication no\nBanner password=${SSHD_PASSWORD}\n`,
      "etc/shadow": { content: `root:$6$plantedsalt$${HASH}abcdefghijklmnop:19000:0:99999:7:::\n`, mode: 0o640, uid: 0, gid: 42 },
      // Quoted by the manual check 6.1.2.1.2 (its settings shown): its redacted form must be in the report.
      "etc/systemd/journal-upload.conf": `[Upload]\nURL=https://u:${URL_PASSWORD}@logs.example:19532\n`,
    });
    const root = await fixtureRoot(spec);
    const work = await tempDir();
    const configPath = path.join(work, "config.yaml");
    const stateDir = path.join(work, "state");
    await writeFile(configPath, `root: ${root}\nstateDir: ${stateDir}\nprofile: kubernetes-node\nlogLevel: debug\nscanOnStart: false\n`);
    const chunks: string[] = [];
    const { agent, store, log } = await prepareAgent({ configPath, log: { format: "json", stream: { write: (s: string) => chunks.push(s) } } }, "inline");
    const app = buildServer({ agent, token: TOKEN, logger: log, readsNeedToken: true });
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await app.inject({ method: "POST", url: "/api/v1/scans", headers: auth })).statusCode).toBe(202);
    await agent.scheduler.running?.done;
    await store.flush();

    // The files were read: the kubelet's config is judged, sshd's settings seen, and journal-upload.conf's URL
    // quoted (redacted) — so the assertions below are not passed by a secret nothing read.
    const results = agent.latest?.report.results ?? [];
    expect(results.length).toBeGreaterThan(100);
    expect(results.filter((r) => r.status === "pass" || r.status === "fail").length).toBeGreaterThan(50);
    expect(JSON.stringify(results)).toContain("https://u:[redacted]@logs.example:19532");

    const found: string[] = [];
    const get = async (url: string, headers: Record<string, string> = {}) => {
      const res = await app.inject({ url, headers: { ...auth, ...headers } });
      expect(res.statusCode, url).toBe(200);
      found.push(...leaks(url, res.body));
    };
    for (const format of Object.keys(reporters)) await get(`/api/v1/scans/latest?format=${format}`);
    await get("/api/v1/scans/latest");
    await get("/api/v1/scans");
    await get("/api/v1/checks");
    await get("/metrics");
    await get("/readyz");
    for (const c of agent.catalog()) await get(`/api/v1/checks/${encodeURIComponent(c.key)}`);
    // The dashboard: overview (plain and gzip-free), errors, every check's page.
    await get("/ui");
    await get("/ui/errors");
    for (const r of results) await get(`/ui/checks/${encodeURIComponent(r.pack)}/${encodeURIComponent(r.id)}`);

    for (const f of await readdir(stateDir)) found.push(...leaks(`state/${f}`, await readFile(path.join(stateDir, f), "utf8")));
    const logText = chunks.join("");
    expect(logText).toContain("finished in");
    found.push(...leaks("log", logText));
    expect(found).toEqual([]);
    await app.close();
  }, 180_000);
});
