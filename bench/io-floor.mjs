#!/usr/bin/env node
// The I/O floor of a full scan, as its own process: replay, with bare fs/promises calls
// at the scan's concurrency (16), exactly the file-system calls one full scan of every
// bundled pack made (recorded by bench/record-io.mjs), and the commands it ran (spawned
// with the same argv, their output read whole), then exit. What a scan costs above
// this is nodeward's own work: module loading, pack loading, parsing, matching, reporting.
// Usage: node bench/io-floor.mjs CALLS.json
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import * as fsp from "node:fs/promises";

/** Run a command as the scan does (argv, PATH lookup, stdin closed, output read whole). */
function run([file, ...args]) {
  return new Promise((resolve) => {
    const child = spawn(file, args, { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, LC_ALL: "C", LANG: "C" } });
    child.stdout.on("data", () => {});
    child.stderr.on("data", () => {});
    child.on("error", resolve); // not installed: the scan paid for the PATH walk too
    child.on("close", resolve);
  });
}

const calls = JSON.parse(await readFile(process.argv[2], "utf8"));
let next = 0;
async function worker() {
  while (next < calls.length) {
    const [op, p] = calls[next++];
    try {
      if (op === "spawn") await run(p);
      else if (op === "read") await fsp.readFile(p);
      else await fsp[op](p);
    } catch {
      // a missing file is a fact too: the scan made the call and got ENOENT
    }
  }
}
await Promise.all(Array.from({ length: 16 }, worker));
