// Just enough of a Dockerfile and .dockerignore reader to check, without a Docker engine, what
// the image will hold and run: stages, their instructions, COPY sources, exec-form commands.

export interface Instruction {
  keyword: string;
  /** The rest of the line, continuations joined. */
  args: string;
}

export interface Stage {
  name: string | undefined;
  base: string;
  instructions: Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const joined = text.replace(/\\\r?\n/g, ' ');
  const stages: Stage[] = [];
  for (const raw of joined.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(\S+)\s*(.*)$/.exec(line)!;
    const keyword = m[1]!.toUpperCase();
    const args = m[2]!.trim();
    if (keyword === 'FROM') {
      const from = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`unreadable FROM: ${args}`);
      stages.push({ base: from[1]!, name: from[2], instructions: [] });
    } else if (stages.length > 0) {
      stages.at(-1)!.instructions.push({ keyword, args });
    } else if (keyword !== 'ARG') {
      throw new Error(`${keyword} before the first FROM`);
    }
  }
  return stages;
}

export interface Copy {
  from: string | undefined;
  sources: string[];
  dest: string;
}

/** COPY instructions of a stage; --from, other flags skipped; shell form only (no JSON form). */
export function copies(stage: Stage): Copy[] {
  return stage.instructions
    .filter((i) => i.keyword === 'COPY')
    .map((i) => {
      const words = i.args.split(/\s+/);
      let from: string | undefined;
      const paths = words.filter((w) => {
        if (!w.startsWith('--')) return true;
        const f = /^--from=(.+)$/.exec(w);
        if (f) from = f[1];
        return false;
      });
      if (paths.length < 2) throw new Error(`COPY needs a source and a destination: ${i.args}`);
      return { from, sources: paths.slice(0, -1), dest: paths.at(-1)! };
    });
}

/** The JSON array of an exec-form ENTRYPOINT/CMD/HEALTHCHECK CMD. */
export function execForm(args: string): string[] {
  const start = args.indexOf('[');
  if (start < 0) throw new Error(`not in exec form: ${args}`);
  return JSON.parse(args.slice(start)) as string[];
}

export function last(stage: Stage, keyword: string): Instruction | undefined {
  return stage.instructions.filter((i) => i.keyword === keyword).at(-1);
}

/** ENV lines as a map (the `KEY=value KEY2=value2` form). */
export function envOf(stage: Stage): Record<string, string> {
  const env: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.keyword === 'ENV')) {
    for (const m of i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) env[m[1]!] = m[2]!.replace(/^"|"$/g, '');
  }
  return env;
}

/**
 * Whether .dockerignore keeps `path` out of the build context. Supports what this repository's
 * file uses: comments, plain paths and `*` within one path segment; a `!` exception is refused
 * rather than misread.
 */
export function dockerIgnored(ignoreText: string, path: string): boolean {
  const clean = path.replace(/^\.\//, '').replace(/\/+$/, '');
  for (const raw of ignoreText.split(/\r?\n/)) {
    const pattern = raw.trim();
    if (pattern === '' || pattern.startsWith('#')) continue;
    if (pattern.startsWith('!')) throw new Error(`.dockerignore exceptions are not understood here: ${pattern}`);
    const re = new RegExp(`^${pattern.replace(/\/+$/, '').replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}(/.*)?$`);
    if (re.test(clean)) return true;
  }
  return false;
}
