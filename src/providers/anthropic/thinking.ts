/**
 * Reasoning control between the protocols: Anthropic's `thinking.budget_tokens` and
 * OpenAI's `reasoning_effort` name the same knob in different units. One table, read
 * both ways.
 */

/** reasoning_effort → thinking budget in tokens (Anthropic's minimum budget is 1024). */
const BUDGETS = [
  ['minimal', 1024],
  ['low', 2048],
  ['medium', 8192],
  ['high', 24576],
] as const;

/** The budget for an effort, or undefined for 'none' and unknown values. */
export function budgetForEffort(effort: unknown): number | undefined {
  return BUDGETS.find(([name]) => name === effort)?.[1];
}

/** The smallest effort whose budget covers `budget` ('high' above them all). */
export function effortForBudget(budget: number): string {
  for (const [name, tokens] of BUDGETS) if (name !== 'minimal' && budget <= tokens) return name;
  return 'high';
}
