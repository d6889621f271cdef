import assert from 'node:assert/strict';
import { test } from 'node:test';
import { closeMatches, sequenceRatio } from '../src/model/python-close-matches.js';

// Expected values printed by CPython 3.11's difflib, which click calls for "Did you mean".

test('closeMatches picks what difflib.get_close_matches picks, in its order', () => {
  const cases: Array<[string, string[], string[]]> = [
    ['--journal', ['--journal-path', '--dry', '--help'], ['--journal-path']],
    [
      '--hypothesis',
      ['--journal-path', '--hypothesis-strategy', '--hypothesis-frequency', '--help'],
      ['--hypothesis-strategy', '--hypothesis-frequency'],
    ],
    [
      '--log-file',
      ['--var', '--var-file', '--control-file', '--help', '--journal-path'],
      ['--var-file', '--control-file'],
    ],
    [
      '--var-files',
      ['--var', '--var-file', '--control-file', '--help', '--dry'],
      ['--var-file', '--control-file', '--var'],
    ],
    // Equal scores: the greater strings are kept (heapq.nlargest over (score, text)).
    ['abcd', ['abce', 'abdc', 'bacd', 'xbcd', 'abcx'], ['xbcd', 'bacd', 'abdc']],
    ['--fail', ['--fail-fast', '--var-file', '--var', '--dry'], ['--fail-fast', '--var-file']],
    ['ab', ['ba', 'ab', 'aab', 'abab'], ['ab', 'aab', 'abab']],
    ['aaaa', ['aa', 'aaa', 'aaaaa', 'a'], ['aaaaa', 'aaa', 'aa']],
    ['--zzz', ['--dry', '--help'], []],
  ];
  for (const [word, possibilities, expected] of cases) {
    assert.deepEqual(closeMatches(word, possibilities), expected, word);
  }
});

test('sequenceRatio is SequenceMatcher.ratio(), the longest match taken first on each side', () => {
  const cases: Array<[string, string, number]> = [
    ['abcbd', 'bcabd', 0.6],
    ['--log-file', '--var-file', 0.7],
    ['qabxcd', 'abycdf', 0.6666666666666666],
    ['private Thread currentThread;', 'private volatile Thread currentThread;', 0.8656716417910447],
    ['', '', 1],
  ];
  for (const [a, b, ratio] of cases) assert.equal(sequenceRatio(a, b), ratio, `${a} / ${b}`);
});

test('closeMatches keeps a ratio equal to the cutoff, and breaks a tie by the greater text first', () => {
  // SequenceMatcher's ratio of abcde and abcxy is 2 * 3 / 10 = 0.6, the cutoff: difflib keeps it.
  assert.deepEqual(closeMatches('abcde', ['abcxy']), ['abcxy']);
  // Three equal scores: heapq.nlargest orders the (score, text) tuples by text, greatest first.
  assert.deepEqual(closeMatches('--ab', ['--ay', '--ax', '--az']), ['--az', '--ay', '--ax']);
  assert.deepEqual(closeMatches('--ab', ['--ax', '--ay', '--az']), ['--az', '--ay', '--ax']);
});
