/**
 * The runtime-neutral smoke suite: the same file runs under Deno (`deno test -A`), Bun (`bun test`)
 * and Node (`node --import tsx --test`), through `node:test`, which all three provide. It checks a
 * few things end to end on the runtime it runs on, straight from the `.ts` sources: every example
 * `.rose` file parses, checks and compiles; a small learner program runs to completion on the
 * local backend (through the runner and through the Promise facade); a third-party plugin module
 * loads and its backend runs the tasks; the `rose` command runs from `cli/main.ts`.
 *
 * The vitest suites test all of this in depth on Node; this only shows that nothing differs on
 * the other runtimes. Always run it by its explicit path: a bare `bun test` would also pick up the
 * vitest files.
 */
import * as assert from "node:assert/strict"
import * as ChildProcess from "node:child_process"
import * as Fs from "node:fs"
import * as Http from "node:http"
import * as Os from "node:os"
import * as Path from "node:path"
import { test } from "node:test"
import * as Url from "node:url"
import * as Effect from "effect/Effect"
import * as Either from "effect/Either"
import * as Layer from "effect/Layer"
import type * as Program from "../../core/Program.ts"
import type * as Results from "../../core/Results.ts"
import * as Runner from "../../core/Runner.ts"
import * as Check from "../../dsl/Check.ts"
import * as Diagnostic from "../../dsl/Diagnostic.ts"
import * as Dsl from "../../dsl/Dsl.ts"
import { ParallelActiveLearner } from "../../index.ts"
import * as Builtin from "../../plugins/Builtin.ts"
import * as Plugin from "../../plugins/Plugin.ts"
import * as Registry from "../../plugins/Registry.ts"
import * as ModuleLoader from "../../runtime/ModuleLoader.ts"
import * as Platform from "../../runtime/Platform.ts"
// zombies count as dead (on gVisor pid 1 reaps orphans about 2 s after they exit)
import { start as startLsp } from "../integration/support/lspClient.ts"
import { isAlive } from "../integration/support/processes.ts"

const root = Path.resolve(Path.dirname(Url.fileURLToPath(import.meta.url)), "../..")
const fixtures = Path.join(root, "test/runtime/fixtures")

const runtime: "deno" | "bun" | "node" = "Deno" in globalThis ? "deno" : "Bun" in globalThis ? "bun" : "node"

/** Generous: the machines this runs on are shared and often loaded. */
const timeout = 240_000

/** Runs a test body in a fresh temp folder, removed when the body succeeds (kept to look at when it fails). */
const inTemp = (body: (dir: string) => void | Promise<void>) => async (): Promise<void> => {
  const dir = Fs.mkdtempSync(Path.join(Os.tmpdir(), `rose-smoke-${runtime}-`))
  await body(dir)
  Fs.rmSync(dir, { recursive: true, force: true })
}

const roseFiles = (dir: string): Array<string> =>
  Fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = Path.join(dir, entry.name)
    if (entry.isDirectory()) return roseFiles(path)
    return entry.name.endsWith(".rose") ? [path] : []
  })

/** What the `rose` command injects into the DSL (cli/Input.ts), for a file at `absolute`. */
const dslOptions = (absolute: string, backendKinds?: ReadonlyArray<string>) => ({
  file: Path.relative(root, absolute),
  here: Path.dirname(absolute),
  exists: (path: string) => Fs.existsSync(Path.resolve(Path.dirname(absolute), path)),
  env: (name: string) => process.env[name],
  backendKinds
})

const compileFile = (absolute: string, backendKinds?: ReadonlyArray<string>): Program.Program => {
  const text = Fs.readFileSync(absolute, "utf8")
  const compiled = Dsl.compile(text, dslOptions(absolute, backendKinds))
  if (Either.isLeft(compiled)) {
    assert.fail(Diagnostic.formatAll(compiled.left, text, absolute, { color: false }))
  }
  return compiled.right
}

/** Loads a plugin module on this runtime (`.ts` included) and checks its default export. */
const loadPlugin = async (absolute: string): Promise<Plugin.Plugin> => {
  const loaded = await Effect.runPromise(ModuleLoader.load(absolute))
  const plugin = loaded.default
  assert.ok(Plugin.isPlugin(plugin), `the default export of ${absolute} is a plugin`)
  return plugin
}

/** The plugins a `.rose` file names (`plugin "./x.ts"`), loaded, and the backend kinds they add. */
const pluginsOf = async (absolute: string) => {
  const { ast } = Dsl.parse(Fs.readFileSync(absolute, "utf8"), { file: absolute })
  const plugins: Array<Plugin.Plugin> = []
  for (const item of ast.items) {
    if (item._tag !== "PluginDecl" || item.path === undefined) continue
    plugins.push(await loadPlugin(Path.resolve(Path.dirname(absolute), item.path.value)))
  }
  const kinds = [...Check.defaultBackendKinds, ...plugins.flatMap((p) => Object.keys(p.backends ?? {}))]
  return { plugins, kinds }
}

/** Runs a program on its declared backends, built from the given plugins, on this runtime's platform layer. */
const runProgram = (
  program: Program.Program,
  out: string,
  plugins: ReadonlyArray<Plugin.Plugin> = []
): Promise<Results.Results> =>
  Effect.runPromise(
    Runner.run(program, { out }).pipe(
      Effect.provide(
        Registry.backendsLayer(program.backends).pipe(
          Layer.provide(Registry.layer([Builtin.plugin, ...plugins])),
          Layer.provideMerge(Platform.layer)
        )
      )
    )
  )

const readJson = (path: string): any => JSON.parse(Fs.readFileSync(path, "utf8"))

test(`[${runtime}] every example .rose file parses, checks and compiles`, { timeout }, async () => {
  const files = roseFiles(Path.join(root, "examples"))
  assert.ok(files.length >= 4, `found only ${files.length} example .rose files`)
  for (const file of files) {
    const text = Fs.readFileSync(file, "utf8")
    const parsed = Dsl.parse(text, { file })
    assert.deepEqual(
      parsed.diagnostics.filter((d) => d.severity === "error"),
      [],
      `${file} parses`
    )
    const { kinds } = await pluginsOf(file)
    const checked = Dsl.check(text, dslOptions(file, kinds))
    assert.ok(!Diagnostic.hasErrors(checked.diagnostics), `${file} checks`)
    const program = compileFile(file, kinds)
    assert.ok(program.learners.length > 0, `${file} has learners`)
  }
})

test(
  `[${runtime}] a learner program runs to completion on the local backend`,
  { timeout },
  inTemp(async (dir) => {
    const out = Path.join(dir, "run")
    const results = await runProgram(compileFile(Path.join(fixtures, "countdown.rose")), out)
    assert.equal(results.status, "completed")
    assert.equal(results.learners.length, 2)
    for (const learner of results.learners) {
      assert.equal(learner.stopReason, "criterion_met")
      assert.equal(learner.iterations, 4)
      assert.deepEqual(learner.metric?.history, [4, 3, 2, 1])
      assert.deepEqual((learner.state as any).training, {
        learner: learner.index,
        iteration: 3,
        rate: 0.5,
        tag: "none"
      })
    }
    assert.deepEqual(readJson(Path.join(out, "results.json")).status, "completed")
    assert.equal(
      Fs.readFileSync(Path.join(out, "learners/countdown-1/selected.txt"), "utf8"),
      "0\n1\n2\n3\n",
      "tasks ran in the learner's working directory"
    )
    const events = Fs.readFileSync(Path.join(out, "events.jsonl"), "utf8").trim().split("\n")
    assert.equal(JSON.parse(events.at(-1)!).type, "run_finished")
  })
)

test(
  `[${runtime}] the Promise facade (the package's entry point) runs learners`,
  { timeout },
  inTemp(async (dir) => {
    const acl = new ParallelActiveLearner()
    acl.trainingTask(async () => `sh ${fixtures}/tasks/train.sh`)
    acl.activeLearnTask(async () => `sh ${fixtures}/tasks/select.sh`)
    acl.asStopCriterion({ metricName: "mean_squared_error_mse", threshold: 2.5 }, async () => {
      return `sh ${fixtures}/tasks/countdown.sh`
    })
    const seen: Array<[number, number]> = []
    try {
      for await (const state of acl.start({ parallelLearners: 2, maxIter: 5, out: `${dir}/run` })) {
        seen.push([state.learnerId, state.metricValue ?? Number.NaN])
      }
    } finally {
      await acl.shutdown()
    }
    // 4, 3, 2 (< 2.5 stops): three iterations each.
    assert.deepEqual(
      seen.filter(([learner]) => learner === 0).map(([, value]) => value),
      [4, 3, 2]
    )
    assert.equal(seen.length, 6)
  })
)

test(
  `[${runtime}] a third-party plugin module loads and its backend runs the tasks`,
  { timeout },
  inTemp(async (dir) => {
    const file = Path.join(fixtures, "plugged.rose")
    const { plugins, kinds } = await pluginsOf(file)
    assert.deepEqual(
      plugins.map((p) => p.name),
      ["smoke-tagged"]
    )
    const program = compileFile(file, kinds)
    assert.deepEqual(program.plugins, [Path.join(fixtures, "plugin.ts")])
    const out = Path.join(dir, "run")
    const results = await runProgram(program, out, plugins)
    assert.equal(results.status, "completed")
    const [learner] = results.learners
    assert.ok(learner !== undefined)
    assert.equal(learner.stopReason, "max_iter")
    assert.equal((learner.state as any).training.tag, "from-the-plugin", "the plugin's backend ran the task")
  })
)

/** The `rose` command from its TypeScript source on this runtime, as the README says to run it. */
const rose = (args: ReadonlyArray<string>, cwd = root) => {
  const main = Path.join(root, "cli/main.ts")
  const argv =
    runtime === "deno"
      ? ["task", "--quiet", "rose", ...args]
      : runtime === "bun"
        ? [main, ...args]
        : ["--import", "tsx", main, ...args]
  const result = ChildProcess.spawnSync(process.execPath, argv, {
    cwd,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" },
    timeout
  })
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, text: `${result.stdout}${result.stderr}` }
}

test(
  `[${runtime}] the rose command runs from its .ts sources`,
  { timeout },
  inTemp((dir) => {
    const version = rose(["--version"])
    assert.equal(version.code, 0, version.text)
    assert.equal(version.stdout.trim(), readJson(Path.join(root, "package.json")).version)

    const examples = roseFiles(Path.join(root, "examples")).map((f) => Path.relative(root, f))
    const check = rose(["check", ...examples])
    assert.equal(check.code, 0, check.text)

    const broken = Path.join(dir, "broken.rose")
    Fs.writeFileSync(broken, 'active "a" {\n  trainng = exec "true"\n}\n')
    const bad = rose(["check", broken])
    assert.equal(bad.code, 2, bad.text)
    assert.match(bad.stderr, /broken\.rose:\d+:\d+ error\[E\d+\]/)

    const plan = rose(["plan", Path.join(fixtures, "countdown.rose"), "--iterations", "1"])
    assert.equal(plan.code, 0, plan.text)
    assert.match(plan.stdout, /tasks\/countdown\.sh/)

    const out = Path.join(dir, "run")
    const run = rose(["run", Path.join(fixtures, "countdown.rose"), "--out", out])
    assert.equal(run.code, 0, run.text)
    const results = readJson(Path.join(out, "results.json"))
    assert.equal(results.status, "completed")
    assert.deepEqual(
      results.learners.map((l: any) => [l.stopReason, l.iterations]),
      [
        ["criterion_met", 4],
        ["criterion_met", 4]
      ]
    )
    assert.ok(Fs.existsSync(Path.join(out, "report.html")), "the report was written")

    // A program module written in TypeScript, loaded by this runtime (tsx on Node 20).
    const moduleOut = Path.join(dir, "module")
    const fromModule = rose(["run", Path.join(fixtures, "program.ts"), "--out", moduleOut])
    assert.equal(fromModule.code, 0, fromModule.text)
    assert.deepEqual(
      readJson(Path.join(moduleOut, "results.json")).learners.map((l: any) => [l.stopReason, l.iterations]),
      [
        ["criterion_met", 3],
        ["criterion_met", 3]
      ]
    )
  })
)

test(`[${runtime}] rose lsp answers an editor over stdio`, { timeout }, async () => {
  const main = Path.join(root, "cli/main.ts")
  const argv =
    runtime === "deno"
      ? ["task", "--quiet", "rose", "lsp"]
      : runtime === "bun"
        ? [main, "lsp"]
        : ["--import", "tsx", main, "lsp"]
  const client = startLsp(process.execPath, argv, { cwd: root })
  try {
    await client.request("initialize", { processId: process.pid, rootUri: null, capabilities: {} })
    client.notify("initialized", {})
    const uri = Url.pathToFileURL(Path.join(root, "smoke-lsp.rose")).href
    const text =
      'active "a" {\n  max_iter 2\n  training = exec "true"\n  active_learn = exec "true"\n  learner 0 { trainng { n: 1 } }\n}\n'
    client.notify("textDocument/didOpen", { textDocument: { uri, languageId: "rose", version: 1, text } })
    const published = await client.waitFor("textDocument/publishDiagnostics", (p) => p.version === 1)
    assert.deepEqual(
      published.diagnostics.map((d: any) => [d.code, d.range.start]),
      [["E222", { line: 4, character: 14 }]]
    )
    const hover = await client.request("textDocument/hover", {
      textDocument: { uri },
      position: { line: 4, character: 15 }
    })
    assert.match(hover.contents.value, /no errors/)
    assert.equal(await client.request("shutdown", null), null)
    client.notify("exit", null)
    assert.equal(await client.exited, 0)
    assert.deepEqual(client.protocolErrors(), [])
  } finally {
    if (client.child.exitCode === null) client.child.kill("SIGKILL")
  }
})

/** Reads Server-Sent Events from a POST until `until` says so or the server ends the response. */
const postEvents = (
  url: URL,
  body: string,
  until: (events: ReadonlyArray<{ event: string; data: any }>) => boolean = () => false
): Promise<{ status: number; events: Array<{ event: string; data: any }>; close: () => void }> =>
  new Promise((resolve, reject) => {
    const request = Http.request(url, { method: "POST", agent: false })
    request.on("error", reject)
    request.on("response", (res) => {
      const events: Array<{ event: string; data: any }> = []
      const close = () => {
        res.destroy()
        request.destroy()
      }
      let pending = ""
      let done = false
      const finish = () => {
        if (done) return
        done = true
        resolve({ status: res.statusCode ?? 0, events, close })
      }
      res.setEncoding("utf8")
      res.on("data", (chunk: string) => {
        pending += chunk
        for (let at = pending.indexOf("\n\n"); at >= 0; at = pending.indexOf("\n\n")) {
          const block = pending.slice(0, at)
          pending = pending.slice(at + 2)
          const event = /^event: (.*)$/m.exec(block)?.[1]
          const data = /^data: (.*)$/m.exec(block)?.[1]
          if (event !== undefined && data !== undefined) events.push({ event, data: JSON.parse(data) })
        }
        if (until(events)) finish()
      })
      res.on("end", finish)
      res.on("close", finish)
    })
    request.end(body)
  })

const eventually = async (what: string, ok: () => boolean, seconds = 60): Promise<void> => {
  const deadline = Date.now() + seconds * 1000
  while (!ok()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting until ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

test(
  `[${runtime}] the embed-service example serves runs as events and stops them on disconnect`,
  { timeout },
  inTemp(async (dir) => {
    const main = Path.join(root, "examples/embed-service/main.ts")
    const argv = runtime === "deno" ? ["run", "-A", main] : runtime === "bun" ? [main] : ["--import", "tsx", main]
    const service = ChildProcess.spawn(process.execPath, argv, {
      cwd: root,
      env: { ...process.env, PORT: "0", ROSE_EMBED_RUNS: dir, NO_COLOR: "1" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    service.stdout?.setEncoding("utf8").on("data", (d: string) => (output += d))
    service.stderr?.setEncoding("utf8").on("data", (d: string) => (output += d))
    try {
      await eventually(
        "the service listens",
        () => /listening on http:\/\/\S+/.test(output) || service.exitCode !== null
      )
      const address = /listening on (http:\/\/\S+)/.exec(output)?.[1]
      assert.ok(address !== undefined, `the service did not start:\n${output}`)

      const countdown = Fs.readFileSync(Path.join(fixtures, "countdown.rose"), "utf8").replaceAll(
        "./tasks/",
        `${fixtures}/tasks/`
      )
      const done = await postEvents(new URL("/runs?name=countdown.rose", address), countdown)
      assert.equal(done.status, 200)
      assert.deepEqual(
        done.events.map((e) => e.event),
        ["started", ...Array<string>(8).fill("iteration"), "finished"]
      )
      assert.equal(done.events.at(-1)?.data.status, "completed")

      const slow =
        'active "slow" {\n  parallel 2\n  max_iter 3\n  training = shell "echo $$ >> \\"$ROSE_RUN_DIR/pids\\"; sleep 300 & echo $! >> \\"$ROSE_RUN_DIR/pids\\"; wait"\n  active_learn = exec "true"\n}\n'
      const running = await postEvents(new URL("/runs?name=slow.rose", address), slow, (events) => events.length > 0)
      const runDir: string = running.events[0]?.data.runDir
      const pidFile = Path.join(runDir, "pids")
      const pids = () =>
        Fs.existsSync(pidFile) ? Fs.readFileSync(pidFile, "utf8").trim().split(/\s+/).map(Number) : []
      await eventually("both learners' tasks and their children run", () => pids().length >= 4)
      running.close()
      await eventually("every process of the run is gone after the disconnect", () => !pids().some(isAlive), 60)
      await eventually("results.json is written", () => Fs.existsSync(Path.join(runDir, "results.json")))
      assert.deepEqual(
        readJson(Path.join(runDir, "results.json")).learners.map((l: any) => l.stopReason),
        ["stopped", "stopped"]
      )
    } finally {
      service.kill("SIGTERM")
      await eventually("the service exits", () => service.exitCode !== null || service.signalCode !== null, 60)
    }
  })
)
