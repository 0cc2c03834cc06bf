/**
 * The completion scripts `rose --completions SHELL` prints, made from the commands' help (`Help.ts`):
 * `@effect/cli`'s own would offer its built-in `--wizard` and `--log-level`.
 *
 * @since 0.1.0
 */
import { commands, helpFlag, rootFlags, type Shell } from "./Help.ts"

/**
 * A completion script for `shell`: it completes commands, options, their fixed values and files for
 * `rose` (and for a shell function or alias named `rose` that runs `npx --no-install rose`).
 *
 * @since 0.1.0
 * @category completions
 */
export const script = (shell: Shell): string => {
  if (shell === "fish") {
    const lines = [
      "complete -c rose -f",
      `complete -c rose -n __fish_use_subcommand -a '${commands.map((c) => c.name).join(" ")}'`,
      ...rootFlags.map(
        (f) =>
          `complete -c rose -n __fish_use_subcommand -l ${f.name}${f.value === undefined ? "" : " -r"}${Array.isArray(f.kind) ? ` -a '${f.kind.join(" ")}'` : ""} -d '${f.help.replace(/'/g, "")}'`
      )
    ]
    for (const c of commands) {
      lines.push(`complete -c rose -n '__fish_seen_subcommand_from ${c.name}' -F`)
      for (const f of [...c.flags, helpFlag]) {
        lines.push(
          `complete -c rose -n '__fish_seen_subcommand_from ${c.name}' -l ${f.name}${f.value === undefined ? "" : " -r"}${Array.isArray(f.kind) ? ` -a '${f.kind.join(" ")}'` : ""} -d '${f.help.replace(/'/g, "")}'`
        )
      }
    }
    return `${lines.join("\n")}\n`
  }
  const cases = commands.map(
    (c) => `    ${c.name}) opts="${[...c.flags, helpFlag].map((f) => `--${f.name}`).join(" ")}" ;;`
  )
  const values = commands
    .flatMap((c) => [...c.flags, ...rootFlags])
    .filter((f) => Array.isArray(f.kind))
    .map(
      (f) =>
        `    --${f.name}) COMPREPLY=( $(compgen -W "${(f.kind as ReadonlyArray<string>).join(" ")}" -- "$cur") ); return ;;`
    )
  const bash = [
    "_rose_complete() {",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own expansions
    '  local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}" cmd="" opts="" i',
    "  for ((i = 1; i < COMP_CWORD; i++)); do",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: bash's own expansions
    '    case "${COMP_WORDS[i]}" in',
    `      ${commands.map((c) => c.name).join("|")}) cmd="\${COMP_WORDS[i]}"; break ;;`,
    "    esac",
    "  done",
    '  case "$prev" in',
    ...[...new Set(values)],
    "  esac",
    '  case "$cmd" in',
    `    "") opts="${commands.map((c) => c.name).join(" ")} ${rootFlags.map((f) => `--${f.name}`).join(" ")}" ;;`,
    ...cases,
    "  esac",
    '  if [[ "$cur" == -* || -z "$cmd" ]]; then COMPREPLY=( $(compgen -W "$opts" -- "$cur") ); return; fi',
    '  COMPREPLY=( $(compgen -f -- "$cur") )',
    "}",
    "complete -o filenames -F _rose_complete rose"
  ]
  return `${shell === "zsh" ? "autoload -U +X bashcompinit && bashcompinit\n" : ""}${bash.join("\n")}\n`
}
