/**
 * The SSH backend's launcher and quoting, run by the local /bin/sh exactly as a remote one would
 * run them (the launcher is a plain POSIX script read on stdin). These start real shells and task
 * trees and wait on real time, so they are integration tests; they need no sshd.
 */
import { spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import { assert, describe, it } from "@effect/vitest"
import * as ResumeScript from "../../../backends/internal/sshResumeScript.ts"
import * as Script from "../../../backends/internal/sshScript.ts"
import { isAlive, waitGone } from "../support/processes.ts"

const marker = "@@rose-test@@"
const sh = (script: string, cwd = "/") => spawnSync("/bin/sh", ["-s"], { input: script, cwd, encoding: "utf8" })

const tricky = [
  "",
  "a b",
  `it's "quoted"`,
  "x; rm -rf /nothing",
  "$(id) `id` $HOME",
  "two\nlines",
  "ünï ✓ 日本",
  "-n",
  "*",
  "~",
  "a=b",
  "\\"
]

describe("ssh launcher", () => {
  it("quoting: every word reaches the program literally", () => {
    const r = sh(`printf '%s\\0' ${tricky.map(Script.quote).join(" ")}`)
    assert.deepStrictEqual(r.stdout.split("\0").slice(0, -1), tricky)
  })

  it("reports ready, the pid and the exit status; output passes through; the status is written atomically", () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-launcher-`)
    const cwd = `${dir}/a dir/learner`
    const script = Script.launcher({
      graceMillis: 100,
      marker,
      nonce: `t${process.pid}`,
      seq: 1,
      runId: "run-1",
      cwd,
      env: [
        ["ROSE_X", "it's $HOME"],
        ["ROSE_X", "later wins"]
      ],
      setup: ["export FROM_SETUP=yes"],
      argv: ["sh", "-c", 'echo "$PWD|$ROSE_X|$FROM_SETUP|$1"; echo err >&2; exit 7', "sh", "a b"]
    })
    const r = spawnSync("/bin/sh", ["-s"], { input: script, encoding: "utf8", env: { ...process.env, TMPDIR: dir } })
    assert.strictEqual(r.status, 7)
    assert.strictEqual(r.stdout, `${marker}ready\n${cwd}|later wins|yes|a b\n`)
    const records = r.stderr.split("\n").filter((l) => l.startsWith(marker))
    assert.strictEqual(records[0], `${marker}ready`)
    assert.match(records[1]!, new RegExp(`^${marker}pid=\\d+$`))
    assert.strictEqual(records[2], `${marker}exit=7`)
    const control = `${dir}/rose-ssh.t${process.pid}/1`
    assert.strictEqual(fs.readFileSync(`${control}/exit`, "utf8"), "7\n")
    assert.strictEqual(fs.readFileSync(`${control}/run`, "utf8"), "run-1\n")
    assert.strictEqual(fs.readFileSync(`${control}/pid`, "utf8").trim(), records[1]!.split("=")[1])
    assert.isFalse(fs.existsSync(`${control}/exit.tmp`))
    // The task wrote to its control folder, which outlives the session; the session got a copy.
    assert.strictEqual(fs.readFileSync(`${control}/out`, "utf8"), `${cwd}|later wins|yes|a b\n`)
    assert.strictEqual(fs.readFileSync(`${control}/err`, "utf8"), "err\n")
  })

  it("without GNU tail the output is sent whole when the task has ended", () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-launcher-`)
    fs.mkdirSync(`${dir}/bin`)
    // A tail that is not GNU's: the launcher must not use --pid.
    fs.writeFileSync(`${dir}/bin/tail`, `#!/bin/sh\necho "tail (BusyBox) 1.36"\n`, { mode: 0o755 })
    const r = spawnSync("/bin/sh", ["-s"], {
      input: Script.launcher({
        graceMillis: 100,
        marker,
        nonce: `g${process.pid}`,
        seq: 1,
        runId: "r",
        cwd: dir,
        env: [],
        setup: [],
        argv: ["sh", "-c", "for i in 1 2 3; do echo out $i; echo err $i >&2; sleep 0.1; done"]
      }),
      encoding: "utf8",
      env: { ...process.env, TMPDIR: dir, PATH: `${dir}/bin:${process.env.PATH}` }
    })
    assert.strictEqual(r.status, 0)
    assert.strictEqual(r.stdout, `${marker}ready\nout 1\nout 2\nout 3\n`)
    assert.include(r.stderr, "err 1\nerr 2\nerr 3\n")
    assert.isTrue(r.stderr.endsWith(`${marker}exit=0\n`), r.stderr)
  })

  it("a missing command is told from a task's exit 127", () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-launcher-`)
    const base = { marker, nonce: `n${process.pid}`, runId: "r", cwd: dir, env: [], setup: [] }
    const missing = spawnSync("/bin/sh", ["-s"], {
      input: Script.launcher({ graceMillis: 100, ...base, seq: 1, argv: ["no-such-command-rose", "x"] }),
      encoding: "utf8",
      env: { ...process.env, TMPDIR: dir }
    })
    assert.include(missing.stderr, `${marker}notfound`)
    const path = spawnSync("/bin/sh", ["-s"], {
      input: Script.launcher({ graceMillis: 100, ...base, seq: 2, argv: ["./not-here.sh"] }),
      encoding: "utf8",
      env: { ...process.env, TMPDIR: dir }
    })
    assert.include(path.stderr, `${marker}notfound`)
    const own = spawnSync("/bin/sh", ["-s"], {
      input: Script.launcher({ graceMillis: 100, ...base, seq: 3, argv: ["sh", "-c", "exit 127"] }),
      encoding: "utf8",
      env: { ...process.env, TMPDIR: dir }
    })
    assert.notInclude(own.stderr, "notfound")
    assert.include(own.stderr, `${marker}exit=127`)
  })

  it("the kill script stops a task's whole group and a later launcher refuses to start a cancelled task", () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-launcher-`)
    const env = { ...process.env, TMPDIR: dir }
    // Cancelled before it started: the launcher exits without starting the task.
    spawnSync("/bin/sh", ["-s"], { input: Script.kill(Script.controlName("k", 1), 100), env })
    const r = spawnSync("/bin/sh", ["-s"], {
      input: Script.launcher({
        graceMillis: 100,
        marker,
        nonce: "k",
        seq: 1,
        runId: "r",
        cwd: dir,
        env: [],
        setup: [],
        argv: ["touch", "ran"]
      }),
      encoding: "utf8",
      env
    })
    assert.strictEqual(r.status, 130)
    assert.isFalse(fs.existsSync(`${dir}/ran`))
  })

  // Both shells a host may run the launcher with: dash reads its script ahead in blocks, bash a
  // byte at a time. The environment is large so the script spans many reads of the pipe.
  for (const shell of ["/bin/sh", "bash"]) {
    it(`${shell}: a cancel line on stdin stops the task's whole group; the end of stdin does not`, async () => {
      const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-launcher-`)
      const big = "x".repeat(100_000)
      const start = (seq: number) => {
        const child = spawn(shell, ["-s"], {
          env: { ...process.env, TMPDIR: dir },
          stdio: ["pipe", "ignore", "pipe"],
          detached: true
        })
        let stderr = ""
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d))
        const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)))
        child.stdin.on("error", () => {})
        child.stdin.write(
          Script.launcher({
            graceMillis: 300,
            marker,
            nonce: "c",
            seq,
            runId: "r",
            cwd: dir,
            env: [["BIG", big]],
            setup: ["cat >/dev/null"],
            argv: [
              "sh",
              "-c",
              `echo "\${#BIG} $$" > tree-${seq}; (trap '' TERM; sleep 300) & echo $! >> tree-${seq}; sleep 300`
            ]
          })
        )
        return { child, exited, stderr: () => stderr }
      }
      const waitFor = async (ok: () => boolean, what: string) => {
        const deadline = Date.now() + 10_000
        while (!ok()) {
          if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`)
          await new Promise((r) => setTimeout(r, 20))
        }
      }
      const tree = (seq: number) => {
        const [first, second] = fs.readFileSync(`${dir}/tree-${seq}`, "utf8").trim().split("\n")
        const [length, pid] = first!.split(" ").map(Number)
        return { length, pids: [pid!, Number(second)] }
      }
      const cancelled = start(1)
      const kept = start(2)
      try {
        for (const [seq, l] of [
          [1, cancelled],
          [2, kept]
        ] as const) {
          await waitFor(() => l.stderr().includes(`${marker}pid=`), `launcher ${seq} to report its pid`)
          await waitFor(
            () => fs.existsSync(`${dir}/tree-${seq}`) && tree(seq).pids.every((p) => p > 0),
            `task ${seq} to write its pids`
          )
          assert.strictEqual(tree(seq).length, big.length, "the whole script ran, its environment intact")
        }
        cancelled.child.stdin.write("cancel\n")
        const code = await cancelled.exited
        assert.include([143, 137], code)
        assert.include(cancelled.stderr(), `${marker}exit=${code}`)
        assert.deepStrictEqual(await waitGone(tree(1).pids), [], "the cancelled group is gone")
        kept.child.stdin.end()
        await new Promise((r) => setTimeout(r, 500))
        assert.isTrue(tree(2).pids.every(isAlive), "a closed stdin (a lost connection) kills nothing")
      } finally {
        for (const [seq, l] of [
          [1, cancelled],
          [2, kept]
        ] as const) {
          l.child.kill("SIGKILL")
          for (const pid of fs.existsSync(`${dir}/tree-${seq}`) ? tree(seq).pids : []) {
            spawnSync("kill", ["-s", "KILL", "--", `-${pid}`])
            spawnSync("kill", ["-s", "KILL", String(pid)])
          }
        }
      }
    })
  }

  it("reap kills an earlier run's tasks found by their run file, and only those", async () => {
    const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-launcher-`)
    const env = { ...process.env, TMPDIR: dir }
    const start = (seq: number, runId: string) => {
      const child = spawn("/bin/sh", ["-s"], { env, stdio: ["pipe", "ignore", "ignore"], detached: true })
      child.stdin.end(
        Script.launcher({
          graceMillis: 100,
          marker,
          nonce: "old",
          seq,
          runId,
          cwd: dir,
          env: [],
          setup: [],
          argv: ["sleep", "300"]
        })
      )
      return child
    }
    const launchers = [start(1, "run-old"), start(2, "run-other")]
    const pidFile = (seq: number) => `${dir}/rose-ssh.old/${seq}/pid`
    const deadline = Date.now() + 10_000
    while (!(fs.existsSync(pidFile(1)) && fs.existsSync(pidFile(2))) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20))
    }
    const [p1, p2] = [1, 2].map((k) => Number(fs.readFileSync(pidFile(k), "utf8")))
    // A journaled process group whose number another process has by now: no launcher file proves
    // it, so it is reported and left alone.
    const decoy = spawn("sleep", ["300"], { detached: true, stdio: "ignore" })
    try {
      const r = spawnSync("/bin/sh", ["-s"], {
        input: ResumeScript.reap(marker, [p1!, decoy.pid!], ["run-old"]),
        encoding: "utf8",
        env
      })
      assert.include(r.stdout, `${marker}reaped=1`)
      assert.include(r.stdout, `${marker}spared= ${decoy.pid}\n`)
      assert.deepStrictEqual(await waitGone([p1!], 5), [], "the earlier run's task was killed")
      assert.isTrue(isAlive(p2!), "another run's task was left alone")
      assert.isTrue(isAlive(decoy.pid!), "a journaled group nothing proves was left alone")
    } finally {
      for (const l of launchers) l.kill("SIGKILL")
      decoy.kill("SIGKILL")
      spawnSync("kill", ["-s", "KILL", "--", `-${p1}`, `-${p2}`])
    }
  })
})
