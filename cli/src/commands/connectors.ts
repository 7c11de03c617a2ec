import { functionalitiesOf, propertySpecs, supportedTypes } from '@sluice/connector-sdk';
import { loadConnectors } from '@sluice/worker';
import { printJson } from '../output';

/** `sluice connectors`: installed connectors, their functionalities and config properties. */
export async function connectorsCommand(options: { json?: boolean }): Promise<number> {
  const { registry, missing } = loadConnectors();
  const connectors = registry.list().map((p) => ({
    type: p.type,
    display_name: p.displayName,
    driver: p.driver,
    connector_type: p.connectorType,
    url_schemes: p.urlSchemes,
    functionalities: functionalitiesOf(p.capabilities),
    lacking: p.capabilities.lacking ?? {},
    properties: propertySpecs(p.configSchema),
  }));
  if (options.json) {
    printJson({ connectors, supported_types: supportedTypes(registry), not_installed: missing });
    return 0;
  }
  for (const c of connectors) {
    const lines = [`${c.display_name} (${c.type}, ${c.driver}) — ${c.url_schemes.map((s) => s + '://').join(', ')}`];
    for (const f of c.functionalities) {
      lines.push(`  ${f.name} [${f.kind}, ${f.applicability}]: ${f.capabilities.map((x) => x.name).join(', ') || 'no capabilities'}`);
    }
    if (!c.functionalities.length) lines.push('  no writing functionalities');
    for (const [name, why] of Object.entries(c.lacking)) lines.push(`  lacks ${name}: ${why}`);
    lines.push(`  config: ${Object.entries(c.properties).map(([k, v]) => (v.default === null ? k : `${k}=${String(v.default)}`)).join(', ')}`);
    process.stdout.write(lines.join('\n') + '\n');
  }
  for (const m of missing) process.stdout.write(`not installed: ${m.pkg} (${m.reason})\n`);
  return 0;
}
