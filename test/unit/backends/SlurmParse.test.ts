import * as fs from "node:fs"
import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as Schema from "effect/Schema"
import * as SchemaAST from "effect/SchemaAST"
import * as Parse from "../../../backends/internal/slurmParse.ts"
import * as SlurmBackend from "../../../backends/SlurmBackend.ts"

describe("SLURM output: sbatch", () => {
  it("reads the job id of --parsable", () => {
    assert.strictEqual(Parse.parseSbatch("12345\n"), "12345")
    assert.strictEqual(Parse.parseSbatch("12345;cluster2\n"), "12345")
    assert.strictEqual(Parse.parseSbatch("sbatch: warning: something\n77\n"), "77")
    assert.isUndefined(Parse.parseSbatch(""))
    assert.isUndefined(Parse.parseSbatch("Submitted batch job 12\n"))
  })

  // What sbatch 22.05 printed on the test cluster for each mistake.
  const cases: ReadonlyArray<readonly [string, Parse.SubmitFailure["_tag"]]> = [
    [
      "sbatch: error: invalid partition specified: nopart\nsbatch: error: Batch job submission failed: Invalid partition name specified\n",
      "Partition"
    ],
    ["sbatch: error: Batch job submission failed: More processors requested than permitted\n", "Resources"],
    ["sbatch: error: Memory specification can not be satisfied\n", "Resources"],
    ["sbatch: error: Batch job submission failed: Requested node configuration is not available\n", "Resources"],
    [
      "sbatch: error: Batch job submission failed: Requested time limit is invalid (missing or exceeds some limit)\n",
      "Resources"
    ],
    ["sbatch: error: Invalid generic resource (gres) specification\n", "Resources"],
    ["sbatch: error: Batch job submission failed: Unable to contact slurm controller (connect failure)\n", "Transient"],
    [
      "sbatch: error: Batch job submission failed: Invalid account or account/partition combination specified\n",
      "Config"
    ],
    ["sbatch: unrecognized option '--bogus'\n", "Config"],
    ["srun: error: Unable to create step for job 12: Invalid job id specified\n", "AllocationGone"],
    ["srun: error: Slurm job 53 has expired\n", "AllocationGone"],
    ["something else entirely\n", "Other"]
  ]

  it("classifies submission errors", () => {
    for (const [stderr, tag] of cases) assert.strictEqual(Parse.classifySubmitError(stderr)._tag, tag, stderr)
  })

  it("keeps the message without the command prefixes", () => {
    assert.strictEqual(
      Parse.classifySubmitError(cases[0]![0]).message,
      "invalid partition specified: nopart; Batch job submission failed: Invalid partition name specified"
    )
  })
})

describe("SLURM output: squeue and scontrol", () => {
  it("reads squeue rows", () => {
    const rows = Parse.parseSqueue("10|COMPLETED|vm|None\n11|PENDING||Resources\n12|RUNNING|vm|None\ngarbage\n\n")
    assert.deepStrictEqual([...rows.keys()], ["10", "11", "12"])
    assert.deepStrictEqual(rows.get("11"), { jobId: "11", state: "PENDING", nodes: "", reason: "Resources" })
  })

  it("strips the + of a state (CANCELLED+)", () => {
    assert.strictEqual(Parse.parseSqueue("9|CANCELLED+|vm|None\n").get("9")?.state, "CANCELLED")
  })

  it("tells active states from final ones", () => {
    for (const s of ["PENDING", "RUNNING", "COMPLETING", "CONFIGURING", "SUSPENDED"])
      assert.isTrue(Parse.isActive(s), s)
    for (const s of ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "PREEMPTED", "NODE_FAIL", "OUT_OF_MEMORY"]) {
      assert.isFalse(Parse.isActive(s), s)
    }
  })

  it("explains why a job was lost", () => {
    assert.include(Parse.lostReason("TIMEOUT", "TimeLimit"), "time limit")
    assert.include(Parse.lostReason("TIMEOUT", "TimeLimit"), "reason TimeLimit")
    assert.include(Parse.lostReason("PREEMPTED", "None"), "preempted")
    assert.notInclude(Parse.lostReason("PREEMPTED", "None"), "reason None")
    assert.include(Parse.lostReason("WEIRD", ""), "WEIRD")
  })

  it("knows pending reasons that never resolve", () => {
    assert.strictEqual(Parse.hopelessPending("PartitionTimeLimit"), "resources")
    assert.strictEqual(Parse.hopelessPending("InvalidAccount"), "config")
    assert.isUndefined(Parse.hopelessPending("Resources"))
    assert.isUndefined(Parse.hopelessPending("Priority"))
  })

  it("reads scontrol show job records, values with spaces included", () => {
    const text = [
      "JobId=12 JobName=rose alloc",
      "   JobState=RUNNING Reason=None Dependency=(null)",
      "   NumNodes=1 NumCPUs=2 NumTasks=2 CPUs/Task=1 ReqB:S:C:T=0:0:*:*",
      "   TRES=cpu=2,node=1,billing=2,gres/gpu=1",
      "   NodeList=vm"
    ].join("\n")
    const f = Parse.parseScontrol(text)
    assert.strictEqual(f.get("JobName"), "rose alloc")
    assert.strictEqual(f.get("NumCPUs"), "2")
    assert.strictEqual(f.get("NodeList"), "vm")
    assert.strictEqual(Parse.tresGpus(f.get("TRES")), 1)
    assert.strictEqual(Parse.tresGpus("cpu=2,gres/gpu:a100=4"), 4)
    assert.strictEqual(Parse.tresGpus(undefined), 0)
  })

  it("reads KillWait from scontrol show config", () => {
    const c = Parse.parseConfig(
      "Configuration data as of 2026-11-28T13:00:00\nKillWait                = 5 sec\nMinJobAge = 600 sec\n"
    )
    assert.strictEqual(Parse.parseSeconds(c.get("KillWait")), 5)
    assert.strictEqual(Parse.parseSeconds("30"), 30)
    assert.isUndefined(Parse.parseSeconds("(null)"))
  })
})

describe("SLURM kill notices", () => {
  it("finds slurmstepd's last cancel line in a task's stderr", () => {
    const stderr = [
      "working…",
      "slurmstepd-vm: error: *** JOB 14 ON vm CANCELLED AT 2026-11-28T13:17:31 DUE TO TIME LIMIT ***",
      "Terminated"
    ].join("\n")
    assert.deepStrictEqual(Parse.schedulerKill(stderr), {
      state: "TIMEOUT",
      line: "*** JOB 14 ON vm CANCELLED AT 2026-11-28T13:17:31 DUE TO TIME LIMIT ***"
    })
    assert.strictEqual(
      Parse.schedulerKill("slurmstepd: error: *** STEP 12.10 ON vm CANCELLED AT 2026-11-28T13:21:36 ***")?.state,
      "CANCELLED"
    )
    assert.strictEqual(
      Parse.schedulerKill("*** JOB 3 ON n1 CANCELLED AT 2026-01-01T00:00:00 DUE TO PREEMPTION ***")?.state,
      "PREEMPTED"
    )
    assert.strictEqual(
      Parse.schedulerKill("*** JOB 3 ON n1 CANCELLED AT 2026-01-01T00:00:00 DUE TO NODE FAILURE ***")?.state,
      "NODE_FAIL"
    )
    assert.isUndefined(Parse.schedulerKill("Terminated\nexit 143"))
  })

  it("tells the scheduler's kills from other ends", () => {
    for (const s of ["TIMEOUT", "PREEMPTED", "NODE_FAIL", "CANCELLED"]) assert.isTrue(Parse.isSchedulerKill(s), s)
    for (const s of ["COMPLETED", "FAILED", "OUT_OF_MEMORY", "RUNNING"]) assert.isFalse(Parse.isSchedulerKill(s), s)
  })
})

describe("SLURM wrapper files", () => {
  it("reads the start record, only once it is complete", () => {
    assert.deepStrictEqual(Parse.parseStart("4242 vm 17 -\n"), {
      pid: 4242,
      node: "vm",
      jobId: "17",
      stepId: undefined
    })
    assert.deepStrictEqual(Parse.parseStart("4242 node07 17 3\n"), {
      pid: 4242,
      node: "node07",
      jobId: "17",
      stepId: "3"
    })
    assert.isUndefined(Parse.parseStart("4242 vm"))
    assert.isUndefined(Parse.parseStart(""))
    assert.isUndefined(Parse.parseStart("x vm 1 2\n"))
  })

  it("reads the exit record", () => {
    assert.deepStrictEqual(Parse.parseExit("0\n"), { _tag: "Exited", code: 0 })
    assert.deepStrictEqual(Parse.parseExit("137\n"), { _tag: "Exited", code: 137 })
    assert.deepStrictEqual(Parse.parseExit("notfound\n"), { _tag: "NotFound", node: undefined })
    assert.deepStrictEqual(Parse.parseExit("notfound node07\n"), { _tag: "NotFound", node: "node07" })
    assert.deepStrictEqual(Parse.parseExit("error cannot enter the working directory /x\n"), {
      _tag: "Error",
      reason: "cannot enter the working directory /x"
    })
    assert.isUndefined(Parse.parseExit("3"))
    assert.isUndefined(Parse.parseExit("what\n"))
  })
})

describe("SLURM backend configuration", () => {
  const decode = Schema.decodeUnknownEither(SlurmBackend.ConfigSchema, { onExcessProperty: "error" })

  it("decodes the .rose form", () => {
    const input = {
      partition: "debug",
      mode: "allocation",
      directives: ["--qos=high"],
      env: { OMP_NUM_THREADS: 2 },
      poll: 0.25,
      grace: 3,
      allocation: { cores: 8, time: "01:00:00", start_timeout: 60 }
    }
    const config = Either.getOrThrow(decode(input))
    assert.strictEqual(config.pollMillis, 250)
    assert.strictEqual(config.graceMillis, 3000)
    assert.deepStrictEqual(config.env, { OMP_NUM_THREADS: "2" })
    assert.deepStrictEqual(config.allocation, { cores: 8, time: "01:00:00", startTimeoutMillis: 60_000 })
    // the deprecated constructor gives the same, with the backend's name
    assert.deepStrictEqual(SlurmBackend.fromSchema(input as SlurmBackend.ConfigInput, "cluster"), {
      ...config,
      name: "cluster"
    })
  })

  it("docs/slurm.md documents every field", () => {
    const doc = fs.readFileSync(`${import.meta.dirname}/../../../docs/slurm.md`, "utf8")
    const keys = (ast: SchemaAST.AST) => (ast as SchemaAST.TypeLiteral).propertySignatures.map((p) => String(p.name))
    const encoded = SchemaAST.encodedAST(SlurmBackend.ConfigSchema.ast)
    for (const key of keys(encoded)) {
      if (key !== "allocation") assert.include(doc, `| \`${key}\` |`, key)
    }
    const allocation = (encoded as SchemaAST.TypeLiteral).propertySignatures.find((p) => p.name === "allocation")!
    const allocationKeys = keys((allocation.type as SchemaAST.Union).types.find(SchemaAST.isTypeLiteral)!)
    assert.sameMembers(allocationKeys, ["cores", "nodes", "gpus", "memory", "time", "start_timeout"])
    for (const key of allocationKeys) {
      assert.include(doc, `| \`allocation.${key}\` |`, key)
    }
  })

  it("rejects what cannot work, saying why", () => {
    const problem = (input: unknown) => {
      const r = decode(input)
      return Either.isLeft(r) ? String(r.left) : ""
    }
    assert.include(problem({ mode: "allocation" }), "needs an allocation")
    assert.include(problem({ allocation: { cores: 2 } }), `only used with mode: "allocation"`)
    assert.include(problem({ mode: "allocation", allocation: { cores: 0 } }), "cores")
    assert.include(problem({ directives: ["qos=high"] }), "is not an option")
    assert.include(problem({ env: { "a-b": "x" } }), "is not a variable name")
    assert.include(problem({ mode: "batch" }), "mode")
    assert.include(problem({ partion: "debug" }), "partion")
  })
})
