/**
 * The error a real store answers with, named as the SDK names it (`NoSuchEntityException`, `NoSuchKey`,
 * …): the in-memory ports refuse what AWS refuses, so callers' error handling is exercised as in production.
 */
export function refusal(name: string, message: string): Error {
  const error = new Error(message);
  error.name = name;
  return error;
}
