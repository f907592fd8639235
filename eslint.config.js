// Lint: typescript-eslint's recommended rules, plus the seams DESIGN.md draws —
// probes read the host only through HostRoot and run commands only through ctx.run.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

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
  {
    files: ["src/probes/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          paths: [
            { name: "node:fs", message: "probes read through ctx.host (HostRoot) so --root and fixtures work", allowTypeImports: true },
            { name: "node:fs/promises", message: "probes read through ctx.host (HostRoot) so --root and fixtures work" },
            { name: "fs", message: "probes read through ctx.host (HostRoot)" },
            { name: "execa", message: "probes run commands through ctx.run" },
            { name: "node:child_process", message: "probes run commands through ctx.run" },
            { name: "systeminformation", message: "systeminformation sees only this machine; it is report metadata, never evidence" },
          ],
        },
      ],
    },
  },
  {
    files: ["src/engine/**/*.ts"],
    rules: {
      "no-restricted-imports": ["error", { patterns: [{ group: ["**/agent/**", "**/cli/**", "**/remediation/**", "**/report/**"], message: "the engine imports nothing above it (DESIGN.md layers)" }] }],
    },
  },
);
