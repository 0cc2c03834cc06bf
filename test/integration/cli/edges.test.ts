/**
 * The `rose` command at the edges of its process: everything it writes reaches a slow pipe (a
 * process that exits while a pipe's queue is full loses the rest), and a signal that arrives while
 * its modules load ends it with 128 + the signal's number instead of killing it by the signal.
 */
import * as ChildProcess from "node:child_process"
import * as NodeFs from "node:fs"
import * as NodePath from "node:path"
import { afterAll, assert, beforeAll, describe, it } from "@effect/vitest"
import { ensureCli, sleep, tempDir } from "./helpers.ts"

let cli: string
let dir: string

const MiB = 1024 * 1024

/** A program of `blocks` learner blocks × `iterations`: `rose plan` prints every command line of it. */
const bigProgram = (blocks: number, iterations: number) => {
  let text = "backend local { concurrency: 4 }\n"
  for (let b = 0; b < blocks; b++) {
    text += `active "block${b}" {
  max_iter ${iterations}
  simulation = exec "node ./sim.mjs" with { n_labeled: 100, features: 2 }
  training = exec "node ./train.mjs" with { learning_rate: 0.1 }
  active_learn = exec "node ./active.mjs"
  criterion = exec "node ./check.mjs"
  stop when mse < 0.1
}
`
  }
  return text
}

/** A file with one error per line (an unknown name in an expression), thousands of them. */
const manyErrors = (lines: number) => {
  let text = `active "broken" {
  max_iter 3
  training = exec "true"
  active_learn = exec "true"
`
  for (let k = 0; k < lines; k++) text += `  task${k} = exec "true" with { n: no_such_name_${k} }\n`
  return `${text}}\n`
}

beforeAll(async () => {
  cli = await ensureCli()
  dir = tempDir("rose-edges-")
  NodeFs.writeFileSync(NodePath.join(dir, "big.rose"), bigProgram(150, 40))
  NodeFs.writeFileSync(NodePath.join(dir, "errors.rose"), manyErrors(6000))
  NodeFs.writeFileSync(
    NodePath.join(dir, "dry.rose"),
    `backend dry-run { duration_ms: 0, concurrency: 64 }
active "d" {
  parallel 30
  max_iter 20
  training = exec "true"
  active_learn = exec "true"
  criterion = exec "true"
  stop when mse < 0.0000000001
}
`
  )
})

afterAll(() => {
  NodeFs.rmSync(dir, { recursive: true, force: true })
})

const shellQuote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/**
 * Runs `rose ARGS` twice: once with `stream` into a pipe whose reader waits a second before it reads
 * (so the pipe's 64 KiB fill up and the rest queues in rose), once into a file. Returns both sizes.
 */
const throughSlowPipe = (
  args: ReadonlyArray<string> | ((to: "pipe" | "file") => ReadonlyArray<string>),
  stream: "stdout" | "stderr"
) => {
  const command = (to: "pipe" | "file") =>
    [process.execPath, cli, ...(typeof args === "function" ? args(to) : args)].map(shellQuote).join(" ")
  const file = NodePath.join(dir, `to-file.${stream}`)
  const [toPipe, toFile] =
    stream === "stdout"
      ? [`${command("pipe")} 2>/dev/null | (sleep 1; wc -c)`, `${command("file")} >${shellQuote(file)} 2>/dev/null`]
      : [`${command("pipe")} 2>&1 >/dev/null | (sleep 1; wc -c)`, `${command("file")} 2>${shellQuote(file)} >/dev/null`]
  const piped = ChildProcess.spawnSync("sh", ["-c", toPipe], {
    cwd: dir,
    encoding: "utf8",
    env: { ...process.env, NO_COLOR: "1" }
  })
  ChildProcess.spawnSync("sh", ["-c", toFile], { cwd: dir, env: { ...process.env, NO_COLOR: "1" } })
  return { piped: Number(piped.stdout.trim()), file: NodeFs.statSync(file).size }
}

describe("everything a command writes reaches a slow pipe (more than 1 MiB)", () => {
  it("rose plan --format json", () => {
    const { piped, file } = throughSlowPipe(["plan", "big.rose", "--format", "json"], "stdout")
    assert.isAbove(file, MiB)
    assert.strictEqual(piped, file)
  })

  it("rose plan (text)", () => {
    const { piped, file } = throughSlowPipe(["plan", "big.rose", "--iterations", "40"], "stdout")
    assert.isAbove(file, MiB)
    assert.strictEqual(piped, file)
  })

  it("rose check --format json with thousands of errors", () => {
    const { piped, file } = throughSlowPipe(["check", "errors.rose", "--format", "json"], "stdout")
    assert.isAbove(file, MiB)
    assert.strictEqual(piped, file)
  })

  it("rose check's diagnostics on stderr", () => {
    const { piped, file } = throughSlowPipe(["check", "errors.rose"], "stderr")
    assert.isAbove(file, MiB)
    assert.strictEqual(piped, file)
  })

  it("rose run --json", () => {
    const events = throughSlowPipe(
      (to) => ["run", "dry.rose", "--dry-run", "--json", "--out", NodePath.join(dir, `dry-json-${to}`)],
      "stdout"
    )
    // The two runs print the same events with other run ids and times, whose lengths may differ.
    assert.isAbove(events.file, MiB)
    assert.approximately(events.piped, events.file, events.file * 0.02)
  })

  it("rose status --json of a long run", () => {
    // A journal as a run of 40 learners × 1,000 iterations leaves it (a dry run that long takes
    // minutes): status prints every learner's metric history.
    const run = NodePath.join(dir, "long-run")
    NodeFs.mkdirSync(run)
    const runId = "20261205-000000-beef"
    const lines = [
      {
        type: "run_started",
        runDir: run,
        pid: 1,
        planHash: "x",
        learners: [{ name: "s", kind: "active", parallel: 40, maxIter: 1000 }]
      }
    ]
    for (let i = 0; i < 1000; i++) {
      for (let k = 0; k < 40; k++) {
        lines.push({
          type: "iteration_completed",
          learner: { name: "s", index: k },
          iteration: i,
          metricName: "mse",
          metricValue: 1 / (i + k + 1),
          metricThreshold: 1e-9,
          shouldStop: false,
          state: {},
          config: {}
        } as never)
      }
    }
    const text = lines
      .map((l, seq) => JSON.stringify({ v: 1, seq, ts: "2026-12-05T00:00:00.000Z", runId, ...l }))
      .join("\n")
    NodeFs.writeFileSync(NodePath.join(run, "events.jsonl"), `${text}\n`)
    const { piped, file } = throughSlowPipe(["status", run, "--json"], "stdout")
    assert.isAbove(file, MiB)
    assert.strictEqual(piped, file)
  })
})

/** Whether a process has a handler for SIGHUP (bit 0 of SigCgt): Node installs none of its own. */
const catchesSighup = (pid: number): boolean => {
  try {
    const status = NodeFs.readFileSync(`/proc/${pid}/status`, "utf8")
    const mask = /SigCgt:\s*([0-9a-f]+)/.exec(status)?.[1]
    return mask !== undefined && (BigInt(`0x${mask}`) & 1n) === 1n
  } catch {
    return false
  }
}

const codes = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 } as const

/** Starts `rose ARGS`, sends `signal` as soon as rose handles signals (plus `afterMs`), returns how it ended. */
const signalEarly = async (args: ReadonlyArray<string>, signal: keyof typeof codes, afterMs: number) => {
  const child = ChildProcess.spawn(process.execPath, [cli, ...args], {
    cwd: dir,
    stdio: ["ignore", "ignore", "pipe"],
    env: { ...process.env, NO_COLOR: "1" }
  })
  let stderr = ""
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString()
  })
  const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("close", (code, sig) => resolve({ code, signal: sig }))
  )
  const started = Date.now()
  let ready = -1
  while (child.exitCode === null && Date.now() - started < 5000) {
    if (catchesSighup(child.pid!)) {
      ready = Date.now() - started
      break
    }
    await sleep(2)
  }
  if (ready >= 0) {
    await sleep(afterMs)
    child.kill(signal)
  } else child.kill("SIGKILL")
  return { ...(await ended), ready, stderr }
}

describe("a signal while rose starts ends it with 128 + the signal's number", () => {
  // `rose plan` of a big file computes for a few hundred milliseconds after start-up: a signal
  // there used to kill it by the signal (no handler at all outside `rose run`).
  for (const [signal, afterMs] of [
    ["SIGTERM", 0],
    ["SIGINT", 50],
    ["SIGHUP", 150]
  ] as const) {
    it(`rose plan, ${signal} ${afterMs} ms after its handlers exist`, async () => {
      const r = await signalEarly(["plan", "big.rose", "--format", "json"], signal, afterMs)
      assert.isAtLeast(r.ready, 0, "rose never handled SIGHUP")
      assert.isNull(r.signal, `rose was killed by ${r.signal} (${r.ready} ms after start its handlers existed)`)
      assert.strictEqual(r.code, codes[signal], r.stderr)
    })
  }

  it("rose run, while it loads its modules and the program", async () => {
    for (const afterMs of [0, 40, 80]) {
      const out = NodePath.join(dir, `early-${afterMs}`)
      const r = await signalEarly(["run", "dry.rose", "--dry-run", "--out", out], "SIGINT", afterMs)
      assert.isAtLeast(r.ready, 0, "rose never handled SIGHUP")
      assert.isNull(r.signal, `rose was killed by ${r.signal}`)
      assert.strictEqual(r.code, 130, r.stderr)
      NodeFs.rmSync(out, { recursive: true, force: true })
    }
  })
})
