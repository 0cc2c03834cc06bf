/**
 * An SSH task's ticket: what `onSubmit` journals and a resumed run decodes to find the task. Only a
 * control folder name of the launcher's form is accepted: the name reaches remote shell scripts.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Option from "effect/Option"
import * as ResumeScript from "../../../backends/internal/sshResumeScript.ts"
import * as Script from "../../../backends/internal/sshScript.ts"
import * as Ticket from "../../../backends/internal/sshTicket.ts"

describe("ssh ticket", () => {
  it("round-trips a host and a control folder", () => {
    const ticket = { host: "node 1", control: Script.controlName("0a1b2c", 7) }
    assert.deepStrictEqual(Option.getOrThrow(Ticket.decode(Ticket.encode(ticket))), ticket)
    assert.strictEqual(ticket.control, "rose-ssh.0a1b2c/7")
  })

  it("refuses another backend's ticket, damaged JSON and folders that are not a launcher's", () => {
    for (const text of [
      "",
      "{",
      `{"jobName":"rose-x","base":"/tmp/x"}`,
      `{"host":"h","control":"../../etc"}`,
      `{"host":"h","control":"rose-ssh.ab/1; rm -rf ~"}`,
      `{"host":"h","control":"rose-ssh.ab/../../x"}`,
      `{"host":7,"control":"rose-ssh.ab/1"}`
    ]) {
      assert.isTrue(Option.isNone(Ticket.decode(text)), text)
    }
  })

  it("spares the folders of every host's tickets, skipping what is not a ticket", () => {
    const a = Ticket.encode({ host: "a", control: "rose-ssh.aa/1" })
    const b = Ticket.encode({ host: "b", control: "rose-ssh.bb/2" })
    assert.deepStrictEqual(Ticket.controlsOf([a, "not a ticket", b]), ["rose-ssh.aa/1", "rose-ssh.bb/2"])
    const script = ResumeScript.reap("@@m@@", [], ["run-1"], [], Ticket.controlsOf([a, b]))
    assert.include(script, `for s in "\${TMPDIR:-/tmp}"/rose-ssh.aa/1 "\${TMPDIR:-/tmp}"/rose-ssh.bb/2; do`)
  })

  it("the attach script quotes the run id it checks", () => {
    const script = ResumeScript.attach({
      marker: "@@m@@",
      where: { _tag: "Pid", pid: 42 },
      runId: "it's; rm -rf ~",
      graceMillis: 500
    })
    assert.include(script, `= 42 ] && [ "$(cat "$d/run" 2>/dev/null)" = 'it'\\''s; rm -rf ~' ]`)
  })
})
