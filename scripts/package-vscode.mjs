// Packages the VS Code extension (editors/vscode/ with the grammar editors/rose.tmLanguage.json) into
// a .vsix with @vscode/vsce: stages a copy in .tmp/vscode-extension/, installs its one dependency
// (vscode-languageclient) there from npm, and packs it. Not published.
// Usage: node scripts/package-vscode.mjs [--out FILE]   (default editors/rose-lang-<version>.vsix)
import { spawnSync } from "node:child_process"
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..")
const source = join(root, "editors/vscode")
const stage = join(root, ".tmp/vscode-extension")
const manifest = JSON.parse(readFileSync(join(source, "package.json"), "utf8"))
const args = process.argv.slice(2)
const outAt = args.indexOf("--out")
const out = outAt >= 0 ? resolve(args[outAt + 1]) : join(root, "editors", `${manifest.name}-${manifest.version}.vsix`)

const run = (command, commandArgs) => {
  const r = spawnSync(command, commandArgs, { cwd: stage, stdio: "inherit", shell: process.platform === "win32" })
  if (r.status !== 0) {
    process.stderr.write(`package-vscode: ${command} ${commandArgs.join(" ")} failed (${r.status ?? r.signal})\n`)
    process.exit(1)
  }
}

rmSync(stage, { recursive: true, force: true })
mkdirSync(join(stage, "syntaxes"), { recursive: true })
cpSync(source, stage, { recursive: true, filter: (p) => !p.includes("node_modules") })
cpSync(join(root, "editors/rose.tmLanguage.json"), join(stage, "syntaxes/rose.tmLanguage.json"))
cpSync(join(root, "LICENSE"), join(stage, "LICENSE"))
run("npm", ["install", "--omit=dev", "--no-audit", "--no-fund", "--no-package-lock"])
mkdirSync(dirname(out), { recursive: true })
run("npx", ["--yes", "@vscode/vsce", "package", "--allow-missing-repository", "--skip-license", "--out", out])
if (!existsSync(out)) {
  process.stderr.write(`package-vscode: ${out} was not written\n`)
  process.exit(1)
}
process.stdout.write(`${out}\n`)
