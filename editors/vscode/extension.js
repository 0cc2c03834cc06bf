// The VS Code client of `rose lsp`: starts the server of the workspace's rose-ts (or the one the
// `rose.server.path` setting names) over stdio for `.rose` files. Everything else is the server's.
const fs = require("node:fs")
const path = require("node:path")
const vscode = require("vscode")
const { LanguageClient, TransportKind } = require("vscode-languageclient/node")

let client

const serverCommand = () => {
  const configured = vscode.workspace.getConfiguration("rose").get("server.path", "")
  if (configured !== "") return configured
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    const local = path.join(
      folder.uri.fsPath,
      "node_modules",
      ".bin",
      process.platform === "win32" ? "rose.cmd" : "rose"
    )
    if (fs.existsSync(local)) return local
  }
  return "rose"
}

exports.activate = async () => {
  const plugins = vscode.workspace.getConfiguration("rose").get("server.plugins", [])
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath
  const server = {
    command: serverCommand(),
    args: ["lsp", ...plugins.flatMap((p) => ["--plugin", p])],
    transport: TransportKind.stdio,
    options: cwd === undefined ? {} : { cwd }
  }
  client = new LanguageClient(
    "rose",
    "Rose language server",
    { run: server, debug: server },
    { documentSelector: [{ scheme: "file", language: "rose" }] }
  )
  await client.start()
}

exports.deactivate = () => (client === undefined ? undefined : client.stop())
