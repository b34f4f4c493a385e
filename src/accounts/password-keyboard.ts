/**
 * Keyboard rows and character maps of the `strong_password` gem 0.0.9, copied verbatim from
 * `lib/strong_password/qwerty_adjuster.rb` (QWERTY_STRINGS) and
 * `lib/strong_password/password_variants.rb` (LEET_SPEAK, LEET_SPEAK_ALT, KEYBOARDMAP_DOWNRIGHT,
 * KEYBOARDMAP_DOWNLEFT, BOTTOM_ROW_REGEXP, LEET_SPEAK_REGEXP).
 *
 * The maps are kept as ordered [from, to] pairs because the gem builds `String#tr` arguments from
 * `hash.keys.join` / `hash.values.join` (insertion order).
 */

/** QwertyAdjuster::QWERTY_STRINGS — keyboard rows, columns, diagonals, digit pad and the alphabet. */
export const QWERTY_STRINGS: readonly string[] = Object.freeze([
  '1234567890-',
  'qwertyuiop',
  'asdfghjkl;',
  'zxcvbnm,./',
  "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/-['=]:?_{\"+}",
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p',
  "qazwsxedcrfvtgbyhnujmik,ol.p;/-['=]:?_{\"+}",
  'qazwsxedcrfvtgbyhnujmikolp',
  ']"/=[;.-pl,0okm9ijn8uhb7ygv6tfc5rdx4esz3wa2q1',
  'pl0okm9ijn8uhb7ygv6tfc5rdx4esz3wa2q1',
  ']"/[;.pl,okmijnuhbygvtfcrdxeszwaq',
  'plokmijnuhbygvtfcrdxeszwaq',
  '014725836914702583697894561230258/369*+-*/',
  'abcdefghijklmnopqrstuvwxyz',
])

/** PasswordVariants::LEET_SPEAK */
export const LEET_SPEAK: readonly (readonly [string, string])[] = Object.freeze([
  ['@', 'a'],
  ['!', 'i'],
  ['$', 's'],
  ['1', 'i'],
  ['2', 'z'],
  ['3', 'e'],
  ['4', 'a'],
  ['5', 's'],
  ['6', 'g'],
  ['7', 't'],
  ['8', 'b'],
  ['9', 'g'],
  ['0', 'o'],
] as const)

/** PasswordVariants::LEET_SPEAK_ALT = LEET_SPEAK.dup.merge!("1" => "l") (key keeps its position). */
export const LEET_SPEAK_ALT: readonly (readonly [string, string])[] = Object.freeze(
  LEET_SPEAK.map(([k, v]) => [k, k === '1' ? 'l' : v] as const),
)

/** PasswordVariants::KEYBOARDMAP_DOWNRIGHT */
export const KEYBOARDMAP_DOWNRIGHT: readonly (readonly [string, string])[] = Object.freeze([
  ['a', 'z'],
  ['q', 'a'],
  ['1', 'q'],
  ['s', 'x'],
  ['w', 's'],
  ['2', 'w'],
  ['d', 'c'],
  ['e', 'd'],
  ['3', 'e'],
  ['f', 'v'],
  ['r', 'f'],
  ['4', 'r'],
  ['g', 'b'],
  ['t', 'g'],
  ['5', 't'],
  ['h', 'n'],
  ['y', 'h'],
  ['6', 'y'],
  ['j', 'm'],
  ['u', 'j'],
  ['7', 'u'],
  ['i', 'k'],
  ['8', 'i'],
  ['o', 'l'],
  ['9', 'o'],
  ['0', 'p'],
] as const)

/** PasswordVariants::KEYBOARDMAP_DOWNLEFT */
export const KEYBOARDMAP_DOWNLEFT: readonly (readonly [string, string])[] = Object.freeze([
  ['2', 'q'],
  ['w', 'a'],
  ['3', 'w'],
  ['s', 'z'],
  ['e', 's'],
  ['4', 'e'],
  ['d', 'x'],
  ['r', 'd'],
  ['5', 'r'],
  ['f', 'c'],
  ['t', 'f'],
  ['6', 't'],
  ['g', 'v'],
  ['y', 'g'],
  ['7', 'y'],
  ['h', 'b'],
  ['u', 'h'],
  ['8', 'u'],
  ['j', 'n'],
  ['i', 'j'],
  ['9', 'i'],
  ['k', 'm'],
  ['o', 'k'],
  ['0', 'o'],
  ['p', 'l'],
  ['-', 'p'],
] as const)

/** PasswordVariants::BOTTOM_ROW_REGEXP = /[zxcvbnm,\.\/\<\>\?]/ — no keyboard-shift variants when present. */
export const BOTTOM_ROW_REGEXP = /[zxcvbnm,./<>?]/

/** PasswordVariants::LEET_SPEAK_REGEXP = /[\@\!\$1234567890]/ — leet variants only when present. */
export const LEET_SPEAK_REGEXP = /[@!$1234567890]/
