import { HEAP_GROWING_PERCENT, limitHeapGrowth } from '../src/heap';

test('the heap growing percent comes from SLUICE_HEAP_GROWING_PERCENT, else the default; 0 leaves V8 its own', () => {
  expect(limitHeapGrowth({})).toBe(HEAP_GROWING_PERCENT);
  expect(limitHeapGrowth({ SLUICE_HEAP_GROWING_PERCENT: ' 50 ' })).toBe(50);
  expect(limitHeapGrowth({ SLUICE_HEAP_GROWING_PERCENT: '0' })).toBeNull();
  expect(() => limitHeapGrowth({ SLUICE_HEAP_GROWING_PERCENT: '1.5x' })).toThrow(/whole number of percent/);
  expect(() => limitHeapGrowth({ SLUICE_HEAP_GROWING_PERCENT: '-5' })).toThrow(/whole number of percent/);
  limitHeapGrowth(); // back to the default for the rest of this process
});
