import { assert, describe, it } from "@effect/vitest"
import { pickRow } from "../../../backends/internal/slurmAttach.ts"

const row = (jobId: string, state: string) => ({ jobId, state, nodes: "n1", reason: "None" })

describe("SLURM re-attach: the job of a name", () => {
  it("follows the active job of a name, else the newest", () => {
    assert.strictEqual(pickRow([row("9", "CANCELLED"), row("12", "COMPLETED"), row("10", "RUNNING")])?.jobId, "10")
    assert.strictEqual(pickRow([row("9", "CANCELLED"), row("12", "COMPLETED"), row("100", "FAILED")])?.jobId, "100")
    assert.isUndefined(pickRow([]))
  })
})
