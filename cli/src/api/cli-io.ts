/** What a command reads and writes, so tests can drive it without a terminal. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  /** One line of the command's result (stdout). */
  out(line: string): void;
  /** Prompts and notes (stderr). */
  err(text: string): void;
  stdin: NodeJS.ReadStream | NodeJS.ReadableStream;
}

/** The real process: stdout, stderr, stdin and the environment. */
export function processIo(): CliIo {
  return {
    env: process.env,
    out: (line) => process.stdout.write(`${line}\n`),
    err: (text) => process.stderr.write(text),
    stdin: process.stdin,
  };
}

function isTty(stdin: CliIo['stdin']): stdin is NodeJS.ReadStream {
  return (stdin as NodeJS.ReadStream).isTTY === true && typeof (stdin as NodeJS.ReadStream).setRawMode === 'function';
}

/** True when the user can be asked something. */
export function canPrompt(io: CliIo): boolean {
  return isTty(io.stdin);
}

/** Asks on the terminal without echoing what is typed (Ctrl-C aborts). */
export function promptHidden(io: CliIo, question: string): Promise<string> {
  const stdin = io.stdin;
  if (!isTty(stdin)) return Promise.reject(new Error('not a terminal'));
  io.err(question);
  return new Promise((resolve, reject) => {
    let value = '';
    const finish = (error?: Error): void => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      io.err('\n');
      if (error) reject(error);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string): void => {
      for (const ch of chunk.toString()) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new Error('interrupted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on('data', onData);
  });
}

/** Everything piped on stdin, for `echo "$PASSWORD" | msec login`. */
export async function readAll(stdin: CliIo['stdin']): Promise<string> {
  let text = '';
  for await (const chunk of stdin) text += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
  return text;
}
