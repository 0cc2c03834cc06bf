/**
 * PBT over SSH with the two learners on two hosts, each host with a working-directory root of its
 * own: the learner that copies gets its source's folder from the other host (through this machine,
 * as a tar archive), keeps its own `iter-<n>` output, and goes on with the perturbed config there.
 */
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
import { requireSshd } from "./sshd.ts"

const sshd = await requireSshd()
const rootsDir = fs.mkdtempSync(`${os.tmpdir()}/rose-ssh-pbt-`)
const hosts = sshd.hosts.slice(0, 2)
const roots = hosts.map((_, i) => `${rootsDir}/h${i + 1}`)
afterAll(() => fs.rmSync(rootsDir, { recursive: true, force: true }))

describe("PBT over SSH", () => {
  it.live("a learner copies its source's folder from another host and goes on there", () =>
    Effect.gen(function* () {
      const out = `${rootsDir}/run`
      const program = Rose.program({
        learners: [
          Rose.active("pbt", {
            parallel: 2,
            maxIter: 3,
            tasks: {
              // The learner's state: who wrote it at which iteration, with which lr (a binary file too).
              training: Rose.shell(
                'echo "$ROSE_LEARNER:$ROSE_ITERATION $*" >> weights; mkdir -p model; printf "\\000\\377$ROSE_LEARNER" > model/w.bin; if [ "$ROSE_LEARNER" = 0 ]; then mkdir -p iter-9; echo 0 > iter-9/mark; fi',
                { with: { lr: 1 } }
              ),
              active_learn: Rose.shell("true"),
              // pbt[1] reaches the period (after iteration 1) second, and worse: it copies pbt[0].
              criterion: Rose.shell('if [ "$ROSE_LEARNER" = 1 ]; then sleep 1; echo 0.9; else echo 0.1; fi')
            },
            stopWhen: { metricName: "mse", operator: "<", threshold: 0.001 },
            population: Rose.pbt({ every: 2, quantile: 0.5, seed: 1, perturb: { training: { lr: [0.5] } } })
          })
        ]
      })
      const layer = SshBackend.layer({
        hosts: hosts.map((host, i) => ({ host, root: roots[i]! })),
        sshConfig: sshd.config,
        slots: 1,
        graceMillis: 1000
      }).pipe(Layer.provideMerge(Platform.layer))
      const { results, hostOf } = yield* Effect.gen(function* () {
        const ssh = yield* SshBackend.SshBackend
        const results = yield* Runner.run(program, { out })
        return { results, hostOf: [0, 1].map((index) => ssh.hostOf({ name: "pbt", index })) }
      }).pipe(Effect.provide(layer))
      assert.strictEqual(results.status, "completed", JSON.stringify(results.learners.map((l) => l.failure)))
      assert.notStrictEqual(hostOf[0], hostOf[1], "the two learners work on two hosts")

      const journal = Event.parseJournal(fs.readFileSync(`${out}/events.jsonl`, "utf8")).events
      const exploited = journal.filter((e): e is Extract<Event.Event, { _tag: "exploited" }> => e._tag === "exploited")
      assert.deepStrictEqual(
        exploited.map((e) => [e.learner.index, e.iteration, e.source.index, e.from, e.to]),
        [[1, 1, 0, { "training.lr": 1 }, { "training.lr": 0.5 }]]
      )
      const folder = (k: number) => `${roots[hosts.indexOf(hostOf[k]!)]}/${results.runId}/learners/pbt-${k}`
      // pbt[1]'s folder is pbt[0]'s as it was after iteration 1, then its own iteration 2 with lr 0.5.
      assert.strictEqual(fs.readFileSync(`${folder(1)}/weights`, "utf8"), "0:0 --lr 1\n0:1 --lr 1\n1:2 --lr 0.5\n")
      assert.deepStrictEqual([...fs.readFileSync(`${folder(1)}/model/w.bin`)], [0, 255, "1".charCodeAt(0)])
      assert.strictEqual(fs.readFileSync(`${folder(0)}/weights`, "utf8"), "0:0 --lr 1\n0:1 --lr 1\n0:2 --lr 1\n")
      // The copy leaves out the source's iter-<n> folders.
      assert.isTrue(fs.existsSync(`${folder(0)}/iter-9/mark`))
      assert.isFalse(fs.existsSync(`${folder(1)}/iter-9`))
      for (const i of [0, 1, 2]) assert.isTrue(fs.existsSync(`${out}/learners/pbt-1/iter-${i}`), `pbt[1] iter-${i}`)
      assert.deepStrictEqual(
        results.learners.map((l) => [l.stopReason, l.iterations]),
        [
          ["max_iter", 3],
          ["max_iter", 3]
        ]
      )
    })
  )
})
