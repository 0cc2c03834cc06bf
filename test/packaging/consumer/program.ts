/**
 * A program module (the default export is a program; importing it runs nothing), run by the
 * installed `rose` command: on Node 20 it needs the `tsx` the package depends on.
 */
import { Rose } from "rose-ts/core"

export default Rose.program({
  here: import.meta.dirname,
  learners: [
    Rose.active("module", {
      parallel: 2,
      maxIter: 10,
      tasks: {
        training: Rose.exec("sh ./fixtures/tasks/train.sh", { with: { rate: 0.25 } }),
        active_learn: Rose.exec("sh ./fixtures/tasks/select.sh"),
        criterion: Rose.fn(({ iteration }) => 4 - iteration)
      },
      stopWhen: { metricName: "mse", threshold: 2.5 }
    })
  ]
})
