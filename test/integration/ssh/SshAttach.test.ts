/**
 * Re-attaching over SSH (resume): a child process runs a task on a loopback host through the SSH
 * backend and is killed with SIGKILL while the task runs (its control master and session die with
 * it); a fresh layer then re-attaches to the task by the ticket the child was given (or by its pid
 * and run id), reaps it by its ticket alone, or finds it cancelled. The task counts its own starts in
 * a file, so "it ran once" is the task's word, not the backend's.
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Option from "effect/Option"
import * as Script from "../../../backends/internal/sshScript.ts"
import * as SshBackend from "../../../backends/SshBackend.ts"
import * as Backend from "../../../core/Backend.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { root, waitFor } from "../cli/helpers.ts"
import { isAlive, waitGone, waitGroupsGone } from "../support/processes.ts"
import type { ChildSpec } from "./attachChild.ts"
import { requireSshd } from "./sshd.ts"

const sshd = await requireSshd()
const host = sshd.hosts[0]!
const config: SshBackend.Config = { hosts: [host], sshConfig: sshd.config, slots: 2, graceMillis: 500 }
const base = fs.mkdtempSync(`${os.tmpdir()}/rose-ssh-attach-`)
afterAll(() => fs.rmSync(base, { recursive: true, force: true }))

/** Writes a numbered line to stdout and stderr every 50 ms until `release` exists, then exits 7. */
const task = [
  "echo $$ >> count",
  "echo $$ > task.pid",
  "i=0",
  'while [ ! -e release ]; do i=$((i+1)); echo "line $i"; echo "err $i" >&2; sleep 0.05; done',
  "echo done",
  "exit 7"
].join("\n")

interface Earlier {
  readonly dir: string
  readonly work: string
  readonly runId: string
  readonly ticket: string
  readonly placement: Backend.Placement
  readonly pid: number
}

let n = 0
const tickets: Array<string> = []

/** Starts the task from a child process and kills that process with SIGKILL while the task writes. */
const runAndKill = async (): Promise<Earlier> => {
  const dir = path.join(base, `t${++n}`)
  const work = path.join(dir, "work")
  fs.mkdirSync(dir, { recursive: true })
  const runId = `run-${process.pid}-${n}`
  const spec: ChildSpec = { config, dir, runId, learner: `l${n}`, cwd: work, script: task }
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(root, "test/integration/ssh/attachChild.ts"), JSON.stringify(spec)],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"]
    }
  )
  let stderr = ""
  child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()))
  const lines = () => (fs.existsSync(`${dir}/task.out`) ? fs.readFileSync(`${dir}/task.out`, "utf8") : "")
  try {
    await waitFor(
      `the task to start and write (child said: ${stderr})`,
      () => fs.existsSync(`${dir}/start`) && lines().includes("line 3"),
      60_000
    )
  } finally {
    child.kill("SIGKILL")
    await exited
  }
  const ticket = fs.readFileSync(`${dir}/ticket`, "utf8")
  tickets.push(ticket)
  return {
    dir,
    work,
    runId,
    ticket,
    placement: JSON.parse(fs.readFileSync(`${dir}/start`, "utf8")),
    pid: Number(fs.readFileSync(`${work}/task.pid`, "utf8"))
  }
}

/** The resumed run's invocation of the same task: the same output files, a new run id. */
const invocation = (e: Earlier, starts: Array<Backend.Placement>): Backend.Invocation => ({
  runId: `${e.runId}-resumed`,
  learner: { name: "resumed", index: 0 },
  iteration: 0,
  task: "simulation",
  attempt: 1,
  command: { _tag: "Shell", script: task },
  cwd: e.work,
  env: {},
  stdoutPath: `${e.dir}/task.out`,
  stderrPath: `${e.dir}/task.err`,
  resources: {},
  onStart: (placement) => Effect.sync(() => void starts.push(placement))
})

/** Runs `f` with a fresh SSH layer (a new nonce: another process as far as the hosts can tell). */
const withBackend = <A>(f: (backend: Backend.Service) => Effect.Effect<A, unknown>, with_ = config) =>
  Effect.runPromise(
    Effect.flatMap(Backend.Backend, f).pipe(
      Effect.provide(SshBackend.layer(with_)),
      Effect.provide(Platform.layer),
      Effect.scoped
    )
  )

const numbered = (text: string, prefix: string) => {
  const found = text
    .split("\n")
    .filter((l) => l.startsWith(`${prefix} `))
    .map((l) => Number(l.slice(prefix.length + 1)))
  return { count: found.length, contiguous: found.every((k, i) => k === i + 1) }
}

/** The whole output of one run of the task is in the local files, from its first line to its last. */
const assertWholeOutput = (e: Earlier) => {
  const out = fs.readFileSync(`${e.dir}/task.out`, "utf8")
  const err = fs.readFileSync(`${e.dir}/task.err`, "utf8")
  const lines = numbered(out, "line")
  assert.isTrue(lines.count >= 3 && lines.contiguous, `stdout from its first line: ${out.slice(0, 200)}`)
  assert.isTrue(out.endsWith("done\n"), `stdout to its last line: ${out.slice(-200)}`)
  const errs = numbered(err, "err")
  assert.strictEqual(errs.count, lines.count, "stderr whole too")
  assert.isTrue(errs.contiguous)
  assert.notInclude(out + err, "@@rose-", "no launcher records in the task's output")
}

const ranOnce = (e: Earlier) => assert.strictEqual(fs.readFileSync(`${e.work}/count`, "utf8"), `${e.pid}\n`)

/** Runs a script on the host as the backend's kill does (the same shell, over ssh). */
const onHost = (script: string) =>
  spawnSync("ssh", ["-F", sshd.config, host, "exec /bin/sh -s"], { input: script, encoding: "utf8", timeout: 30_000 })

describe("ssh attach", () => {
  it("a task outlives the killed process while it writes output, and attach waits for it", async () => {
    const e = await runAndKill()
    assert.strictEqual(e.placement.pid, e.pid, "onStart gave the task's pid")
    assert.strictEqual(e.placement.ticket, e.ticket, "the placement carries the ticket")
    const written = numbered(fs.readFileSync(`${e.dir}/task.out`, "utf8"), "line").count
    // The session is gone; the task goes on writing (to its own files, no SIGPIPE).
    await waitFor("the task to go on after the kill", () => {
      const out = onHost(`cat "\${TMPDIR:-/tmp}"/${JSON.parse(e.ticket).control}/out`).stdout
      return numbered(out, "line").count > written + 20
    })
    assert.isTrue(isAlive(e.pid), "the task survived its session")

    const starts: Array<Backend.Placement> = []
    const outcome = await withBackend((backend) =>
      Effect.gen(function* () {
        const fiber = yield* Effect.fork(
          backend.attach!(invocation(e, starts), { ticket: e.ticket, placement: e.placement, runId: e.runId })
        )
        yield* Effect.promise(() => waitFor("attach to call onStart", () => starts.length === 1))
        fs.writeFileSync(`${e.work}/release`, "")
        return yield* Fiber.join(fiber)
      })
    )
    assert.isTrue(Option.isSome(outcome))
    const o = Option.getOrThrow(outcome)
    assert.strictEqual(o.exitCode, 7)
    assert.strictEqual(o.pid, e.pid)
    assert.strictEqual(starts[0]!.pid, e.pid)
    assert.strictEqual(starts[0]!.host, host)
    assert.strictEqual(starts[0]!.ticket, e.ticket)
    assertWholeOutput(e)
    ranOnce(e)
  })

  it("a task that ended while nobody watched: its status and output, found by its pid and run id", async () => {
    const e = await runAndKill()
    fs.writeFileSync(`${e.work}/release`, "")
    assert.deepStrictEqual(await waitGone([e.pid], 20), [])
    const starts: Array<Backend.Placement> = []
    const outcome = await withBackend((backend) =>
      backend.attach!(invocation(e, starts), {
        ticket: undefined,
        placement: { host, pid: e.pid, pgid: e.pid },
        runId: e.runId
      })
    )
    assert.strictEqual(Option.getOrThrow(outcome).exitCode, 7)
    assert.deepStrictEqual(starts, [], "no start for a task that had ended")
    assertWholeOutput(e)
    ranOnce(e)
    // Another run's id does not prove the pid the run's.
    const foreign = await withBackend((backend) =>
      backend.attach!(invocation(e, []), {
        ticket: undefined,
        placement: { host, pid: e.pid, pgid: e.pid },
        runId: "another-run"
      })
    )
    assert.isTrue(Option.isNone(foreign))
  })

  it("a cancelled task gives None and stays dead; a task never started never will", async () => {
    const e = await runAndKill()
    const kill = onHost(Script.kill(JSON.parse(e.ticket).control, 500))
    assert.strictEqual(kill.status, 0, kill.stderr)
    assert.deepStrictEqual(await waitGroupsGone([e.pid], 20), [])
    const outcome = await withBackend((backend) =>
      backend.attach!(invocation(e, []), { ticket: e.ticket, placement: e.placement, runId: e.runId })
    )
    assert.isTrue(Option.isNone(outcome), "a cancelled task (exit 143) is not a result")
    ranOnce(e)

    // A ticket whose launcher never got as far as its folder: None, and a launcher that comes late
    // refuses to start the task.
    const nonce = `late${process.pid}`
    const ticket = JSON.stringify({ host, control: Script.controlName(nonce, 1) })
    const none = await withBackend((backend) =>
      backend.attach!(invocation(e, []), { ticket, placement: undefined, runId: e.runId })
    )
    assert.isTrue(Option.isNone(none))
    const late = onHost(
      Script.launcher({
        marker: "@@m@@",
        nonce,
        seq: 1,
        runId: e.runId,
        cwd: e.work,
        env: [],
        setup: [],
        argv: ["touch", "late-ran"],
        graceMillis: 100
      })
    )
    assert.strictEqual(late.status, 130)
    assert.isFalse(fs.existsSync(`${e.work}/late-ran`))
    onHost(`rm -rf "\${TMPDIR:-/tmp}"/rose-ssh.${nonce}`)
  })

  it("interrupting attach kills the task's group", async () => {
    const e = await runAndKill()
    const starts: Array<Backend.Placement> = []
    await withBackend((backend) =>
      Effect.gen(function* () {
        const fiber = yield* Effect.fork(
          backend.attach!(invocation(e, starts), { ticket: e.ticket, placement: e.placement, runId: e.runId })
        )
        yield* Effect.promise(() => waitFor("attach to call onStart", () => starts.length === 1))
        yield* Fiber.interrupt(fiber)
      })
    )
    assert.deepStrictEqual(await waitGroupsGone([e.pid], 20), [], "the task's group is gone")
    ranOnce(e)
    // It was cancelled: a later attach does not take its exit status for a result.
    const again = await withBackend((backend) =>
      backend.attach!(invocation(e, []), { ticket: e.ticket, placement: e.placement, runId: e.runId })
    )
    assert.isTrue(Option.isNone(again))
  })

  it("reap spares a re-attached ticket and kills a survivor known only by its ticket", async () => {
    const e = await runAndKill()
    // Over every host: they share this machine's /tmp, so each host's sweep sees the task's folder.
    const spared = await withBackend((backend) => backend.reap([], [e.runId], { spare: [e.ticket] }), {
      ...config,
      hosts: sshd.hosts
    })
    assert.strictEqual(spared.killed, 0)
    assert.isTrue(isAlive(e.pid), "a spared ticket's task is left alone")
    const reaped = await withBackend((backend) => backend.reap([{ ticket: e.ticket }], []))
    assert.strictEqual(reaped.killed, 1)
    assert.deepStrictEqual(await waitGroupsGone([e.pid], 20), [])
    ranOnce(e)
  })
})

// Lets the tasks a failed test left end, and removes the control folders the killed children left.
afterAll(() => {
  for (const d of fs.existsSync(base) ? fs.readdirSync(base) : []) {
    const w = path.join(base, d, "work")
    if (fs.existsSync(w)) fs.writeFileSync(path.join(w, "release"), "")
  }
  const folders = tickets.map((t) => Script.controlPath(JSON.parse(t).control.split("/")[0]))
  if (folders.length > 0) onHost(`rm -rf ${folders.join(" ")}`)
})
