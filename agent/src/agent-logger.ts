/**
 * The agent's log lines: `time LEVEL [context] message`, warnings and errors on stderr. The agent runs on every host,
 * so it carries no logging framework (NestJS alone would double its memory).
 */
export class AgentLogger {
  constructor(private readonly context: string) {}

  log(message: string): void {
    process.stdout.write(this.line('LOG', message));
  }

  warn(message: string): void {
    process.stderr.write(this.line('WARN', message));
  }

  error(message: string): void {
    process.stderr.write(this.line('ERROR', message));
  }

  private line(level: string, message: string): string {
    return `${new Date().toISOString()} ${level} [${this.context}] ${message}\n`;
  }
}
