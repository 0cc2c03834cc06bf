/**
 * The liveness checks every "nothing survived" assertion relies on (processes.ts), against real
 * processes: a zombie counts as dead though `kill -0` still succeeds on it, a live process counts as
 * alive until its deadline (a real survivor keeps failing the check), and the same holds for the
 * shell snippet run over ssh on a test host.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import * as fs from "node:fs"
import * as os from "node:os"
import { afterAll, assert, describe, it } from "@effect/vitest"
import { requireSshd } from "../ssh/sshd.ts"
import { groupMembers, isAlive, waitForFile, waitGone, waitGoneOn, waitGroupsGone, waitNone } from "./processes.ts"

const sshd = await requireSshd()
const host = sshd.hosts[1]!
const dir = fs.mkdtempSync(`${os.tmpdir()}/rose-liveness-`)
const started: Array<ChildProcess> = []
afterAll(() => {
  for (const c of started) if (c.pid !== undefined) spawnSync("kill", ["-KILL", "--", `-${c.pid}`])
  fs.rmSync(dir, { recursive: true, force: true })
})

const stateOf = (pid: number) => {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8")
  return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3)
}

/**
 * A live process (`sleep 60`, leading its own group, working in `cwd`) with a zombie child: the shell
 * starts a short child and then becomes the sleep, which never waits for it, so the child stays a
 * zombie until the sleep ends.
 */
const liveWithZombie = async (cwd = dir) => {
  const out = `${cwd}/zombie-${started.length}`
  const child = spawn("sh", ["-c", `sleep 0.01 & echo $! > ${out}; exec sleep 60`], {
    cwd,
    detached: true,
    stdio: "ignore"
  })
  started.push(child)
  const zombie = Number((await waitForFile(out, (t) => t.endsWith("\n"))).trim())
  const zombieNow = await waitNone(() => (stateOf(zombie) === "Z" ? [] : [zombie]))
  assert.deepStrictEqual(zombieNow, [], "the child became a zombie")
  return { live: child.pid!, zombie, group: child.pid! }
}

const onHost = (script: string) => {
  const r = spawnSync("ssh", ["-F", sshd.config, host, script], { encoding: "utf8", timeout: 60_000 })
  return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" }
}

describe("liveness checks", () => {
  it("locally: a zombie is dead (though kill -0 succeeds on it), a live process and its group are alive", async () => {
    const { live, zombie, group } = await liveWithZombie()
    assert.doesNotThrow(() => process.kill(zombie, 0), "kill -0 counts the zombie")
    assert.isFalse(isAlive(zombie))
    assert.isTrue(isAlive(live))
    assert.deepStrictEqual(groupMembers(group), [live], "the zombie in the group is not a member that lives")
    // A survivor fails the wait at its deadline, not before; once killed, the wait passes.
    const t0 = Date.now()
    assert.deepStrictEqual(await waitGone([live, zombie], 1), [live])
    assert.deepStrictEqual(await waitGroupsGone([group], 1), [group])
    assert.isAtLeast(Date.now() - t0, 2000)
    process.kill(-group, "SIGKILL")
    assert.deepStrictEqual(await waitGone([live]), [])
    assert.deepStrictEqual(await waitGroupsGone([group]), [])
  })

  it("over ssh: the snippet reports the live process (by pid, group and working folder), never the zombie", async () => {
    const work = fs.mkdtempSync(`${dir}/work-`)
    const { live, zombie, group } = await liveWithZombie(work)
    const left = await waitGoneOn(onHost, { pids: [live, zombie], groups: [group], cwdUnder: work }, 1)
    assert.deepStrictEqual(left, [`alive ${live} state=S pgid=${group} (pid,group,cwd)`])
    assert.deepStrictEqual(await waitGoneOn(onHost, { pids: [zombie] }, 1), [])
    process.kill(-group, "SIGKILL")
    assert.deepStrictEqual(await waitGoneOn(onHost, { pids: [live], groups: [group], cwdUnder: work }), [])
  })

  it("over ssh: a check that cannot run fails instead of reporting nothing", async () => {
    const broken = (script: string) => {
      const r = spawnSync("ssh", ["-F", sshd.config, "-o", "Port=1", host, script], { encoding: "utf8" })
      return { status: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" }
    }
    let error: unknown
    try {
      await waitGoneOn(broken, { pids: [process.pid] }, 1)
    } catch (e) {
      error = e
    }
    assert.match(String(error), /the survivor check exited 255/)
  })
})
