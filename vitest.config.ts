import { defineConfig } from "vitest/config";

// Two projects: `unit` runs everywhere in seconds (fixture roots in temp dirs);
// `integration` needs root and Debian packages (debootstrap, prometheus,
// chromium, systemd-container) that test/integration/setup.sh installs.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          setupFiles: ["test/setup/load-zod.ts"],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: "integration",
          include: ["test/integration/**/*.test.ts"],
          setupFiles: ["test/setup/load-zod.ts"],
          testTimeout: 300_000,
          hookTimeout: 300_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
