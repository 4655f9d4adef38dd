import { access, rm, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { execa } from 'execa';

const SUDO = '/usr/bin/sudo';

/**
 * Whether the sudo tests can run: sudo installed and this process root (it creates throwaway users and sudoers
 * drop-ins). Says why when not; under CI=true either gap fails the test instead of skipping it.
 */
export async function canTestSudo(): Promise<boolean> {
  const isInstalled = await access(SUDO).then(() => true, () => false);
  if (!isInstalled) {
    const why = `${SUDO} not found: install sudo to run the sudo tests`;
    if (process.env.CI === 'true') throw new Error(why);
    console.warn(`skipping sudo tests: ${why}`);
    return false;
  }
  if (process.getuid?.() !== 0) {
    const why = 'the sudo tests create throwaway users, which needs root';
    if (process.env.CI === 'true') throw new Error(`${why} (CI=true: a test that cannot run is a failure, not a skip)`);
    console.warn(`skipping sudo tests: ${why}`);
    return false;
  }
  return true;
}

/** Throwaway local accounts and their sudoers drop-ins, all removed by `remove()`. */
export interface ThrowawayUsers {
  /** Creates an unprivileged user (`<prefix><random hex>`, shell /bin/sh) that can log in with a key (no password). */
  add(prefix: string): Promise<string>;
  /**
   * Creates an unprivileged user like `add`, but with `password` (set through chpasswd's stdin, never on a command
   * line) and no authorized key: a new host before `dthostmon setup --push-keys`.
   */
  addWithPassword(prefix: string, password: string): Promise<string>;
  /** Lets `user` run sh as root without a password, as docs/collection.md tells operators to. */
  allowSudoSh(user: string): Promise<void>;
  remove(): Promise<void>;
}

export function throwawayUsers(): ThrowawayUsers {
  const users: string[] = [];
  const dropIns: string[] = [];
  return {
    async add(prefix) {
      const name = `${prefix}${randomBytes(4).toString('hex')}`;
      // `-p '*'`: no password, but not locked ("!"), which sshd with UsePAM no would refuse even for a key login.
      await execa('useradd', ['-m', '-s', '/bin/sh', '-p', '*', name]);
      users.push(name);
      return name;
    },
    async addWithPassword(prefix, password) {
      const name = `${prefix}${randomBytes(4).toString('hex')}`;
      await execa('useradd', ['-m', '-s', '/bin/sh', name]);
      users.push(name);
      await execa('chpasswd', [], { input: `${name}:${password}\n` });
      return name;
    },
    async allowSudoSh(user) {
      // A drop-in name must not contain "." or end in "~", or sudo ignores it.
      const path = `/etc/sudoers.d/${user}`;
      await writeFile(path, `${user} ALL=(root) NOPASSWD: /bin/sh, /usr/bin/sh\n`, { mode: 0o440 });
      dropIns.push(path);
      await execa('visudo', ['-c', '-q', '-f', path]);
    },
    async remove() {
      for (const path of dropIns.splice(0)) await rm(path, { force: true });
      for (const name of users.splice(0)) await execa('userdel', ['-r', name], { reject: false });
    },
  };
}
