/**
 * Re-attaching to the job an earlier process submitted (resume, issue 20), on the one-node test
 * SLURM, job mode. The earlier process is a child (`fixtures/slurm-submitter.ts`) that runs one task
 * attempt through the backend and is SIGKILLed; a fresh layer in this process then attaches to the
 * job with what the child left (its ticket, its placement), as a resumed run does with its journal.
 * Each task appends to a count file, so "ran once" is the task's own word.
 */
import * as ChildProcess from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Option from "effect/Option"
import { parseTicket } from "../../../backends/internal/slurmScript.ts"
import * as SlurmBackend from "../../../backends/SlurmBackend.ts"
import * as Backend from "../../../core/Backend.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { waitFor } from "../cli/helpers.ts"
import { waitGone } from "../support/processes.ts"
import { activeJobs, requireSlurm, slurm, waitNoJobs } from "./slurm.ts"

const cluster = await requireSlurm()
const root = fs.mkdtempSync(`${os.tmpdir()}/rose-slurm-attach-`)
afterAll(() => fs.rmSync(root, { recursive: true, force: true }))
const submitter = path.resolve(import.meta.dirname, "../fixtures/slurm-submitter.ts")
const stamp = Date.now().toString(36)
let cases = 0

const config: SlurmBackend.Config = {
  partition: cluster.partition,
  pollMillis: 100,
  graceMillis: 1000,
  exitWaitMillis: 1000
}
const layer = SlurmBackend.layer({ ...config, name: "slurm-attach" }).pipe(Layer.provideMerge(Platform.layer))

/** One case's folder, run id and the invocation of its task (a shell script). */
const setup = (script: (dir: string) => string) => {
  const dir = fs.mkdtempSync(path.join(root, "case-"))
  const runId = `${stamp}-${cases++}`
  const invocation = {
    runId,
    learner: { name: "att", index: 0 },
    iteration: 1,
    task: "sim",
    attempt: 1,
    command: { _tag: "Shell" as const, script: script(dir) },
    cwd: path.join(dir, "work"),
    env: {},
    stdoutPath: path.join(dir, "out", "sim.out"),
    stderrPath: path.join(dir, "out", "sim.err"),
    resources: { cores: 1, time: "00:05:00" }
  }
  return { dir, runId, invocation }
}

type Case = ReturnType<typeof setup>

/** A task that counts its runs, prints a first line, waits for `<dir>/go`, prints a last one, exits 3. */
const gated = (dir: string) =>
  `echo run >> ${dir}/count; echo begin; while [ ! -e ${dir}/go ]; do sleep 0.1; done; echo end; exit 3`

/**
 * Runs the case's task in a child process and SIGKILLs it once `ready` holds (the job outlives it).
 * `directives` go to its sbatch (`--hold` keeps the job pending).
 */
const submitAndDie = async (
  c: Case,
  ready: () => boolean,
  directives: ReadonlyArray<string> = [],
  mode: Partial<SlurmBackend.Config> = {}
) => {
  const spec = {
    dir: c.dir,
    config: { ...config, name: "slurm-earlier", directives, ...mode },
    invocation: c.invocation
  }
  const child = ChildProcess.spawn(process.execPath, ["--import", "tsx", submitter, JSON.stringify(spec)], {
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr.on("data", (d) => (stderr += d))
  const exited = new Promise((r) => child.on("exit", r))
  try {
    await waitFor(`the earlier process's job (${stderr})`, ready, 60_000)
  } finally {
    child.kill("SIGKILL")
    await exited
  }
  assert.isFalse(fs.existsSync(path.join(c.dir, "outcome")), "the earlier process died before the task ended")
  return {
    // none in allocation mode, which hands nothing over that outlives it
    ticket: fs.existsSync(path.join(c.dir, "ticket")) ? fs.readFileSync(path.join(c.dir, "ticket"), "utf8") : undefined,
    placement: fs.existsSync(path.join(c.dir, "placement"))
      ? (JSON.parse(fs.readFileSync(path.join(c.dir, "placement"), "utf8")) as Backend.Placement)
      : undefined
  }
}

const has = (c: Case, file: string) => () => fs.existsSync(path.join(c.dir, file))
const runs = (c: Case) =>
  fs.existsSync(path.join(c.dir, "count"))
    ? fs.readFileSync(path.join(c.dir, "count"), "utf8").split("\n").length - 1
    : 0
const jobOf = (ticket: string | undefined) => parseTicket(ticket)!.job
const activeNamed = (name: string) => activeJobs().filter((j) => j.name === name)

/** Attaches with a fresh layer, as the resumed run would; `started` gets the placement `onStart` saw. */
const attach = (
  c: Case,
  earlier: Omit<Backend.Earlier, "runId">,
  started: Deferred.Deferred<Backend.Placement>
): Effect.Effect<Option.Option<Backend.Outcome>, unknown, Backend.Backend> =>
  Effect.flatMap(Backend.Backend, (backend) =>
    backend.attach!(
      {
        ...c.invocation,
        runId: `${c.runId}-resumed`,
        onStart: (placement) => Effect.asVoid(Deferred.succeed(started, placement))
      },
      { ...earlier, runId: c.runId }
    )
  )

const touch = (c: Case, file: string) => Effect.sync(() => fs.writeFileSync(path.join(c.dir, file), ""))
const text = (file: string) => fs.readFileSync(file, "utf8")

describe("SLURM: re-attaching to an earlier process's job", () => {
  it.live(
    "waits for a job still running and gives its exit code and whole output; the task ran once",
    () =>
      Effect.gen(function* () {
        const c = setup(gated)
        const earlier = yield* Effect.promise(() => submitAndDie(c, has(c, "placement")))
        assert.match(jobOf(earlier.ticket), new RegExp(`^rose-${c.runId}-att-0-i1-sim-a1$`))
        assert.deepStrictEqual(
          activeNamed(jobOf(earlier.ticket)).map((j) => j.id),
          [earlier.placement!.jobId],
          "the job outlived its process"
        )
        const started = yield* Deferred.make<Backend.Placement>()
        const fiber = yield* Effect.fork(attach(c, earlier, started))
        const placement = yield* Deferred.await(started)
        assert.strictEqual(placement.jobId, earlier.placement!.jobId)
        assert.strictEqual(placement.pid, earlier.placement!.pid)
        yield* touch(c, "go")
        const outcome = yield* Fiber.join(fiber)
        assert.isTrue(Option.isSome(outcome))
        assert.strictEqual(Option.getOrThrow(outcome).exitCode, 3)
        assert.strictEqual(Option.getOrThrow(outcome).jobId, earlier.placement!.jobId)
        assert.strictEqual(text(c.invocation.stdoutPath), "begin\nend\n")
        assert.strictEqual(runs(c), 1)
        assert.deepStrictEqual(yield* Effect.promise(() => waitNoJobs(jobOf(earlier.ticket))), [])
      }).pipe(Effect.provide(layer)),
    120_000
  )

  it.live(
    "takes the status of a job that ended while nobody watched, without running it again",
    () =>
      Effect.gen(function* () {
        const c = setup((dir) => `echo run >> ${dir}/count; echo begin; sleep 1; echo end; exit 5`)
        const earlier = yield* Effect.promise(() => submitAndDie(c, has(c, "placement")))
        const exitFile = `${parseTicket(earlier.ticket)!.base}.exit`
        yield* Effect.promise(() => waitFor("the job's exit file", () => fs.existsSync(exitFile), 60_000))
        yield* Effect.promise(() => waitNoJobs(jobOf(earlier.ticket)))

        // Found by its journaled id (squeue still shows it COMPLETED) …
        const started = yield* Deferred.make<Backend.Placement>()
        const byId = yield* attach(c, earlier, started)
        assert.strictEqual(Option.getOrThrow(byId).exitCode, 5)
        assert.strictEqual((yield* Deferred.await(started)).jobId, earlier.placement!.jobId)
        // … and by its ticket alone once the scheduler has forgotten the job: the ticket's name is
        // then unknown to squeue (this one was never submitted), its exit file says how it ended.
        const forgotten = JSON.stringify({ ...JSON.parse(earlier.ticket!), job: `${jobOf(earlier.ticket)}-gone` })
        const byFile = yield* attach(
          c,
          { ticket: forgotten, placement: undefined },
          yield* Deferred.make<Backend.Placement>()
        )
        assert.strictEqual(Option.getOrThrow(byFile).exitCode, 5)
        assert.strictEqual(Option.getOrThrow(byFile).jobId, earlier.placement!.jobId)
        assert.strictEqual(text(c.invocation.stdoutPath), "begin\nend\n")
        assert.strictEqual(runs(c), 1)
      }).pipe(Effect.provide(layer)),
    120_000
  )

  it.live(
    "gives none for a cancelled job, and none for one that cannot be found, leaving nothing queued",
    () =>
      Effect.gen(function* () {
        const c = setup(gated)
        const earlier = yield* Effect.promise(() => submitAndDie(c, has(c, "placement")))
        slurm(["scancel", earlier.placement!.jobId!])
        assert.deepStrictEqual(yield* Effect.promise(() => waitNoJobs(jobOf(earlier.ticket), 30)), [])
        const cancelled = yield* attach(c, earlier, yield* Deferred.make<Backend.Placement>())
        assert.isTrue(Option.isNone(cancelled))
        assert.deepStrictEqual(yield* Effect.promise(() => waitGone([earlier.placement!.pid!], 10)), [])

        const never = setup(gated)
        const ticket = JSON.stringify({ slurm: 1, job: `rose-${never.runId}-never`, base: `${never.dir}/nothing` })
        assert.isTrue(
          Option.isNone(
            yield* attach(never, { ticket, placement: undefined }, yield* Deferred.make<Backend.Placement>())
          )
        )
        assert.strictEqual(runs(c) + runs(never), 1)
      }).pipe(Effect.provide(layer)),
    120_000
  )

  it.live(
    "interrupting the attach cancels the job: it leaves the queue and its task dies",
    () =>
      Effect.gen(function* () {
        const c = setup(gated)
        const earlier = yield* Effect.promise(() => submitAndDie(c, has(c, "placement")))
        const started = yield* Deferred.make<Backend.Placement>()
        const fiber = yield* Effect.fork(attach(c, earlier, started))
        yield* Deferred.await(started)
        yield* Fiber.interrupt(fiber)
        assert.deepStrictEqual(activeNamed(jobOf(earlier.ticket)), [], "the job is gone once the attach returns")
        assert.deepStrictEqual(yield* Effect.promise(() => waitGone([earlier.placement!.pid!], 10)), [])
        assert.isFalse(fs.existsSync(`${parseTicket(earlier.ticket)!.base}.exit`), "the task did not finish")
      }).pipe(Effect.provide(layer)),
    120_000
  )

  it.live(
    "finds a pending job by its ticket's name when its id never reached the journal",
    () =>
      Effect.gen(function* () {
        const c = setup((dir) => `echo run >> ${dir}/count; echo pending-then-ran; exit 0`)
        // --hold: the job waits in the queue until released, so it is pending when the process dies.
        const earlier = yield* Effect.promise(() =>
          submitAndDie(
            c,
            () =>
              fs.existsSync(path.join(c.dir, "ticket")) &&
              activeJobs().some((j) => j.name === jobOf(fs.readFileSync(path.join(c.dir, "ticket"), "utf8"))),
            ["--hold"]
          )
        )
        assert.isUndefined(earlier.placement)
        const [job] = activeNamed(jobOf(earlier.ticket))
        assert.strictEqual(job?.state, "PENDING")
        const started = yield* Deferred.make<Backend.Placement>()
        const fiber = yield* Effect.fork(attach(c, { ticket: earlier.ticket, placement: undefined }, started))
        yield* Effect.sleep("1 second")
        slurm(["scontrol", "release", job!.id])
        const outcome = yield* Fiber.join(fiber)
        assert.strictEqual(Option.getOrThrow(outcome).exitCode, 0)
        assert.strictEqual(Option.getOrThrow(outcome).jobId, job!.id)
        assert.strictEqual((yield* Deferred.await(started)).jobId, job!.id)
        assert.strictEqual(text(c.invocation.stdoutPath), "pending-then-ran\n")
        assert.strictEqual(runs(c), 1)
      }).pipe(Effect.provide(layer)),
    120_000
  )

  it.live(
    "allocation mode gives none and cancels the earlier process's allocation with its step",
    () =>
      Effect.gen(function* () {
        const c = setup(gated)
        const allocation = { mode: "allocation" as const, allocation: { cores: 1, startTimeoutMillis: 60_000 } }
        const earlier = yield* Effect.promise(() => submitAndDie(c, has(c, "placement"), [], allocation))
        const [holder] = earlier.placement!.jobId!.split(".")
        assert.include(
          activeJobs().map((j) => j.id),
          holder,
          "the allocation outlived its process"
        )
        const found = yield* attach(c, earlier, yield* Deferred.make<Backend.Placement>()).pipe(
          Effect.provide(SlurmBackend.layer({ ...config, ...allocation, name: "slurm-attach-steps" })),
          Effect.provide(Platform.layer)
        )
        assert.isTrue(Option.isNone(found))
        assert.notInclude(
          activeJobs().map((j) => j.id),
          holder
        )
        assert.deepStrictEqual(yield* Effect.promise(() => waitGone([earlier.placement!.pid!], 10)), [])
        assert.strictEqual(runs(c), 1)
      }),
    120_000
  )

  it.live(
    "reap cancels a survivor known only by its ticket, and spares the ones being re-attached",
    () =>
      Effect.gen(function* () {
        const c = setup(gated)
        const earlier = yield* Effect.promise(() =>
          submitAndDie(
            c,
            () =>
              fs.existsSync(path.join(c.dir, "ticket")) &&
              activeJobs().some((j) => j.name === jobOf(fs.readFileSync(path.join(c.dir, "ticket"), "utf8"))),
            ["--hold"]
          )
        )
        const name = jobOf(earlier.ticket)
        const backend = yield* Backend.Backend
        // The sweep of the earlier session's jobs leaves the spared one alone …
        const spared = yield* backend.reap([], [c.runId], { spare: [earlier.ticket!] })
        assert.strictEqual(spared.killed, 0)
        assert.strictEqual(activeNamed(name).length, 1)
        // … and so does reaping it by its ticket while it is spared; without that, both cancel it.
        assert.strictEqual(
          (yield* backend.reap([{ ticket: earlier.ticket }], [], { spare: [earlier.ticket!] })).killed,
          0
        )
        const reaped = yield* backend.reap([{ ticket: earlier.ticket }], [])
        assert.strictEqual(reaped.killed, 1)
        assert.deepStrictEqual(activeNamed(name), [])
        assert.strictEqual(runs(c), 0, "the held job never ran")
      }).pipe(Effect.provide(layer)),
    120_000
  )
})
