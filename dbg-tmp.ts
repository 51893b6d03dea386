import { measureSize } from './bench/scenario';
import { FakeAws } from './local/in-memory-aws/fake-aws';
let fake: FakeAws | undefined;
measureSize(1500, { iamWritesPerSecond: 5, keyPropagation: false, aws: (_t, _d, o) => { fake = new FakeAws(o); return fake; } }).then((m) => {
  console.log(m.first.rotated, m.first.status, m.tenPercentDue.rotated);
  const report = JSON.parse(fake?.object('_mint/cycles/first/report.json') ?? '{}');
  console.log(JSON.stringify((report.outcomes ?? []).filter((o: { status: string }) => o.status === 'failed').slice(0, 5)));
  process.exit(0);
});
