/**
 * Readers for the deployment files (Dockerfile, dca-dthostmon.yml, k8s/, the CI workflow), for the static checks in
 * test/unit/deploy/ and for test/e2e/container-entrypoint.test.ts, which runs what the container runs. No Docker
 * engine or cluster runs here: the files are parsed, and the commands they name are checked against the real CLI.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import type { Command, Option } from 'commander';
import { parse, parseAllDocuments } from 'yaml';
import { buildProgram } from '../../src/cli/program.js';
import { repoRoot } from './cli.js';

/** One Dockerfile instruction, continuation lines joined. */
export interface Instruction {
  keyword: string;
  /** Everything after the keyword, trimmed. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
}

/** A build stage: `FROM <image> AS <name>` and its instructions (FROM included). */
export interface Stage {
  image: string;
  name: string | null;
  instructions: Instruction[];
}

/** Splits a Dockerfile into instructions (comments dropped, `\` continuations joined) and stages. */
export function parseDockerfile(text: string): { instructions: Instruction[]; stages: Stage[] } {
  const instructions: Instruction[] = [];
  let pending: { text: string; line: number } | null = null;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trimEnd();
    if (pending === null && (line.trim() === '' || line.trimStart().startsWith('#'))) return;
    if (pending !== null && line.trimStart().startsWith('#')) return;
    const body = line.endsWith('\\') ? line.slice(0, -1) : line;
    pending = pending === null ? { text: body.trim(), line: index + 1 } : { ...pending, text: `${pending.text} ${body.trim()}` };
    if (!line.endsWith('\\')) {
      const [keyword = '', ...rest] = pending.text.split(/\s+/);
      instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' ').trim(), line: pending.line });
      pending = null;
    }
  });
  const stages: Stage[] = [];
  for (const instruction of instructions) {
    if (instruction.keyword === 'FROM') {
      const match = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(instruction.args);
      if (!match) throw new Error(`Dockerfile:${instruction.line}: FROM ${instruction.args}: expected FROM <image> [AS <name>]`);
      stages.push({ image: match[1]!, name: match[2] ?? null, instructions: [instruction] });
    } else {
      const stage = stages.at(-1);
      if (!stage) throw new Error(`Dockerfile:${instruction.line}: ${instruction.keyword} before the first FROM`);
      stage.instructions.push(instruction);
    }
  }
  return { instructions, stages };
}

/** The argv of an exec-form instruction (`["a", "b"]`), or null for the shell form. */
export function execForm(args: string): string[] | null {
  if (!args.startsWith('[')) return null;
  const parsed = JSON.parse(args) as unknown;
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) throw new Error(`not a JSON list of strings: ${args}`);
  return parsed;
}

/** `HEALTHCHECK --interval=30s ... CMD [...]`: its options and the command argv. */
export function parseHealthcheck(args: string): { options: Record<string, string>; command: string[] } {
  const at = args.search(/\bCMD\b/);
  if (at < 0) throw new Error(`HEALTHCHECK without CMD: ${args}`);
  const options: Record<string, string> = {};
  for (const option of args.slice(0, at).trim().split(/\s+/).filter(Boolean)) {
    const match = /^--([a-z-]+)=(\S+)$/.exec(option);
    if (!match) throw new Error(`HEALTHCHECK option ${option}: expected --name=value`);
    options[match[1]!] = match[2]!;
  }
  const command = execForm(args.slice(at + 3).trim());
  if (!command) throw new Error('HEALTHCHECK CMD: expected the exec form');
  return { options, command };
}

/** `KEY=value KEY2="v"` pairs of an ENV instruction (the `ENV KEY value` form too). */
export function parseEnvInstruction(args: string): Record<string, string> {
  const env: Record<string, string> = {};
  const pairs = args.match(/[A-Za-z_][A-Za-z0-9_]*=(?:"[^"]*"|\S*)/g);
  if (!pairs) {
    const [key = '', ...value] = args.split(/\s+/);
    env[key] = value.join(' ');
    return env;
  }
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    env[pair.slice(0, eq)] = pair.slice(eq + 1).replace(/^"(.*)"$/, '$1');
  }
  return env;
}

/** The repository's Dockerfile, parsed. */
export function readDockerfile(): { instructions: Instruction[]; stages: Stage[] } {
  return parseDockerfile(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8'));
}

/** The image's runtime facts: the last stage's ENV, USER, WORKDIR, ENTRYPOINT, CMD, HEALTHCHECK, VOLUMEs, EXPOSE. */
export function runtimeImage(): {
  env: Record<string, string>;
  user: string;
  workdir: string;
  entrypoint: string[];
  cmd: string[];
  healthcheck: { options: Record<string, string>; command: string[] };
  volumes: string[];
  exposed: number[];
} {
  const stage = readDockerfile().stages.at(-1)!;
  const last = (keyword: string): string => {
    const found = stage.instructions.filter((i) => i.keyword === keyword).at(-1);
    if (!found) throw new Error(`the runtime stage has no ${keyword}`);
    return found.args;
  };
  const env = Object.assign({}, ...stage.instructions.filter((i) => i.keyword === 'ENV').map((i) => parseEnvInstruction(i.args))) as Record<string, string>;
  return {
    env,
    user: last('USER'),
    workdir: last('WORKDIR'),
    entrypoint: execForm(last('ENTRYPOINT')) ?? [],
    cmd: execForm(last('CMD')) ?? [],
    healthcheck: parseHealthcheck(last('HEALTHCHECK')),
    volumes: stage.instructions.filter((i) => i.keyword === 'VOLUME').flatMap((i) => execForm(i.args) ?? i.args.split(/\s+/)),
    exposed: stage.instructions.filter((i) => i.keyword === 'EXPOSE').flatMap((i) => i.args.split(/\s+/).map((p) => Number.parseInt(p, 10))),
  };
}

/** What a runtime-stage `COPY <src> <dest>` from the build context puts where: repo path -> absolute image path. */
export interface ContextCopy {
  source: string;
  target: string;
  line: number;
}

/** The runtime stage's COPYs from the build context (not `--from=` another stage), targets made absolute. */
export function contextCopies(): ContextCopy[] {
  const stage = readDockerfile().stages.at(-1)!;
  let workdir = '/';
  const copies: ContextCopy[] = [];
  for (const instruction of stage.instructions) {
    if (instruction.keyword === 'WORKDIR') workdir = posix.resolve(workdir, instruction.args);
    if (instruction.keyword !== 'COPY' || instruction.args.startsWith('--from=')) continue;
    const parts = instruction.args.split(/\s+/).filter((p) => !p.startsWith('--'));
    const dest = parts.pop()!;
    for (const source of parts) {
      const target = parts.length > 1 || dest.endsWith('/') ? posix.join(posix.resolve(workdir, dest), posix.basename(source)) : posix.resolve(workdir, dest);
      copies.push({ source: source.replace(/^\.\//, ''), target, line: instruction.line });
    }
  }
  return copies;
}

/** The repository file an absolute path of the image comes from (through a context COPY), or null. */
export function imageToRepoPath(imagePath: string): string | null {
  for (const copy of contextCopies()) {
    if (imagePath === copy.target) return join(repoRoot, copy.source);
    if (imagePath.startsWith(`${copy.target}/`)) return join(repoRoot, copy.source, imagePath.slice(copy.target.length + 1));
  }
  return null;
}

/** Every YAML document of a file as plain data; a syntax error or warning throws, naming the file. */
export function readYamlDocuments(path: string): unknown[] {
  const text = readFileSync(path, 'utf8');
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const out: unknown[] = [];
  for (const doc of list) {
    const problems = [...doc.errors, ...doc.warnings];
    if (problems.length > 0) throw new Error(`${relative(repoRoot, path)}: ${problems.map((p) => p.message).join('; ')}`);
    const value = doc.toJS() as unknown;
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

/** Files under `dir` (recursive) whose name ends with one of `extensions`, as paths relative to the repo. */
export function filesUnder(dir: string, extensions: string[]): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(join(repoRoot, dir))) {
    const path = join(dir, entry);
    if (statSync(join(repoRoot, path)).isDirectory()) out.push(...filesUnder(path, extensions));
    else if (extensions.some((e) => entry.endsWith(e))) out.push(path);
  }
  return out.sort();
}

const SILENT_IO = { stdout: { write: () => true }, stderr: { write: () => true }, env: {}, cwd: '/' };

function takesValue(option: Option): boolean {
  return option.required || option.optional;
}

/**
 * Problems with a dthostmon argv (what follows the binary) as the real commander program defines it: an unknown
 * command or option, an option missing its value, an argument no command takes. [] when the CLI accepts it.
 */
export function argvProblems(argv: readonly string[]): string[] {
  const program = buildProgram('0.0.0', () => undefined, SILENT_IO);
  let command: Command = program;
  const options: Option[] = [...program.options];
  const problems: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith('-')) {
      const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
      const option = options.find((o) => o.long === flag || o.short === flag);
      if (!option) problems.push(`${command.name()}: unknown option ${flag}`);
      else if (takesValue(option) && inline === undefined) {
        if (option.required && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('-'))) problems.push(`${flag}: missing its value`);
        else i += 1;
      }
      continue;
    }
    const sub = command.commands.find((c) => c.name() === arg || c.aliases().includes(arg));
    if (sub) {
      command = sub;
      options.push(...sub.options);
    } else if (command.registeredArguments.length === 0) {
      problems.push(`${command.name()}: unexpected argument ${JSON.stringify(arg)}`);
    }
  }
  if (command === program) problems.push('no command given');
  return problems;
}

/** The value an option has in an argv (`--bind 0.0.0.0` or `--bind=0.0.0.0`), or undefined. */
export function optionValue(argv: readonly string[], flag: string): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === flag) return argv[i + 1];
    if (argv[i]!.startsWith(`${flag}=`)) return argv[i]!.slice(flag.length + 1);
  }
  return undefined;
}

let sourceText: string | undefined;

/** Whether dthostmon's code (src/**, and docker/*.mjs, which runs in the image) mentions this environment variable. */
export function isEnvReadByCode(name: string): boolean {
  sourceText ??= [...filesUnder('src', ['.ts']), ...filesUnder('docker', ['.mjs'])].map((f) => readFileSync(join(repoRoot, f), 'utf8')).join('\n');
  return new RegExp(`\\b${name}\\b`).test(sourceText);
}

/** `${NAME}` references in the values of a dthostmon config text (comments aside): without a default, and with one. */
export function configVariables(text: string): { required: string[]; optional: string[] } {
  const required = new Set<string>();
  const optional = new Set<string>();
  const walk = (value: unknown): void => {
    if (typeof value === 'string') {
      for (const match of value.matchAll(/(?<!\$)\$\{([A-Za-z0-9_]+)(:-[^}]*)?\}/g)) (match[2] === undefined ? required : optional).add(match[1]!);
    } else if (value && typeof value === 'object') {
      for (const child of Object.values(value)) walk(child);
    }
  };
  walk(parse(text));
  return { required: [...required].sort(), optional: [...optional].sort() };
}

/**
 * Compose's `${VAR}` interpolation (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
 * `$$` for a literal `$`) of one value, from `env`. Throws like compose for a `:?` / `?` variable that is missing.
 */
export function composeInterpolate(value: string, env: Readonly<Record<string, string | undefined>>): string {
  return value.replace(/\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}/g, (whole, name: string | undefined, op: string | undefined, word: string | undefined) => {
    if (whole === '$$') return '$';
    const current = env[name!];
    const unset = current === undefined || (op?.startsWith(':') === true && current === '');
    if (!unset) return current!;
    if (op === ':-' || op === '-') return word ?? '';
    if (op === ':?' || op === '?') throw new Error(`compose: ${name}: ${word}`);
    return '';
  });
}

/** Names compose interpolates in a text (the compose file itself). */
export function composeVariables(text: string): string[] {
  return [...new Set([...text.matchAll(/(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]!))].sort();
}
