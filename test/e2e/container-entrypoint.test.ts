/**
 * What the containers run, run directly (no Docker engine here): the image's ENTRYPOINT (`tini -- dthostmon`) with
 * the commands of the Kubernetes manifests and the compose file, the image's environment, and the config they mount
 * (the ConfigMap's and docker/dthostmon.yaml), with /opt/dthostmon moved into a temp dir and PostgreSQL in a fresh
 * schema. The init container's key copy is run too, and the HEALTHCHECK command itself is pointed at serve.
 *
 * Two deliberate differences from a container: serve binds 127.0.0.1 (tests use loopback only) on a free port, which
 * the health check is told through DTHOSTMON_HEALTH_URL (its documented override); and SMTP_HOST is empty, so no
 * mail leaves the machine (messages go to the outbox).
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import postgres from 'postgres';
import { parseDocument } from 'yaml';
import { parseDotenv } from '../../src/config/env.js';
import { assertBuilt, binPath, repoRoot, tempDir } from '../helpers/cli.js';
import { composeInterpolate, imageToRepoPath, optionValue, readYamlDocuments, runtimeImage } from '../helpers/deploy-files.js';
import { createTestSchema } from '../helpers/pg.js';
import { freePort } from '../helpers/ports.js';
import { startSshd } from '../helpers/sshd.js';
import { waitUntil } from '../helpers/wait.js';

const TINI = '/usr/bin/tini';
const IS_CI = process.env.CI === 'true';
const hasTini = existsSync(TINI);
if (!hasTini && !IS_CI) console.warn(`${TINI} not found: the container entrypoint tests are skipped (apt-get install tini; CI=true fails instead)`);
const describeWithTini = hasTini || IS_CI ? describe : describe.skip;

const IMAGE_ROOT = '/opt/dthostmon';
/** A pass of a local host took 15-45 s on this shared 2-core machine under load: room for that, not a speed check. */
const PASS_TIMEOUT_MS = 300_000;
const image = runtimeImage();

interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: { name: string; value?: string }[];
}
interface PodSpec {
  initContainers?: Container[];
  containers: Container[];
}
type Manifest = { kind: string; metadata: { name: string }; data?: Record<string, string>; stringData?: Record<string, string>; spec: { jobTemplate: { spec: { template: { spec: PodSpec } } } } };
const k8s = (file: string): Manifest[] => readYamlDocuments(join(repoRoot, 'k8s', file)) as Manifest[];
const podOf = (file: string): PodSpec => k8s(file)[0]!.spec.jobTemplate.spec.template.spec;
const mainOf = (pod: PodSpec): Container => pod.containers.find((c) => c.name === 'dthostmon')!;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** One container's world: /opt/dthostmon is `root`; app files map back to the repository. */
class ContainerDirs {
  readonly root = tempDir('dthm-container-');

  constructor() {
    for (const dir of ['config', 'data', 'logs', 'ssh', 'ssh-secret']) mkdirSync(join(this.root, dir));
  }

  /** An image path (or a text holding image paths) as it is here. */
  map(text: string): string {
    return text.replace(/\/opt\/dthostmon(\/[^\s"':]*)?/g, (path) => imageToRepoPath(path) ?? path.replace(IMAGE_ROOT, this.root));
  }

  /** The environment the container process gets, its image paths mapped; nothing leaks in from this machine's. */
  env(containerEnv: Record<string, string>): NodeJS.ProcessEnv {
    const mapped = Object.fromEntries(Object.entries(containerEnv).map(([k, v]) => [k, this.map(v)]));
    // TINI_SUBREAPER: tini is not PID 1 here; as a subreaper it reaps orphans as it would in the container.
    return { PATH: process.env.PATH, HOME: this.root, LANG: 'C.UTF-8', TINI_SUBREAPER: '1', ...mapped };
  }

  /** Writes a config the container mounts at DTHOSTMON_CONFIG, its image paths mapped, after `edit`. */
  writeConfig(text: string, edit: (doc: ReturnType<typeof parseDocument>) => void): string {
    const doc = parseDocument(this.map(text));
    edit(doc);
    const path = join(this.root, 'config', 'dthostmon.yaml');
    writeFileSync(path, String(doc));
    return path;
  }
}

/** Runs argv (an image command: `dthostmon` and `node` are this machine's) and collects its output. */
function start(argv: string[], env: NodeJS.ProcessEnv, dirs: ContainerDirs) {
  const resolved = argv.flatMap((a) => (a === 'dthostmon' ? [process.execPath, binPath] : a === 'node' ? [process.execPath] : [dirs.map(a)]));
  const child = spawn(resolved[0]!, resolved.slice(1), { cwd: dirs.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = { stdout: '', stderr: '' };
  child.stdout.on('data', (d: Buffer) => (out.stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()));
  const done = new Promise<Outcome>((resolve) => child.on('close', (code) => resolve({ code, ...out })));
  return { child, out, done };
}
const runToEnd = (argv: string[], env: NodeJS.ProcessEnv, dirs: ContainerDirs): Promise<Outcome> => start(argv, env, dirs).done;
/** ENTRYPOINT + the container's args (Kubernetes `args` replace only the CMD). */
const entrypoint = (args: string[]): string[] => [...image.entrypoint, ...args];

describeWithTini('the container entrypoint, run directly (tini -- dthostmon)', () => {
  let sshd: Awaited<ReturnType<typeof startSshd>> = null;
  /** A fresh PostgreSQL schema per test (the store of one deployment), dropped after it. */
  let schema: Awaited<ReturnType<typeof createTestSchema>> = null;

  beforeAll(async () => {
    assertBuilt();
    sshd = await startSshd();
  });
  beforeEach(async () => {
    schema = await createTestSchema('container');
  });
  afterEach(async () => {
    await schema?.drop();
  });
  afterAll(async () => {
    await sshd?.stop();
  });

  const configMapText = (): string => k8s('configmap.yaml')[0]!.data!['dthostmon.yaml']!;
  /** The Kubernetes container's environment: image ENV, the example Secret, its env; PostgreSQL, no SMTP. */
  const k8sEnv = (container: Container, extra: Record<string, string> = {}): Record<string, string> => ({
    ...image.env,
    ...k8s('secret.example.yaml').find((s) => s.metadata.name === 'dthostmon-env')!.stringData,
    ...Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value!])),
    DATABASE_URL: schema!.url,
    SMTP_HOST: '',
    ...extra,
  });
  const hostRunsPerHost = async (): Promise<Record<string, number>> => {
    const sql = postgres(schema!.url, { max: 1, onnotice: () => undefined });
    try {
      const rows = await sql<{ name: string; n: number }[]>`select h.name, count(*)::int as n from host_runs r join hosts h on h.id = r.host_id group by h.name`;
      return Object.fromEntries(rows.map((r) => [r.name, r.n]));
    } finally {
      await sql.end({ timeout: 5 });
    }
  };

  it('k8s CronJob: the init container copies the key as 0400, then `run` passes over an SSH host into PostgreSQL', async () => {
    if (!schema || !sshd) return; // skipped with a message (under CI=true the helpers throw instead)
    const dirs = new ContainerDirs();
    const pod = podOf('cronjob-run.yaml');
    // The Secret volume as kubelet writes it with fsGroup: group-readable.
    const secretDir = join(dirs.root, 'ssh-secret');
    copyFileSync(sshd.keyPath, join(secretDir, 'id_ed25519'));
    copyFileSync(`${sshd.keyPath}.pub`, join(secretDir, 'id_ed25519.pub'));
    writeFileSync(join(secretDir, 'known_hosts'), `${sshd.knownHostsLine}\n`);
    for (const f of readdirSync(secretDir)) chmodSync(join(secretDir, f), 0o440);

    const init = pod.initContainers!.find((c) => c.name === 'ssh-key')!;
    const copied = await runToEnd(init.command!, dirs.env({}), dirs);
    expect(copied).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(statSync(join(dirs.root, 'ssh', 'id_ed25519')).mode & 0o777).toBe(0o400);
    expect(statSync(join(dirs.root, 'ssh', 'known_hosts')).mode & 0o777).toBe(0o444);

    const log = join(dirs.root, 'auth.log');
    writeFileSync(log, 'Nov 25 10:00:00 web-01 sshd[1]: Invalid user admin from 198.51.100.7 port 4000\n');
    dirs.writeConfig(configMapText(), (doc) => {
      doc.setIn(['hosts'], doc.createNode([{ name: 'web-01', hostname: '127.0.0.1', port: sshd!.port, user: sshd!.user, logs: [log] }]));
    });
    const container = mainOf(pod);
    const res = await runToEnd(entrypoint(container.args!), dirs.env(k8sEnv(container)), dirs);
    expect({ code: res.code, stderr: res.code === 0 ? '' : res.stderr }).toEqual({ code: 0, stderr: '' });
    expect(await hostRunsPerHost()).toEqual({ 'web-01': 1 });
    // Reports land on the data volume (the claim), the key was accepted: the host was reached.
    expect(readdirSync(join(dirs.root, 'data', 'reports', 'web-01')).length).toBeGreaterThan(0);
    expect(res.stdout + res.stderr).not.toContain('change-me');
  }, PASS_TIMEOUT_MS);

  it('k8s sharded CronJob: three `run --worker` pods with the downward API environment share one pass', async () => {
    if (!schema) return;
    const dirs = new ContainerDirs();
    const hosts = Array.from({ length: 3 }, (_, i) => ({ name: `shard-${i + 1}`, transport: 'local', logs: [] }));
    dirs.writeConfig(configMapText(), (doc) => doc.setIn(['hosts'], doc.createNode(hosts)));
    const container = mainOf(podOf('sharded/cronjob-run-sharded.yaml'));
    const job = 'dthostmon-run-sharded-29412345';
    // What the downward API gives each pod: the Job's name (label batch.kubernetes.io/job-name) and its pod name.
    const workers = ['0-x7k2p', '1-m4q9z', '2-c8w3n'].map((suffix) =>
      runToEnd(entrypoint(container.args!), dirs.env(k8sEnv(container, { DTHOSTMON_PASS_KEY: job, DTHOSTMON_WORKER_ID: `${job}-${suffix}` })), dirs),
    );
    const results = await Promise.all(workers);
    expect(results.map((r) => ({ code: r.code, stderr: r.code === 0 ? '' : r.stderr }))).toEqual(results.map(() => ({ code: 0, stderr: '' })));
    expect(await hostRunsPerHost()).toEqual(Object.fromEntries(hosts.map((h) => [h.name, 1])));
  }, PASS_TIMEOUT_MS);

  it("compose: serve (the image's CMD) is healthy by the HEALTHCHECK while it runs, unhealthy once it stopped", async () => {
    if (!schema) return;
    const dirs = new ContainerDirs();
    const port = await freePort();
    const [compose] = readYamlDocuments(join(repoRoot, 'dca-dthostmon.yml')) as [{ services: { dthostmon: { command: string[]; environment: Record<string, string> } } }];
    const service = compose.services.dthostmon;
    const dotenv = parseDotenv(readFileSync(join(repoRoot, 'docker', 'compose.env.example'), 'utf8')).values;
    const env = dirs.env({
      ...image.env,
      ...dotenv,
      ...Object.fromEntries(Object.entries(service.environment).map(([k, v]) => [k, composeInterpolate(v, dotenv)])),
      DATABASE_URL: schema.url,
    });
    dirs.writeConfig(readFileSync(join(repoRoot, 'docker', 'dthostmon.yaml'), 'utf8'), (doc) => {
      doc.setIn(['api', 'port'], port);
      doc.setIn(['hosts'], doc.createNode([{ name: 'self', transport: 'local', logs: [] }]));
    });
    expect(service.command).toEqual(image.cmd);
    const argv = [...service.command];
    argv[argv.indexOf('--bind') + 1] = '127.0.0.1';
    expect(optionValue(argv, '--bind')).toBe('127.0.0.1');

    const healthEnv = { ...env, DTHOSTMON_HEALTH_URL: `http://127.0.0.1:${port}/health` };
    const check = (extra: string[] = []): Promise<Outcome> => runToEnd([...image.healthcheck.command, ...extra], healthEnv, dirs);
    const serve = start(entrypoint(argv), env, dirs);
    let stopped: Outcome | null = null;
    try {
      await waitUntil('serve answers /health', async () => (await check()).code === 0 || serve.child.exitCode !== null, 30_000);
      expect(serve.child.exitCode).toBeNull();
      expect(await check()).toEqual({ code: 0, stdout: 'healthy\n', stderr: '' });
      expect(await check(['--alive'])).toEqual({ code: 0, stdout: 'healthy\n', stderr: '' });
    } finally {
      // tini passes SIGTERM on to dthostmon, which stops cleanly.
      serve.child.kill('SIGTERM');
      stopped = await serve.done;
    }
    expect(stopped.code).toBe(0);
    const after = await check();
    expect(after.code).toBe(1);
    expect(after.stdout).toMatch(/^unhealthy: 127\.0\.0\.1:\d+: connect ECONNREFUSED/);
    expect((await check(['--alive'])).code).toBe(1);
  }, PASS_TIMEOUT_MS);
});
