import { listOf, Mapping, namedListOf, nonEmptyString, oneOf, type Read } from './reader.js';
import { regularExpression } from './regular-expression.js';
import { entryName } from './entry-name.js';
import { BUILTIN_DETECTORS, type CustomDetector, type MaskingConfig } from './policy-types.js';

/** Absent, every built-in detector applies to the record and nothing is masked in results. */
export const readMasking: Read<MaskingConfig> = (value, path, context) => {
  const masking = Mapping.read(value, path, context, ['detectors', 'custom', 'results']);
  const detectors = masking.optional('detectors', listOf(oneOf(BUILTIN_DETECTORS)), [
    ...BUILTIN_DETECTORS,
  ]);
  const custom = masking.optional('custom', readCustomDetectors, []);
  const detectorNames = [...BUILTIN_DETECTORS, ...custom.map((detector) => detector.name)];
  return {
    detectors,
    custom,
    results: masking.optional('results', resultsReader(detectorNames), {
      columns: [],
      detectors: [],
    }),
  };
};

/** `results.detectors` may name any built-in detector and the connection's custom ones. */
function resultsReader(detectorNames: readonly string[]): Read<MaskingConfig['results']> {
  return (value, path, context) => {
    const results = Mapping.read(value, path, context, ['columns', 'detectors']);
    return {
      columns: results.optional('columns', listOf(nonEmptyString), []),
      detectors: results.optional('detectors', listOf(oneOf(detectorNames)), []),
    };
  };
}

const readCustomDetectors: Read<CustomDetector[]> = (value, path, context) =>
  namedListOf(readCustomDetector, 'detector')(value, path, context);

const readCustomDetector: Read<CustomDetector> = (value, path, context) => {
  const detector = Mapping.read(value, path, context, ['name', 'pattern']);
  return {
    name: detector.required('name', customDetectorName),
    pattern: detector.required('pattern', maskPattern),
  };
};

const customDetectorName: Read<string> = (value, path, context) => {
  const name = entryName(value, path, context);
  if ((BUILTIN_DETECTORS as readonly string[]).includes(name)) {
    context.issues.add(path, `"${name}" is a built-in detector; choose another name`);
  }
  return name;
};

/**
 * Global (every match is masked) and case-sensitive. A pattern that matches the empty string
 * would mask nothing while marking every position, so it is refused.
 */
const maskPattern: Read<RegExp> = (value, path, context) => {
  const pattern = regularExpression('g')(value, path, context);
  if (new RegExp(pattern.source).test('')) {
    context.issues.add(path, 'the pattern matches the empty string; it must match some text');
  }
  return pattern;
};
