import { afterAll, describe, expect, it } from "vitest";
import { connect } from "node:net";
import { gunzipSync } from "node:zlib";
import type { FastifyInstance } from "fastify";
import type { FastPath } from "../../../src/agent/fast-path.js";
import { fastVerdict } from "../../../src/agent/fast-path.js";
import { buildServer } from "../../../src/agent/server.js";
import { cleanupFixtures } from "../../helpers/fixture-root.js";
import { cleanupPackDirs } from "../../helpers/inline-pack.js";
import { cleanupTempDirs, makeAgent, TOKEN } from "./helpers.js";

afterAll(async () => {
  await cleanupFixtures();
  await cleanupPackDirs();
  await cleanupTempDirs();
});

interface Answer {
  head: string;
  status: number;
  body: Buffer;
}

const fastOf = (app: FastifyInstance) => (app as unknown as { fastPath: FastPath }).fastPath;
const portOf = (app: FastifyInstance) => (app.server.address() as { port: number }).port;

/**
 * Send `chunks` (written one by one, `gapMs` apart) on one connection and read `count`
 * answers (each framed by its content-length). `closed` tells whether the server closed
 * the connection after them.
 */
function exchange(port: number, chunks: string[], count: number, gapMs = 0): Promise<{ answers: Answer[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, "127.0.0.1");
    let buf = Buffer.alloc(0);
    const answers: Answer[] = [];
    let closed = false;
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error(`${answers.length} of ${count} answers after 5 s: ${buf.toString("latin1").slice(0, 300)}`));
    }, 5000);
    const done = () => {
      clearTimeout(timer);
      resolve({ answers, closed });
    };
    s.on("data", (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (;;) {
        const end = buf.indexOf("\r\n\r\n");
        if (end < 0) break;
        const head = buf.subarray(0, end).toString("latin1");
        // The answer to a HEAD has no body whatever its content-length.
        const length = chunks[0]?.startsWith("HEAD ") ? 0 : Number(/\r\ncontent-length: (\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) break;
        answers.push({ head, status: Number(head.split(" ")[1]), body: buf.subarray(end + 4, end + 4 + length) });
        buf = buf.subarray(end + 4 + length);
      }
      if (answers.length >= count) {
        // Does the server close it? Wait briefly for the end.
        setTimeout(() => {
          s.destroy();
          done();
        }, 150);
      }
    });
    s.on("end", () => (closed = true));
    s.on("error", reject);
    s.on("connect", async () => {
      for (const c of chunks) {
        s.write(c);
        if (gapMs > 0) await new Promise((r) => setTimeout(r, gapMs));
      }
    });
  });
}

/** The head without its Date field (two servers answer in different seconds). */
const undated = (head: string) => head.replace(/\r\nDate: [^\r]*/, "");

/** One agent, scanned, served twice: with the fast path and without it (plain fastify). */
async function twoServers(opts: Parameters<typeof makeAgent>[0] = {}) {
  const t = await makeAgent(opts);
  await t.agent.triggerScan("start").run.done;
  const plain = buildServer({ agent: t.agent, token: TOKEN, logger: false, ...opts.server, fastPath: false });
  await t.app.listen({ host: "127.0.0.1", port: 0 });
  await plain.listen({ host: "127.0.0.1", port: 0 });
  return {
    ...t,
    fast: fastOf(t.app),
    fastPort: portOf(t.app),
    plainPort: portOf(plain),
    close: async () => {
      await t.app.close();
      await plain.close();
    },
  };
}

const GET = (path: string, fields: string[] = []) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\n${fields.map((f) => `${f}\r\n`).join("")}\r\n`;

describe("the scrape fast path", () => {
  it("answers /metrics (plain and gzip) and /healthz byte for byte as fastify does, without handing the connection on", async () => {
    const t = await twoServers();
    try {
      for (const req of [GET("/metrics"), GET("/metrics", ["Accept-Encoding: gzip, deflate"]), GET("/metrics", ["accept-encoding: gzip;q=0"]), GET("/healthz"), GET("/healthz", ["User-Agent: kube-probe/1.30", "Accept: */*"])]) {
        const [fast] = (await exchange(t.fastPort, [req], 1)).answers;
        const [plain] = (await exchange(t.plainPort, [req], 1)).answers;
        expect(fast?.status, req).toBe(200);
        expect(undated(fast?.head ?? ""), req).toBe(undated(plain?.head ?? ""));
        expect(fast?.head, req).toMatch(/\r\nDate: \w{3}, \d\d \w{3} \d{4} \d\d:\d\d:\d\d GMT\r\n/);
        expect(fast?.body.equals(plain?.body ?? Buffer.alloc(0)), req).toBe(true);
      }
      expect(t.fast.served).toBe(5);
      expect(t.fast.handedOff).toBe(0);
      const [zipped] = (await exchange(t.fastPort, [GET("/metrics", ["Accept-Encoding: gzip"])], 1)).answers;
      expect(zipped?.head).toContain("\r\ncontent-encoding: gzip\r\n");
      expect(gunzipSync(zipped?.body ?? Buffer.alloc(0)).toString("utf8")).toContain('nodeward_build_info{version="9.9.9",node="test-node"} 1');
    } finally {
      await t.close();
    }
  });

  it("answers pipelined requests and requests that arrive a few bytes at a time, on one keep-alive connection", async () => {
    const t = await twoServers();
    try {
      const three = await exchange(t.fastPort, [GET("/metrics") + GET("/healthz") + GET("/metrics", ["Accept-Encoding: gzip"])], 3);
      expect(three.answers.map((a) => a.status)).toEqual([200, 200, 200]);
      expect(three.answers[1]?.body.toString()).toBe('{"status":"ok"}');
      expect(three.answers[2]?.head).toContain("content-encoding: gzip");
      expect(three.closed).toBe(false);
      const req = GET("/healthz") + GET("/metrics");
      const pieces = req.match(/[\s\S]{1,7}/g) ?? [];
      const split = await exchange(t.fastPort, pieces, 2, 2);
      expect(split.answers.map((a) => a.status)).toEqual([200, 200]);
      expect(t.fast.served).toBe(5);
      expect(t.fast.handedOff).toBe(0);
    } finally {
      await t.close();
    }
  });

  it("hands anything else to fastify with every byte not yet answered: the same answers as without the fast path", async () => {
    const t = await twoServers({ server: { readsNeedToken: true } });
    try {
      const odd = [
        "HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n",
        "GET /metrics?x=1 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "GET /metrics/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "GET /readyz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "GET /api/v1/scans/latest HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
        "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\n\r\n{}",
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nHost: evil.example\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: evil.example\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Folded: a\r\n b\r\n\r\n",
        "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Bad: a\x01b\r\n\r\n",
        "GET /metrics HTTP/1.1\r\n\r\n",
      ];
      for (const req of odd) {
        const fast = await exchange(t.fastPort, [req], 1);
        const plain = await exchange(t.plainPort, [req], 1);
        expect(fast.answers[0]?.status, JSON.stringify(req)).toBe(plain.answers[0]?.status);
        expect(undated(fast.answers[0]?.head ?? ""), JSON.stringify(req)).toBe(undated(plain.answers[0]?.head ?? ""));
        expect(fast.answers[0]?.body.toString("latin1"), JSON.stringify(req)).toBe(plain.answers[0]?.body.toString("latin1"));
        expect(fast.closed, JSON.stringify(req)).toBe(plain.closed);
      }
      expect(t.fast.served).toBe(0);
      expect(t.fast.handedOff).toBe(odd.length);
      // The statuses fastify gives these, so the comparison above compares something.
      const statusOf = async (req: string) => (await exchange(t.fastPort, [req], 1)).answers[0]?.status;
      expect(await statusOf(odd[5] as string)).toBe(401);
      expect(await statusOf(odd[9] as string)).toBe(403);
      // /metrics/ is not /metrics: an unknown route, which off loopback needs the token first.
      expect(await statusOf(odd[3] as string)).toBe(401);
      expect(await statusOf(odd[12] as string)).toBe(400);
    } finally {
      await t.close();
    }
  });

  it("a connection goes on with fastify after its first other request: fast, handed on, then fastify answers the rest", async () => {
    const t = await twoServers();
    try {
      const reqs = [GET("/metrics"), GET("/api/v1/scans/latest"), GET("/healthz"), GET("/nope")];
      const together = await exchange(t.fastPort, [reqs.join("")], 4);
      expect(together.answers.map((a) => a.status)).toEqual([200, 200, 200, 404]);
      expect(JSON.parse(together.answers[1]?.body.toString() ?? "{}")).toMatchObject({ id: t.agent.latest?.id });
      const oneByOne = await exchange(t.fastPort, reqs, 4, 20);
      expect(oneByOne.answers.map((a) => a.status)).toEqual([200, 200, 200, 404]);
      expect(t.fast.served).toBe(2);
      expect(t.fast.handedOff).toBe(2);
    } finally {
      await t.close();
    }
  });

  it("Connection: close gets its answer and the connection closed", async () => {
    const t = await twoServers();
    try {
      const r = await exchange(t.fastPort, [GET("/metrics", ["Connection: close"]) + GET("/healthz")], 1);
      expect(r.answers).toHaveLength(1);
      expect(r.answers[0]?.head).toContain("\r\nConnection: close");
      expect(r.answers[0]?.head).not.toContain("Keep-Alive");
      expect(r.closed).toBe(true);
      const plain = await exchange(t.plainPort, [GET("/metrics", ["Connection: close"])], 1);
      expect(undated(r.answers[0]?.head ?? "")).toBe(undated(plain.answers[0]?.head ?? ""));
    } finally {
      await t.close();
    }
  });

  it("counts every request it answers (the idle collector) and a new exposition is served at once", async () => {
    let requests = 0;
    const t = await twoServers({ server: { onRequest: () => requests++ } });
    try {
      await exchange(t.fastPort, [GET("/metrics") + GET("/healthz")], 2);
      expect(requests).toBe(2);
      t.agent.metrics.addSection(() => "# HELP fast_path_test A test series.\n# TYPE fast_path_test gauge\nfast_path_test 1\n");
      const [a] = (await exchange(t.fastPort, [GET("/metrics")], 1)).answers;
      expect(a?.body.toString()).toContain("\nfast_path_test 1\n");
      expect(requests).toBe(3);
    } finally {
      await t.close();
    }
  });

  it("closing the server ends the connections it holds", async () => {
    const t = await makeAgent();
    await t.app.listen({ host: "127.0.0.1", port: 0 });
    const s = connect(portOf(t.app), "127.0.0.1");
    const ended = new Promise<void>((resolve) => s.on("close", () => resolve()));
    s.on("data", () => undefined);
    s.on("error", () => undefined);
    await new Promise((r) => s.on("connect", r));
    s.write(GET("/healthz"));
    await new Promise((r) => setTimeout(r, 100));
    await t.app.close();
    await ended;
    expect(fastOf(t.app).served).toBe(1);
  });
});

describe("fastVerdict", () => {
  const opts = { hostAllowed: (h: string) => h === "127.0.0.1" || h === "localhost:9850", gzipWanted: (ae: string | undefined) => ae === "gzip" };
  it("serves only GET /metrics and /healthz over HTTP/1.1 with one allowed Host and no body", () => {
    expect(fastVerdict("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\n", opts)).toEqual({ route: "metrics", gzip: true, close: false });
    expect(fastVerdict("GET /healthz HTTP/1.1\r\nhost:localhost:9850 \r\nAccept-Encoding: gzip\r\nConnection: Keep-Alive, close\r\n", opts)).toEqual({ route: "healthz", gzip: false, close: true });
    for (const head of [
      "GET /metrics HTTP/1.1\r\n",
      "GET /metrics HTTP/1.1\r\nHost: evil\r\n",
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: upgrade\r\n",
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: h2c\r\n",
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n",
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 0\r\n",
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: gzip\r\nAccept-Encoding: br\r\n",
      "GET /metrics HTTP/1.1\r\nHost : 127.0.0.1\r\n",
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX: a\x7fb\r\n",
      "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX: a\nb\r\n",
      "get /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n",
      "GET  /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n",
    ]) {
      expect(fastVerdict(head, opts), JSON.stringify(head)).toBeNull();
    }
  });
});
