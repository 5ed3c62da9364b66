/** class-transformer helpers for the lenient inputs the platform's legacy clients send. */
type TransformInput = { value: unknown };

/** Ids may arrive as numbers; they are stored as strings. */
export const numberToString = ({ value }: TransformInput): unknown =>
  typeof value === 'number' && Number.isFinite(value) ? String(value) : value;

/** A JSON string of an object is accepted where an object is expected. */
export const parseJsonObject = ({ value }: TransformInput): unknown => {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
};
