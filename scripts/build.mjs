// Builds the package: the library with `tsc` (JavaScript and declarations in dist/), then the `rose`
// command bundled by esbuild (a bundled start-up is about 3× faster than unbundled), split where it
// imports lazily so that a command loads only what it needs.
import { spawnSync } from "node:child_process"
import { chmodSync, cpSync, mkdirSync, rmSync } from "node:fs"
import { createRequire } from "node:module"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const root = join(dirname(fileURLToPath(import.meta.url)), "..")
const require = createRequire(import.meta.url)

rmSync(join(root, "dist"), { recursive: true, force: true })
const tscBin = join(dirname(require.resolve("typescript/package.json")), "bin/tsc")
const tsc = spawnSync(process.execPath, [tscBin, "-p", "tsconfig.build.json"], {
  cwd: root,
  stdio: "inherit"
})
if (tsc.status !== 0) process.exit(tsc.status ?? 1)
// tsc emits no .js it was not asked to compile: the vendored platform layers (a .js with its .d.ts).
cpSync(join(root, "runtime/generated"), join(root, "dist/runtime/generated"), { recursive: true })

const esbuild = await import("esbuild")
mkdirSync(join(root, "dist/bin"), { recursive: true })
await esbuild.build({
  entryPoints: { rose: join(root, "cli/main.ts") },
  outdir: join(root, "dist/bin"),
  // Each dynamic import() becomes a chunk loaded when it runs: `rose --version` evaluates a few
  // small modules, not Effect, @effect/cli, Chevrotain and the backends.
  splitting: true,
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // tsx registers module loaders at run time and must stay a real package.
  external: ["tsx", "tsx/*"],
  banner: {
    js: [
      "#!/usr/bin/env node",
      'import { createRequire as __roseCreateRequire } from "node:module";',
      "const require = __roseCreateRequire(import.meta.url);"
    ].join("\n")
  },
  logLevel: "warning",
  legalComments: "none"
})
chmodSync(join(root, "dist/bin/rose.js"), 0o755)
