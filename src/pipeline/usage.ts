// Usage lines derived from command specs (`claw tenant create NAME [--display-name TEXT]`), used by help and errors.
import type { AnyCommand, ArgSpec, FlagSpec, ValueKind } from './command-spec.js';

const VALUE_NAMES: Record<ValueKind, string> = {
  string: 'TEXT', name: 'NAME', member: 'MEMBER', int: 'N', duration: 'DURATION', count: 'COUNT', cpu: 'CPU', bytes: 'SIZE',
  selector: 'SELECTOR', list: 'A,B,...', kv: 'KEY=VALUE', enum: 'VALUE', bool: '',
};

export function valueName(spec: FlagSpec | ArgSpec): string {
  if ('valueName' in spec && spec.valueName) return spec.valueName;
  if (spec.kind === 'enum' && spec.values) return spec.values.join('|');
  return VALUE_NAMES[spec.kind];
}

export function argUsage(arg: ArgSpec): string {
  const name = arg.name.toUpperCase().replace(/-/g, '_');
  const core = arg.variadic ? `${name}...` : name;
  return arg.required ? core : `[${core}]`;
}

export function flagUsage(name: string, spec: FlagSpec): string {
  const value = spec.kind === 'bool' ? '' : ` ${valueName(spec)}`;
  const core = `--${name}${value}`;
  const repeat = spec.multiple ? '...' : '';
  return spec.required ? `${core}${repeat}` : `[${core}]${repeat}`;
}

export function usageLine(command: AnyCommand): string {
  const parts = ['claw', ...command.words, ...command.args.map(argUsage)];
  for (const [name, spec] of Object.entries(command.flags)) parts.push(flagUsage(name, spec));
  return parts.join(' ');
}
