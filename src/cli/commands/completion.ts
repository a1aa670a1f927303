/** `dd-logstore completion bash|zsh|fish`: scripts generated from the command tree, so they never go stale. */
import type { Command } from 'commander';
import { Command as CommandClass } from 'commander';
import { UsageError } from '../../core/errors.js';
import type { Factory } from '../../app/factory.js';
import { withExamples } from '../command-kit.js';

interface Node {
  path: string[];
  subcommands: string[];
  options: string[];
}

function collect(cmd: Command, path: string[] = [], out: Node[] = []): Node[] {
  out.push({
    path,
    subcommands: cmd.commands.map((c) => c.name()),
    options: cmd.options.flatMap((o) => [o.long, o.short].filter((x): x is string => Boolean(x))).concat('--help'),
  });
  for (const sub of cmd.commands) collect(sub, [...path, sub.name()], out);
  return out;
}

/** Commands whose argument is the name of something in the store, and the command that lists those names. */
const NAME_LISTS: readonly { commands: readonly string[]; list: string }[] = [
  ...(['log-store', 'artifact-store', 'orchestrator'] as const).map((type) => ({
    commands: ['describe', 'update', 'delete', 'rename', 'verify'].map((verb) => `${type} ${verb}`),
    list: `dd-logstore ${type} list --output text 2>/dev/null | cut -f2`,
  })),
  {
    commands: ['stack describe', 'stack set', 'stack update', 'stack delete'],
    list: 'dd-logstore stack list --output text 2>/dev/null | cut -f2',
  },
  {
    commands: ['runs describe', 'runs delete'],
    list: 'dd-logstore runs list --limit 500 --output text 2>/dev/null | cut -f1',
  },
  {
    commands: ['secret get', 'secret update', 'secret delete'],
    list: 'dd-logstore secret list --output text 2>/dev/null | cut -f1',
  },
];

/** NAME_LISTS restricted to the commands that exist in the tree. */
function nameLists(nodes: Node[]): { commands: string[]; list: string }[] {
  const paths = new Set(nodes.map((n) => n.path.join(' ')));
  return NAME_LISTS.map((l) => ({ list: l.list, commands: l.commands.filter((c) => paths.has(c)) })).filter(
    (l) => l.commands.length > 0,
  );
}

export function bashCompletion(nodes: Node[]): string {
  const names = nameLists(nodes)
    .map(
      (l) =>
        `    ${l.commands.map((c) => `"${c}"`).join('|')}) [[ "$cur" != -* ]] && { COMPREPLY=($(compgen -W "$(${l.list})" -- "$cur")); return 0; } ;;`,
    )
    .join('\n');
  const cases = nodes
    .map((n) => `    "${n.path.join(' ')}") words="${[...n.subcommands, ...n.options].join(' ')}" ;;`)
    .join('\n');
  return `# dd-logstore bash completion: eval "$(dd-logstore completion bash)"
_dd_logstore() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" path="" w i words=""
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="\${COMP_WORDS[i]}"
    # After -- come the command and its own arguments: leave them to the default (file) completion.
    [[ "$w" == "--" ]] && return 0
    [[ "$w" == -* ]] && continue
    case "\${path:+$path }$w" in
${nodes
  .map((n) => `      "${n.path.join(' ')}") path="${n.path.join(' ')}" ;;`)
  .filter((l) => !l.includes('"")'))
  .join('\n')}
    esac
  done
  # Values of the flags that take a known set: formats, flavors, and the names registered in the store.
  case "\${COMP_WORDS[COMP_CWORD-1]}" in
    --output) COMPREPLY=($(compgen -W "table json jsonl text" -- "$cur")); return 0 ;;
    --flavor) COMPREPLY=($(compgen -W "local datadog otel" -- "$cur")); return 0 ;;
    -f) case "$path" in *register) COMPREPLY=($(compgen -W "local datadog otel" -- "$cur")); return 0 ;; esac ;;
    --stderr-level|--level) COMPREPLY=($(compgen -W "debug info warn error critical" -- "$cur")); return 0 ;;
    --log-store|-ls) COMPREPLY=($(compgen -W "$(dd-logstore log-store list --output text 2>/dev/null | cut -f2)" -- "$cur")); return 0 ;;
    --artifact-store|-a) COMPREPLY=($(compgen -W "$(dd-logstore artifact-store list --output text 2>/dev/null | cut -f2)" -- "$cur")); return 0 ;;
    --orchestrator|-o) COMPREPLY=($(compgen -W "$(dd-logstore orchestrator list --output text 2>/dev/null | cut -f2)" -- "$cur")); return 0 ;;
    --stack) COMPREPLY=($(compgen -W "$(dd-logstore stack list --output text 2>/dev/null | cut -f2)" -- "$cur")); return 0 ;;
    --run-id) COMPREPLY=($(compgen -W "$(dd-logstore runs list --output text 2>/dev/null | cut -f1)" -- "$cur")); return 0 ;;
  esac
  # Names registered in the store, after the commands that take one (log-store describe NAME, stack set NAME, ...).
  case "$path" in
${names}
  esac
  case "$path" in
${cases}
  esac
  COMPREPLY=($(compgen -W "$words" -- "$cur"))
}
complete -o default -F _dd_logstore dd-logstore
`;
}

export function zshCompletion(nodes: Node[]): string {
  return `#compdef dd-logstore
# dd-logstore zsh completion: dd-logstore completion zsh > "\${fpath[1]}/_dd-logstore"
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(nodes)}`;
}

export function fishCompletion(nodes: Node[]): string {
  const lines = [
    '# dd-logstore fish completion: dd-logstore completion fish > ~/.config/fish/completions/dd-logstore.fish',
  ];
  lines.push('complete -c dd-logstore -f');
  for (const n of nodes) {
    const cond =
      n.path.length === 0
        ? '__fish_use_subcommand'
        : `__fish_seen_subcommand_from ${n.path[n.path.length - 1]}` +
          (n.path.length > 1 ? `; and __fish_seen_subcommand_from ${n.path[n.path.length - 2]}` : '');
    for (const sub of n.subcommands) lines.push(`complete -c dd-logstore -n '${cond}' -a ${sub}`);
    for (const opt of n.options.filter((o) => o.startsWith('--')))
      lines.push(`complete -c dd-logstore -n '${cond}' -l ${opt.slice(2)}`);
  }
  for (const l of nameLists(nodes))
    for (const c of l.commands) {
      const [group, verb] = c.split(' ');
      lines.push(
        `complete -c dd-logstore -n '__fish_seen_subcommand_from ${verb}; and __fish_seen_subcommand_from ${group}' -a '(${l.list})'`,
      );
    }
  return lines.join('\n') + '\n';
}

export function newCmdCompletion(f: Factory, root: () => Promise<Command>): Command {
  const cmd = new CommandClass('completion')
    .description('print a shell completion script')
    .argument('<shell>', 'bash, zsh or fish')
    .action(async (shell: string) => {
      const nodes = collect(await root());
      const script =
        shell === 'bash'
          ? bashCompletion(nodes)
          : shell === 'zsh'
            ? zshCompletion(nodes)
            : shell === 'fish'
              ? fishCompletion(nodes)
              : undefined;
      if (script === undefined) throw new UsageError(`unknown shell '${shell}'`, { hint: 'use bash, zsh or fish' });
      f.io.out(script);
    });
  return withExamples(cmd, [
    'eval "$(dd-logstore completion bash)"',
    'dd-logstore completion fish > ~/.config/fish/completions/dd-logstore.fish',
  ]);
}
