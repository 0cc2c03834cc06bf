/**
 * A file-system operation that failed for a reason the user can act on (a full disk, a read-only
 * folder, a permission), told in one line: what failed, the path, the operating system's reason.
 * `@effect/platform`'s own messages name the method and a file descriptor instead
 * (`Unknown: FileSystem.writeAll (18)`).
 *
 * @since 0.1.0
 */
import type * as PlatformError from "@effect/platform/Error"
import * as Data from "effect/Data"

/**
 * @since 0.1.0
 * @category errors
 */
export class FileError extends Data.TaggedError("FileError")<{
  /** What was being done, as a verb phrase: `write`, `create the folder`. */
  readonly action: string
  readonly path: string
  /** The operating system's reason, in words: `no space left on device`. */
  readonly reason: string
  /** The error code (`ENOSPC`), when the system gave one. */
  readonly code: string | undefined
}> {
  override get message(): string {
    return `cannot ${this.action} ${this.path}: ${this.reason}`
  }
}

// The wording of strerror(3) on Linux, for the codes a run meets.
const reasons: Readonly<Record<string, string>> = {
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  ENOENT: "no such file or directory",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  EEXIST: "file exists",
  EIO: "input/output error",
  EMFILE: "too many open files",
  ENFILE: "too many open files in system",
  ENAMETOOLONG: "file name too long",
  EFBIG: "file too large",
  ENOTEMPTY: "directory not empty",
  EBUSY: "device or resource busy",
  ESTALE: "stale file handle"
}

/**
 * The error code of a failure from the file system (`ENOSPC`), if it carries one.
 *
 * @since 0.1.0
 * @category getters
 */
export const codeOf = (error: unknown): string | undefined => {
  if (typeof error !== "object" || error === null) return undefined
  const e = error as { readonly code?: unknown; readonly cause?: unknown; readonly description?: unknown }
  if (typeof e.code === "string" && /^E[A-Z0-9]+$/.test(e.code)) return e.code
  const fromCause = codeOf(e.cause)
  if (fromCause !== undefined) return fromCause
  return typeof e.description === "string" ? /^(E[A-Z0-9]+):/.exec(e.description)?.[1] : undefined
}

/**
 * The operating system's reason for a failure, in words.
 *
 * @since 0.1.0
 * @category getters
 */
export const reasonOf = (error: unknown): string => {
  const code = codeOf(error)
  if (code !== undefined && reasons[code] !== undefined) return reasons[code]
  const e = error as { readonly description?: unknown; readonly message?: unknown } | null
  // Node's descriptions read "ENOSPC: no space left on device, write": keep the words.
  const text = typeof e?.description === "string" ? e.description : typeof e?.message === "string" ? e.message : ""
  const words = /^E[A-Z0-9]+: ([^,]+)/.exec(text)?.[1]
  return words ?? (text === "" ? String(error) : text)
}

/**
 * Turns a platform error (or any thrown error) of `action` on `path` into a `FileError`.
 *
 * @since 0.1.0
 * @category constructors
 */
export const fromCause =
  (action: string, path: string) =>
  (error: PlatformError.PlatformError | unknown): FileError =>
    new FileError({ action, path, reason: reasonOf(error), code: codeOf(error) })

/**
 * Whether the failure means the disk (or the user's quota) is full.
 *
 * @since 0.1.0
 * @category predicates
 */
export const isNoSpace = (error: FileError): boolean => error.code === "ENOSPC" || error.code === "EDQUOT"
