import { Command, type Option } from 'commander';
import { out, UsageError } from './context.js';

/** Commands whose first argument is a proxy name, completed from the running server. */
const takesProxy = (command: Command) => command.registeredArguments[0]?.name() === 'proxy';

const names = (command: Command) => [command.name(), ...command.aliases()];
const flags = (command: Command) =>
  command.options
    .flatMap((option) => [option.long, option.short].filter(Boolean) as string[])
    .concat('--help');

export function completionCommand(root: () => Command): Command {
  return new Command('completion')
    .description('print a shell completion script for bash or zsh')
    .argument('<shell>', 'bash or zsh')
    .addHelpText(
      'after',
      '\nExample:\n  faultline completion bash > /etc/bash_completion.d/faultline\n  faultline completion zsh > "${fpath[1]}/_faultline"\n',
    )
    .action((shell: string) => {
      if (shell === 'bash') return out(bashScript(root()));
      if (shell === 'zsh') return out(zshScript(root()));
      throw new UsageError(`unknown shell "${shell}": completion is available for bash and zsh`);
    });
}

function bashScript(program: Command): string {
  const cases = program.commands.map((command) => {
    if (command.commands.length > 0) {
      const inner = command.commands
        .map(
          (sub) =>
            `        ${names(sub).join('|')}) _faultline_offer "${flags(sub).join(' ')}" ${takesProxy(sub) ? 1 : 0} ;;`,
        )
        .join('\n');
      return [
        `    ${names(command).join('|')})`,
        `      if [ "$cword" -eq $((at + 2)) ]; then COMPREPLY=($(compgen -W "${command.commands.flatMap(names).join(' ')}" -- "$cur")); return; fi`,
        `      case "\${words[at + 2]}" in`,
        inner,
        '      esac ;;',
      ].join('\n');
    }
    return `    ${names(command).join('|')}) _faultline_offer "${flags(command).join(' ')}" ${takesProxy(command) ? 1 : 0} ;;`;
  });
  return `# bash completion for faultline: on PATH, by a path (./node_modules/.bin/faultline) or as npx faultline
_faultline_proxies() {
  # Ask the same faultline the line runs, with the same -h/--host; npx --no never installs anything.
  local -a server=() run=("\${words[0]}")
  local i
  for ((i = 1; i < \${#words[@]}; i++)); do
    case "\${words[i]}" in
      -h|--host|-host) server=(--host "\${words[i + 1]}") ;;
      --host=*) server=("\${words[i]}") ;;
    esac
  done
  if [ "$npx" = 1 ]; then run=(npx --no faultline); fi
  "\${run[@]}" "\${server[@]}" list --names 2>/dev/null </dev/null
}
_faultline_offer() {
  if [[ "$cur" == -* ]] || [ "$2" = 0 ]; then COMPREPLY=($(compgen -W "$1" -- "$cur"))
  else COMPREPLY=($(compgen -W "$(_faultline_proxies)" -- "$cur")); fi
}
_faultline() {
  local -a words=("\${COMP_WORDS[@]}")
  local cword=$COMP_CWORD cur="\${COMP_WORDS[COMP_CWORD]}" at=0 npx=0 i
  if [ "\${words[0]##*/}" = npx ]; then
    npx=1
    # npx [options] faultline ...: find the faultline word, or leave npx to complete itself.
    at=-1
    for ((i = 1; i < cword; i++)); do
      if [ "\${words[i]}" = faultline ]; then at=$i; break; fi
    done
    if [ "$at" -lt 0 ]; then COMPREPLY=($(compgen -W "faultline" -- "$cur")); return; fi
  fi
  # Skip a global -h/--host URL before the command.
  local command=$((at + 1))
  while [[ "\${words[command]}" == -h || "\${words[command]}" == --host || "\${words[command]}" == -host ]] && [ "$command" -lt "$cword" ]; do
    command=$((command + 2))
  done
  if [ "$cword" -le "$command" ]; then
    COMPREPLY=($(compgen -W "${program.commands.flatMap(names).join(' ')} --host --help --version" -- "$cur")); return
  fi
  at=$((command - 1))
  case "\${words[command]}" in
${cases.join('\n')}
  esac
}
complete -F _faultline faultline
# npx faultline: only when nothing else completes npx already.
complete -p npx >/dev/null 2>&1 || complete -F _faultline npx`;
}

function zshOption(option: Option): string {
  const description = option.description.replace(/[[\]':]/g, ' ');
  const value = option.required || option.optional ? `:${option.long?.replace(/^--/, '')}:` : '';
  return [option.long, option.short]
    .filter(Boolean)
    .map((flag) => `'${flag}[${description}]${value}'`)
    .join(' ');
}

function zshArguments(command: Command): string {
  const proxy = takesProxy(command) ? " '1:proxy:_faultline_proxies'" : '';
  return `_arguments ${command.options.map(zshOption).join(' ')}${proxy}`;
}

function zshDescribe(commands: readonly Command[], label: string): string {
  const entries = commands.flatMap((command) =>
    names(command).map((name) => `'${name}:${command.description().replace(/'/g, '')}'`),
  );
  return `local -a entries; entries=(${entries.join(' ')}); _describe '${label}' entries`;
}

function zshScript(program: Command): string {
  const cases = program.commands.map((command) => {
    if (command.commands.length > 0) {
      const inner = command.commands.map(
        (sub) => `        ${names(sub).join('|')}) shift words; (( CURRENT-- )); ${zshArguments(sub)} ;;`,
      );
      return [
        `    ${names(command).join('|')})`,
        `      if (( CURRENT == 3 )); then ${zshDescribe(command.commands, 'subcommand')}; return; fi`,
        '      case $words[3] in',
        ...inner,
        '      esac ;;',
      ].join('\n');
    }
    return `    ${names(command).join('|')}) shift words; (( CURRENT-- )); ${zshArguments(command)} ;;`;
  });
  return `#compdef faultline
_faultline_proxies() {
  # The same faultline the line runs (on PATH or by a path), with the same -h/--host.
  local -a proxies; proxies=(\${(f)"$("\${_faultline_run[@]}" "\${_faultline_server[@]}" list --names 2>/dev/null </dev/null)"})
  _describe 'proxy' proxies
}
_faultline() {
  local -a _faultline_run=("\${words[1]}") _faultline_server=()
  local i
  for ((i = 2; i <= \${#words}; i++)); do
    case "\${words[i]}" in
      -h|--host|-host) _faultline_server=(--host "\${words[i + 1]}") ;;
      --host=*) _faultline_server=("\${words[i]}") ;;
    esac
  done
  if (( CURRENT == 2 )); then ${zshDescribe(program.commands, 'command')}; return; fi
  case $words[2] in
${cases.join('\n')}
  esac
}
compdef _faultline faultline`;
}
