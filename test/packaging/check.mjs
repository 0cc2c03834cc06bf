#!/usr/bin/env node
// The packaging check: packs the package as `npm publish` would (`npm pack`, which runs `prepare`,
// the build), installs the tarball into a fresh project in the temp folder (outside this tree, so
// nothing resolves back into it), and there:
//   - measures what the tarball alone installs (packages, bytes) and fails when a package in it has
//     an install script (or a binding.gyp, which npm builds as one), when it exceeds INSTALL_BUDGET,
//     or when it holds tsx (an optional peer, wanted only to load .ts modules on an older Node);
//   - runs the installed `rose`: --version, check and plan on the examples, run on an example (a
//     dry run of the seed's full example and a real run of its static one), run of a program module
//     written in TypeScript: without tsx on a Node that cannot strip types it must fail naming the
//     command that installs tsx, and after that command it must run;
//   - type-checks a TypeScript consumer that imports every entry point (with the installed
//     declarations; skipLibCheck off), compiles it and runs it on Node;
//   - with `--runtimes DIR` (a folder holding `deno` and `bun`), runs the same consumer as
//     TypeScript on Bun (the package's .ts sources) and on Deno (its dist/*.js).
// Usage: node test/packaging/check.mjs [--runtimes DIR] [--keep]
import { spawnSync } from "node:child_process"
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync
} from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..")
const args = process.argv.slice(2)
const runtimesAt = args.indexOf("--runtimes")
const runtimes = runtimesAt >= 0 ? resolve(args[runtimesAt + 1] ?? "") : undefined
const keep = args.includes("--keep")
const manifest = JSON.parse(readFileSync(join(root, "package.json"), "utf8"))
// What `npm install rose-ts` may put in a project: effect and @effect/platform alone are ~55 MB.
const INSTALL_BUDGET = 70 * 1000 * 1000
// The one install script the check lets through, and why: @effect/platform (which rose-ts cannot do
// without: its FileSystem, Path and CommandExecutor are the services programs and plugins get)
// depends on msgpackr, whose optionalDependency msgpackr-extract runs `node-gyp-build-optional-packages`.
// That script only checks for its prebuilt binary (an optional package npm installs beside it) and
// a failure cannot fail the install; only the consumer's own package.json (overrides, --omit=optional)
// could drop it. Any other package with an install script fails the check.
const TOLERATED_INSTALL_SCRIPTS = { "msgpackr-extract": "optional dependency of msgpackr, from @effect/platform" }
// Generous: this runs on shared, often loaded machines.
const TIMEOUT = 600_000

const started = Date.now()
const log = (text) => process.stdout.write(`[packaging ${((Date.now() - started) / 1000).toFixed(0)}s] ${text}\n`)

// Children must not inherit npm's per-script settings (npm_config_local_prefix and friends point at
// this tree when the check runs from `npm run`).
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.toLowerCase().startsWith("npm_")))
env.NO_COLOR = "1"

const fail = (message) => {
  process.stderr.write(`\npackaging check FAILED: ${message}\n`)
  if (work !== undefined) process.stderr.write(`(the project is kept in ${work})\n`)
  process.exit(1)
}

/** Runs a command; fails the check unless it exits with `expect` (0 by default). */
const run = (cmd, argv, options = {}) => {
  const shown = [cmd, ...argv].join(" ")
  const r = spawnSync(cmd, argv, {
    cwd: options.cwd ?? project,
    env: { ...env, ...options.env },
    encoding: "utf8",
    timeout: TIMEOUT,
    maxBuffer: 64 * 1024 * 1024
  })
  const output = `${r.stdout ?? ""}${r.stderr ?? ""}`
  const expect = options.expect ?? 0
  if (r.error !== undefined || r.status !== expect) {
    fail(
      `${shown} (in ${options.cwd ?? project}) ${r.error === undefined ? `exited ${r.status ?? r.signal}` : r.error.message}, expected ${expect}\n${output}`
    )
  }
  return { stdout: r.stdout ?? "", stderr: r.stderr ?? "", output }
}

const check = (ok, message) => {
  if (!ok) fail(message)
}

let work
let project = root

// 1. Pack.
work = mkdtempSync(join(tmpdir(), "rose-pack-"))
log(`npm pack (prepare builds dist/) into ${work}`)
const packedAt = Date.now()
run("npm", ["pack", "--pack-destination", work], { cwd: root })
check(statSync(join(root, "dist/bin/rose.js")).mtimeMs >= packedAt - 1000, "npm pack did not run the build (prepare)")
const tarballs = readdirSync(work).filter((f) => f.endsWith(".tgz"))
check(tarballs.length === 1, `npm pack left ${tarballs.length} tarballs`)
const tarball = join(work, tarballs[0])
const entries = new Set(
  run("tar", ["-tzf", tarball], { cwd: work })
    .stdout.split("\n")
    .filter((l) => l.length > 0)
    .map((l) => l.replace(/^package\//, ""))
)
log(`${tarballs[0]}: ${entries.size} files`)

// Everything package.json points at is in the tarball; tests, sources of examples and the like are not.
const targets = [manifest.bin.rose, manifest.main, manifest.types].filter((t) => t !== undefined)
const walk = (value) => {
  if (typeof value === "string") targets.push(value)
  else if (value !== null && typeof value === "object") for (const v of Object.values(value)) walk(v)
}
walk(manifest.exports)
for (const t of targets)
  check(entries.has(t.replace(/^\.\//, "")), `the tarball lacks ${t}, which package.json points at`)
for (const e of entries) {
  check(!e.endsWith(".test.ts") && !e.startsWith("test/") && !e.startsWith("node_modules/"), `the tarball holds ${e}`)
}
check(
  readFileSync(join(root, "dist/bin/rose.js"), "utf8").startsWith("#!/usr/bin/env node"),
  "dist/bin/rose.js has no shebang"
)

// 2. A fresh project with the tarball installed: no path leads back into this tree.
project = join(work, "project")
mkdirSync(project)
writeFileSync(
  join(project, "package.json"),
  `${JSON.stringify({ name: "rose-consumer", version: "0.0.0", private: true, type: "module" }, null, 2)}\n`
)
cpSync(join(root, "test/packaging/consumer"), project, { recursive: true, dereference: true })
mkdirSync(join(project, "examples"))
cpSync(join(root, "examples/parallel-learners"), join(project, "examples/parallel-learners"), { recursive: true })
const dev = manifest.devDependencies
const deps = manifest.dependencies
const npmInstall = (...packages) => {
  log(`npm install ${packages.map((p) => p.replace(work, "…")).join(" ")}`)
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...packages])
}
npmInstall(tarball)
check(existsSync(join(project, "node_modules/rose-ts/dist/bin/rose.js")), "rose-ts is not installed")
check(existsSync(join(project, "node_modules/.bin/rose")), "npm linked no rose command")

// What the tarball alone brought: every package folder (nested node_modules included), its files'
// bytes, and which packages would run code at install time.
const installed = { packages: [], bytes: 0, scripts: [], tolerated: [] }
const bytesIn = (dir) => {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const at = join(dir, entry.name)
    if (entry.isDirectory()) total += bytesIn(at)
    else if (entry.isFile()) total += statSync(at).size
  }
  return total
}
const visitPackages = (modules) => {
  if (!existsSync(modules)) return
  for (const entry of readdirSync(modules, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue
    if (entry.name.startsWith("@")) {
      for (const scoped of readdirSync(join(modules, entry.name), { withFileTypes: true }))
        if (scoped.isDirectory()) visitPackage(join(modules, entry.name, scoped.name))
    } else visitPackage(join(modules, entry.name))
  }
}
const visitPackage = (dir) => {
  const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"))
  const name = `${pkg.name}@${pkg.version}`
  installed.packages.push(name)
  const hooks = ["preinstall", "install", "postinstall"].filter((h) => pkg.scripts?.[h] !== undefined)
  const script =
    hooks.length > 0
      ? hooks.map((h) => `${h}: ${pkg.scripts[h]}`).join(", ")
      : existsSync(join(dir, "binding.gyp"))
        ? "binding.gyp: node-gyp rebuild"
        : undefined
  if (script !== undefined) {
    const tolerated = TOLERATED_INSTALL_SCRIPTS[pkg.name]
    if (tolerated === undefined) installed.scripts.push(`${name} (${script})`)
    else installed.tolerated.push(`${name} (${tolerated})`)
  }
  visitPackages(join(dir, "node_modules"))
}
visitPackages(join(project, "node_modules"))
installed.bytes = bytesIn(join(project, "node_modules"))
const megabytes = (bytes) => `${(bytes / 1e6).toFixed(1)} MB`
log(`the tarball installs ${installed.packages.length} packages, ${megabytes(installed.bytes)}`)
if (installed.tolerated.length > 0) log(`install scripts let through: ${installed.tolerated.join(", ")}`)
check(
  installed.scripts.length === 0,
  `packages in the install run code at install time:\n  ${installed.scripts.join("\n  ")}`
)
check(
  installed.bytes <= INSTALL_BUDGET,
  `the install is ${megabytes(installed.bytes)}, over its budget of ${megabytes(INSTALL_BUDGET)}:\n  ${installed.packages.sort().join("\n  ")}`
)
check(
  !installed.packages.some((p) => p.startsWith("tsx@") || p.startsWith("esbuild@")),
  "the install holds tsx or esbuild, which only loading .ts modules on an older Node needs"
)

// 3. The installed command.
const rose = (...argv) => run("npx", ["--no-install", "rose", ...argv])
const version = rose("--version").stdout.trim()
check(version === manifest.version, `rose --version printed ${JSON.stringify(version)}, not ${manifest.version}`)
log(`rose --version: ${version}`)
const examples = readdirSync(join(project, "examples/parallel-learners"))
  .filter((f) => f.endsWith(".rose"))
  .map((f) => `examples/parallel-learners/${f}`)
rose("check", ...examples)
log(`rose check: ${examples.join(", ")} ok`)
const broken = join(project, "broken.rose")
writeFileSync(broken, 'active "a" {\n  trainng = exec "true"\n}\n')
check(
  /broken\.rose:\d+:\d+ error\[E\d+\]/.test(
    run("npx", ["--no-install", "rose", "check", "broken.rose"], { expect: 2 }).output
  ),
  "rose check on a broken file"
)
rose("plan", "examples/parallel-learners/full.rose", "--iterations", "2")
rose("run", "examples/parallel-learners/full.rose", "--dry-run", "--out", "runs/full-dry")
const readResults = (dir) => JSON.parse(readFileSync(join(project, dir, "results.json"), "utf8"))
check(readResults("runs/full-dry").status === "completed", "the dry run of full.rose did not complete")
log("rose plan and rose run --dry-run on examples/parallel-learners/full.rose: ok")
rose("run", "examples/parallel-learners/static.rose", "--out", "runs/static")
const staticResults = readResults("runs/static")
check(
  staticResults.status === "completed" && staticResults.learners.length === 2,
  `static.rose: ${JSON.stringify(staticResults.status)}`
)
check(existsSync(join(project, "runs/static/report.html")), "static.rose: no report.html")
log("rose run examples/parallel-learners/static.rose: completed")
// A TypeScript program module. Without tsx, a Node that cannot strip types must say what to install.
if (process.features.typescript) {
  log(`Node ${process.versions.node} strips types itself: fixtures/program.ts runs without tsx`)
} else {
  const refused = run("npx", ["--no-install", "rose", "run", "fixtures/program.ts", "--out", "runs/no-tsx"], {
    expect: 2
  }).output
  check(
    refused.includes("fixtures/program.ts") &&
      refused.includes("needs tsx") &&
      refused.includes("npm install --save-dev tsx"),
    `rose run fixtures/program.ts without tsx did not name the command that installs it:\n${refused}`
  )
  log("rose run fixtures/program.ts without tsx: refused, naming `npm install --save-dev tsx`")
  npmInstall(`tsx@${dev.tsx}`)
}
rose("run", "fixtures/program.ts", "--out", "runs/module")
const moduleResults = readResults("runs/module")
check(
  moduleResults.learners.every((l) => l.stopReason === "criterion_met" && l.iterations === 3),
  `rose run fixtures/program.ts: ${JSON.stringify(moduleResults.learners.map((l) => [l.stopReason, l.iterations]))}`
)
log("rose run fixtures/program.ts (a TypeScript program module): ok")

// 4. The library from TypeScript: type-checked against the installed declarations, run on Node.
npmInstall(`effect@${deps.effect}`, `typescript@${dev.typescript}`, `@types/node@${dev["@types/node"]}`)
run(process.execPath, [join(project, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"])
log("tsc: the consumer type-checks against the installed declarations")
const consumerOutput = (out) => {
  const line = out.trim().split("\n").at(-1) ?? ""
  try {
    return JSON.parse(line)
  } catch {
    return fail(`the consumer printed no result line:\n${out}`)
  }
}
const onNode = consumerOutput(run(process.execPath, ["build/consumer.js"]).stdout)
check(onNode.runtime === "node" && onNode.states === 6, `consumer on node: ${JSON.stringify(onNode)}`)
log(`consumer on Node (dist/*.js): ${JSON.stringify(onNode)}`)

// 5. The same consumer as TypeScript on Bun (the package's .ts sources, through its `bun` export
// condition) and on Deno (its dist/*.js: Deno refuses to strip types in files under node_modules,
// so the package has no `deno` condition; Deno users of the sources take the JSR package).
if (runtimes !== undefined) {
  const onBun = consumerOutput(run(join(runtimes, "bun"), ["consumer.ts"]).stdout)
  check(onBun.runtime === "bun" && onBun.states === 6, `consumer on bun: ${JSON.stringify(onBun)}`)
  log(`consumer on Bun (the .ts sources): ${JSON.stringify(onBun)}`)
  const onDeno = consumerOutput(run(join(runtimes, "deno"), ["run", "-A", "consumer.ts"]).stdout)
  check(onDeno.runtime === "deno" && onDeno.states === 6, `consumer on deno: ${JSON.stringify(onDeno)}`)
  log(`consumer on Deno (dist/*.js: Deno strips no types under node_modules): ${JSON.stringify(onDeno)}`)
}

if (keep) log(`kept ${work}`)
else rmSync(work, { recursive: true, force: true })
log("packaging check passed")
