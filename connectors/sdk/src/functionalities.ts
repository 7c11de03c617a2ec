/**
 * The Syntho functionality model: what a connector can do when writing.
 * Serialisable data, free of drivers, so workflows can branch on it.
 */
export type FunctionalityName = 'HIGH_PERFORMANCE_WRITING' | 'IDEMPOTENT_WRITING';
export type FunctionalityKind = 'ADDITIVE' | 'PREVENTIVE';
export type FunctionalityApplicability = 'FULL' | 'PARTIAL';
export type CapabilityName =
  | 'IDENTITY_WRITING'
  | 'DATA_TRUNCATION'
  | 'DATA_DELETION'
  | 'INDEX_MANAGEMENT'
  | 'FOREIGN_KEY_MANAGEMENT'
  | 'UNIQUE_CONSTRAINT_MANAGEMENT'
  | 'TRIGGER_MANAGEMENT'
  | 'SCHEMA_MANAGEMENT';

export interface Capability {
  name: CapabilityName;
  depends_on: CapabilityName[] | null;
}

export interface Functionality {
  name: FunctionalityName;
  description: string;
  kind: FunctionalityKind;
  applicability: FunctionalityApplicability;
  capabilities: Capability[];
}

/**
 * What a connector declares, once, as flat data. The Syntho functionalities
 * are computed from it; the testkit proves each `true`.
 */
export interface CapabilityDeclaration {
  /** Bulk path (COPY, LOAD DATA, bulk load, array DML). */
  highPerformanceWriting: boolean;
  /** Upsert by key; PARTIAL when it needs a primary or unique key on the table. */
  idempotentWriting: false | FunctionalityApplicability;
  capabilities: Partial<Record<CapabilityName, true>>;
  /** Capabilities it lacks, each with the reason (shown by `sluice connectors`). */
  lacking?: Partial<Record<CapabilityName, string>>;
}

/**
 * Which capability needs which other one to be usable (Syntho `depends_on`):
 * a unique constraint referenced by a foreign key cannot be dropped while the
 * key exists, unique constraints are backed by indexes, and truncating a
 * referenced table needs its foreign keys handled.
 */
export const CAPABILITY_DEPENDENCIES: Record<CapabilityName, CapabilityName[]> = {
  IDENTITY_WRITING: [],
  DATA_TRUNCATION: ['FOREIGN_KEY_MANAGEMENT'],
  DATA_DELETION: [],
  INDEX_MANAGEMENT: [],
  FOREIGN_KEY_MANAGEMENT: [],
  UNIQUE_CONSTRAINT_MANAGEMENT: ['INDEX_MANAGEMENT', 'FOREIGN_KEY_MANAGEMENT'],
  TRIGGER_MANAGEMENT: [],
  SCHEMA_MANAGEMENT: [],
};

/** The capabilities that apply to each kind of writing. */
const APPLIES_TO: Record<FunctionalityName, CapabilityName[]> = {
  HIGH_PERFORMANCE_WRITING: [
    'IDENTITY_WRITING', 'DATA_TRUNCATION', 'INDEX_MANAGEMENT', 'FOREIGN_KEY_MANAGEMENT',
    'UNIQUE_CONSTRAINT_MANAGEMENT', 'TRIGGER_MANAGEMENT', 'SCHEMA_MANAGEMENT',
  ],
  // Upsert needs its unique key: dropping unique constraints or indexes does not apply.
  IDEMPOTENT_WRITING: ['IDENTITY_WRITING', 'DATA_DELETION', 'FOREIGN_KEY_MANAGEMENT', 'TRIGGER_MANAGEMENT', 'SCHEMA_MANAGEMENT'],
};

const DESCRIPTIONS: Record<FunctionalityName, string> = {
  HIGH_PERFORMANCE_WRITING: "Bulk loading through the engine's fastest path",
  IDEMPOTENT_WRITING: 'Upsert by key: writing the same rows twice leaves one copy',
};

/** The Syntho `functionalities` of a declaration: computed, never written by hand. */
export function functionalitiesOf(declaration: CapabilityDeclaration): Functionality[] {
  const has = (c: CapabilityName) => declaration.capabilities[c] === true;
  const make = (name: FunctionalityName, kind: FunctionalityKind, applicability: FunctionalityApplicability): Functionality => ({
    name,
    description: DESCRIPTIONS[name],
    kind,
    applicability,
    capabilities: APPLIES_TO[name].filter(has).map((c) => ({
      name: c,
      depends_on: CAPABILITY_DEPENDENCIES[c].length ? CAPABILITY_DEPENDENCIES[c].filter(has) : null,
    })),
  });
  const out: Functionality[] = [];
  if (declaration.highPerformanceWriting) out.push(make('HIGH_PERFORMANCE_WRITING', 'ADDITIVE', 'FULL'));
  if (declaration.idempotentWriting) out.push(make('IDEMPOTENT_WRITING', 'PREVENTIVE', declaration.idempotentWriting));
  return out;
}

export const ALL_CAPABILITIES: readonly CapabilityName[] = Object.keys(CAPABILITY_DEPENDENCIES) as CapabilityName[];
