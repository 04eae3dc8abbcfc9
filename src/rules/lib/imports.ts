// Where project code takes names from the celery package: `from celery.x import a, b as c` (also the
// parenthesised multi-line form) and `import celery.x.y`, with the line of each name. Import
// statements have a small fixed grammar, so this reads them from the source text directly.
import type { ProjectModel } from '../../model/types.js';

export interface CeleryImport {
  module: string;
  /** null for `import celery.x.y` (the module itself) */
  name: string | null;
  file: string;
  line: number;
  column: number;
}

export function celeryImports(model: ProjectModel): CeleryImport[] {
  const out: CeleryImport[] = [];
  for (const f of model.files) {
    if (f.kind !== 'python' || !f.text.includes('celery')) continue;
    const text = f.text;
    const re = /^[ \t]*(from[ \t]+(celery(?:\.[\w.]+)?)[ \t]+import[ \t]+(\([^)]*\)|[^\n#\\]*(?:\\\n[^\n#\\]*)*)|import[ \t]+(celery\.[\w.]+)(?:[ \t]+as[ \t]+\w+)?)/gm;
    let m: RegExpExecArray | null;
    while ((m = re.exec(text))) {
      const startLine = text.slice(0, m.index).split('\n').length;
      if (m[4]) {
        out.push({ module: m[4], name: null, file: f.file, line: startLine, column: m[0].indexOf('import') + 1 });
        continue;
      }
      const module = m[2]!;
      const list = m[3]!;
      const listOffset = m.index + m[0].indexOf(list, m[0].indexOf('import') + 6);
      const nameRe = /([A-Za-z_]\w*)(?:\s+as\s+\w+)?/g;
      const cleaned = list.replace(/#[^\n]*/g, (c) => ' '.repeat(c.length));
      let n: RegExpExecArray | null;
      while ((n = nameRe.exec(cleaned))) {
        if (n[1] === 'as') continue;
        const abs = listOffset + n.index;
        const before = text.slice(0, abs);
        const line = before.split('\n').length;
        out.push({ module, name: n[1]!, file: f.file, line, column: abs - before.lastIndexOf('\n') });
        nameRe.lastIndex = n.index + n[0].length;
      }
    }
  }
  return out;
}
