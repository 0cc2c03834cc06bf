/**
 * The argv of the SSH backend's ssh commands: the connection's options, the control master, and the
 * clients multiplexed over it.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Args from "../../../backends/internal/sshArgs.ts"

describe("ssh command lines", () => {
  it("ssh options: strict host key checking on by default, paths with spaces quoted, the master's socket", () => {
    const c: Args.Connection = {
      destination: "node1",
      port: 2222,
      user: "me",
      identity: "/keys/my key",
      knownHosts: "/kh",
      strictHostKeyChecking: true,
      connectTimeoutSeconds: 7,
      options: ["Compression=yes"]
    }
    const master = Args.master("ssh", c, "/tmp/rose-ssh-x/h0")
    assert.includeMembers(master, [
      "-M",
      "-N",
      "ControlMaster=yes",
      "ControlPath=/tmp/rose-ssh-x/h0",
      "ControlPersist=no"
    ])
    assert.includeMembers(master, ["StrictHostKeyChecking=yes", "BatchMode=yes", "ConnectTimeout=7", "Port=2222"])
    assert.include(master, 'IdentityFile="/keys/my key"')
    assert.include(master, "Compression=yes")
    assert.strictEqual(master.at(-1), "node1")
    const task = Args.command("ssh", c, "/tmp/rose-ssh-x/h0", "exec /bin/sh -s")
    assert.includeMembers(task, ["ControlMaster=no", "ProxyCommand=false", "-T"])
    assert.deepStrictEqual(task.slice(-2), ["node1", "exec /bin/sh -s"])
    assert.include(Args.common({ ...c, strictHostKeyChecking: false }), "StrictHostKeyChecking=no")
    assert.include(Args.common({ ...c, strictHostKeyChecking: "accept-new" }), "StrictHostKeyChecking=accept-new")
  })
})
