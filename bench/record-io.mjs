#!/usr/bin/env node
// Record the file-system calls of one full scan of every bundled pack, in this process:
// the pack files it reads and every read, stat, lstat, readdir and readlink of the
// scanned root (wrapping node:fs/promises before dist/ is imported), and every command
// it runs. Writes them as JSON [[op, path | argv], …] to FILE for bench/io-floor.mjs. Usage: node bench/record-io.mjs FILE [ROOT]
import cp from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import { syncBuiltinESMExports } from "node:module";

const calls = [];
const wrap = (name, op) => {
  const orig = fsp[name];
  fsp[name] = function (p, ...rest) {
    if (typeof p === "string") calls.push([op, p]);
    return orig.call(this, p, ...rest);
  };
};
wrap("open", "read");
wrap("readFile", "read");
wrap("stat", "stat");
wrap("lstat", "lstat");
wrap("readdir", "readdir");
wrap("readlink", "readlink");
// Entries of a live procfs are listed, linked and stat'ed synchronously, and opened with
// the callback API; where every filesystem is local, the scanned root's paths are all
// read synchronously (HostRoot.syncCalls in src/host/host-root.ts): the same calls,
// recorded the same way, so the floor still replays each of them with fs/promises.
const wrapSync = (name, op) => {
  const orig = fs[name];
  fs[name] = function (p, ...rest) {
    if (typeof p === "string") calls.push([op, p]);
    return orig.call(this, p, ...rest);
  };
};
wrapSync("lstatSync", "lstat");
wrapSync("statSync", "stat");
wrapSync("readdirSync", "readdir");
wrapSync("readlinkSync", "readlink");
wrapSync("open", "read");
wrapSync("openSync", "read");
wrapSync("readFileSync", "read"); // pack files, where every filesystem is local
// The commands a scan runs on this host (the firewall probe's nft / iptables-save on a
// live root, …) are I/O a full scan needs too: the floor runs each of them once, the same
// way (argv, PATH lookup, output read whole). execa spawns through child_process.spawn.
const origSpawn = cp.spawn;
cp.spawn = function (file, args, ...rest) {
  if (typeof file === "string") calls.push(["spawn", [file, ...(Array.isArray(args) ? args : [])]]);
  return origSpawn.call(this, file, args, ...rest);
};
syncBuiltinESMExports();

const [out, root = "/"] = process.argv.slice(2);
const { HostRoot } = await import("../dist/host/host-root.js");
const { runScan } = await import("../dist/engine/run-scan.js");
const { loadPacks } = await import("../dist/packs/load.js");
const { DEFAULT_BENCHMARKS_DIR, PACK_CACHE_FILE } = await import("../dist/paths.js");
const { packs } = await loadPacks([DEFAULT_BENCHMARKS_DIR]);
await runScan({ host: new HostRoot({ root }), packs });
// The program's own files are not the floor's business; the check definitions are.
// (/proc/self/mountinfo: read to decide between synchronous and asynchronous calls.)
// Nor are its modules (CommonJS ones are read with readFileSync).
const repo = new URL("../", import.meta.url).pathname;
const code = [`${repo}node_modules/`, `${repo}dist/`];
const own = (p) =>
  typeof p === "string" && (p === PACK_CACHE_FILE || p.endsWith("/package.json") || p === "/proc/self/mountinfo" || code.some((c) => p.startsWith(c)));
fs.writeFileSync(out, JSON.stringify(calls.filter(([, p]) => !own(p))));
process.stdout.write(`${calls.length} calls recorded\n`);
