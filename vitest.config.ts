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
          setupFiles: ["test/setup/load-zod.ts", "test/setup/forget-yaml.ts"],
          // A hang guard, not a speed limit (speed lives in `npm run bench`): several tests run
          // the CLI a few times and took 20-25 s on a shared 2-core machine at load 15-20.
          testTimeout: 60_000,
          hookTimeout: 60_000,
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
