import type { Origin } from './types.js';

/** One error line: a quoted value with a line break must not split it. */
export function oneLine(text: string): string {
  return text.replace(/\r\n|[\r\n\u2028\u2029]/g, ' ');
}

/**
 * An error whose message is safe and meant for the user: it is printed as one `::error::` line.
 * `origin` lets the reporter annotate a file and line.
 */
export class UserError extends Error {
  constructor(
    message: string,
    readonly origin?: Origin,
  ) {
    super(oneLine(message));
    this.name = 'UserError';
  }
}

/** A bad action input: the message names the input. */
export class InputError extends UserError {
  constructor(
    readonly input: string,
    detail: string,
    line?: number,
  ) {
    super(line === undefined ? `Input '${input}': ${detail}` : `Input '${input}' line ${line}: ${detail}`, {
      where: input,
      line,
    });
    this.name = 'InputError';
  }
}

/**
 * A config-file mistake, worded as botocore words it (`kind` is botocore's exception class name),
 * plus the profile, file and line.
 */
export class ConfigError extends UserError {
  constructor(
    readonly kind: string,
    readonly detail: string,
    origin?: Origin,
  ) {
    super(ConfigError.format(kind, detail, origin), origin);
    this.name = 'ConfigError';
  }

  static format(kind: string, detail: string, origin?: Origin): string {
    if (!origin) return oneLine(`${kind}: ${detail}`);
    const place = origin.line === undefined ? origin.where : `${origin.where}:${origin.line}`;
    const profile = origin.profile === undefined ? '' : ` (profile "${origin.profile}")`;
    return oneLine(`${kind}: ${detail} [${place}${profile}]`);
  }
}
