// Lint: typescript-eslint's recommended rules, plus the seams docs/contributing.md draws —
// probes read the host only through HostRoot and run commands only through ctx.run —
// and the layers: imports point down, never up (test/unit/architecture.test.ts checks
// the same table against the whole import graph, and that it has no cycle).
import { readFileSync } from "node:fs";
import js from "@eslint/js";
import tseslint from "typescript-eslint";

/**
 * The layers, top to bottom (docs/contributing.md, "Layering"). A layer's files may import their own
 * layer and the layers it names in `may`; anything else is an upward (or sideways) import.
 * `dir` is the folder under src/; `base` is the bottom: the shared vocabulary (src/model/),
 * small utilities (src/util/), errors and paths.
 */
export const LAYERS = [
  { name: "cli", dir: "cli", may: ["agent", "remediation", "report", "engine", "probes", "packs", "host", "matchers", "base"] },
  { name: "agent", dir: "agent", may: ["remediation", "report", "engine", "probes", "packs", "host", "matchers", "base"] },
  { name: "remediation", dir: "remediation", may: ["engine", "probes", "packs", "host", "matchers", "base"] },
  { name: "report", dir: "report", may: ["engine", "probes", "packs", "host", "matchers", "base"] },
  { name: "engine", dir: "engine", may: ["probes", "packs", "host", "matchers", "base"] },
  // packs validate probe params and compile matchers at load; probes never read packs.
  { name: "packs", dir: "packs", may: ["probes", "host", "matchers", "base"] },
  { name: "probes", dir: "probes", may: ["host", "base"] },
  { name: "host", dir: "host", may: ["base"] },
  { name: "matchers", dir: "matchers", may: ["base"] },
  { name: "base", dirs: ["model", "util"], files: ["errors.ts", "paths.ts"], may: [] },
];

/**
 * A probe never imports another probe's file: what two probes share goes to a kit module
 * (src/probes/kit/, src/probes/parse/; the Kubernetes resolvers in src/probes/k8s/ and
 * src/probes/distributions/). The probes are the registry's imports.
 */
export const PROBE_FILES = [...readFileSync(new URL("./src/probes/index.ts", import.meta.url), "utf8").matchAll(/^import \w+ from "\.\/([\w-]+)\.js";$/gm)].map((m) => m[1]);
export const PROBE_IMPORT_EXCEPTIONS = [];

const layerDirs = (l) => l.dirs ?? [l.dir];
const upward = (layer) =>
  LAYERS.filter((l) => l !== layer && !layer.may.includes(l.name) && l.name !== "base").flatMap(layerDirs);

function layerRules(layer) {
  const dirs = upward(layer);
  const files = layer.dirs || layer.files ? [...layerDirs(layer).map((d) => `src/${d}/**/*.ts`), ...(layer.files ?? []).map((f) => `src/${f}`)] : [`src/${layer.dir}/**/*.ts`];
  return {
    files,
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              // Any relative specifier passing through a forbidden layer's folder.
              regex: `^\\.{1,2}/(?:\\.\\./)*(?:${dirs.join("|")})/`,
              message: layer.may.length > 0 ? `${layer.name} imports only ${layer.may.join(", ")} (layers in eslint.config.js, docs/contributing.md)` : `${layer.name} is the bottom layer: it imports no other layer (eslint.config.js, docs/contributing.md)`,
            },
          ],
        },
      ],
    },
  };
}

const probeSeam = [
  { name: "node:fs", message: "probes read through ctx.host (HostRoot) so --root and fixtures work", allowTypeImports: true },
  { name: "node:fs/promises", message: "probes read through ctx.host (HostRoot) so --root and fixtures work" },
  { name: "fs", message: "probes read through ctx.host (HostRoot)" },
  { name: "execa", message: "probes run commands through ctx.run" },
  { name: "node:child_process", message: "probes run commands through ctx.run" },
];

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "coverage/", "test/golden/", "test/fixtures/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", console: "readonly", URL: "readonly", performance: "readonly", setTimeout: "readonly", clearTimeout: "readonly", Buffer: "readonly", fetch: "readonly" } },
    rules: {
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
    },
  },
  ...LAYERS.filter((l) => upward(l).length > 0).map(layerRules),
  {
    // Issue 19: an argument spread grows the stack with the input (push(...list) throws
    // RangeError past ~100k items: 130k accounts crashed the scan). Use pushAll (src/util/array.ts).
    files: ["src/**/*.ts"],
    rules: {
      "no-restricted-syntax": [
        "error",
        { selector: "CallExpression[callee.property.name=/^(push|unshift)$/] > SpreadElement", message: "no argument spread of a list: use pushAll (src/util/array.ts) or a loop" },
        { selector: "CallExpression[callee.object.name='Math'][callee.property.name=/^(max|min)$/] > SpreadElement", message: "Math.max/min(...list) overflows on long lists: use a loop" },
      ],
    },
  },
  {
    files: ["src/probes/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": ["error", { paths: probeSeam }],
    },
  },
  ...PROBE_FILES.map((id) => {
    const allowed = PROBE_IMPORT_EXCEPTIONS.filter((e) => e.startsWith(`${id} -> `)).map((e) => e.split(" -> ")[1]);
    const others = PROBE_FILES.filter((p) => p !== id && !allowed.includes(p));
    return {
      files: [`src/probes/${id}.ts`],
      rules: {
        "no-restricted-imports": [
          "error",
          {
            patterns: [
              { regex: `^\\./(?:${others.join("|")})\\.js$`, message: "a probe never imports another probe: move what they share to src/probes/kit/ or src/probes/parse/" },
              // The layer rule for probes, repeated: a later config object replaces the rule's options.
              { regex: `^\\.{1,2}/(?:\\.\\./)*(?:${upward(LAYERS.find((l) => l.name === "probes")).join("|")})/`, message: "probes import only host and base (layers in eslint.config.js, docs/contributing.md)" },
            ],
          },
        ],
      },
    };
  }),
);
