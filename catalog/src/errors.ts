/**
 * Catalog errors in the Lerian shape: a stable code, a short title and a
 * message that names the field and the fix. `status` is the HTTP status a
 * REST front would answer with.
 */
export const CatalogCode = {
  MISSING_FIELD: 'SLC-0001',
  INVALID_FIELD: 'SLC-0002',
  INVALID_ID: 'SLC-0404',
  METADATA_NESTING: 'SLC-0410',
  METADATA_VALUE_LENGTH: 'SLC-0411',
  METADATA_KEY_LENGTH: 'SLC-0412',
  NOT_FOUND: 'SLC-1001',
  CONFLICT: 'SLC-1002',
  JOB_IN_PROGRESS: 'SLC-1021',
  UNHEALTHY_CONNECTION: 'SLC-1030',
  SECRET_KEY_MISSING: 'SLC-1040',
} as const;
export type CatalogCode = (typeof CatalogCode)[keyof typeof CatalogCode];

const TITLES: Record<CatalogCode, [title: string, status: number]> = {
  'SLC-0001': ['Missing Required Field', 400],
  'SLC-0002': ['Invalid Field', 400],
  'SLC-0404': ['Invalid Path Parameter', 400],
  'SLC-0410': ['Invalid Metadata Nesting', 400],
  'SLC-0411': ['Metadata Value Length Exceeded', 400],
  'SLC-0412': ['Metadata Key Length Exceeded', 400],
  'SLC-1001': ['Entity Not Found', 404],
  'SLC-1002': ['Conflict', 409],
  'SLC-1021': ['Job In Progress', 409],
  'SLC-1030': ['Unhealthy Connection', 422],
  'SLC-1040': ['Secret Key Missing', 500],
};

export class CatalogError extends Error {
  readonly title: string;
  readonly status: number;
  constructor(
    readonly code: CatalogCode,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'CatalogError';
    [this.title, this.status] = TITLES[code];
  }

  /** The Lerian error body. */
  toJSON(): { code: string; title: string; message: string; field?: string } {
    return { code: this.code, title: this.title, message: this.message, ...(this.field ? { field: this.field } : {}) };
  }
}

export const notFound = (entity: string, id: string) =>
  new CatalogError(CatalogCode.NOT_FOUND, `No ${entity} with id or name '${id}'. List them to find the right one.`, 'id');
