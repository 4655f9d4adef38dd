/**
 * The Dockerfile and .dockerignore, checked statically (no Docker engine here): two stages on one Node LTS slim base,
 * dev dependencies only in the build stage, a non-root user, openssh-client and tini, a HEALTHCHECK on /health at the
 * port serve listens on, the three volumes, and an ENTRYPOINT/CMD the real CLI accepts. Every file the image copies
 * exists and is not kept out of the build context.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfigText } from '../../../src/config/load.js';
import { parseSchedule } from '../../../src/serve/schedule.js';
import { apiSettings } from '../../../src/serve/server.js';
import { repoRoot } from '../../helpers/cli.js';
import {
  argvProblems,
  contextCopies,
  imageToRepoPath,
  isEnvReadByCode,
  optionValue,
  readDockerfile,
  runtimeImage,
  type Stage,
} from '../../helpers/deploy-files.js';

const { stages } = readDockerfile();
const image = runtimeImage();
const runs = (stage: Stage): string => stage.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args).join('\n');

/** .dockerignore patterns (Docker's matching: a path is out when it or one of its parent directories matches). */
function dockerignored(path: string): boolean {
  const patterns = readFileSync(join(repoRoot, '.dockerignore'), 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const regex = (pattern: string): RegExp =>
    new RegExp(
      `^${pattern
        .split('**/')
        .map((part) => part.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]'))
        .join('(?:.*/)?')}$`,
    );
  const parts = path.split('/');
  const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
  let excluded = false;
  for (const pattern of patterns) {
    const negated = pattern.startsWith('!');
    const re = regex(negated ? pattern.slice(1) : pattern);
    if (prefixes.some((p) => re.test(p))) excluded = !negated;
  }
  return excluded;
}

describe('Dockerfile', () => {
  it('has a build stage and a runtime stage on the same current Node LTS slim base', () => {
    expect(stages.map((s) => s.name)).toEqual(['build', 'runtime']);
    for (const stage of stages) expect(stage.image).toMatch(/^node:(22|24)-bookworm-slim$/);
    expect(stages[1]!.image).toBe(stages[0]!.image); // the native module (better-sqlite3) is built for this base
  });

  it('installs and builds in the build stage, keeps only production dependencies', () => {
    const build = stages[0]!;
    const keywords = build.instructions.map((i) => `${i.keyword} ${i.args}`);
    const copyLock = keywords.findIndex((k) => /^COPY package\.json package-lock\.json/.test(k));
    const ci = keywords.findIndex((k) => /^RUN npm ci\b/.test(k));
    const copySrc = keywords.findIndex((k) => /^COPY src\b/.test(k));
    // The dependency layer is cached until package*.json change: npm ci comes before the sources.
    expect(copyLock).toBeGreaterThan(0);
    expect(ci).toBeGreaterThan(copyLock);
    expect(copySrc).toBeGreaterThan(ci);
    expect(runs(build)).toMatch(/npm run build && npm prune --omit=dev/);
    const runtime = stages[1]!;
    expect(runs(runtime)).not.toMatch(/npm (ci|install)/);
    const fromBuild = runtime.instructions.filter((i) => i.keyword === 'COPY' && i.args.startsWith('--from=build')).map((i) => i.args);
    expect(fromBuild).toEqual(['--from=build /src/node_modules ./node_modules', '--from=build /src/dist ./dist']);
  });

  it('installs openssh-client and tini, and cleans the apt lists', () => {
    const runtime = runs(stages[1]!);
    expect(runtime).toMatch(/apt-get install -y --no-install-recommends [^&]*\bopenssh-client\b/);
    expect(runtime).toMatch(/apt-get install -y --no-install-recommends [^&]*\btini\b/);
    expect(runtime).toContain('rm -rf /var/lib/apt/lists/*');
  });

  it('runs as a non-root user whose uid the image creates', () => {
    const [uid, gid] = image.user.split(':');
    expect(Number(uid)).toBeGreaterThan(0);
    expect(Number(gid)).toBeGreaterThan(0);
    const runtime = runs(stages[1]!);
    expect(runtime).toContain(`useradd --system --uid ${uid} --gid ${gid} `);
    expect(runtime).toContain(`groupadd --system --gid ${gid} `);
    // USER is the last word on users: nothing after it runs as root.
    const instructions = stages[1]!.instructions;
    const userAt = instructions.findIndex((i) => i.keyword === 'USER');
    expect(instructions.slice(userAt + 1).filter((i) => i.keyword === 'RUN')).toEqual([]);
  });

  it('starts dthostmon under tini; the CMD is serve on all interfaces with a valid schedule', () => {
    expect(image.entrypoint).toEqual(['/usr/bin/tini', '--', 'dthostmon']);
    const link = /ln -s (\S+) \/usr\/local\/bin\/dthostmon\b/.exec(runs(stages[1]!));
    expect(link).not.toBeNull();
    expect(imageToRepoPath(link![1]!)).toBe(join(repoRoot, 'bin', 'dthostmon.js'));
    expect(argvProblems(image.cmd)).toEqual([]);
    expect(image.cmd[0]).toBe('serve');
    expect(optionValue(image.cmd, '--bind')).toBe('0.0.0.0');
    expect(() => parseSchedule(optionValue(image.cmd, '--schedule')!)).not.toThrow();
  });

  it('checks /health on the port serve listens on by default', () => {
    const { options, command } = image.healthcheck;
    expect(Object.keys(options).sort()).toEqual(['interval', 'retries', 'start-period', 'timeout']);
    expect(command[0]).toBe('node');
    const script = imageToRepoPath(command[1]!);
    expect(script).toBe(join(repoRoot, 'docker', 'healthcheck.mjs'));
    const defaultUrl = new URL(/DTHOSTMON_HEALTH_URL \|\| '([^']+)'/.exec(readFileSync(script!, 'utf8'))![1]!);
    expect(defaultUrl.pathname).toBe('/health');
    const defaults = apiSettings(loadConfigText('hosts: []\n', '/nonexistent/dthostmon.yaml', { env: {} }));
    expect(Number(defaultUrl.port)).toBe(defaults.port);
    expect(image.exposed).toEqual([defaults.port]);
  });

  it('declares the config, logs and data volumes; DTHOSTMON_CONFIG points into the config volume', () => {
    expect(image.volumes).toEqual(['/opt/dthostmon/config', '/opt/dthostmon/logs', '/opt/dthostmon/data']);
    expect(image.env.DTHOSTMON_CONFIG).toBe('/opt/dthostmon/config/dthostmon.yaml');
    expect(image.env.DTHOSTMON_LOG_FORMAT).toBe('json');
    for (const name of Object.keys(image.env)) expect({ name, read: isEnvReadByCode(name) }).toEqual({ name, read: true });
  });

  it('copies what the CLI needs at run time, from files that exist and that .dockerignore lets through', () => {
    const copies = contextCopies();
    for (const copy of copies) {
      expect({ source: copy.source, exists: existsSync(join(repoRoot, copy.source)), ignored: dockerignored(copy.source) }).toEqual({
        source: copy.source,
        exists: true,
        ignored: false,
      });
    }
    // dist/cli/main.js reads ../../package.json; render.ts ../../templates; migrate.ts ../../migrations.
    expect(copies.map((c) => c.source)).toEqual(expect.arrayContaining(['package.json', 'bin', 'templates', 'migrations']));
    for (const source of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'src']) expect(dockerignored(source)).toBe(false);
  });
});

describe('.dockerignore', () => {
  it.each([
    'node_modules',
    'dist',
    '.git',
    'coverage',
    'test-artifacts',
    'var/dthostmon.db',
    'dthostmon.db-wal',
    'config/dthostmon.yaml',
    'config/.env',
    '.env',
    'docker/.env',
    '.env.production',
    'reports/web-01/x.md',
    'logs/setup.log',
  ])('keeps %s out of the build context', (path) => {
    expect(dockerignored(path)).toBe(true);
  });
});
