import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { parse as parseToml } from 'smol-toml';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { PYTHON_FRAMEWORKS } from '../../src/catalog/frameworks/index.js';
import { EXPORTERS, parseServiceOptions, SAMPLERS, type ServiceOptions } from '../../src/options/schema.js';
import { distributionName, plan } from '../../src/generate/plan.js';
import { runtimeOf } from '../../src/runtimes/index.js';

const planOf = (o: Parameters<typeof plan>[0]) => plan(o, runtimeOf(o.framework));
import { scratchDir } from '../support/helpers.js';

// Printable text as users could type it, biased towards what breaks naive templating.
const hostile = fc
  .oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }),
    fc.string({
      unit: fc.constantFrom(
        '"',
        "'",
        '\\',
        '{',
        '}',
        '{{',
        '}}',
        '$',
        '${',
        '`',
        '#',
        ':',
        '-',
        '*',
        '<',
        '>',
        '&',
        '|',
        'ü',
        '🚀',
        ' ',
        'a',
        '%',
      ),
      minLength: 1,
      maxLength: 16,
    }),
  )
  .filter(
    (s) =>
      s.trim() !== '' &&
      !/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(s) &&
      !/[\ud800-\udfff]/.test(s.replace(/[\ud800-\udbff][\udc00-\udfff]/g, '')),
  );

const optionsArbitrary = fc.record({
  serviceName: hostile.filter((s) => !s.includes('/') && !['.', '..'].includes(s.trim())),
  environment: hostile,
  framework: fc.constantFrom(...PYTHON_FRAMEWORKS.map((f) => f.name)),
  exporter: fc.constantFrom(...EXPORTERS),
  sampler: fc.constantFrom(...SAMPLERS),
  samplerRatio: fc.double({ min: 0, max: 1, noNaN: true }),
  attributeValue: hostile,
});

function render(input: fc.RecordValue<typeof optionsArbitrary>): ServiceOptions {
  const { attributeValue, ...rest } = input;
  return parseServiceOptions({ ...rest, resourceAttributes: { 'team.name': attributeValue } });
}

/**
 * Compiles every .py file of each rendered project and reads back, with Python's own parser, the string
 * constants that must hold the user's exact values. One interpreter run checks all projects.
 */
const PY_CHECK = `
import ast, json, pathlib, sys
out = []
for project in json.load(sys.stdin):
    root = pathlib.Path(project)
    for f in sorted(root.rglob("*.py")):
        compile(f.read_text(encoding="utf-8"), str(f), "exec")
    tree = ast.parse((root / "app" / "telemetry.py").read_text(encoding="utf-8"))
    consts = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            if isinstance(node.value, ast.Dict):
                # Only the literal entries: the defaults dict also refers to the names above.
                consts[node.targets[0].id] = {
                    k.value: v.value for k, v in zip(node.value.keys, node.value.values)
                    if isinstance(k, ast.Constant) and isinstance(v, ast.Constant)
                }
            elif isinstance(node.value, ast.Constant):
                consts[node.targets[0].id] = node.value.value
    out.append({"SERVICE_NAME": consts.get("SERVICE_NAME"), "DEPLOYMENT_ENVIRONMENT": consts.get("DEPLOYMENT_ENVIRONMENT"), "RESOURCE_DEFAULTS": consts.get("RESOURCE_DEFAULTS")})
print(json.dumps(out))
`;

describe('plan', () => {
  it('renders every file for every framework and exporter', () => {
    for (const framework of PYTHON_FRAMEWORKS) {
      for (const exporter of EXPORTERS) {
        const p = planOf(parseServiceOptions({ serviceName: 'svc', framework: framework.name, exporter }));
        const paths = p.files.map((f) => f.path);
        expect(paths).toContain('app/telemetry.py');
        expect(paths).toContain('.gitignore');
        expect(paths).toContain('.create-traced-service.json');
        expect(paths.some((f) => f.endsWith('.hbs') || f.startsWith('_'))).toBe(false);
        const telemetry = p.files.find((f) => f.path === 'app/telemetry.py')!.content;
        // The exporter is a default for OTEL_TRACES_EXPORTER / OTEL_EXPORTER_OTLP_PROTOCOL, chosen at run time.
        expect(telemetry).toContain(`"OTEL_TRACES_EXPORTER": "${exporter === 'console' ? 'console' : 'otlp'}"`);
        expect(telemetry).toContain(
          `"OTEL_EXPORTER_OTLP_PROTOCOL": "${exporter === 'otlp-http' ? 'http/protobuf' : 'grpc'}"`,
        );
      }
    }
  });

  it('never writes a secret: no header or token values in any file', () => {
    const p = planOf(parseServiceOptions({ serviceName: 'svc', endpoint: 'https://otel.example.com:4317' }));
    for (const f of p.files)
      expect(f.content).not.toMatch(/authorization\s*[:=]\s*["']?\w|api[-_]?key\s*[:=]\s*["']\w/i);
  });

  it('derives a valid distribution name from any service name', () => {
    expect(distributionName('Checkout "API" ü')).toBe('checkout-api-u');
    expect(distributionName('🚀')).toBe('traced-service');
  });

  it('holds hostile values exactly in every language (property test: Python, TOML, YAML, JSON)', () => {
    const samples = fc.sample(optionsArbitrary, {
      numRuns: 40,
      seed: Number(process.env.CTS_PROPERTY_SEED ?? Date.now() % 2 ** 31),
    });
    const root = scratchDir('cts-prop-');
    const projects: { dir: string; options: ServiceOptions }[] = [];
    samples.forEach((sample, i) => {
      const options = render(sample);
      const dir = path.join(root, String(i));
      for (const file of planOf(options).files) {
        const dest = path.join(dir, file.path);
        mkdirSync(path.dirname(dest), { recursive: true });
        writeFileSync(dest, file.content);
        const where = `${file.path} for ${JSON.stringify(sample)}`;
        if (file.path.endsWith('.toml')) {
          const toml = parseToml(file.content) as { project?: { description?: string } };
          if (file.path === 'pyproject.toml') expect(toml.project?.description, where).toContain(options.serviceName);
        }
        if (file.path.endsWith('.yaml') || file.path.endsWith('.yml')) {
          for (const doc of parseAllDocuments(file.content)) expect(doc.errors, where).toEqual([]);
        }
        if (file.path.endsWith('.json')) expect(() => JSON.parse(file.content), where).not.toThrow();
      }
      projects.push({ dir, options });
    });
    const values = JSON.parse(
      execFileSync('python3', ['-c', PY_CHECK], { input: JSON.stringify(projects.map((p) => p.dir)) }).toString(),
    ) as {
      SERVICE_NAME: string;
      DEPLOYMENT_ENVIRONMENT: string;
      RESOURCE_DEFAULTS: Record<string, string>;
    }[];
    values.forEach((v, i) => {
      const { options } = projects[i]!;
      expect(v.SERVICE_NAME).toBe(options.serviceName);
      expect(v.DEPLOYMENT_ENVIRONMENT).toBe(options.environment);
      expect(v.RESOURCE_DEFAULTS['team.name']).toBe(options.resourceAttributes['team.name']);
    });
  }, 120_000);
});
