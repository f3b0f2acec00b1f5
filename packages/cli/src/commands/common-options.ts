import { InvalidArgumentError, Option } from 'commander';

/** `-t, --target <id>` (or `HVC_TARGET`): the target a guest, snapshot or operation belongs to. */
export function targetOption(): Option {
  return new Option('-t, --target <id>', 'the target (hypervisor endpoint or cluster)')
    .env('HVC_TARGET')
    .makeOptionMandatory();
}

/** `--wait`: a long-running command waits for its operation (the default; `--no-wait` turns it off). */
export function waitOption(): Option {
  return new Option(
    '--wait',
    'wait for the operation to end, with a progress bar on a terminal (the default)',
  );
}

/** `--no-wait`: print the operation and return at once. */
export function noWaitOption(): Option {
  return new Option(
    '--no-wait',
    'print the operation and return at once; follow it with `hvc operations watch`',
  );
}

/** `-w, --watch`: keep a list on screen, refreshed until Ctrl+C. */
export function watchOption(): Option {
  return new Option('-w, --watch', 'keep listing, printing the list again whenever it changes, until Ctrl+C');
}

/** `--interval <seconds>`: how often `--watch` lists again. */
export function intervalOption(): Option {
  return new Option('--interval <seconds>', 'how often --watch asks the server')
    .default(2)
    .argParser(positiveNumber);
}

/** Parses a number greater than zero (commander calls it with the flag's text). */
export function positiveNumber(value: string): number {
  const number = Number(value);
  if (!(number > 0)) throw new InvalidArgumentError('not a number greater than 0.');
  return number;
}

/** Parses a whole number of at least zero. */
export function count(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 0) throw new InvalidArgumentError('not a whole number.');
  return number;
}

/** A repeatable option whose values must be among `choices`: `--kind iso --kind template` gives both. */
export function repeatableChoiceOption(
  flags: string,
  description: string,
  choices: readonly string[],
): Option {
  return new Option(flags, `${description} (${choices.join(', ')})`)
    .argParser((value: string, previous: string[]) => {
      if (!choices.includes(value))
        throw new InvalidArgumentError(`Allowed choices are ${choices.join(', ')}.`);
      return [...previous, value];
    })
    .default([]);
}
