/**
 * Exit codes of `dlstate fetch` and `dlstate cancel`, one per outcome. 0 only for 900 Success with the
 * objects installed; 75 (EX_TEMPFAIL) when the run stopped with a kept range or was interrupted — running
 * the same command again resumes (seed §5.2.4.2).
 *
 * | code | outcome |
 * |-----:|---------|
 * |  0 | 900 Success, objects installed |
 * |  1 | internal error (a bug or an unexpected I/O failure; message on stderr) |
 * |  2 | usage error (bad option or argument, e.g. an `--inspect` URL that is not ws://) |
 * |  3 | confirmation needed but stdin is not a terminal: pass `--yes` (nothing was downloaded or reported) |
 * |  4 | `cancel`: nothing paused for this descriptor in the state directory |
 * |  5 | the state directory is in use by another running agent (nothing was done; the message names its pid) |
 * | 10 | 900 Success but the report was not accepted: not installed, the object discarded, the 900 never sent later (DL-INST-12) |
 * | 11 | 901 Insufficient memory |
 * | 12 | 902 User Cancelled (a declined confirmation; `cancel` exits 0 on 902, since it did what was asked) |
 * | 13 | 903 Loss of Service |
 * | 15 | 905 Attribute mismatch |
 * | 16 | 906 Invalid descriptor |
 * | 21 | 951 Invalid DDVersion |
 * | 22 | 952 Device Aborted |
 * | 23 | 953 Non-Acceptable Content |
 * | 24 | 954 Loader Error (also: the descriptor could not be fetched) |
 * | 27 | 957 (955) Media Object Updated, not followed (no updatedDDURI or too many updates) |
 * | 75 | paused or interrupted: the kept range and journal stay; rerun to resume |
 * | 130 | Ctrl-C at the confirmation prompt (nothing downloaded or reported), or a second Ctrl-C: stopped at once |
 *
 * @module
 */
import type { StatusOutcome } from '../../machines/dlota/status.js';

/** Exit code of a command error that is not an outcome (bug, unexpected I/O failure). */
export const EXIT_INTERNAL = 1;
/** Exit code when confirmation is needed but cannot be asked (no TTY and no `--yes`). */
export const EXIT_CONFIRMATION_NEEDED = 3;
/** Exit code of `cancel` when nothing is paused for the descriptor. */
export const EXIT_NOTHING_TO_CANCEL = 4;
/** Exit code when another agent holds the state directory (one agent per `--state`). */
export const EXIT_STATE_LOCKED = 5;
/** Exit code of a success whose report was not accepted (the objects are not installed). */
export const EXIT_SUCCESS_UNREPORTED = 10;
/** Exit code of a paused or interrupted run (EX_TEMPFAIL): rerun to resume. */
export const EXIT_PAUSED = 75;
/** Exit code after a second SIGINT. */
export const EXIT_FORCED = 130;

/** Exit code per outcome (success handled apart: 0 or {@link EXIT_SUCCESS_UNREPORTED}). */
export const OUTCOME_EXIT_CODES: Readonly<Record<StatusOutcome, number>> = Object.freeze({
  success: 0,
  insufficientMemory: 11,
  userCancelled: 12,
  lossOfService: 13,
  attributeMismatch: 15,
  invalidDescriptor: 16,
  invalidDDVersion: 21,
  deviceAborted: 22,
  nonAcceptableContent: 23,
  loaderError: 24,
  mediaObjectUpdated: 27,
});

/** The exit code of a finished run: 0 only for an installed 900. */
export function exitCodeFor(outcome: StatusOutcome, installed: boolean): number {
  if (outcome === 'success') return installed ? 0 : EXIT_SUCCESS_UNREPORTED;
  return OUTCOME_EXIT_CODES[outcome];
}

/** The exit-code table as help text (for `--help`). */
export const EXIT_CODE_HELP = `Exit codes:
    0  900 Success, objects installed
    1  internal error
    2  usage error (a bad option or argument, e.g. an --inspect URL that is not ws://)
    3  confirmation needed but stdin is not a terminal (pass --yes); nothing downloaded or reported
    4  cancel: nothing paused for this descriptor (cancel exits 0 once 902 is the outcome)
    5  the state directory is in use by another running agent; nothing was done
   10  900 Success not accepted by the server: not installed, object discarded, 900 not sent later
   11  901 Insufficient memory      12  902 User Cancelled       13  903 Loss of Service
   15  905 Attribute mismatch       16  906 Invalid descriptor   21  951 Invalid DDVersion
   22  952 Device Aborted           23  953 Non-Acceptable Content
   24  954 Loader Error (also: descriptor unreachable)
   27  957/955 Media Object Updated, update not followed
   75  paused or interrupted: range and journal kept, rerun the same command to resume
  130  Ctrl-C at the confirmation prompt (nothing downloaded or reported), or a second Ctrl-C
`;
