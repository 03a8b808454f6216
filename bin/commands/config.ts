// `tws config`: the configuration as the roles would resolve it from the same flags, environment
// and config file, after every check (a wrong or contradictory setting fails here as at start-up).
// Secrets are shown as [redacted]; nothing is contacted.
import { Command } from 'commander';
import type { Config } from '../../lib/config.ts';
import { redactConfig } from '../../lib/secrets.ts';

export function configCommand(setup: (cmd: Command) => { config: Config }, print: (line: string) => void): Command {
  return new Command('config')
    .description('check the settings and print the resolved configuration (secrets redacted)')
    .action((_opts, cmd: Command) => {
      const { config } = setup(cmd);
      print(JSON.stringify(redactConfig(config), null, 2));
    });
}
