/**
 * The Kubernetes manifests of k8s/, checked statically (no cluster here): every file parses; the kustomization lists
 * what exists; each container runs a dthostmon command the CLI accepts, with environment variables the code reads;
 * the ConfigMap's dthostmon.yaml loads with the real loader given the example Secret; every path the config names
 * is on the right volume; probes hit /health on the container port; the CronJobs never overlap; the sharded variant
 * is an Indexed Job whose pods share one pass key.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, posix } from 'node:path';
import { loadConfigText } from '../../../src/config/load.js';
import type { LoadedConfig } from '../../../src/config/types.js';
import { parseSchedule } from '../../../src/serve/schedule.js';
import { apiSettings } from '../../../src/serve/server.js';
import { repoRoot } from '../../helpers/cli.js';
import { argvProblems, configVariables, filesUnder, imageToRepoPath, isEnvReadByCode, readYamlDocuments, runtimeImage } from '../../helpers/deploy-files.js';

interface Meta {
  name: string;
  labels?: Record<string, string>;
}
interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef?: { fieldPath: string }; secretKeyRef?: { name: string; key: string } };
}
interface Mount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
  exec?: { command: string[] };
  tcpSocket?: { port: string | number };
}
interface Container {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  envFrom?: { secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  securityContext?: { readOnlyRootFilesystem?: boolean; allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] } };
  volumeMounts?: Mount[];
}
interface Volume {
  name: string;
  configMap?: { name: string };
  secret?: { secretName: string; defaultMode?: number; items?: { key: string; path: string }[] };
  emptyDir?: Record<string, unknown>;
  persistentVolumeClaim?: { claimName: string };
}
interface PodSpec {
  restartPolicy?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number; runAsGroup?: number; fsGroup?: number };
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
}
interface PodTemplate {
  metadata: { labels: Record<string, string> };
  spec: PodSpec;
}
interface JobSpec {
  completionMode?: string;
  completions?: number;
  parallelism?: number;
  backoffLimit?: number;
  backoffLimitPerIndex?: number;
  activeDeadlineSeconds?: number;
  podFailurePolicy?: { rules: { action: string; onExitCodes?: { containerName: string; operator: string; values: number[] } }[] };
  template: PodTemplate;
}
interface Resource {
  apiVersion: string;
  kind: string;
  metadata: Meta;
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  resources?: string[];
  components?: string[];
  images?: { name: string; newName?: string; newTag?: string }[];
}
interface CronJob extends Resource {
  spec: { schedule: string; concurrencyPolicy: string; startingDeadlineSeconds?: number; jobTemplate: { spec: JobSpec } };
}

const K8S = join(repoRoot, 'k8s');
const read = (file: string): Resource[] => readYamlDocuments(join(repoRoot, file)) as Resource[];
const manifests = filesUnder('k8s', ['.yaml', '.yml']).filter((f) => !f.endsWith('kustomization.yaml'));
const all = manifests.flatMap((f) => read(f).map((r) => ({ file: f, resource: r })));
const find = <T extends Resource>(kind: string, name: string): T => {
  const found = all.find((e) => e.resource.kind === kind && e.resource.metadata.name === name);
  if (!found) throw new Error(`no ${kind} ${name} in k8s/`);
  return found.resource as T;
};

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;
const image = runtimeImage();
const [uid, gid] = image.user.split(':').map(Number) as [number, number];
const configMap = find<Resource>('ConfigMap', 'dthostmon-config');
const configText = configMap.data!['dthostmon.yaml']!;
const envSecret = find<Resource>('Secret', 'dthostmon-env');
const sshSecret = find<Resource>('Secret', 'dthostmon-ssh');
const runJob = find<CronJob>('CronJob', 'dthostmon-run');
const shardedJob = find<CronJob>('CronJob', 'dthostmon-run-sharded');
const serve = find<Resource & { spec: { selector: { matchLabels: Record<string, string> }; template: PodTemplate } }>('Deployment', 'dthostmon-serve');
const service = find<Resource & { spec: { selector: Record<string, string>; ports: { port: number; targetPort: string | number }[] } }>('Service', 'dthostmon');
const pvc = find<Resource & { spec: { accessModes: string[]; resources: { requests: { storage: string } } } }>('PersistentVolumeClaim', 'dthostmon-data');

/** The pod templates that run dthostmon, by what they are. */
const pods: { what: string; pod: PodTemplate }[] = [
  { what: 'CronJob dthostmon-run', pod: runJob.spec.jobTemplate.spec.template },
  { what: 'CronJob dthostmon-run-sharded', pod: shardedJob.spec.jobTemplate.spec.template },
  { what: 'Deployment dthostmon-serve', pod: serve.spec.template },
];
const main = (pod: PodTemplate): Container => pod.spec.containers.find((c) => c.name === 'dthostmon')!;
const volumeOf = (pod: PodTemplate, mount: Mount): Volume => pod.spec.volumes!.find((v) => v.name === mount.name)!;
/** The mount a path of the container lies on (the deepest one). */
const mountFor = (container: Container, path: string): Mount | undefined =>
  (container.volumeMounts ?? [])
    .filter((m) => path === m.mountPath || path.startsWith(`${m.mountPath}/`))
    .sort((a, b) => b.mountPath.length - a.mountPath.length)[0];
/** The environment the container's dthostmon sees: the image's ENV, the Secret (example) it imports, its own env. */
function containerEnv(container: Container): Record<string, string> {
  const env: Record<string, string> = { ...image.env };
  for (const from of container.envFrom ?? []) Object.assign(env, find<Resource>('Secret', from.secretRef!.name).stringData);
  for (const e of container.env ?? []) env[e.name] = e.value ?? `<${e.valueFrom?.fieldRef?.fieldPath ?? 'from'}>`;
  return env;
}
const loadFor = (container: Container): LoadedConfig => {
  const env = containerEnv(container);
  return loadConfigText(configText, env.DTHOSTMON_CONFIG!, { env, homeDir: '/opt/dthostmon' });
};

describe('k8s/ manifests', () => {
  it('every file parses and every object has apiVersion, kind and a name', () => {
    expect(all.length).toBeGreaterThanOrEqual(9);
    for (const { file, resource } of all) {
      expect({ file, apiVersion: typeof resource.apiVersion, kind: typeof resource.kind, name: typeof resource.metadata?.name }).toEqual({
        file,
        apiVersion: 'string',
        kind: 'string',
        name: 'string',
      });
    }
  });

  it('kustomization.yaml lists every manifest but the example Secret; the sharded component exists', () => {
    const [kustomization] = read('k8s/kustomization.yaml');
    expect(kustomization!.kind).toBe('Kustomization');
    const listed = kustomization!.resources!.map((r) => `k8s/${r}`);
    const own = manifests.filter((f) => dirname(f) === 'k8s' && !f.endsWith('secret.example.yaml'));
    expect(listed.sort()).toEqual(own.sort());
    expect(kustomization!.images).toEqual([{ name: 'dthostmon', newName: 'dthostmon', newTag: version }]);
    // Enabled by uncommenting `components: [sharded]`.
    expect(readFileSync(join(K8S, 'kustomization.yaml'), 'utf8')).toMatch(/^# components:\n# {3}- sharded$/m);
    const [component] = read('k8s/sharded/kustomization.yaml');
    expect(component!.kind).toBe('Component');
    for (const r of component!.resources!) expect(existsSync(join(K8S, 'sharded', r))).toBe(true);
  });

  it('every container runs the image of this version; dthostmon containers a command the CLI accepts', () => {
    for (const { what, pod } of pods) {
      for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) expect({ what, image: c.image }).toEqual({ what, image: `dthostmon:${version}` });
      const container = main(pod);
      expect(container.command).toBeUndefined(); // the image's ENTRYPOINT (tini -- dthostmon) stays
      expect({ what, problems: argvProblems(container.args!) }).toEqual({ what, problems: [] });
    }
    expect(main(runJob.spec.jobTemplate.spec.template).args!.slice(0, 1)).toEqual(['run']);
    expect(main(shardedJob.spec.jobTemplate.spec.template).args!.slice(0, 2)).toEqual(['run', '--worker']);
    expect(main(serve.spec.template).args).toEqual(['serve', '--bind', '0.0.0.0']);
  });

  it('runs as the image user, non-root, with a read-only root filesystem, resource requests and limits', () => {
    for (const { what, pod } of pods) {
      expect({ what, ...pod.spec.securityContext }).toMatchObject({ what, runAsNonRoot: true, runAsUser: uid, runAsGroup: gid, fsGroup: gid });
      for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
        expect({ what, c: c.name, ...c.securityContext }).toMatchObject({ what, c: c.name, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
        for (const kind of ['requests', 'limits'] as const) expect(Object.keys(c.resources?.[kind] ?? {}).sort()).toEqual(['cpu', 'memory']);
        // Node writes temp files, the root filesystem is read-only: /tmp is a volume.
        if (c.name === 'dthostmon') expect(mountFor(c, '/tmp/x')?.mountPath).toBe('/tmp');
      }
    }
  });

  it('sets only environment variables the code reads; the Secret provides every ${VAR} of the config', () => {
    const { required } = configVariables(configText);
    expect(required.sort()).toEqual(Object.keys(envSecret.stringData!).filter((k) => required.includes(k)).sort());
    for (const name of required) expect({ name, inSecret: name in envSecret.stringData! }).toEqual({ name, inSecret: true });
    const referenced = new Set([...required, ...configVariables(configText).optional]);
    for (const name of Object.keys(envSecret.stringData!)) expect({ name, used: referenced.has(name) || isEnvReadByCode(name) }).toEqual({ name, used: true });
    for (const { what, pod } of pods) {
      const container = main(pod);
      expect(container.envFrom).toEqual([{ secretRef: { name: 'dthostmon-env' } }]);
      for (const e of container.env ?? []) expect({ what, name: e.name, read: isEnvReadByCode(e.name) }).toEqual({ what, name: e.name, read: true });
    }
  });

  it("the ConfigMap's dthostmon.yaml loads with the example Secret: PostgreSQL, the API on the container port", () => {
    for (const { pod } of pods) {
      const container = main(pod);
      const config = loadFor(container);
      expect({ warnings: config.warnings, notes: config.reviewNotes }).toEqual({ warnings: [], notes: [] });
      expect(config.store.dialect).toBe('postgres'); // the sharded workers need it, and the pods share one store
      expect(config.hosts.length).toBeGreaterThan(0);
      const configPath = containerEnv(container).DTHOSTMON_CONFIG!;
      const mount = mountFor(container, configPath)!;
      expect(mount.readOnly).toBe(true);
      expect(volumeOf(pod, mount).configMap?.name).toBe('dthostmon-config');
      expect(posix.basename(configPath)).toBe('dthostmon.yaml');
    }
    const port = apiSettings(loadFor(main(serve.spec.template))).port;
    expect(main(serve.spec.template).ports).toEqual([{ name: 'http', containerPort: port }]);
  });

  it('run pods write reports, the outbox, retention archives and their logs on volumes; the data claim exists', () => {
    for (const { what, pod } of pods.slice(0, 2)) {
      const container = main(pod);
      const config = loadFor(container);
      for (const path of [config.pass.reportsDir, config.delivery.outboxDir, config.retention.archiveDir, '/opt/dthostmon/logs/dthostmon.log']) {
        const mount = mountFor(container, path);
        expect({ what, path, writable: mount !== undefined && mount.readOnly !== true }).toEqual({ what, path, writable: true });
      }
      const data = volumeOf(pod, mountFor(container, config.pass.reportsDir)!);
      expect(data.persistentVolumeClaim?.claimName).toBe(pvc.metadata.name);
    }
    expect(pvc.spec.accessModes).toEqual(['ReadWriteOnce']);
    expect(pvc.spec.resources.requests.storage).toMatch(/^\d+Gi$/);
  });

  it('run pods get the SSH key from the Secret as a 0400 file of their own; serve gets only the public key', () => {
    for (const { what, pod } of pods.slice(0, 2)) {
      const container = main(pod);
      const keyPath = loadFor(container).hosts[0]!.ssh.keyPath!;
      const keyMount = mountFor(container, keyPath)!;
      expect({ what, emptyDir: volumeOf(pod, keyMount).emptyDir }).toEqual({ what, emptyDir: { medium: 'Memory', sizeLimit: '1Mi' } });
      const init = pod.spec.initContainers!.find((c) => c.name === 'ssh-key')!;
      const secretMount = init.volumeMounts!.find((m) => volumeOf(pod, m).secret)!;
      expect(volumeOf(pod, secretMount).secret).toEqual({ secretName: sshSecret.metadata.name, defaultMode: 0o400 });
      expect(init.volumeMounts!.find((m) => m.name === keyMount.name)?.mountPath).toBe(keyMount.mountPath);
      const script = init.command!.join(' ');
      expect(script).toContain(`install -m 0400 ${secretMount.mountPath}/${posix.basename(keyPath)} ${keyPath}`);
      expect(sshSecret.stringData).toHaveProperty(posix.basename(keyPath));
    }
    const container = main(serve.spec.template);
    const keyPath = loadFor(container).hosts[0]!.ssh.keyPath!;
    const volume = volumeOf(serve.spec.template, mountFor(container, `${keyPath}.pub`)!);
    expect(volume.secret).toEqual({ secretName: sshSecret.metadata.name, items: [{ key: `${posix.basename(keyPath)}.pub`, path: `${posix.basename(keyPath)}.pub` }] });
  });

  it('serve: readiness is GET /health on the container port; liveness asks /health to answer at all', () => {
    const container = main(serve.spec.template);
    const port = container.ports![0]!;
    expect(container.readinessProbe?.httpGet).toEqual({ path: '/health', port: port.name });
    const liveness = container.livenessProbe!.exec!.command;
    expect(liveness).toEqual([...image.healthcheck.command, '--alive']);
    const script = readFileSync(imageToRepoPath(liveness[1]!)!, 'utf8');
    const defaultUrl = new URL(/DTHOSTMON_HEALTH_URL \|\| '([^']+)'/.exec(script)![1]!);
    expect({ path: defaultUrl.pathname, port: Number(defaultUrl.port) }).toEqual({ path: '/health', port: port.containerPort });
    expect(serve.spec.selector.matchLabels).toEqual(expect.objectContaining(service.spec.selector));
    expect(serve.spec.template.metadata.labels).toEqual(expect.objectContaining(service.spec.selector));
    expect(service.spec.ports).toEqual([{ name: 'http', port: port.containerPort, targetPort: port.name }]);
  });

  it('the CronJobs never overlap, skip a missed hour, retry only a store outage, and outlast a pass', () => {
    for (const cron of [runJob, shardedJob]) {
      expect(cron.spec.concurrencyPolicy).toBe('Forbid');
      expect(cron.spec.startingDeadlineSeconds).toBeGreaterThan(0);
      expect(() => parseSchedule(cron.spec.schedule)).not.toThrow();
      const job = cron.spec.jobTemplate.spec;
      expect(job.template.spec.restartPolicy).toBe('Never');
      expect(job.backoffLimit ?? job.backoffLimitPerIndex).toBeGreaterThan(0);
      const noRetry = job.podFailurePolicy!.rules.find((r) => r.onExitCodes)!;
      // Exit 1 (a host failed), 2 (config) and 4 (locked): a retry would only repeat the pass; 3 (store) is retried.
      expect(noRetry.onExitCodes).toEqual({ containerName: 'dthostmon', operator: 'In', values: [1, 2, 4] });
      const passTimeoutS = loadFor(main(job.template)).pass.passTimeoutMs / 1000;
      expect(job.activeDeadlineSeconds).toBeGreaterThan(passTimeoutS);
    }
    expect(runJob.spec.jobTemplate.spec.podFailurePolicy!.rules[0]!.action).toBe('FailJob');
  });

  it('the sharded variant: an Indexed Job of 3 workers sharing one pass key (the Job name), each named by its pod', () => {
    const job = shardedJob.spec.jobTemplate.spec;
    expect({ mode: job.completionMode, completions: job.completions, parallelism: job.parallelism }).toEqual({ mode: 'Indexed', completions: 3, parallelism: 3 });
    // One worker failing must not stop the others: the failure policy fails its index, not the Job.
    expect(job.podFailurePolicy!.rules[0]!.action).toBe('FailIndex');
    const env = main(job.template).env!;
    expect(env.find((e) => e.name === 'DTHOSTMON_PASS_KEY')?.valueFrom).toEqual({ fieldRef: { fieldPath: "metadata.labels['batch.kubernetes.io/job-name']" } });
    expect(env.find((e) => e.name === 'DTHOSTMON_WORKER_ID')?.valueFrom).toEqual({ fieldRef: { fieldPath: 'metadata.name' } });
    expect(shardedJob.spec.schedule).toBe(runJob.spec.schedule);
  });

  it('the example Secret holds placeholders only', () => {
    for (const secret of [envSecret, sshSecret]) {
      for (const [key, value] of Object.entries(secret.stringData!)) expect({ key, placeholder: value === '' || /change-me|example|\.\.\.|never commit/.test(value) }).toEqual({ key, placeholder: true });
    }
  });
});
