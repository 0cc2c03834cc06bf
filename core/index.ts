/**
 * The engine: the model, schedules, learners, the runner, events and the `Backend` service.
 *
 * @since 0.1.0
 * @module
 */
export * as Backend from "./Backend.ts"
export * as CommandLine from "./CommandLine.ts"
export * as Criterion from "./Criterion.ts"
export * as Event from "./Event.ts"
export * as Experience from "./Experience.ts"
export * as Facade from "./Facade.ts"
export * as Host from "./Host.ts"
export * as IterationState from "./IterationState.ts"
export * as Journal from "./Journal.ts"
export * as Json from "./Json.ts"
export * as Learner from "./Learner.ts"
export * as LearnerConfig from "./LearnerConfig.ts"
export * as Metric from "./Metric.ts"
export * as MetricNames from "./MetricNames.ts"
export * as ModuleLoader from "./ModuleLoader.ts"
export * as Plan from "./Plan.ts"
export * as Program from "./Program.ts"
export * as Results from "./Results.ts"
export * as Rose from "./Rose.ts"
export * as RunDir from "./RunDir.ts"
export * as Runner from "./Runner.ts"
export * as Signals from "./Signals.ts"
export * as Slots from "./Slots.ts"
export * as Task from "./Task.ts"
export * as TaskConfig from "./TaskConfig.ts"
export * as TaskError from "./TaskError.ts"
export * as TaskSchedule from "./TaskSchedule.ts"
export * as Version from "./Version.ts"
