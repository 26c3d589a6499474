/** Terminal colours, only when the stream is a TTY and NO_COLOR is unset. */
const useColour = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;

const PALETTE = [36, 35, 33, 32, 34, 96, 95, 93, 92, 94];

/** Wraps text in an ANSI colour code when colours are on. */
export function colour(code: number, text: string): string {
  return useColour ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** Bold text. */
export const bold = (text: string): string => colour(1, text);
/** Red text for failures. */
export const red = (text: string): string => colour(31, text);
/** Green text for success. */
export const green = (text: string): string => colour(32, text);
/** Dim text for details. */
export const dim = (text: string): string => colour(2, text);

/** A fixed-width, coloured `name |` prefix for one process's output lines. */
export function processPrefix(name: string, index: number, width = 10): string {
  return colour(PALETTE[index % PALETTE.length]!, `${name.padEnd(width)}|`);
}

/** Writes one line to stdout. */
export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}
