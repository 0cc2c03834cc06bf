import { assert, describe, it } from "@effect/vitest"
import * as Either from "effect/Either"
import * as SshBackend from "../../../backends/SshBackend.ts"
import * as Dsl from "../../../dsl/Dsl.ts"
import * as Builtin from "../../../plugins/Builtin.ts"
import * as Registry from "../../../plugins/Registry.ts"

const registry = Either.getOrThrow(Registry.make([Builtin.plugin]))
const origin = { file: "cluster.rose", line: 4, column: 1 }
const decode = (config: Record<string, unknown>) =>
  Registry.decodeBackendConfig(registry, { kind: "ssh", name: "cluster", config: config as never, origin })
const problem = (config: Record<string, unknown>) => {
  const r = decode(config)
  return Either.isLeft(r) ? r.left.message : "decoded"
}

describe("the ssh backend's configuration", () => {
  it("decodes the .rose form (snake_case, seconds) into a Config", () => {
    const input = {
      hosts: ["node1", { host: "node2", port: 2200, root: "/scratch/me", slots: 4, env: { A: "1" } }],
      user: "me",
      known_hosts: "~/.ssh/known_hosts",
      grace: 2,
      connect_timeout: 3,
      env: { OMP_NUM_THREADS: "1" },
      setup: ["module load python/3.11"],
      tasks: { training: { setup: [". venv/bin/activate"], download: ["model.pt"] } }
    }
    const r = decode(input)
    assert.isTrue(Either.isRight(r))
    const c = Either.getOrThrow(r).config as SshBackend.Config
    assert.strictEqual(c.graceMillis, 2000)
    assert.strictEqual(c.connectTimeoutSeconds, 3)
    assert.strictEqual(c.knownHosts, "~/.ssh/known_hosts")
    assert.deepStrictEqual(SshBackend.problemsOf(c), [])
    // the deprecated constructor gives the same, with the backend's name
    assert.deepStrictEqual(SshBackend.fromSchema(input, "cluster"), { ...c, name: "cluster" })
  })

  it("errors point at the .rose line and say what is wrong", () => {
    assert.strictEqual(
      problem({ hosts: ["a"], slots: 9 }),
      'cluster.rose:4:1 backend ssh "cluster": ' +
        problem({ hosts: ["a"], slots: 9 }).split('backend ssh "cluster": ')[1]
    )
    assert.include(
      problem({ hosts: ["a"], slots: 9 }),
      "slots 9 on a: at most max_sessions - 2 = 8 (past sshd's MaxSessions, ssh quietly opens a new connection per task)"
    )
    assert.include(problem({ hosts: ["a"], max_sessions: 20, slots: 12 }), "decoded")
    assert.include(problem({ hosts: [] }), "hosts")
    assert.include(problem({ hosts: ["a", "a"] }), "a is listed twice")
    assert.include(problem({ hosts: [{ host: "a", root: "relative/dir" }] }), "must be an absolute path")
    assert.include(problem({ hosts: ["a"], env: { "BAD-NAME": "x" } }), `"BAD-NAME" is not a valid variable name`)
    assert.include(problem({ hosts: ["a"], slots: { b: 2 } }), `slots: "b" is not one of the hosts`)
    assert.include(problem({ hosts: ["a"], strict_host_key_checking: "maybe" }), "strict_host_key_checking")
    assert.include(problem({ hosts: ["a"], hostz: 1 }), "hostz")
    assert.include(problem({ hosts: ["a"], port: 70000 }), "port")
  })

  it("per-host slots: a number, a map by host name, or the host entry's own", () => {
    const c = (config: Record<string, unknown>) => Either.getOrThrow(decode(config)).config as SshBackend.Config
    assert.deepStrictEqual(SshBackend.problemsOf(c({ hosts: ["n1", "n2"], slots: { n1: 8, n2: 4 } })), [])
    assert.include(problem({ hosts: ["n1"], slots: { n1: 9 } }), "slots 9 on n1")
    assert.include(problem({ hosts: [{ host: "n1", slots: 9 }], max_sessions: 10 }), "slots 9 on n1")
  })

  it("a backend block of a .rose file compiles to a choice the registry decodes", () => {
    const text = `backend ssh "cluster" {
  hosts: ["node1", { host: "node2", slots: 2 }],
  user: "me",
  env: { OMP_NUM_THREADS: "1" },
  setup: ["module load python/3.11"],
}

active "a" {
  max_iter 1
  training = exec "true"
  active_learn = exec "true"
}
`
    const program = Dsl.compile(text, { file: "cluster.rose", here: "/proj" })
    if (Either.isLeft(program)) return assert.fail(JSON.stringify(program.left))
    const choice = program.right.backends[0]!
    assert.strictEqual(choice.kind, "ssh")
    assert.isTrue(Either.isRight(Registry.decodeBackendConfig(registry, choice)))
  })
})
