/**
 * Whole runs over SSH on the three loopback hosts of the test sshd, each host with a working-
 * directory root of its own (h1, h2, h3 in a fresh temporary folder): the seed tutorial's learners running the
 * examples' real active-learning scripts, a negative control proving that a learner moved between
 * hosts fails, and an interrupted run leaving no remote process and no control master.
 */

import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import * as path from "node:path"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Context from "effect/Context"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SshBackend from "../../../backends/SshBackend.ts"
import * as Backend from "../../../core/Backend.ts"
import * as Event from "../../../core/Event.ts"
import type * as Learner from "../../../core/Learner.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Runner from "../../../core/Runner.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { waitForFile, waitGone, waitGoneOn, waitNone } from "../support/processes.ts"
import { pgrepLocal, requireSshd } from "./sshd.ts"

const sshd = await requireSshd()
const tasksDir = path.resolve(import.meta.dirname, "../../../examples/parallel-learners/tasks")
const rootsDir = fs.mkdtempSync(`${os.tmpdir()}/rose-ssh-roots-`)
const roots = sshd.hosts.map((_, i) => `${rootsDir}/h${i + 1}`)
const pool = sshd.hosts.map((host, i) => ({ host, root: roots[i]! }))
const made: Array<string> = [rootsDir]
const tmp = () => {
  const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-ssh-run-`)
  made.push(dir)
  return dir
}
afterAll(() => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true })
})
const events = (runDir: string) => Event.parseJournal(fs.readFileSync(`${runDir}/events.jsonl`, "utf8")).events

/** The host's sshd log from `offset` on. */
const logSince = (host: string, offset: number) => {
  const text = fs.readFileSync(`${sshd.dir}/${host}/sshd.log`, "utf8")
  return text.slice(offset)
}
const logSize = (host: string) => fs.statSync(`${sshd.dir}/${host}/sshd.log`).size

/** Runs a shell command on a host with a fresh ssh (independent of the backend under test). */
const onHost = (host: string, command: string) => {
  const r = spawnSync("ssh", ["-F", sshd.config, host, command], { encoding: "utf8", timeout: 60_000 })
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" }
}

/** A seed task that also records, in the learner's working directory, which host ran it. */
const marked = (script: string, options: Rose.TaskOptions = {}) =>
  Rose.exec(
    ["sh", "-c", `printf '%s\\n' "$ROSE_TEST_HOST" >> host-markers; exec node ${tasksDir}/${script}.mjs "$@"`, script],
    options
  )

const seed = (maxIter: number) =>
  Rose.program({
    learners: [
      Rose.active("seed", {
        parallel: 3,
        maxIter,
        tasks: {
          simulation: marked("sim", { with: { n_labeled: 100, n_features: 2 } }),
          training: marked("train", { with: { learning_rate: 0.1 } }),
          active_learn: marked("active"),
          criterion: marked("check_mse")
        },
        stopWhen: { metricName: "mean_squared_error_mse", threshold: 0.1 },
        configs: [
          { simulation: { kwargs: { n_labeled: 150, n_features: 2 } } },
          {
            simulation: {
              0: { kwargs: { n_labeled: 150, n_features: 3 } },
              [-1]: { kwargs: { n_labeled: 400, n_features: 3 } }
            }
          },
          { simulation: { kwargs: { n_labeled: 300, n_features: 4 } } }
        ]
      })
    ]
  })

const poolLayer = SshBackend.layer({ hosts: pool, sshConfig: sshd.config, slots: 2, graceMillis: 1000 })

describe("runs over SSH on three hosts", () => {
  it.live("the seed's learners each stick to one host, where their files are, over one connection per host", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const out = `${dir}/run`
      const before = new Map(sshd.hosts.map((h) => [h, logSize(h)]))
      const { results, hostOf } = yield* Effect.gen(function* () {
        const ssh = yield* SshBackend.SshBackend
        const results = yield* Runner.run(seed(3), { out })
        const hostOf = (l: Learner.LearnerRef) => ssh.hostOf(l)
        return { results, hostOf }
      }).pipe(Effect.provide(poolLayer.pipe(Layer.provideMerge(Platform.layer))))
      assert.notStrictEqual(results.status, "failed", JSON.stringify(results.learners.map((l) => l.failure)))
      const runId = results.runId
      const evs = events(out)
      const used = new Set<string>()
      for (const l of results.learners) {
        const ref = { name: l.name, index: l.index }
        const host = hostOf(ref)
        used.add(host)
        const at = sshd.hosts.indexOf(host)
        // Its working directory exists under its host's root only.
        for (const [i, root] of roots.entries()) {
          const exists = fs.existsSync(`${root}/${runId}/learners/${l.name}-${l.index}`)
          assert.strictEqual(exists, i === at, `learner ${l.index}: working directory under ${root}`)
        }
        // Every task of the learner ran on that host: the sshd set ROSE_TEST_HOST for each.
        const markers = fs
          .readFileSync(`${roots[at]}/${runId}/learners/${l.name}-${l.index}/host-markers`, "utf8")
          .trim()
          .split("\n")
        const started = evs.filter(
          (e) => e._tag === "task_started" && e.learner.index === l.index && e.learner.name === l.name
        )
        assert.strictEqual(markers.length, started.length, "one marker per task")
        assert.deepStrictEqual([...new Set(markers)], [host])
        // The journal says the same, with the remote process group of each task.
        for (const e of started) {
          if (e._tag !== "task_started") continue
          assert.strictEqual(e.host, host)
          assert.isNumber(e.pgid)
        }
        // Outputs came back to the local run directory.
        assert.isTrue(fs.existsSync(`${out}/learners/${l.name}-${l.index}/iter-0/criterion.out`))
      }
      assert.strictEqual(used.size, 3, "the three learners went to three hosts")
      for (const root of roots) fs.rmSync(`${root}/${runId}`, { recursive: true, force: true })
      // Each host's sshd saw this run's sessions on a single connection (its control master).
      for (const host of sshd.hosts) {
        const log = logSince(host, before.get(host)!)
        const byPort = new Map<string, number>()
        for (const m of log.matchAll(/Starting session: command for root from \S+ port (\d+)/g)) {
          byPort.set(m[1]!, (byPort.get(m[1]!) ?? 0) + 1)
        }
        const tasksHere = evs.filter((e) => e._tag === "task_started" && e.host === host).length
        const busiest = Math.max(0, ...byPort.values())
        assert.isAtLeast(busiest, tasksHere, `${host}: ${tasksHere} task sessions on one connection`)
      }
    })
  )

  it.live("a learner whose tasks moved between hosts fails: the check above would catch a move", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const out = `${dir}/run`
      const results = yield* Effect.scoped(
        Effect.gen(function* () {
          const one = (i: number) =>
            Layer.build(
              SshBackend.layer({ hosts: [pool[i]!], sshConfig: sshd.config, slots: 2 }).pipe(
                Layer.provide(Platform.layer)
              )
            ).pipe(Effect.map((c) => Context.get(c, Backend.Backend)))
          const a = yield* one(0)
          const b = yield* one(1)
          // Alternates hosts at every task: what a pool without stickiness may do.
          let calls = 0
          let current = a
          const moving: Backend.Service = {
            ...a,
            workspace: (runDir, runId, learner) => {
              current = calls++ % 2 === 0 ? a : b
              return current.workspace(runDir, runId, learner)
            },
            run: (inv) => current.run(inv)
          }
          const program = Rose.program({
            learners: [
              Rose.active("moved", {
                maxIter: 2,
                tasks: {
                  simulation: marked("sim", { with: { n_labeled: 50, n_features: 2 } }),
                  training: marked("train"),
                  active_learn: marked("active"),
                  criterion: marked("check_mse")
                },
                stopWhen: { metricName: "mean_squared_error_mse", threshold: 0 }
              })
            ]
          })
          return yield* Runner.run(program, { out }).pipe(
            Effect.provideService(Backend.Backend, moving),
            Effect.provide(Platform.layer)
          )
        })
      )
      assert.strictEqual(results.status, "failed")
      const failure = results.learners[0]!.failure
      assert.strictEqual(failure?.task, "training")
      assert.include(failure?.stderrTail ?? "", "data-0.json")
    })
  )

  it.live("interrupting a run leaves no remote process (by pid, over ssh and locally) and no control master", () =>
    Effect.gen(function* () {
      const dir = tmp()
      const out = `${dir}/run`
      const tree = Rose.shell(
        "echo $$ > leader; sleep 320 & echo $! >> pids; (trap '' TERM; sleep 321 & echo $! >> pids; wait) & echo $! >> pids; echo $$ >> pids; wait"
      )
      const program = Rose.program({
        learners: [
          Rose.active("tree", { parallel: 3, maxIter: 1, tasks: { training: tree, active_learn: Rose.exec("true") } })
        ]
      })
      const seen = yield* Effect.scoped(
        Effect.gen(function* () {
          const context = yield* Layer.build(poolLayer.pipe(Layer.provideMerge(Platform.layer)))
          const ssh = Context.get(context, SshBackend.SshBackend)
          const masters = ssh.hosts().map((h) => h.masterPid!)
          const run = yield* Effect.scoped(
            Effect.gen(function* () {
              const handle = yield* Runner.prepare(program, { out }).pipe(Effect.provide(context))
              yield* handle.start
              const learnerDirs = [0, 1, 2].map((k) => {
                const host = ssh.hostOf({ name: "tree", index: k })
                return `${roots[sshd.hosts.indexOf(host)]}/${handle.runId}/learners/tree-${k}`
              })
              const pids = yield* Effect.promise(() =>
                Promise.all(
                  learnerDirs.map((d) =>
                    waitForFile(`${d}/pids`, (t) => t.trim().split(/\s+/).length === 4, 120).then((t) =>
                      t.trim().split(/\s+/).map(Number)
                    )
                  )
                )
              )
              yield* handle.interrupt
              const results = yield* handle.await
              const leaders = learnerDirs.map((d) => Number(fs.readFileSync(`${d}/leader`, "utf8").trim()))
              return { results, pids, leaders, runId: handle.runId }
            })
          )
          return { ...run, masters, controlDir: ssh.controlDir, hosts: ssh.hosts().map((h) => h.label) }
        })
      )
      assert.strictEqual(seen.results.status, "interrupted")
      const started = events(out).filter((e) => e._tag === "task_started")
      assert.strictEqual(started.length, 3)
      for (const [k, pids] of seen.pids.entries()) {
        const host = started.find((e) => e._tag === "task_started" && e.learner.index === k)!
        if (host._tag !== "task_started") continue
        // The journaled pgid is the task's own pid (the shell's $$), its group's leader.
        assert.strictEqual(host.pgid, seen.leaders[k])
        // Over ssh on the task's host: no pid alive, nothing left in its process group (zombies
        // awaiting pid 1's reaping are dead; a killed process may take a moment to go).
        const left = yield* Effect.promise(() =>
          waitGoneOn((script) => onHost(host.host!, script), { pids, groups: [host.pgid!] })
        )
        assert.deepStrictEqual(left, [], `on ${host.host}`)
        // And locally (the loopback hosts share this machine's pid namespace).
        assert.deepStrictEqual(yield* Effect.promise(() => waitGone(pids)), [])
      }
      // The control masters are gone, with their sockets.
      assert.deepStrictEqual(yield* Effect.promise(() => waitGone(seen.masters)), [])
      assert.deepStrictEqual(yield* Effect.promise(() => waitNone(() => pgrepLocal(seen.controlDir))), [])
      assert.isFalse(fs.existsSync(seen.controlDir))
    })
  )
})
