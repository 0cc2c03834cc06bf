/**
 * The same run as pinned.rose, as a program module: its default export is the program, built with
 * the TypeScript API, naming the plugin that defines the `pinned` backend kind.
 *
 *   npx --no-install rose run examples/custom-backend/program.ts
 */
import { Rose, TaskSchedule } from "rose-ts"

const tasks = (name: string) => `node ../parallel-learners/tasks/${name}.mjs`

export default Rose.program({
  here: import.meta.dirname,
  plugins: ["./pinned.ts"],
  backends: [{ kind: "pinned", name: "pinned", config: { cpus: [0, 1], nice: 10 } }],
  learners: [
    Rose.active("pinned", {
      parallel: 3,
      maxIter: 8,
      tasks: {
        simulation: Rose.exec(tasks("sim"), { with: { n_labeled: 100, n_features: 2 } }),
        training: Rose.exec(tasks("train"), { with: { learning_rate: 0.1 } }),
        active_learn: Rose.exec(tasks("active")),
        criterion: Rose.exec(tasks("check_mse"))
      },
      stopWhen: { metricName: "mean_squared_error_mse", threshold: 0.1 },
      configs: [
        // adaptive
        {
          simulation: TaskSchedule.adaptive((i) => ({ kwargs: { n_labeled: String(100 + i * 50), n_features: 2 } }))
        },
        // per-iteration
        {
          simulation: {
            0: { kwargs: { n_labeled: "150", n_features: 3 } },
            [-1]: { kwargs: { n_labeled: "400", n_features: 3 } }
          }
        },
        // static
        { simulation: { kwargs: { n_labeled: "300", n_features: 4 } } }
      ]
    })
  ]
})
