/**
 * The layers of docs/contributing.md, checked on the whole import graph of src/ (type-only and
 * dynamic imports included): no edge climbs a layer, no probe imports another probe,
 * and there is no cycle. ESLint enforces the same table file by file (eslint.config.js).
 */
import { describe, expect, it } from "vitest";
import { cycles, importGraph, layerConfig, layerOf, probeToProbeEdges, upwardEdges, type Graph } from "../../helpers/import-graph.js";

const config = await layerConfig();
const graph = importGraph();

describe("the import graph of src/", () => {
  it("is read whole (every source file, with its imports)", () => {
    expect(graph.size).toBeGreaterThan(100);
    expect(graph.get("engine/run-scan.ts")).toContain("engine/run-checks.ts");
    // dynamic import() counts too
    expect(graph.get("cli/run.ts")?.some((f) => f.startsWith("cli/commands/"))).toBe(true);
  });

  it("puts every file in a layer", () => {
    expect([...graph.keys()].filter((f) => !layerOf(config.LAYERS, f))).toEqual([]);
  });

  it("has no import that climbs a layer", () => {
    expect(upwardEdges(graph, config.LAYERS)).toEqual([]);
  });

  it("has no probe importing another probe's file (beyond the listed exceptions)", () => {
    expect(config.PROBE_FILES.length).toBeGreaterThan(10);
    expect(probeToProbeEdges(graph, config.PROBE_FILES, config.PROBE_IMPORT_EXCEPTIONS)).toEqual([]);
  });

  it("lists no exception that is no longer needed", () => {
    const all = probeToProbeEdges(graph, config.PROBE_FILES);
    expect(config.PROBE_IMPORT_EXCEPTIONS.filter((e) => !all.includes(e))).toEqual([]);
  });

  it("has no cycle", () => {
    expect(cycles(graph)).toEqual([]);
  });
});

describe("the checks themselves", () => {
  const planted: Graph = new Map([
    ["host/host-root.ts", ["errors.ts", "engine/result.ts"]],
    ["engine/result.ts", ["model/vocabulary.ts"]],
    ["model/vocabulary.ts", []],
    ["errors.ts", []],
    ["probes/sysctl.ts", ["probes/file.ts", "probes/types.ts"]],
    ["probes/file.ts", ["probes/sysctl.ts"]],
    ["probes/types.ts", []],
  ]);

  it("flag a planted upward import", () => {
    expect(upwardEdges(planted, config.LAYERS)).toEqual(["host/host-root.ts -> engine/result.ts (host -> engine)"]);
  });

  it("flag a probe importing a probe", () => {
    expect(probeToProbeEdges(planted, ["sysctl", "file"])).toEqual(["sysctl -> file", "file -> sysctl"]);
  });

  it("flag a cycle", () => {
    expect(cycles(planted)).toEqual([["probes/file.ts", "probes/sysctl.ts"]]);
  });
});
