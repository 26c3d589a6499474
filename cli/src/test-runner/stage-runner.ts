import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Outcome of one stage: how many checks passed and failed. */
export interface StageResult {
  name: string;
  passed: number;
  failed: number;
  seconds: number;
}

/** Runs a command with inherited output; resolves with its exit code. */
export function runCommand(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
    child.on('error', () => resolve(127));
  });
}

/** A stage that is one check: passed when the command exits 0. */
export async function commandStage(name: string, command: string, args: string[], cwd: string): Promise<StageResult> {
  const started = Date.now();
  const code = await runCommand(command, args, cwd);
  return { name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, seconds: (Date.now() - started) / 1000 };
}

/** Counts from a TAP file written by node's test runner (`# pass N`, `# fail N`, `# cancelled N`). */
export function countTap(tapFile: string): { passed: number; failed: number } {
  let text = '';
  try {
    text = readFileSync(tapFile, 'utf8');
  } catch {
    return { passed: 0, failed: 0 };
  }
  const read = (key: string): number => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return { passed: read('pass'), failed: read('fail') + read('cancelled') };
}

/** Runs test files with node's runner: spec output on the terminal, TAP to a file for counting. */
export async function nodeTestStage(
  name: string,
  files: string[],
  tapFile: string,
  cwd: string,
  concurrency: number,
  timeoutMs: number,
): Promise<StageResult> {
  const started = Date.now();
  if (files.length === 0) return { name, passed: 0, failed: 0, seconds: 0 };
  const code = await runCommand(
    process.execPath,
    [
      '--enable-source-maps',
      // Names whatever keeps a finished test file running, instead of a bare timeout minutes later.
      `--import=${pathToFileURL(join(cwd, 'libs/testing/dist/src/exit-watch.js')).href}`,
      '--test',
      `--test-concurrency=${concurrency}`,
      `--test-timeout=${timeoutMs}`,
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tapFile}`,
      ...files,
    ],
    cwd,
  );
  const counts = countTap(tapFile);
  // A runner that failed without reporting a failing test (e.g. a crash while loading) still counts as one failure.
  const failed = code !== 0 && counts.failed === 0 ? 1 : counts.failed;
  return { name, passed: counts.passed, failed, seconds: (Date.now() - started) / 1000 };
}
