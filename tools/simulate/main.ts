/** `npm run simulate -- <kind> [scenario] [options]`: see HELP in args.ts and README.md, "Send test traffic". */
import { HELP, parseArgs, UsageError } from './args';
import { ConsoleOutput } from './output';
import { resolveSettings } from './settings';
import { simulate } from './simulate';

async function main(): Promise<number> {
  const output = new ConsoleOutput();
  try {
    const options = parseArgs(process.argv.slice(2));
    if (!options) {
      output.line(HELP);
      return 0;
    }
    const result = await simulate(options, resolveSettings(options), output);
    return result.exitCode;
  } catch (error) {
    if (error instanceof UsageError) {
      output.line(error.message);
      return 2;
    }
    output.line(`simulate: ${(error as Error).message}`);
    return 1;
  }
}

void main().then((code) => process.exit(code));
