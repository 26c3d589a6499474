import { useState, type FormEvent } from 'react';
import type { ExecCommandResult } from '@msec/contracts';
import { api, ApiError } from '../api';
import { Card, ErrorBanner } from '../ui';

/** Splits a command line into argv: spaces separate words, double quotes keep spaces inside one (no shell runs). */
export function splitArgv(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/"([^"]*)"|(\S+)/g)) words.push(match[1] ?? match[2]!);
  return words;
}

/** Admins run one command on a host (signed, audited) and see its output. */
export function HostsRemote({ hostIds }: { hostIds: string[] }) {
  const [host, setHost] = useState('');
  const [line, setLine] = useState('');
  const [result, setResult] = useState<ExecCommandResult & { host: string; argv: string[] }>();
  const [failure, setFailure] = useState<ApiError>();
  const [running, setRunning] = useState(false);
  const chosen = host || hostIds[0] || '';
  const run = async (e: FormEvent) => {
    e.preventDefault();
    const argv = splitArgv(line);
    setRunning(true);
    try {
      const reply = await api<ExecCommandResult>('POST', `/api/v1/hosts/${encodeURIComponent(chosen)}/commands`, {
        type: 'exec',
        args: { argv },
      });
      setResult({ ...reply, host: chosen, argv });
      setFailure(undefined);
    } catch (err) {
      setFailure(err as ApiError);
    } finally {
      setRunning(false);
    }
  };
  return (
    <Card title="Run a command" testId="remote-command">
      <p className="muted">
        Signed by the console and audited by the agent (Hosts → audit). No shell: give the program's full path, e.g.{' '}
        <code>/usr/bin/uptime</code>. It runs in the agent's files folder.
      </p>
      <form className="toolbar" onSubmit={run}>
        <select value={chosen} onChange={(e) => setHost(e.target.value)} aria-label="Host">
          {hostIds.map((id) => (
            <option key={id} value={id}>
              {id}
            </option>
          ))}
        </select>
        <input placeholder="/usr/bin/uptime" value={line} onChange={(e) => setLine(e.target.value)} required aria-label="Command" />
        <button className="primary" type="submit" disabled={running || !chosen}>
          {running ? 'Running…' : 'Run'}
        </button>
      </form>
      <ErrorBanner error={failure} />
      {result && (
        <div data-testid="remote-output">
          <p className="small muted">
            {result.host}: <code>{result.argv.join(' ')}</code> exited with {result.exitCode}
          </p>
          {result.stdout && <pre className="command-output">{result.stdout}</pre>}
          {result.stderr && <pre className="command-output bad">{result.stderr}</pre>}
        </div>
      )}
    </Card>
  );
}
