import type { ApplicationMessage } from '@sluice/client';

export function printJson(value: unknown): void {
  process.stdout.write(JSON.stringify(value, null, 2) + '\n');
}

/** An application message for people: title, body, then the details. */
export function printMessage(message: ApplicationMessage): void {
  const mark = message.kind === 'success' ? '✔' : '✖';
  const lines = [`${mark} ${message.title} [${message.code}]`, `  ${message.body}`];
  for (const [key, values] of Object.entries(message.details ?? {})) lines.push(`  ${key}: ${values.join(', ')}`);
  process.stdout.write(lines.join('\n') + '\n');
}
