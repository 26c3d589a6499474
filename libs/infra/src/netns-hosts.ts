import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomInt } from 'node:crypto';

/** One simulated host: a network namespace with its own address on a bridge, as a machine on a LAN. */
export interface NetnsHost {
  /** Namespace name (also the host's name). */
  name: string;
  /** The host's address on the bridge. */
  ip: string;
  /** Starts `command` inside the host's namespace (stdio ignored unless given). */
  spawn(command: string, args: string[], env?: NodeJS.ProcessEnv): ChildProcess;
  /** The program and arguments that run `command` inside the namespace (`ip netns exec` execs it: same pid). */
  commandLine(command: string, args: string[]): { command: string; args: string[] };
  /** Takes the host's link down (its cable pulled: packets vanish, nothing is refused) or brings it back. */
  linkDown(): void;
  linkUp(): void;
  /** Drops this share (0..1) of the packets the host receives, at random (iptables statistic); 0 removes it. */
  dropShare(share: number): void;
}

/** A bridge with hosts on it; `dispose` removes every namespace, link and rule it made. */
export interface NetnsHosts {
  /** The id in every name made (bridge `msbr<id>`, namespaces `msh<id>-N`, links `msv<id>-N`). */
  id: string;
  /** The bridge's address: where servers the hosts reach listen. */
  bridgeIp: string;
  hosts: NetnsHost[];
  dispose(): Promise<void>;
}

const run = (args: string[]): void => {
  execFileSync('ip', args, { stdio: 'pipe' });
};

/** Whether this process may make network namespaces (root, with `ip` from iproute2). */
export function canMakeNetnsHosts(): boolean {
  try {
    if (process.getuid?.() !== 0) return false;
    execFileSync('ip', ['netns', 'list'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

/** Names of what `startNetnsHosts` makes for an id (at most 6 characters: a link name holds 15). */
export function netnsNames(id: string, count: number): { bridge: string; namespaces: string[]; links: string[] } {
  const numbers = Array.from({ length: count }, (_, i) => i + 1);
  return { bridge: `msbr${id}`, namespaces: numbers.map((n) => `msh${id}-${n}`), links: numbers.map((n) => `msv${id}-${n}`) };
}

/**
 * Removes the bridge, namespaces and links of an id, whichever still exist (after a process that made them was
 * killed); returns the names it removed.
 */
export function removeNetnsHosts(id: string, count: number): string[] {
  const { bridge, namespaces, links } = netnsNames(id, count);
  const existingNamespaces = new Set(
    execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.split(' ')[0]),
  );
  const removed: string[] = [];
  for (const name of namespaces)
    if (existingNamespaces.has(name)) {
      run(['netns', 'delete', name]);
      removed.push(name);
    }
  for (const link of [...links, bridge]) {
    try {
      run(['link', 'delete', link]);
      removed.push(link);
    } catch {
      // not there (a veth goes with its namespace)
    }
  }
  return removed;
}

/** Where a set of hosts lives; defaults for tests: an id and a /24 of 10.200–249.x chosen at random. */
export interface NetnsHostsOptions {
  /** Up to 6 letters or digits in every name made. */
  id?: string;
  /** The /24's first three numbers, e.g. `10.201.7`: the bridge is .1, the hosts .11 on. */
  net?: string;
}

/**
 * Makes `count` hosts, each in its own network namespace joined to a new bridge by a veth pair, on a /24 of
 * 10.200–249.x chosen at random unless given (so concurrent runs do not meet). Only the bridge and the namespaces are
 * touched: nothing reaches beyond this machine.
 */
export function startNetnsHosts(count: number, options: NetnsHostsOptions = {}): NetnsHosts {
  const id = options.id ?? `${process.pid % 10000}${randomInt(100)}`;
  const net = options.net ?? `10.${200 + randomInt(50)}.${randomInt(256)}`;
  const names = netnsNames(id, count);
  const bridge = names.bridge;
  const bridgeIp = `${net}.1`;
  const made: Array<() => void> = [];
  const dispose = async (): Promise<void> => {
    for (const undo of made.reverse()) {
      try {
        undo();
      } catch {
        // already gone
      }
    }
  };
  try {
    run(['link', 'add', bridge, 'type', 'bridge']);
    made.push(() => run(['link', 'delete', bridge]));
    run(['addr', 'add', `${bridgeIp}/24`, 'dev', bridge]);
    run(['link', 'set', bridge, 'up']);
    const hosts: NetnsHost[] = [];
    for (let i = 0; i < count; i++) {
      const name = names.namespaces[i]!;
      const ip = `${net}.${11 + i}`;
      const outside = names.links[i]!;
      run(['netns', 'add', name]);
      made.push(() => run(['netns', 'delete', name]));
      run(['link', 'add', outside, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', name]);
      made.push(() => run(['link', 'delete', outside]));
      run(['link', 'set', outside, 'master', bridge, 'up']);
      run(['netns', 'exec', name, 'ip', 'addr', 'add', `${ip}/24`, 'dev', 'eth0']);
      run(['netns', 'exec', name, 'ip', 'link', 'set', 'eth0', 'up']);
      run(['netns', 'exec', name, 'ip', 'link', 'set', 'lo', 'up']);
      let dropping = false;
      const dropRule = (share: number): string[] => [
        'INPUT',
        '-i',
        'eth0',
        '-m',
        'statistic',
        '--mode',
        'random',
        '--probability',
        String(share),
        '-j',
        'DROP',
      ];
      let lastShare = 0;
      hosts.push({
        name,
        ip,
        spawn: (command, args, env) => spawn('ip', ['netns', 'exec', name, command, ...args], { env: env ?? process.env, stdio: 'ignore' }),
        commandLine: (command, args) => ({ command: 'ip', args: ['netns', 'exec', name, command, ...args] }),
        linkDown: () => run(['link', 'set', outside, 'down']),
        linkUp: () => run(['link', 'set', outside, 'up']),
        dropShare: (share) => {
          if (dropping) execFileSync('ip', ['netns', 'exec', name, 'iptables', '-D', ...dropRule(lastShare)], { stdio: 'pipe' });
          dropping = share > 0;
          lastShare = share;
          if (dropping) execFileSync('ip', ['netns', 'exec', name, 'iptables', '-A', ...dropRule(share)], { stdio: 'pipe' });
        },
      });
    }
    return { id, bridgeIp, hosts, dispose };
  } catch (error) {
    void dispose();
    throw error;
  }
}
