import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: "unit",
          include: ["test/unit/**/*.test.ts"],
          globalSetup: ["test/setup/tmpdir.ts"],
          testTimeout: 30_000
        }
      },
      {
        test: {
          name: "integration",
          // examples/: a plugin example's own tests (they import the built package, like its users)
          include: ["test/integration/**/*.test.ts", "examples/**/*.test.ts"],
          // starts (or reuses) the sshd hosts and the SLURM cluster, installing packages as root
          globalSetup: ["test/setup/tmpdir.ts", "test/integration/setup/global.ts"],
          pool: "forks",
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 180_000,
          hookTimeout: 180_000
        }
      }
    ]
  }
})
