import { formatRecords } from '../../cli/status';

const none = { count: 0, names: [], truncated: false };

describe('formatRecords (mint status)', () => {
  it('prints counts, the users kept or left alone with their names quoted, and the invalid entries', () => {
    const line = formatRecords({
      invalidApps: 2,
      users: {
        created: { count: 3000, names: ['a1'], truncated: true },
        deleted: none,
        repaired: none,
        held: { count: 1, names: ['pierone'], truncated: false },
        unmanaged: { count: 22, names: ['intruder\nforged'], truncated: true },
      },
    });
    expect(line).toBe(
      'users 3000 created, 0 deleted, 0 repaired; 1 kept because Kio\'s entry is invalid ("pierone"); ' +
        '22 without a valid mint:app-id tag, left alone ("intruder\\nforged", and 21 more); ' +
        '2 invalid Kio entries (see the cycle report)',
    );
    expect(line).not.toContain('\n');
  });

  it('prints nothing for a report written before users were recorded and without invalid entries', () => {
    expect(formatRecords({ invalidApps: 0 })).toBeUndefined();
  });
});
