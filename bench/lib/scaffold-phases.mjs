/**
 * Run in a fresh Node process: times the phases of a non-interactive scaffold using the built dist/
 * modules directly, and prints them as JSON. argv[2] = target directory (must not exist).
 * Phases: importing the CLI entry, importing the create command (and everything it imports statically),
 * parsing options, rendering the plan (templates), writing the files.
 */
const target = process.argv[2];
const dist = new URL('../../dist/', import.meta.url);
const t = [performance.now()];
await import(new URL('cli.js', dist));
t.push(performance.now());
await import(new URL('commands/create.js', dist));
t.push(performance.now());
const { parseServiceOptions } = await import(new URL('options.js', dist));
const options = parseServiceOptions({ serviceName: 'bench-svc' });
t.push(performance.now());
const { plan } = await import(new URL('plan.js', dist));
const p = plan(options);
t.push(performance.now());
const { writeTree } = await import(new URL('write.js', dist));
await writeTree(target, p.files, { force: false });
t.push(performance.now());
const names = ['importCli', 'importCreateCommand', 'parseOptions', 'renderPlan', 'writeFiles'];
process.stdout.write(JSON.stringify(Object.fromEntries(names.map((n, i) => [n, t[i + 1] - t[i]]))));
