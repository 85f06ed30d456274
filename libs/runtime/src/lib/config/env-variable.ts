import { ConfigError, type EnvReader } from './env-reader';

/** Declared once: read through `readVariable`, and docs/CONTRACTS.md ("Configuration") is checked against it. */
interface VariableDeclaration {
  name: string;
  /** What the value sets, as docs/CONTRACTS.md says it. */
  meaning: string;
  /** A rule the reading code checks beyond the kind's own, in words. */
  constraint?: string;
}

export interface IntegerVariable extends VariableDeclaration {
  kind: 'integer';
  default: number;
  min: number;
  max: number;
}

export interface BooleanVariable extends VariableDeclaration {
  kind: 'boolean';
  default: boolean;
}

export interface ChoiceVariable<T extends string = string> extends VariableDeclaration {
  kind: 'choice';
  default: T;
  allowed: readonly T[];
}

/** Without a default the variable is optional: unset reads as undefined. */
export interface UrlVariable extends VariableDeclaration {
  kind: 'url';
  default?: string;
  schemes: readonly string[];
  dropTrailingSlash?: boolean;
}

/** Without a default the variable is optional: unset reads as undefined. */
export interface TextVariable extends VariableDeclaration {
  kind: 'text';
  default?: string;
  minLength?: number;
}

export type EnvVariable = IntegerVariable | BooleanVariable | ChoiceVariable | UrlVariable | TextVariable;

export type EnvVariables = Readonly<Record<string, EnvVariable>>;

export type ValueOf<V extends EnvVariable> = V extends IntegerVariable
  ? number
  : V extends BooleanVariable
    ? boolean
    : V extends { kind: 'choice'; allowed: readonly (infer T)[] }
      ? T
      : V extends { default: string }
        ? string
        : string | undefined;

export type ValuesOf<G extends EnvVariables> = { -readonly [K in keyof G]: ValueOf<G[K]> };

function readValue(env: EnvReader, variable: EnvVariable): string | number | boolean | undefined {
  switch (variable.kind) {
    case 'integer':
      return env.integer(variable.name, variable.default, variable.min, variable.max);
    case 'boolean':
      return env.boolean(variable.name, variable.default);
    case 'choice':
      return env.oneOf(variable.name, variable.default, variable.allowed);
    case 'url': {
      const url =
        variable.default === undefined
          ? env.optionalUrl(variable.name, variable.schemes)
          : env.url(variable.name, variable.default, variable.schemes);
      return url !== undefined && variable.dropTrailingSlash ? url.replace(/\/+$/, '') : url;
    }
    case 'text': {
      const text = variable.default === undefined ? env.optionalString(variable.name) : env.string(variable.name, variable.default);
      if (text !== undefined && variable.minLength !== undefined && text.length < variable.minLength) {
        throw new ConfigError(variable.name, `must be at least ${variable.minLength} characters`);
      }
      return text;
    }
  }
}

/** The variable's value, or its default; a bad value throws a ConfigError naming it. */
export function readVariable<V extends EnvVariable>(env: EnvReader, variable: V): ValueOf<V> {
  return readValue(env, variable) as ValueOf<V>;
}

export function readVariables<G extends EnvVariables>(env: EnvReader, group: G): ValuesOf<G> {
  return Object.fromEntries(Object.entries(group).map(([key, variable]) => [key, readVariable(env, variable)])) as ValuesOf<G>;
}
