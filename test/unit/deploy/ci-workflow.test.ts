/**
 * .github/workflows/ci.yml beside .ci/run: both run the README's test command (`npm test`) with CI=true; the
 * workflow also lints, uploads coverage and audits the production dependencies, on every push and pull request.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../helpers/cli.js';
import { readYamlDocuments } from '../../helpers/deploy-files.js';

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, string>;
  if?: string;
}
interface Job {
  'runs-on': string;
  container?: { image: string };
  services?: Record<string, { image: string; env?: Record<string, string> }>;
  env?: Record<string, string>;
  steps: Step[];
}

const [workflow] = readYamlDocuments(join(repoRoot, '.github', 'workflows', 'ci.yml')) as [{ on: Record<string, unknown>; jobs: Record<string, Job> }];
const jobs = Object.values(workflow.jobs);
const steps = jobs.flatMap((j) => j.steps);
const runs = steps.map((s) => s.run?.trim()).filter((r): r is string => r !== undefined);

/** The README's test command: the only line of the code block under "## Tests". */
function readmeTestCommand(): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n## Tests\n'));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  return block![1]!.trim();
}

describe('.github/workflows/ci.yml', () => {
  it('runs on pushes and pull requests', () => {
    expect(Object.keys(workflow.on).sort()).toEqual(['pull_request', 'push']);
  });

  it("runs the README's test command, as .ci/run does, with CI=true", () => {
    const command = readmeTestCommand();
    expect(command).toBe('npm test');
    expect(runs).toContain(command);
    const ciRun = readFileSync(join(repoRoot, '.ci', 'run'), 'utf8').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'));
    expect(ciRun).toEqual(expect.arrayContaining(['export CI=true', command]));
    const test = jobs.find((j) => j.steps.some((s) => s.run?.trim() === command))!;
    expect(test.env?.CI).toBe('true');
  });

  it('runs the tests as root in Debian 12 with Node 20 and a PostgreSQL service the tests are pointed at', () => {
    const test = jobs.find((j) => j.steps.some((s) => s.run?.trim() === 'npm test'))!;
    expect(test.container?.image).toBe('debian:bookworm');
    const setupNode = test.steps.find((s) => s.uses?.startsWith('actions/setup-node@'));
    expect(setupNode?.with?.['node-version']).toBe('20.x');
    const pgUrl = new URL(test.env!.DTHOSTMON_TEST_PG_URL!);
    const service = test.services![pgUrl.hostname]!;
    expect(service.image).toMatch(/^postgres:\d+/);
    expect(`/${service.env!.POSTGRES_DB}`).toBe(pgUrl.pathname);
    expect(service.env!.POSTGRES_HOST_AUTH_METHOD).toBe('trust');
  });

  it('lints, uploads coverage and audits the production dependencies', () => {
    expect(runs).toContain('npm run lint');
    const coverage = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@') && s.with?.path === 'coverage/');
    expect(coverage?.if).toBe('always()');
    expect(runs).toContain('npm audit --omit=dev --audit-level=high');
  });

  it('pins every action to a major version', () => {
    for (const step of steps.filter((s) => s.uses)) expect(step.uses).toMatch(/^actions\/[a-z-]+@v\d+$/);
  });
});

describe('README', () => {
  it('points at docs/deploy.md and docs/TESTING.md', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    expect(readme).toContain('(docs/deploy.md)');
    expect(readme).toContain('(docs/TESTING.md)');
  });
});
