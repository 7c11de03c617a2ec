import { InvalidInputError } from '@sluice/client';
import { UsageError } from './usage-error';

/** A whole-number option within bounds (undefined when not given); refused naming the option. */
export function wholeNumber(value: string | undefined, option: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${option} must be a whole number from ${min.toLocaleString('en')} to ${max.toLocaleString('en')}; got '${value.length > 40 ? value.slice(0, 40) + '…' : value}'`);
  }
  return n;
}

/** A TCP port option (`min` 0 where the system may pick a free port). */
export const portOption = (value: string | undefined, option: string, min = 1) => wholeNumber(value, option, min, 65_535);

/** Runs a client-side check; its refusal becomes a usage error naming the CLI option (`options` maps API fields to options). */
export function asUsage<T>(options: Record<string, string>, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    const root = /^[A-Za-z]+/.exec(err.field)?.[0] ?? err.field;
    const option = options[err.field] ?? options[root];
    throw new UsageError(option ? `${option}: ${err.field === root ? err.problem : err.message}` : err.message);
  }
}
