/**
 * No orphans over SSH: runs on the three loopback hosts are interrupted at 50 random moments, and
 * every process they started (journaled pids and the pids the tasks wrote) is checked gone, on this
 * machine (the hosts share its pid namespace); at the end each host itself must list no live process
 * working under this run's roots (a task tree's, recorded or not). The backend (its
 * control masters) is built once for all the runs, as a long `rose run` would use it.
 */
import { spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import { afterAll, assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as SshBackend from "../../../backends/SshBackend.ts"
import * as Event from "../../../core/Event.ts"
import * as Rose from "../../../core/ProgramBuilder.ts"
import * as Runner from "../../../core/Runner.ts"
import * as Platform from "../../../runtime/Platform.ts"
import { collectPids, waitGone, waitGoneOn } from "../support/processes.ts"
import { requireSshd } from "./sshd.ts"

const sshd = await requireSshd()
const base = fs.mkdtempSync(`${os.tmpdir()}/rose-ssh-stress-`)
// Roots of this run only: the end check finds task processes by their working directory, which
// then names nothing of another test run on this machine.
const roots = sshd.hosts.map((_, i) => `${base}/h${i + 1}`)
afterAll(() => {
  fs.rmSync(base, { recursive: true, force: true })
})

// A task that starts a child and a grandchild (one ignoring SIGTERM) and records their pids where
// it runs; then works a little.
const tree = Rose.shell(
  "echo $$ >> pids; sleep 30 & echo $! >> pids; (trap '' TERM; sleep 31 & echo $! >> pids; wait) & echo $! >> pids; sleep 0.$((RANDOM % 4))"
)

const program = Rose.program({
  learners: [
    Rose.active("s", {
      parallel: 3,
      maxIter: 50,
      tasks: { simulation: tree, training: tree, active_learn: Rose.exec("true"), criterion: Rose.exec("echo 1") },
      stopWhen: { metricName: "mse", threshold: 0 }
    })
  ]
})

// What each host itself lists of the task trees above: live processes working under a root (by
// working directory: a pid alone can name an unrelated process by then, as pids wrap every few
// minutes of this suite, and a command line like "sleep 30" could be anyone's).
const treesOn = (host: string) =>
  waitGoneOn((script) => spawnSync("ssh", ["-F", sshd.config, host, script], { encoding: "utf8" }), {
    cwdUnder: base
  })

describe("no orphans over SSH", () => {
  it.live(
    "50 interrupts at random points leave no process of the run alive on any host",
    () =>
      Effect.gen(function* () {
        const backend = yield* Layer.build(
          SshBackend.layer({
            hosts: sshd.hosts.map((host, i) => ({ host, root: roots[i]! })),
            sshConfig: sshd.config,
            slots: 2,
            graceMillis: 500
          }).pipe(Layer.provide(Platform.layer))
        )
        let seed = 4242
        const random = () => {
          seed = (seed * 1103515245 + 12345) % 2147483648
          return seed / 2147483648
        }
        const all: Array<number> = []
        for (let n = 0; n < 50; n++) {
          const out = `${base}/run-${n}`
          const delay = Math.floor(random() * 1500)
          const results = yield* Effect.scoped(
            Effect.gen(function* () {
              const handle = yield* Runner.prepare(program, { out })
              yield* handle.start
              yield* Effect.sleep(`${delay} millis`)
              yield* handle.interrupt
              return yield* handle.await
            })
          ).pipe(Effect.provide(backend), Effect.provide(Platform.layer))
          assert.oneOf(results.status, ["interrupted", "completed"])
          const journaled = Event.parseJournal(fs.readFileSync(`${out}/events.jsonl`, "utf8")).events.flatMap((e) =>
            e._tag === "task_started" && e.pid !== undefined ? [e.pid] : []
          )
          const written = roots.flatMap((root) =>
            fs.existsSync(`${root}`) ? collectPids(root).filter((p) => !all.includes(p)) : []
          )
          const pids = [...new Set([...journaled, ...written])]
          all.push(...pids)
          const survivors = yield* Effect.promise(() => waitGone(pids, 5))
          assert.deepStrictEqual(survivors, [], `run ${n} (interrupted after ${delay} ms) left ${survivors.join(" ")}`)
        }
        assert.isAbove(all.length, 50, "the runs started processes to check")
        // And from each host's side: no process of any task tree, recorded or not.
        for (const host of sshd.hosts) {
          assert.deepStrictEqual(yield* Effect.promise(() => treesOn(host)), [], `task processes left on ${host}`)
        }
      }).pipe(Effect.scoped),
    600_000
  )
})
