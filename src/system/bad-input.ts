/**
 * What the user asked for cannot be done as asked (a bad name, value or combination), found before
 * any change was made: the CLI exits 2 for it, as for a bad flag.
 */
export class BadInput extends Error {
  override readonly name = 'BadInput';
}
