/**
 * Reading a running agent from a black-box test: its /metrics text (a check's status gauge,
 * a plain sample) and a GET over its unix socket. Shared by the drift integration tests.
 */
import { request } from "node:http";

/** The value of `nodeward_check_status` for `pack/id`, or undefined when the series is absent. */
export function gauge(text: string, key: string): number | undefined {
  const [pack, id] = key.split("/") as [string, string];
  const line = text.split("\n").find((l) => l.startsWith(`nodeward_check_status{pack="${pack}",id="${id}",`));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(" ") + 1));
}

/** The value of an unlabelled sample `name`, NaN when absent. */
export function sample(text: string, name: string): number {
  const line = text.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? NaN : Number(line.slice(name.length + 1));
}

/** GET `urlPath` from the agent listening on the unix socket `socketPath` (5 s timeout). */
export function getOverSocket(socketPath: string, urlPath: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: urlPath, timeout: 5000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end();
  });
}
