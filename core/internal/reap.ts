/**
 * What a resumed run kills of an earlier process's tasks, through the backends that ran them.
 */
import * as Effect from "effect/Effect"
import type * as Backend from "../Backend.ts"
import type * as Resume from "../Resume.ts"

/**
 * Kills what an earlier process of a resumed run left running (and, at the end of the run, what it
 * was to re-attach to and never did). Each backend is offered the survivors it submitted (all of
 * them when the journal does not say whose they are) and acts on its own; the tickets of the tasks
 * the run re-attaches to are spared.
 */
export const reapSurvivors = (
  survivors: ReadonlyArray<Resume.Survivor>,
  runIds: ReadonlyArray<string>,
  attach: ReadonlyArray<Resume.Survivor>,
  backends: ReadonlyArray<Backend.Service>
) =>
  Effect.map(
    Effect.forEach(new Set(backends), (b) => {
      const mine = (s: Resume.Survivor) => s.backend === undefined || s.backend === b.name
      const spare = attach.flatMap((s) => (mine(s) && s.ticket !== undefined ? [s.ticket] : []))
      return b.reap(survivors.filter(mine), runIds, { spare })
    }),
    (all) => all.flatMap((r) => r.spared)
  )
