import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { ALL_CAPABILITIES, type CapabilityDeclaration, type CapabilityName } from '../functionalities';
import type { ConnectorSession } from '../connector';
import { CONTRACT_CHECKS, type ContractCheck } from './checks';
import { ContractContext } from './context';
import type { ContractFixture } from './fixture';

/** The session methods each capability needs. */
const OPERATIONS: Record<CapabilityName, (keyof ConnectorSession)[]> = {
  IDENTITY_WRITING: [],
  DATA_TRUNCATION: ['truncate'],
  DATA_DELETION: ['deleteRows'],
  INDEX_MANAGEMENT: ['dropIndexes', 'restoreIndexes'],
  FOREIGN_KEY_MANAGEMENT: ['dropForeignKeys', 'restoreForeignKeys'],
  UNIQUE_CONSTRAINT_MANAGEMENT: ['dropUniqueConstraints', 'restoreUniqueConstraints'],
  TRIGGER_MANAGEMENT: ['setTriggersEnabled'],
  SCHEMA_MANAGEMENT: ['createTable', 'dropTable'],
};

/** Every capability is declared or explained; every declared one has its operations. */
export function checkDeclarations(declaration: CapabilityDeclaration, session: ConnectorSession): void {
  const { capabilities, lacking = {} } = declaration;
  for (const c of ALL_CAPABILITIES) {
    expect({ capability: c, declaredOrExplained: capabilities[c] === true || typeof lacking[c] === 'string' }).toEqual({ capability: c, declaredOrExplained: true });
    if (capabilities[c]) {
      for (const op of OPERATIONS[c]) expect({ capability: c, operation: op, type: typeof session[op] }).toEqual({ capability: c, operation: op, type: 'function' });
    }
  }
}

export * from './checks';
export * from './context';
export * from './fixture';
export * from './ssh-suite';
export * from './values';

/**
 * Why `check` cannot run against `fixture` (undefined: it can): it needs SQL
 * DDL the fixture does not have, makes its tables through createTable on a
 * connector without SCHEMA_MANAGEMENT, or proves a trait the fixture lacks.
 */
export function skipReason(fixture: ContractFixture, check: ContractCheck): string | undefined {
  const lacking = fixture.lacking ?? {};
  const reasons: string[] = [];
  if (fixture.sql === false) {
    if (check.needsSql) reasons.push(`needs SQL DDL: ${check.needsSql}`);
    else if (check.makesTables && !fixture.plugin.capabilities.capabilities.SCHEMA_MANAGEMENT) {
      reasons.push('needs SQL DDL or SCHEMA_MANAGEMENT to make its tables');
    }
  }
  if (check.needs?.includes('droppingTrigger') && lacking.droppingTrigger === undefined && (fixture.sql === false || !fixture.droppingTriggerDdl)) {
    reasons.push('needs droppingTrigger: the fixture gives no row-dropping trigger and does not say why');
  }
  for (const trait of check.needs ?? []) {
    const reason = lacking[trait];
    if (reason !== undefined) reasons.push(`needs ${trait}: ${reason}`);
  }
  return reasons.length ? reasons.join('; ') : undefined;
}

/**
 * The connector contract, as jest tests, against a real server of the
 * fixture's engine. Without a server URL the suite reports as skipped.
 * Capability checks run for declared capabilities; an undeclared one must
 * be listed in `lacking` with a reason.
 */
export function runContractSuite(fixture: ContractFixture): void {
  const title = `${fixture.plugin.displayName} connector contract`;
  if (!fixture.url) {
    describe.skip(`${title} (skipped: ${fixture.urlVariable} is not set)`, () => {
      test.skip('needs a server', () => undefined);
    });
    return;
  }
  describe(title, () => {
    let ctx: ContractContext;
    beforeAll(async () => {
      ctx = await ContractContext.open(fixture);
    });
    afterAll(async () => {
      await ctx?.close();
    });

    test('declares each capability or says why it lacks it; declared ones have their operations', async () => {
      const session = await fixture.plugin.open(ctx.config);
      try {
        checkDeclarations(fixture.plugin.capabilities, session);
      } finally {
        await session.close();
      }
    });

    const declared = fixture.plugin.capabilities.capabilities;
    for (const check of CONTRACT_CHECKS) {
      if (check.capability && !declared[check.capability]) continue;
      const why = skipReason(fixture, check);
      if (why) test.skip(`${check.name} (skipped: ${why})`, () => undefined);
      else test(check.name, () => check.run(ctx));
    }
  });
}
