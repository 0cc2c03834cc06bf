/**
 * An SSH task's ticket (`Invocation.onSubmit`): the label of its host and the name of its launcher's
 * control folder, `{"host":"node1","control":"rose-ssh.<nonce>/<seq>"}`. The folder holds the task's
 * pid, run id, output, exit status and cancel mark, so a later process finds the task by it.
 */
import * as Option from "effect/Option"
import * as Schema from "effect/Schema"
import { isControlName } from "./sshScript.ts"

export interface Ticket {
  readonly host: string
  readonly control: string
}

const TicketJson = Schema.parseJson(
  Schema.Struct({
    host: Schema.String,
    control: Schema.String.pipe(Schema.filter(isControlName))
  })
)

export const encode = (ticket: Ticket): string => JSON.stringify({ host: ticket.host, control: ticket.control })

/** The ticket in a journaled string; `None` when it is not an SSH ticket (another backend's, or damaged). */
export const decode = (text: string): Option.Option<Ticket> => Schema.decodeUnknownOption(TicketJson)(text)

/**
 * The control folders of the tickets among `texts`, whatever their host: hosts may share their
 * temporary folder (a shared file system, loopback hosts), so a host's sweep must spare another's
 * too; a folder's name (the layer's random nonce) is unique on its own.
 */
export const controlsOf = (texts: ReadonlyArray<string>): ReadonlyArray<string> =>
  texts.flatMap((text) => Option.match(decode(text), { onNone: () => [], onSome: (t) => [t.control] }))
