#!/usr/bin/env node
// The criterion: the return of the greedy policy from the start (the reward the learner stops on).
// The grid world is deterministic, so one episode measures it. The last stdout line is a JSON
// object whose `value` is the return.
//
//   node evaluate.mjs
import { evaluate, flags, loadQ } from "./gridworld.mjs"

flags("evaluate.mjs", {})
const { value, steps, reachedGoal } = evaluate(loadQ())
console.log(JSON.stringify({ value, steps, reached_goal: reachedGoal }))
