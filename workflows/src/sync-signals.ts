import { defineSignal } from '@temporalio/workflow';
import type { TableProgress } from './sync-model';

/** A table workflow tells its parent sync how far it got. */
export const tableProgressSignal = defineSignal<[TableProgress]>('tableProgress');
