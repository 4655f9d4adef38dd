/**
 * test/testmenu.sh: its tree against a real `find` of the test tree, --select and --print, and the menu itself driven
 * in a terminal (tmux) over a temp test tree with one passing and one failing test, so a run is fast and shows
 * exactly which tests ran. No Docker engine runs here: --external is checked through --print only.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { repoRoot } from '../helpers/cli.js';
import { canUseTmux, startTmux, type TmuxSession } from '../helpers/tmux.js';

const JEST = 'node --experimental-vm-modules node_modules/jest/bin/jest.js --runTestsByPath';

function menu(root: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return execa('bash', [join(root, 'test', 'testmenu.sh'), ...args], {
    stdin: 'ignore',
    reject: false,
    env: { DTHOSTMON_CONTAINER: '', DTHOSTMON_CONTAINER_WORKDIR: '', ...env },
  });
}

/** Every *.test.ts under `root`/test, as `find` lists them, relative to test/. */
async function findTests(root: string): Promise<string[]> {
  const { stdout } = await execa('find', ['test', '-name', '*.test.ts', '-type', 'f'], { cwd: root });
  return stdout.split('\n').map((p) => p.replace(/^test\//, '')).sort();
}

/** The tests a --list tree names: a test line belongs to the last section line indented one level less. */
function testsInTree(tree: string): { tests: string[]; counts: Map<string, number> } {
  const sections: string[] = [];
  const tests: string[] = [];
  const counts = new Map<string, number>();
  for (const line of tree.split('\n').filter(Boolean)) {
    const depth = (line.length - line.trimStart().length) / 2;
    const section = /^(\S+\/) \((\d+) tests?\)$/.exec(line.trim());
    if (section) {
      sections[depth] = section[1] as string;
      counts.set(section[1] as string, Number(section[2]));
    } else {
      tests.push(`${depth > 0 ? sections[depth - 1] : ''}${line.trim()}`);
    }
  }
  return { tests: tests.sort(), counts };
}

/** A throwaway project: jest set up like ours, test/demo (one passing test) and test/other (one failing test). */
function demoProject(): string {
  const root = mkdtempSync(join(tmpdir(), 'dthm-testmenu-'));
  for (const file of ['package.json', 'jest.config.js', 'tsconfig.json']) copyFileSync(join(repoRoot, file), join(root, file));
  symlinkSync(join(repoRoot, 'node_modules'), join(root, 'node_modules'));
  mkdirSync(join(root, 'test', 'demo'), { recursive: true });
  mkdirSync(join(root, 'test', 'other'));
  copyFileSync(join(repoRoot, 'test', 'testmenu.sh'), join(root, 'test', 'testmenu.sh'));
  writeFileSync(join(root, 'test', 'demo', 'one.test.ts'), "it('adds', () => {\n  expect(1 + 1).toBe(2);\n});\n");
  writeFileSync(join(root, 'test', 'other', 'two.test.ts'), "it('fails when run', () => {\n  expect(true).toBe(false);\n});\n");
  return root;
}

describe('test/testmenu.sh without a menu', () => {
  it('--list shows every test file that find finds, each under its section, with the right counts', async () => {
    const res = await menu(repoRoot, ['--list']);
    expect(res.exitCode).toBe(0);
    const found = await findTests(repoRoot);
    const { tests, counts } = testsInTree(res.stdout);
    expect(tests).toEqual(found);
    expect(counts.get('unit/config/')).toBe(found.filter((t) => t.startsWith('unit/config/')).length);
    expect(counts.get('integration/')).toBe(found.filter((t) => t.startsWith('integration/')).length);
    expect(res.stdout).toMatch(/^e2e\/ \(\d+ tests\)\n {2}\S+\.test\.ts$/m);
  });

  it('a new test file appears in the tree without editing the script', async () => {
    const root = demoProject();
    try {
      expect((await menu(root, ['--list'])).stdout).toBe('demo/ (1 test)\n  one.test.ts\nother/ (1 test)\n  two.test.ts');
      mkdirSync(join(root, 'test', 'demo', 'deep'));
      writeFileSync(join(root, 'test', 'demo', 'deep', 'three.test.ts'), '');
      expect((await menu(root, ['--list'])).stdout).toBe(
        'demo/ (2 tests)\n  one.test.ts\n  demo/deep/ (1 test)\n    three.test.ts\nother/ (1 test)\n  two.test.ts',
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('--select expands a section to its tests (sub-sections included) and takes single tests', async () => {
    const found = await findTests(repoRoot);
    const cli = found.filter((t) => t.startsWith('unit/cli/')).map((t) => `test/${t}`);
    const res = await menu(repoRoot, ['--select', 'unit/cli', '--print']);
    expect(res.exitCode).toBe(0);
    expect(res.stdout).toBe(`${JEST} ${cli.join(' ')}`);

    const integration = found.filter((t) => t.startsWith('integration/')).map((t) => `test/${t}`);
    expect(integration.some((t) => t.startsWith('test/integration/collect/'))).toBe(true);
    expect((await menu(repoRoot, ['--select', 'test/integration/', '--print'])).stdout).toBe(`${JEST} ${integration.join(' ')}`);

    const single = await menu(repoRoot, ['--select', 'e2e/usage-errors.test.ts', 'unit/cli/main.test.ts', '--print']);
    expect(single.stdout).toBe(`${JEST} test/e2e/usage-errors.test.ts test/unit/cli/main.test.ts`);

    const unknown = await menu(repoRoot, ['--select', 'unit/nope']);
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe("testmenu.sh: no section or test 'unit/nope' under test/ (--list shows them) (see test/testmenu.sh --help)");
  });

  it('--print --external prints the docker exec command (container from the flag, $DTHOSTMON_CONTAINER, or dthostmon)', async () => {
    const run = ['--select', 'unit/cli/main.test.ts', '--print'];
    const command = `${JEST} test/unit/cli/main.test.ts`;
    // stdin is not a terminal here, so no -t (docker would refuse it).
    expect((await menu(repoRoot, ['--external', ...run])).stdout).toBe(`docker exec -i dthostmon ${command}`);
    expect((await menu(repoRoot, ['--external', 'mon-test', ...run])).stdout).toBe(`docker exec -i mon-test ${command}`);
    expect((await menu(repoRoot, ['--external', ...run], { DTHOSTMON_CONTAINER: 'from-env', DTHOSTMON_CONTAINER_WORKDIR: '/opt/dthostmon' })).stdout).toBe(
      `docker exec -i -w /opt/dthostmon from-env ${command}`,
    );
    expect((await menu(repoRoot, ['--internal', ...run])).stdout).toBe(command);
    const help = await menu(repoRoot, ['--help']);
    expect(help.exitCode).toBe(0);
    for (const flag of ['--internal', '--external', '--list', '--select', '--print', 'TESTMENU_UI']) expect(help.stdout).toContain(flag);
    const bad = await menu(repoRoot, ['--frobnicate']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe("testmenu.sh: unknown option '--frobnicate' (see test/testmenu.sh --help)");
  });
});

const hasTerminalPeers = await (async () => {
  if (!(await canUseTmux())) return false;
  if ((await execa('sh', ['-c', 'command -v whiptail'], { reject: false })).exitCode === 0) return true;
  const why = 'whiptail is not installed (apt-get install whiptail, or bash scripts/install-peers.sh as root)';
  if (process.env.CI === 'true') throw new Error(why);
  console.warn(`skipping the menu tests: ${why}`);
  return false;
})();

(hasTerminalPeers ? describe : describe.skip)('test/testmenu.sh menus in a terminal', () => {
  let root: string;
  let term: TmuxSession | undefined;
  beforeAll(() => {
    root = demoProject();
  });
  afterEach(async () => {
    await term?.kill();
    term = undefined;
  });
  afterAll(() => {
    rmSync(root, { recursive: true, force: true });
  });

  it('whiptail: Space ticks the section under the cursor, Enter runs exactly its tests', async () => {
    term = await startTmux(`bash ${root}/test/testmenu.sh`, { width: 100, height: 30, env: { ...process.env, TESTMENU_UI: '' } });
    await term.waitFor('[ ] 1  demo/ (1 test)');
    await term.keys('Space');
    await term.waitFor('[*] 1  demo/ (1 test)');
    await term.keys('Enter');
    expect(await term.waitForExit(30_000)).toBe(0);
    const screen = await term.screen({ history: true });
    expect(screen).toContain(`testmenu.sh: 1 test file(s) here:\n  ${JEST} test/demo/one.test.ts`);
    expect(screen).toMatch(/PASS +test\/demo\/one\.test\.ts/);
    expect(screen).toContain('Tests:       1 passed, 1 total');
    expect(screen).not.toContain('two.test.ts');
  });

  it('whiptail: Esc cancels and runs nothing', async () => {
    term = await startTmux(`bash ${root}/test/testmenu.sh`, { width: 100, height: 30 });
    await term.waitFor('[ ] 1  demo/ (1 test)');
    await term.keys('Escape');
    expect(await term.waitForExit()).toBe(1);
    expect(await term.screen({ history: true })).toContain('testmenu.sh: cancelled; nothing run');
  });

  it('the numbered menu (no whiptail or dialog) runs the numbers typed, and exits with jest\'s status', async () => {
    term = await startTmux(`bash ${root}/test/testmenu.sh`, { width: 100, height: 30, env: { ...process.env, TESTMENU_UI: 'plain' } });
    await term.waitFor('Numbers to run');
    expect(await term.screen()).toContain('   3  other/ (1 test)\n   4    two.test.ts');
    await term.type('3');
    await term.keys('Enter');
    expect(await term.waitForExit(30_000)).toBe(1);
    const run = (await term.screen({ history: true })).split('Numbers to run')[1] ?? '';
    expect(run).toContain(`testmenu.sh: 1 test file(s) here:\n  ${JEST} test/other/two.test.ts\n`);
    expect(run).toMatch(/FAIL +test\/other\/two\.test\.ts/);
    expect(run).not.toContain('one.test.ts');
  });
});
