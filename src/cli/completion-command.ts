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
        `      if [ "$COMP_CWORD" -eq 2 ]; then COMPREPLY=($(compgen -W "${command.commands.flatMap(names).join(' ')}" -- "$cur")); return; fi`,
        `      case "\${COMP_WORDS[2]}" in`,
        inner,
        '      esac ;;',
      ].join('\n');
    }
    return `    ${names(command).join('|')}) _faultline_offer "${flags(command).join(' ')}" ${takesProxy(command) ? 1 : 0} ;;`;
  });
  return `# bash completion for faultline
_faultline_offer() {
  if [[ "$cur" == -* ]] || [ "$2" = 0 ]; then COMPREPLY=($(compgen -W "$1" -- "$cur"))
  else COMPREPLY=($(compgen -W "$(faultline list --names 2>/dev/null)" -- "$cur")); fi
}
_faultline() {
  local cur="\${COMP_WORDS[COMP_CWORD]}"
  if [ "$COMP_CWORD" -eq 1 ]; then
    COMPREPLY=($(compgen -W "${program.commands.flatMap(names).join(' ')} --host --help --version" -- "$cur")); return
  fi
  case "\${COMP_WORDS[1]}" in
${cases.join('\n')}
  esac
}
complete -F _faultline faultline`;
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
  local -a proxies; proxies=(\${(f)"$(faultline list --names 2>/dev/null)"}); _describe 'proxy' proxies
}
_faultline() {
  if (( CURRENT == 2 )); then ${zshDescribe(program.commands, 'command')}; return; fi
  case $words[2] in
${cases.join('\n')}
  esac
}
compdef _faultline faultline`;
}
