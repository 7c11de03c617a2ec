import type { z } from 'zod';
import { hooksParamsSchema } from './config';
import type { ConnectorRegistry } from './registry';

/** Syntho's `Property`: the type, default and allowed values of one config field. */
export interface PropertySpec {
  type: string | null;
  default: string | number | boolean | null;
  values: string[] | null;
}

export interface SupportedTypes {
  connectors: Record<string, Record<string, PropertySpec>>;
  write_connectors: Record<string, Record<string, PropertySpec>>;
  hooks: Record<string, Record<string, PropertySpec>>;
}

/** Fields that are the discriminator or nested hooks, not properties of their own. */
const NOT_PROPERTIES = new Set(['connector_type', 'hooks_params']);

/** Property specs read off a zod object schema (never written by hand). */
export function propertySpecs(schema: z.ZodType): Record<string, PropertySpec> {
  const shape = (unwrap(schema).schema as unknown as { shape?: Record<string, z.ZodType> }).shape ?? {};
  const out: Record<string, PropertySpec> = {};
  for (const [name, field] of Object.entries(shape)) {
    if (NOT_PROPERTIES.has(name)) continue;
    out[name] = specOf(field);
  }
  return out;
}

function specOf(field: z.ZodType): PropertySpec {
  const { schema, defaultValue } = unwrap(field);
  const def = (schema as any)._zod.def;
  switch (def.type) {
    case 'string':
      return { type: 'string', default: defaultValue ?? null, values: null };
    case 'number':
      return { type: (schema as any).format?.includes('int') ? 'integer' : 'number', default: defaultValue ?? null, values: null };
    case 'boolean':
      return { type: 'boolean', default: defaultValue ?? null, values: null };
    case 'enum':
      return { type: 'string', default: defaultValue ?? null, values: Object.values(def.entries as Record<string, string>) };
    case 'literal':
      return { type: 'string', default: null, values: (def.values as unknown[]).map(String) };
    default:
      return { type: def.type ?? null, default: defaultValue ?? null, values: null };
  }
}

/** Peels pipes (null → default), defaults and optionals off a field, keeping its default. */
function unwrap(field: z.ZodType): { schema: z.ZodType; defaultValue?: string | number | boolean } {
  let schema: any = field;
  let defaultValue: string | number | boolean | undefined;
  for (;;) {
    const def = schema._zod.def;
    if (def.type === 'pipe') schema = def.out;
    else if (def.type === 'default') {
      const value = typeof def.defaultValue === 'function' ? def.defaultValue() : def.defaultValue;
      defaultValue ??= value;
      schema = def.innerType;
    } else if (def.type === 'optional' || def.type === 'nullable') schema = def.innerType;
    else return { schema, defaultValue };
  }
}

/** Syntho `supported_types`, computed from the installed connectors' config schemas. */
export function supportedTypes(registry: ConnectorRegistry): SupportedTypes {
  const connectors: SupportedTypes['connectors'] = {};
  const writeConnectors: SupportedTypes['write_connectors'] = {};
  for (const plugin of registry.list()) {
    const props = propertySpecs(plugin.configSchema);
    connectors[plugin.connectorType] = props;
    if (plugin.capabilities.highPerformanceWriting || plugin.capabilities.idempotentWriting) writeConnectors[plugin.connectorType] = props;
  }
  const hooks: SupportedTypes['hooks'] = {};
  for (const [name, hook] of Object.entries(hooksParamsSchema.shape)) hooks[name] = propertySpecs(hook as z.ZodType);
  return { connectors, write_connectors: writeConnectors, hooks };
}
