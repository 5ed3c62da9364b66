import { validateToolName } from '@modelcontextprotocol/sdk/shared/toolNameValidation.js';
import { TOOL_NAME_PATTERN, assignToolNames, baseToolName, sanitiseToolName } from './tool-names';

const wf = (project_id: string, name: string, english_name: string | null = null) => ({
  project_id,
  name,
  english_name,
});

describe(sanitiseToolName.name, () => {
  it.each([
    ['Invoice Export', 'Invoice_Export'],
    ['  report: monthly / EU  ', 'report_monthly_EU'],
    ['Café crème', 'Cafe_creme'],
    ['__leading-and-trailing--', 'leading-and-trailing'],
    ['a.b,c', 'a_b_c'],
    ['月度报表', ''],
    ['', ''],
  ])('should turn %j into %j', (raw, expected) => {
    expect(sanitiseToolName(raw)).toBe(expected);
  });

  it('should bound the length without leaving a separator at the end', () => {
    const sut = sanitiseToolName(`${'a'.repeat(63)} tail`);

    expect(sut).toBe('a'.repeat(63));
    expect(sanitiseToolName('x'.repeat(200))).toHaveLength(64);
  });

  it('should answer an empty name for nothing', () => {
    expect(sanitiseToolName(null)).toBe('');
    expect(sanitiseToolName(undefined)).toBe('');
  });
});

describe(baseToolName.name, () => {
  it('should prefer english_name, then name, then the project_id', () => {
    expect(baseToolName(wf('1', '发票', 'Invoices'))).toBe('Invoices');
    expect(baseToolName(wf('1', 'Payroll run', '  '))).toBe('Payroll_run');
    expect(baseToolName(wf('42', '发票'))).toBe('workflow_42');
  });

  it('should hash a project_id that is not a safe name', () => {
    expect(baseToolName(wf('项目/7', '发票'))).toMatch(/^workflow_[0-9a-f]{8}$/);
  });
});

describe(assignToolNames.name, () => {
  it('should keep unique names as they are', () => {
    const sut = assignToolNames([wf('1', 'A'), wf('2', 'B')]);

    expect(sut.map((t) => t.name)).toEqual(['A', 'B']);
  });

  it('should suffix later duplicates with their project_id, ignoring case', () => {
    const sut = assignToolNames([
      wf('1', 'Invoices'),
      wf('2', 'invoices'),
      wf('3', 'x', 'INVOICES'),
    ]);

    expect(sut.map((t) => t.name)).toEqual(['Invoices', 'invoices_2', 'INVOICES_3']);
  });

  it('should fall back to a counter when the suffixed name is taken too', () => {
    const sut = assignToolNames([wf('a', 'Job_b'), wf('x', 'Job'), wf('b', 'Job'), wf('c', 'Job')]);

    expect(sut.map((t) => t.name)).toEqual(['Job_b', 'Job', 'Job_2', 'Job_c']);
  });

  it('should avoid reserved names', () => {
    const sut = assignToolNames([wf('9', 'get_execution')], ['get_execution']);

    expect(sut[0].name).toBe('get_execution_9');
  });

  it('should keep suffixed names within 64 characters', () => {
    const long = 'L'.repeat(80);
    const sut = assignToolNames([wf('p1', long), wf('p2', long), wf('p3', long)]);

    expect(sut.map((t) => t.name.length)).toEqual([64, 64, 64]);
    expect(sut[1].name.endsWith('_p2')).toBe(true);
    expect(new Set(sut.map((t) => t.name)).size).toBe(3);
  });

  it('should hand out names valid for the SDK and for model function-calling APIs', () => {
    const names = assignToolNames([
      wf('1', '月度报表'),
      wf('2', 'Q3 — revenue (€)'),
      wf('3', '-', '.'),
      wf('x'.repeat(100), '月度报表'),
      wf('5', 'ok', 'ok'),
      wf('6', 'ok'),
    ]).map((t) => t.name);

    for (const name of names) {
      expect(name).toMatch(TOOL_NAME_PATTERN);
      expect(validateToolName(name)).toEqual({ isValid: true, warnings: [] });
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('should give the same names to the same workflows every time', () => {
    const workflows = [wf('1', 'A'), wf('2', 'A'), wf('3', 'A')];

    expect(assignToolNames(workflows)).toEqual(assignToolNames([...workflows]));
  });
});
