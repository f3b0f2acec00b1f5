import { type DescMessage, type JsonValue, type MessageShape, toJson } from '@bufbuild/protobuf';
import { stringify } from 'yaml';
import type { OutputStream } from '../io.js';
import type { Colors } from './colors.js';
import type { OutputFormat } from './output-format.js';
import { renderTable } from './table.js';

/** One column of a table. */
export interface Column<T> {
  readonly header: string;
  readonly value: (item: T, colors: Colors) => string;
  /** Shown with `-o wide` only. */
  readonly wide?: true;
}

/** How one kind of API message is shown: its schema (for JSON and YAML) and its table columns. */
export interface View<Desc extends DescMessage> {
  readonly schema: Desc;
  /** The plural noun, for "No guests found." */
  readonly noun: string;
  readonly columns: readonly Column<MessageShape<Desc>>[];
}

/** Prints API messages in the format `-o` chose. */
export interface Printer {
  readonly format: OutputFormat;
  /** A list: a table with a header row, or a JSON/YAML array of the API's messages. */
  list<Desc extends DescMessage>(view: View<Desc>, items: readonly MessageShape<Desc>[]): void;
  /** One message: a one-row table, or the API's message as JSON/YAML. */
  one<Desc extends DescMessage>(view: View<Desc>, item: MessageShape<Desc>): void;
  /** A JSON value that is not an API message (e.g. `context list`), in JSON/YAML; tables print their own. */
  data(value: JsonValue): void;
}

/**
 * A printer on `stdout`. JSON and YAML are the API's canonical JSON mapping (enum names, RFC 3339 times, 64-bit
 * integers as strings), so what scripts read matches the API reference. "No … found." goes to stderr, so an
 * empty table is an empty stdout.
 */
export function createPrinter(
  format: OutputFormat,
  stdout: OutputStream,
  stderr: OutputStream,
  colors: Colors,
): Printer {
  const structured = (value: JsonValue) =>
    stdout.write(format === 'yaml' ? stringify(value) : `${JSON.stringify(value, null, 2)}\n`);
  const table = <Desc extends DescMessage>(view: View<Desc>, items: readonly MessageShape<Desc>[]) => {
    const columns = view.columns.filter((column) => format === 'wide' || !column.wide);
    stdout.write(
      renderTable(
        columns.map((column) => colors.bold(column.header)),
        items.map((item) => columns.map((column) => column.value(item, colors))),
      ),
    );
  };
  return {
    format,
    list(view, items) {
      if (format === 'json' || format === 'yaml') {
        structured(items.map((item) => toJson(view.schema, item)));
      } else if (items.length === 0) {
        stderr.write(`No ${view.noun} found.\n`);
      } else {
        table(view, items);
      }
    },
    one(view, item) {
      if (format === 'json' || format === 'yaml') structured(toJson(view.schema, item));
      else table(view, [item]);
    },
    data(value) {
      structured(value);
    },
  };
}
