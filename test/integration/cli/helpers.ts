/**
 * Helpers for the end-to-end tests of the `rose` command: they run the bundled CLI as a subprocess.
 *
 * The CLI is `dist/bin/rose.js` (what `node scripts/build.mjs` builds) when it is newer than every
 * source file; otherwise these tests bundle `cli/main.ts` themselves with the same esbuild options
 * into `.tmp/rose-cli/rose.js` (so they also run while `tsc` is broken by work in progress).
 */
import * as ChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodeOs from "node:os"
import * as NodePath from "node:path"
import * as Url from "node:url"

export const root = NodePath.resolve(NodePath.dirname(Url.fileURLToPath(import.meta.url)), "../../..")

const sourceDirs = ["cli", "core", "backends", "plugins", "runtime", "dsl"]

const newestSource = (): number => {
  let newest = 0
  const walk = (dir: string) => {
    for (const entry of NodeFs.readdirSync(dir, { withFileTypes: true })) {
      const path = NodePath.join(dir, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith(".ts")) newest = Math.max(newest, NodeFs.statSync(path).mtimeMs)
    }
  }
  for (const d of sourceDirs) if (NodeFs.existsSync(NodePath.join(root, d))) walk(NodePath.join(root, d))
  return newest
}

let cli: string | undefined

/** The path of the bundled CLI, building it if `dist/bin/rose.js` is missing or older than the sources. */
export const ensureCli = async (): Promise<string> => {
  if (cli !== undefined) return cli
  const dist = NodePath.join(root, "dist/bin/rose.js")
  if (NodeFs.existsSync(dist) && NodeFs.statSync(dist).mtimeMs >= newestSource()) {
    cli = dist
  } else {
    const out = NodePath.join(root, ".tmp/rose-cli/rose.js")
    const esbuild = await import("esbuild")
    await esbuild.build({
      entryPoints: [NodePath.join(root, "cli/main.ts")],
      outfile: out,
      bundle: true,
      platform: "node",
      format: "esm",
      target: "node20",
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
    cli = out
  }
  process.stdout.write(`rose CLI under test: ${NodePath.relative(root, cli)}\n`)
  return cli
}

/** A fresh folder for one test's programs and runs. */
export const tempDir = (prefix = "rose-e2e-"): string => NodeFs.mkdtempSync(NodePath.join(NodeOs.tmpdir(), prefix))

/** Writes a program module that builds its program with the repository's `core/ProgramBuilder.ts`. */
export const writeProgram = (dir: string, name: string, body: string): string => {
  const path = NodePath.join(dir, name)
  const rose = Url.pathToFileURL(NodePath.join(root, "core/ProgramBuilder.ts")).href
  NodeFs.writeFileSync(path, `import * as Rose from ${JSON.stringify(rose)}\n${body}\n`)
  return path
}

export interface Result {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
  readonly millis: number
}

export interface Running {
  readonly child: ChildProcess.ChildProcess
  readonly done: Promise<Result>
  readonly output: () => { readonly stdout: string; readonly stderr: string }
}

/** Starts `rose ARGS…` in `cwd`. */
export const start = (
  cliPath: string,
  args: ReadonlyArray<string>,
  cwd: string,
  env: NodeJS.ProcessEnv = {}
): Running => {
  const started = Date.now()
  const child = ChildProcess.spawn(process.execPath, [cliPath, ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let stdout = ""
  let stderr = ""
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString()
  })
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString()
  })
  const done = new Promise<Result>((resolve) => {
    child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr, millis: Date.now() - started }))
  })
  return { child, done, output: () => ({ stdout, stderr }) }
}

/**
 * Ends a run a failed test left behind: SIGINT (so it kills its tasks), then SIGKILL if it does not
 * exit within `graceMs`.
 */
export const cleanUp = async (run: Running, graceMs = 15_000): Promise<void> => {
  if (run.child.exitCode !== null || run.child.signalCode !== null) return
  run.child.kill("SIGINT")
  const timer = setTimeout(() => run.child.kill("SIGKILL"), graceMs)
  await run.done
  clearTimeout(timer)
}

/** Runs `rose ARGS…` to its end. */
export const rose = (cliPath: string, args: ReadonlyArray<string>, cwd: string, env: NodeJS.ProcessEnv = {}) =>
  start(cliPath, args, cwd, env).done

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Waits until `check` holds, polling every 50 ms. */
export const waitFor = async (what: string, check: () => boolean, timeoutMs = 30_000): Promise<void> => {
  const until = Date.now() + timeoutMs
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}

/** The journal's events as plain objects (every line must parse, a torn last line aside). */
export const journal = (runDir: string): Array<Record<string, any>> => {
  const path = NodePath.join(runDir, "events.jsonl")
  if (!NodeFs.existsSync(path)) return []
  const lines = NodeFs.readFileSync(path, "utf8")
    .split("\n")
    .filter((l) => l !== "")
  const out: Array<Record<string, any>> = []
  for (const line of lines) {
    try {
      out.push(JSON.parse(line))
    } catch {
      // a line being written
    }
  }
  return out
}

// Liveness checks live in one place (zombies count as dead; a "gone" check polls to a deadline).
export { groupAlive, isAlive as alive, waitGone, waitGroupsGone } from "../support/processes.ts"

/** Lines with a JavaScript stack frame (`    at f (file:1:2)`): a user must never see one for bad input. */
export const stackLines = (text: string): ReadonlyArray<string> =>
  text.split("\n").filter((l) => /^\s+at .+(:\d+:\d+\)?|\(native\)|<anonymous>)$/.test(l))
