// Requirement text in the format of the file it goes into (requirements.txt, PEP 621, Poetry, Pipfile).
import type { Dependency } from '../model/types.js';

export type FormatSource = Pick<Dependency, 'kind' | 'rawName' | 'extras' | 'marker'>;

/** The requirement as the file's format writes it (`op` '' means `version` is already a whole specifier). */
export function requirementLine(d: FormatSource | null, name: string, op: string, version: string, extras?: string[]): string {
  const ex = extras ?? d?.extras ?? [];
  const extrasText = ex.length > 0 ? `[${ex.join(',')}]` : '';
  const raw = d?.rawName ?? name;
  const marker = d?.marker ? `; ${d.marker}` : '';
  switch (d?.kind) {
    case 'setup-cfg':
      // setup.cfg's install_requires lines are bare PEP 508 requirements (no quotes, no commas)
      return `${raw}${extrasText}${op}${version}${marker}`;
    case 'pyproject-pep621':
    case 'setup-py':
      return `"${raw}${extrasText}${op}${version}${marker}",`;
    case 'pyproject-poetry':
    case 'poetry-lock': {
      const v = op === '==' ? version : `${op}${version}` || '*';
      return ex.length > 0 ? `${raw} = { version = "${v}", extras = [${ex.map((e) => `"${e}"`).join(', ')}] }` : `${raw} = "${v}"`;
    }
    case 'pipfile':
    case 'pipfile-lock':
      return ex.length > 0 ? `${raw} = {version = "${op}${version || '*'}", extras = [${ex.map((e) => `"${e}"`).join(', ')}]}` : `${raw} = "${op}${version || '*'}"`;
    default:
      return `${raw}${extrasText}${op}${version}${marker}`;
  }
}

/** The same requirement in requirements.txt syntax. */
export function pep508Line(name: string, extras: string[], specifier: string, marker?: string | null): string {
  return `${name}${extras.length ? `[${extras.join(',')}]` : ''}${specifier}${marker ? ` ; ${marker}` : ''}`;
}
