/**
 * "Did you mean …?": the closest candidate by edit distance, if it is close enough.
 *
 * @since 0.1.0
 */

/**
 * Damerau–Levenshtein (optimal string alignment) distance, with an early exit above `limit`.
 */
export const distance = (a: string, b: string, limit = Number.POSITIVE_INFINITY): number => {
  if (a === b) return 0
  if (Math.abs(a.length - b.length) > limit) return limit + 1
  const n = b.length
  let prev2: Array<number> = []
  let prev: Array<number> = Array.from({ length: n + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const cur: Array<number> = [i]
    let rowMin = i
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let v = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, prev2[j - 2]! + 1)
      cur.push(v)
      if (v < rowMin) rowMin = v
    }
    if (rowMin > limit) return limit + 1
    prev2 = prev
    prev = cur
  }
  return prev[n]!
}

/**
 * The candidate closest to `word`, when at most about a third of it differs (case is ignored for the
 * comparison; an exact case-insensitive match always qualifies).
 */
export const closest = (word: string, candidates: Iterable<string>): string | undefined => {
  const w = word.toLowerCase()
  const limit = Math.max(1, Math.floor(w.length / 3))
  let best: string | undefined
  let bestD = limit + 1
  for (const c of candidates) {
    if (c === word) continue
    const d = distance(w, c.toLowerCase(), limit)
    if (d < bestD) {
      best = c
      bestD = d
    }
  }
  return best
}

/**
 * `; did you mean "x"?` or the empty string.
 */
export const didYouMean = (word: string, candidates: Iterable<string>, quote = '"'): string => {
  const c = closest(word, candidates)
  return c === undefined ? "" : `; did you mean ${quote}${c}${quote}?`
}
