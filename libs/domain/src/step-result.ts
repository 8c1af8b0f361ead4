/** A problem with one field of an input: `path` is a JSON path such as `properties.revenue`. */
export interface FieldProblem {
  path: string;
  message: string;
}

/**
 * Outcome of one pipeline step: carry on with a value, send the input to the dead-letter
 * topic with reasons, or drop it on purpose (e.g. a duplicate) with a reason.
 */
export type StepResult<T> =
  | { kind: 'ok'; value: T }
  | { kind: 'dlq'; reason: string; problems: FieldProblem[] }
  | { kind: 'drop'; reason: string };

export const ok = <T>(value: T): StepResult<T> => ({ kind: 'ok', value });
export const dlq = <T = never>(reason: string, problems: FieldProblem[] = []): StepResult<T> => ({
  kind: 'dlq',
  reason,
  problems,
});
export const drop = <T = never>(reason: string): StepResult<T> => ({ kind: 'drop', reason });

/** Runs steps in order, stopping at the first that does not return ok. */
export function pipe<A, B>(input: StepResult<A>, step: (a: A) => StepResult<B>): StepResult<B> {
  switch (input.kind) {
    case 'ok':
      return step(input.value);
    case 'dlq':
      return input;
    case 'drop':
      return input;
  }
}
